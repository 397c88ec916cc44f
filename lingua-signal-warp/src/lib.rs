#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
mod peerjs;
pub mod protocol;
mod room_info;
mod rooms;
mod socket;
mod ws;

pub use builder::{Signaling, SignalingBuilder};
pub use lingua_signal_core::{
    self as core, Config, Event, Hub, JoinError, LeaveError, MetricsSnapshot, PeerId, RoomId,
    peerjs::{PeerJsOptions, PeerJsServer},
};

/// The upgrade request as the host's authorizer sees it: method, path and
/// query, headers.
fn connect_request(
    transport: &'static str,
) -> impl warp::Filter<Extract = (lingua_signal_core::ConnectRequest,), Error = std::convert::Infallible> + Clone {
    use warp::Filter as _;
    let query = warp::query::raw().or(warp::any().map(String::new)).unify();
    // The client's address: warp's own server reports it; a server that
    // serves `warp::service` (as lingua-signal-serve does) puts it in the
    // request's extensions.
    let remote = warp::addr::remote()
        .and(warp::ext::optional::<std::net::SocketAddr>())
        .map(|warp: Option<std::net::SocketAddr>, ext: Option<std::net::SocketAddr>| warp.or(ext).map(|a| a.ip()));
    warp::method().and(warp::path::full()).and(query).and(warp::header::headers_cloned()).and(remote).map(
        move |method: warp::http::Method,
              path: warp::path::FullPath,
              query: String,
              headers: warp::http::HeaderMap,
              remote: Option<std::net::IpAddr>| {
            let uri = if query.is_empty() { path.as_str().to_owned() } else { format!("{}?{query}", path.as_str()) };
            let request = lingua_signal_core::ConnectRequest::new(transport, method.as_str(), uri).remote(remote);
            let text_headers = headers.iter().filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)));
            text_headers.fold(request, |request, (name, value)| request.header(name, value))
        },
    )
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
        assert_send_sync_debug::<protocol::Incoming>();
        assert_send_sync_debug::<protocol::Outgoing>();
        assert_send_sync_debug::<protocol::RequestError>();
    }
}
