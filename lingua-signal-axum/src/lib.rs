#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
mod origin;
mod peerjs;
mod refusal;
mod room_info;
mod socketio;

pub use builder::{Signaling, SignalingBuilder};
pub use lingua_signal_core::{
    self as core, Config, Event, Hub, JoinError, LeaveError, MetricsSnapshot, PeerId, RoomId,
    peerjs::{PeerJsOptions, PeerJsServer},
};
pub use origin::{OriginGate, RoomsLayer};
pub use refusal::Refusal;
pub use socketio::SocketIoMetrics;

/// The client's address, when the server put it in the request's
/// extensions: axum's `ConnectInfo<SocketAddr>`
/// (`into_make_service_with_connect_info`) or a plain `SocketAddr` (as
/// `lingua-signal-serve` does).
fn remote_ip(extensions: &axum::http::Extensions) -> Option<std::net::IpAddr> {
    use std::net::SocketAddr;
    let info = extensions.get::<axum::extract::ConnectInfo<SocketAddr>>().map(|info| info.0);
    info.or_else(|| extensions.get::<SocketAddr>().copied()).map(|addr| addr.ip())
}

/// Not part of the API: the Socket.IO argument decoding, public only for the
/// fuzz targets in `fuzz/` and their regression test.
#[doc(hidden)]
pub mod __fuzz {
    pub use crate::socketio::{Op, parse_event};
}

/// Spawns the hub's sweeper (held-message expiry, the idle timeout) once
/// per hub. Called from request handlers, which run inside a runtime, so
/// that building needs none.
fn spawn_sweeper(hub: &Hub) {
    if let Some(task) = hub.take_sweeper() {
        tokio::spawn(task);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_debug<T: Send + Sync + std::fmt::Debug>() {}

    #[test]
    fn public_types_are_send_sync_and_debug() {
        assert_send_sync_debug::<Signaling>();
        assert_send_sync_debug::<SignalingBuilder>();
        assert_send_sync_debug::<Refusal>();
        assert_send_sync_debug::<RoomsLayer>();
        assert_send_sync_debug::<SocketIoMetrics>();
    }
}
