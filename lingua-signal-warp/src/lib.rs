#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod peerjs;
pub mod protocol;
mod rooms;
mod socket;

pub use lingua_signal_core::{Config, Hub};
pub use peerjs::{PeerJsOptions, peerjs};
pub use rooms::{RoomsOptions, rooms};

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_debug<T: Send + Sync + std::fmt::Debug>() {}

    #[test]
    fn public_types_are_send_sync_and_debug() {
        assert_send_sync_debug::<RoomsOptions>();
        assert_send_sync_debug::<protocol::Incoming>();
        assert_send_sync_debug::<protocol::Outgoing>();
        assert_send_sync_debug::<protocol::RequestError>();
    }
}
