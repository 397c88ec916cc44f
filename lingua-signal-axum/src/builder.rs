//! [`Signaling`] and its builder: one hub, one configuration, and what axum
//! needs to serve rooms and the PeerJS server.

use std::{fmt, sync::Arc, time::Duration};

use axum::Router;
use lingua_signal_core::{
    Config, Hub,
    peerjs::{PeerJsOptions, PeerJsServer},
};
use socketioxide::{ParserConfig, SocketIo, layer::SocketIoLayer};

use crate::{
    peerjs,
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
    layer: SocketIoLayer,
    peerjs: PeerJsServer,
    counters: Arc<Counters>,
}

impl fmt::Debug for Signaling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `SocketIoLayer` is not `Debug`; the `SocketIo` handle stands for both.
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
    /// through.
    #[must_use]
    pub fn layer(&self) -> SocketIoLayer {
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

/// Configures a [`Signaling`]; each setter documents its default. The warp
/// adapter's builder has the same setters.
#[derive(Debug, Clone)]
pub struct SignalingBuilder {
    hub: Option<Hub>,
    config: Config,
    peerjs: PeerJsOptions,
    rooms_path: String,
    ping_interval: Duration,
    ping_timeout: Duration,
    max_message_bytes: Option<usize>,
}

impl Default for SignalingBuilder {
    fn default() -> Self {
        Self {
            hub: None,
            config: Config::default(),
            peerjs: PeerJsOptions::default(),
            rooms_path: "/socket.io".to_owned(),
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            max_message_bytes: None,
        }
    }
}

impl SignalingBuilder {
    /// Serves rooms and peers of an existing hub, with that hub's [`Config`]
    /// (any [`config`](Self::config) is then ignored). Default: a new hub.
    #[must_use]
    pub fn hub(mut self, hub: Hub) -> Self {
        self.hub = Some(hub);
        self
    }

    /// The limits and timers of the new hub. Default [`Config::default`].
    #[must_use]
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The absolute path of the rooms endpoint: here Socket.IO's request
    /// path, which the client passes as `io(url, { path })`. Default
    /// `"/socket.io"`, the client's default.
    #[must_use]
    pub fn rooms_path(mut self, path: impl Into<String>) -> Self {
        self.rooms_path = path.into();
        self
    }

    /// All PeerJS settings at once. Default [`PeerJsOptions::default`].
    #[must_use]
    pub fn peerjs(mut self, options: PeerJsOptions) -> Self {
        self.peerjs = options;
        self
    }

    /// The absolute PeerJS mount path, the browser's `new Peer({ path })`.
    /// Default `"/peerjs"`.
    #[must_use]
    pub fn peerjs_path(mut self, path: &str) -> Self {
        self.peerjs = self.peerjs.path(path);
        self
    }

    /// The PeerJS `key`. Default `"peerjs"`, the client's default.
    #[must_use]
    pub fn peerjs_key(mut self, key: impl Into<String>) -> Self {
        self.peerjs = self.peerjs.key(key);
        self
    }

    /// How often the server pings each rooms client. Default 25 s.
    #[must_use]
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval;
        self
    }

    /// How long the server waits for the answer to a ping before it drops
    /// the client, whose rooms then hear that it left. Default 20 s.
    #[must_use]
    pub fn ping_timeout(mut self, timeout: Duration) -> Self {
        self.ping_timeout = timeout;
        self
    }

    /// The largest message a rooms client may send, in bytes; a client that
    /// sends more is disconnected. On Socket.IO it bounds both transports:
    /// one HTTP long-polling body, one websocket message or frame, and the
    /// binary attachments of one packet. Default: the hub's
    /// [`Config::message_bytes`] (256 KiB unless configured).
    #[must_use]
    pub fn max_message_bytes(mut self, bytes: usize) -> Self {
        self.max_message_bytes = Some(bytes);
        self
    }

    /// Creates the hub (unless one was given), the Socket.IO server and the
    /// PeerJS server. Needs no runtime: the hub's sweeper is spawned by the
    /// first PeerJS connection.
    #[must_use]
    pub fn build(self) -> Signaling {
        let hub = self.hub.unwrap_or_else(|| Hub::new(self.config));
        let max = self.max_message_bytes.unwrap_or_else(|| hub.config().message_bytes());
        // socketioxide's defaults bound only polling bodies (100 KB); a
        // websocket message may be 64 MiB and a frame 16 MiB. Signaling
        // messages are small, so every inbound path gets the same bound.
        let (layer, io) = SocketIo::builder()
            .req_path(self.rooms_path)
            .ping_interval(self.ping_interval)
            .ping_timeout(self.ping_timeout)
            .max_payload(max as u64)
            .ws_max_message_size(max)
            .ws_max_frame_size(max)
            .with_parser(ParserConfig::common().max_incoming_binary_buf_size(max))
            .build_layer();
        let counters = Arc::new(Counters::default());
        socketio::serve(&io, hub.clone(), counters.clone());
        Signaling { io, layer, peerjs: PeerJsServer::new(hub, self.peerjs), counters }
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
