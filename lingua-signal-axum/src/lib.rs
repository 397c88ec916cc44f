#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
mod peerjs;
mod refusal;
mod socketio;

pub use builder::{Signaling, SignalingBuilder};
pub use peerjs::{PeerJsOptions, peerjs_router};
pub use refusal::Refusal;
pub use socketio::SocketIoMetrics;

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_debug<T: Send + Sync + std::fmt::Debug>() {}

    #[test]
    fn public_types_are_send_sync_and_debug() {
        assert_send_sync_debug::<Signaling>();
        assert_send_sync_debug::<SignalingBuilder>();
        assert_send_sync_debug::<PeerJsOptions>();
        assert_send_sync_debug::<Refusal>();
        assert_send_sync_debug::<SocketIoMetrics>();
    }
}
