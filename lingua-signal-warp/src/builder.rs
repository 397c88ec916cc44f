//! [`Signaling`] and its builder: one hub, one configuration, and the warp
//! filters serving rooms and the PeerJS server.

use lingua_signal_core::{Adapter, Hub, Settings, peerjs::PeerJsServer};
use warp::{Filter, filters::BoxedFilter, reply::Response};

use crate::{peerjs, rooms};

/// Rooms over the raw-websocket protocol and the PeerJS server, sharing one
/// [`Hub`].
///
/// Combine [`Signaling::filter`] with your own routes with `.or(…)` at the
/// top level: its paths are absolute. Cloning is cheap.
#[derive(Debug, Clone)]
pub struct Signaling {
    rooms: rooms::RoomsSettings,
    peerjs: PeerJsServer,
}

impl Signaling {
    /// A builder with every setting at its default.
    #[must_use]
    pub fn builder() -> SignalingBuilder {
        SignalingBuilder::default()
    }

    /// The hub behind both protocols: its
    /// [`metrics`](lingua_signal_core::Hub::metrics), its
    /// [`shutdown`](lingua_signal_core::Hub::shutdown) (every rooms socket
    /// is then closed with 1001, every PeerJS socket too), and room queries.
    #[must_use]
    pub fn hub(&self) -> &Hub {
        self.peerjs.hub()
    }

    /// The rooms websocket and the PeerJS routes, at their absolute paths
    /// ([`rooms_path`](SignalingBuilder::rooms_path),
    /// [`peerjs_path`](SignalingBuilder::peerjs_path)), whatever filters run
    /// before it. Other requests are rejected as usual, so your own routes
    /// (and your 404) still get them.
    #[must_use]
    pub fn filter(&self) -> BoxedFilter<(Response,)> {
        self.rooms().or(self.peerjs_filter()).unify().boxed()
    }

    /// The rooms websocket alone, at the absolute
    /// [`rooms_path`](SignalingBuilder::rooms_path).
    #[must_use]
    pub fn rooms(&self) -> BoxedFilter<(Response,)> {
        rooms::filter(self.hub().clone(), self.rooms.clone())
    }

    /// The PeerJS routes alone, at the absolute
    /// [`peerjs_path`](SignalingBuilder::peerjs_path).
    #[must_use]
    pub fn peerjs_filter(&self) -> BoxedFilter<(Response,)> {
        peerjs::filter(self.peerjs.clone())
    }

    /// `GET base + "/{room}"` (e.g. `base` `/room-info`): the room's size
    /// before joining, `{"members": n, "capacity": c, "full": bool}`, or
    /// `400` for a bad room id and `403` for a refused `Origin`
    /// ([`Hub::room_info_reply`](lingua_signal_core::Hub::room_info_reply)).
    /// Other paths are rejected, for the routes after it.
    #[must_use]
    pub fn room_info_at(&self, base: &str) -> BoxedFilter<(Response,)> {
        crate::room_info::filter(self.hub().clone(), base)
    }

    /// The same PeerJS server (hub and options) at another absolute path,
    /// e.g. `"/"` for a second port that serves only PeerJS.
    #[must_use]
    pub fn peerjs_at(&self, path: &str) -> BoxedFilter<(Response,)> {
        let options = self.peerjs.options().clone().path(path);
        peerjs::filter(PeerJsServer::new(self.hub().clone(), options))
    }

    /// The framework-neutral PeerJS server behind the PeerJS routes.
    #[must_use]
    pub fn peerjs(&self) -> &PeerJsServer {
        &self.peerjs
    }
}

/// Configures a [`Signaling`]: the core's one builder, shared with the axum
/// adapter (same setters, same defaults), with the rooms websocket at
/// [`rooms_path`](lingua_signal_core::SignalingBuilder::rooms_path),
/// `"/rooms"` by default.
pub type SignalingBuilder = lingua_signal_core::SignalingBuilder<Signaling>;

impl Adapter for Signaling {
    const DEFAULT_ROOMS_PATH: &'static str = "/rooms";

    fn from_settings(settings: Settings) -> Self {
        let rooms = rooms::RoomsSettings {
            path: settings.rooms_path,
            ping_interval: settings.ping_interval,
            ping_timeout: settings.ping_timeout,
            max_message_bytes: settings.max_message_bytes,
            close_grace: settings.peerjs.grace(),
        };
        Signaling { rooms, peerjs: PeerJsServer::new(settings.hub, settings.peerjs) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn building_outside_a_runtime_does_not_panic() {
        let signaling = Signaling::builder().rooms_path("/rtc/rooms").peerjs_path("/rtc/peerjs").build();
        let _filter = signaling.filter();
        assert_eq!(signaling.peerjs().options().mount_path(), "/rtc/peerjs/");
    }
}
