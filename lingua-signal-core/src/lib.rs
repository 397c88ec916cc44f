#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod admission;
mod backplane;
mod config;
mod frame;
mod hub;
mod id;
mod metrics;
mod outbox;
pub mod prometheus;
mod relay;
mod room;

pub use admission::{AdmitError, PeerParams};
pub use backplane::{Backplane, LocalBackplane};
pub use config::Config;
pub use frame::{ClientFrame, FrameError, Message, MessageKind, ServerFrame};
pub use hub::{Event, Hub};
pub use id::{IdError, MAX_ID_LEN, PeerId, RoomId};
pub use metrics::{Metrics, MetricsSnapshot};
pub use outbox::{CloseReason, Inbox, Mark};
pub use relay::{MAX_TOKEN_LEN, PeerSession, RegisterError, error_frame};
pub use room::{ConnId, Connection, JoinError, LeaveError};

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_debug<T: Send + Sync + std::fmt::Debug>() {}

    #[test]
    fn public_types_are_send_sync_and_debug() {
        assert_send_sync_debug::<Hub>();
        assert_send_sync_debug::<Connection>();
        assert_send_sync_debug::<Inbox<Event>>();
        assert_send_sync_debug::<Inbox<ServerFrame>>();
        assert_send_sync_debug::<PeerSession>();
        assert_send_sync_debug::<Config>();
        assert_send_sync_debug::<RoomId>();
        assert_send_sync_debug::<PeerId>();
        assert_send_sync_debug::<JoinError>();
        assert_send_sync_debug::<RegisterError>();
        assert_send_sync_debug::<FrameError>();
        assert_send_sync_debug::<MetricsSnapshot>();
    }
}
