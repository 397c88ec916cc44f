//! [`Signaling`] and its builder: one hub, one configuration, and what axum
//! needs to serve rooms and the PeerJS server.

use std::{fmt, sync::Arc};

use axum::Router;
use lingua_signal_core::{Adapter, Hub, Settings, peerjs::PeerJsServer};
use socketioxide::{ParserConfig, SocketIo};

use crate::{
    RoomsLayer, peerjs,
    socketio::{self, Counters, SocketIoMetrics},
};

/// Rooms over Socket.IO and the PeerJS server, sharing one [`Hub`].
///
/// Put [`Signaling::layer`] on the top-level router and merge
/// [`Signaling::router`] into it; see the crate docs for a complete app.
/// Cloning is cheap: clones share the hub and the Socket.IO server.
#[derive(Clone)]
pub struct Signaling {
    io: SocketIo,
    layer: RoomsLayer,
    peerjs: PeerJsServer,
    counters: Arc<Counters>,
}

impl fmt::Debug for Signaling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The `SocketIo` handle stands for the layer too.
        f.debug_struct("Signaling").field("io", &self.io).field("peerjs", &self.peerjs).finish_non_exhaustive()
    }
}

impl Signaling {
    /// A builder with every setting at its default.
    #[must_use]
    pub fn builder() -> SignalingBuilder {
        SignalingBuilder::default()
    }

    /// The hub behind both protocols: its
    /// [`metrics`](lingua_signal_core::Hub::metrics), its
    /// [`shutdown`](lingua_signal_core::Hub::shutdown) (every Socket.IO
    /// socket is then disconnected by the server and every PeerJS socket
    /// closed with 1001), and room queries.
    #[must_use]
    pub fn hub(&self) -> &Hub {
        self.peerjs.hub()
    }

    /// The socketioxide layer serving the rooms at the
    /// [`rooms_path`](SignalingBuilder::rooms_path). It must wrap the
    /// **top-level** router (`app.layer(signaling.layer())`): it answers
    /// requests under its path itself and passes every other request
    /// through. A request from a page whose `Origin` the hub refuses
    /// ([`HubBuilder::origins`](lingua_signal_core::HubBuilder::origins))
    /// gets `403 Forbidden` here, before any handshake.
    #[must_use]
    pub fn layer(&self) -> RoomsLayer {
        self.layer.clone()
    }

    /// The PeerJS routes, at the absolute
    /// [`peerjs_path`](SignalingBuilder::peerjs_path): merge them into the
    /// app's router ([`Router::merge`], not `nest`). Merged into a router
    /// that already has one of these routes, axum panics.
    pub fn router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        peerjs::router(self.peerjs.clone())
    }

    /// `GET base + "/{room}"` (e.g. `base` `/room-info`): the room's size
    /// before joining, `{"members": n, "capacity": c, "full": bool}`, or
    /// `400` for a bad room id and `403` for a refused `Origin`
    /// ([`Hub::room_info_reply`](lingua_signal_core::Hub::room_info_reply)).
    /// Merge it next to [`router`](Self::router).
    pub fn room_info_at<S>(&self, base: &str) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        crate::room_info::router(self.hub().clone(), base)
    }

    /// The same PeerJS server (hub and options) mounted at another absolute
    /// path, e.g. `"/"` for a second port that serves only PeerJS.
    pub fn peerjs_at<S>(&self, path: &str) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        let options = self.peerjs.options().clone().path(path);
        peerjs::router(PeerJsServer::new(self.hub().clone(), options))
    }

    /// The framework-neutral PeerJS server behind [`Signaling::router`].
    #[must_use]
    pub fn peerjs(&self) -> &PeerJsServer {
        &self.peerjs
    }

    /// The Socket.IO server handle, for anything beyond rooms (other
    /// namespaces, broadcasts, closing all sockets).
    #[must_use]
    pub fn io(&self) -> &SocketIo {
        &self.io
    }

    /// The Socket.IO adapter's own counters (sockets, invalid requests,
    /// send failures).
    #[must_use]
    pub fn socketio_metrics(&self) -> SocketIoMetrics {
        self.counters.snapshot(self.io.sockets().len())
    }
}

/// Configures a [`Signaling`]: the core's one builder, shared with the warp
/// adapter (same setters, same defaults), with rooms over Socket.IO at
/// [`rooms_path`](lingua_signal_core::SignalingBuilder::rooms_path),
/// `"/socket.io"` by default.
pub type SignalingBuilder = lingua_signal_core::SignalingBuilder<Signaling>;

impl Adapter for Signaling {
    const DEFAULT_ROOMS_PATH: &'static str = "/socket.io";

    /// Creates the Socket.IO server and the PeerJS server on the hub.
    fn from_settings(settings: Settings) -> Self {
        let max = settings.max_message_bytes;
        // socketioxide's defaults bound only polling bodies (100 KB); a
        // websocket message may be 64 MiB and a frame 16 MiB. Signaling
        // messages are small, so every inbound path gets the same bound.
        let (layer, io) = SocketIo::builder()
            .req_path(settings.rooms_path.clone())
            .ping_interval(settings.ping_interval)
            .ping_timeout(settings.ping_timeout)
            .connect_timeout(settings.connect_timeout)
            .max_payload(max as u64)
            .ws_max_message_size(max)
            .ws_max_frame_size(max)
            .with_parser(ParserConfig::common().max_incoming_binary_buf_size(max))
            .build_layer();
        let counters = Arc::new(Counters::default());
        socketio::serve(&io, settings.hub.clone(), counters.clone());
        let layer = RoomsLayer::new(layer, settings.hub.clone(), &settings.rooms_path);
        Signaling { io, layer, peerjs: PeerJsServer::new(settings.hub, settings.peerjs), counters }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn building_outside_a_runtime_does_not_panic() {
        let signaling = Signaling::builder().rooms_path("/rtc/socket.io").peerjs_path("/rtc/peerjs").build();
        let _router: Router = signaling.router();
        assert_eq!(signaling.peerjs().options().mount_path(), "/rtc/peerjs/");
    }
}
