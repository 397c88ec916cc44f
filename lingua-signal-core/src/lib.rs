#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod address;
mod authorize;
mod backplane;
mod builder;
mod config;
mod cookie;
mod env;
mod event;
mod frame;
mod hub;
mod id;
mod identity;
mod limit;
mod message;
mod metrics;
mod origin;
mod outbox;
mod ownership;
pub mod peerjs;
pub mod prometheus;
mod quota;
mod relay;
mod room_info;
mod rooms;
pub mod turn;

pub use address::{ProxyParseError, TrustedProxies};
pub use authorize::{AllowAll, Authorizer, BoxFuture, ConnectRequest, Denied, Grant, SharedSecret};
pub use backplane::{Backplane, LocalBackplane};
pub use builder::{Adapter, Settings, SignalingBuilder};
pub use config::Config;
pub use cookie::{
    CLIENT_COOKIE, ClientCookie, ClientCookies, CookieKey, CookieKeyError, HOST_CLIENT_COOKIE, MIN_KEY_LEN,
};
pub use event::{Activity, Event, RoomEvent};
pub use hub::{Connection, Hub, HubBuilder, WeakHub};
pub use id::{ConnId, IdError, MAX_ID_LEN, PeerId, RoomId};
pub use identity::Identity;
pub use limit::AddressLimiter;
pub use message::{Data, MessageError, Rate};
pub use metrics::{Metrics, MetricsSnapshot};
pub use origin::{OriginError, Origins};
pub use outbox::{CloseReason, Inbox, Mark};
pub use ownership::Ownership;
pub use room_info::{RoomInfo, RoomInfoReply};
pub use rooms::{JoinError, LeaveError};

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_debug<T: Send + Sync + std::fmt::Debug>() {}

    #[test]
    fn public_types_are_send_sync_and_debug() {
        assert_send_sync_debug::<Hub>();
        assert_send_sync_debug::<WeakHub>();
        assert_send_sync_debug::<Connection>();
        assert_send_sync_debug::<Inbox<Event>>();
        assert_send_sync_debug::<Inbox<peerjs::ServerFrame>>();
        assert_send_sync_debug::<peerjs::PeerSession>();
        assert_send_sync_debug::<peerjs::PeerJsServer>();
        assert_send_sync_debug::<peerjs::PeerJsOptions>();
        assert_send_sync_debug::<Config>();
        assert_send_sync_debug::<TrustedProxies>();
        assert_send_sync_debug::<Settings>();
        assert_send_sync_debug::<RoomId>();
        assert_send_sync_debug::<PeerId>();
        assert_send_sync_debug::<JoinError>();
        assert_send_sync_debug::<peerjs::RegisterError>();
        assert_send_sync_debug::<peerjs::FrameError>();
        assert_send_sync_debug::<MetricsSnapshot>();
        assert_send_sync_debug::<turn::Issuer>();
        assert_send_sync_debug::<ClientCookies>();
        assert_send_sync_debug::<ClientCookie>();
        assert_send_sync_debug::<CookieKey>();
        assert_send_sync_debug::<AddressLimiter>();
        assert_send_sync_debug::<turn::Credentials>();
        assert_send_sync_debug::<turn::CredentialError>();
    }
}
