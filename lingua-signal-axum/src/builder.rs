//! [`Signaling`] and its builder: one hub, one configuration, and what axum
//! needs to serve rooms and the PeerJS server.

use std::{borrow::Cow, fmt, sync::Arc, time::Duration};

use axum::Router;
use lingua_signal_core::{Config, Hub};
use socketioxide::{ParserConfig, SocketIo, layer::SocketIoLayer};

use crate::{
    PeerJsOptions, peerjs_router,
    socketio::{self, Counters, SocketIoMetrics},
};

/// Rooms over Socket.IO and the PeerJS server, sharing one [`Hub`].
///
/// Put [`Signaling::layer`] on the top-level router and merge
/// [`Signaling::router`] into it; see the crate docs for a complete app.
/// Cloning is cheap: clones share the hub and the Socket.IO server.
#[derive(Clone)]
pub struct Signaling {
    hub: Hub,
    io: SocketIo,
    layer: SocketIoLayer,
    peerjs: PeerJsOptions,
    counters: Arc<Counters>,
}

impl fmt::Debug for Signaling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `SocketIoLayer` is not `Debug`; the `SocketIo` handle stands for both.
        f.debug_struct("Signaling")
            .field("hub", &self.hub)
            .field("io", &self.io)
            .field("peerjs", &self.peerjs)
            .finish_non_exhaustive()
    }
}

impl Signaling {
    /// A builder with every setting at its default.
    #[must_use]
    pub fn builder() -> SignalingBuilder {
        SignalingBuilder::default()
    }

    /// The hub behind both protocols: its
    /// [`metrics`](lingua_signal_core::Hub::metrics) (rooms, members,
    /// connections, joins, refusals, relayed and expired messages), its
    /// [`shutdown`](lingua_signal_core::Hub::shutdown) (every Socket.IO
    /// socket is then disconnected by the server), and room queries.
    #[must_use]
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The socketioxide layer. It must wrap the **top-level** router
    /// (`app.layer(signaling.layer())`): it answers requests under the
    /// Socket.IO path itself and passes every other request through.
    #[must_use]
    pub fn layer(&self) -> SocketIoLayer {
        self.layer.clone()
    }

    /// The PeerJS routes, at the absolute path set with
    /// [`SignalingBuilder::peerjs_path`]: merge them into the app's router.
    pub fn router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        peerjs_router(self.hub.clone(), self.peerjs.clone())
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

/// Configures a [`Signaling`]; each setter documents its default.
#[derive(Debug, Clone)]
pub struct SignalingBuilder {
    hub: HubSource,
    peerjs: PeerJsOptions,
    socketio_path: Cow<'static, str>,
    ping_interval: Duration,
    ping_timeout: Duration,
    max_message_bytes: Option<usize>,
}

#[derive(Debug, Clone)]
enum HubSource {
    Config(Config),
    Hub(Hub),
}

impl Default for SignalingBuilder {
    fn default() -> Self {
        Self {
            hub: HubSource::Config(Config::default()),
            peerjs: PeerJsOptions::default(),
            socketio_path: Cow::Borrowed("/socket.io"),
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            max_message_bytes: None,
        }
    }
}

impl SignalingBuilder {
    /// Serves rooms and peers of an existing hub, with that hub's [`Config`].
    /// Default: a new hub with [`Config::default`].
    #[must_use]
    pub fn hub(mut self, hub: Hub) -> Self {
        self.hub = HubSource::Hub(hub);
        self
    }

    /// A new hub with these limits and timers. Default [`Config::default`].
    #[must_use]
    pub fn config(mut self, config: Config) -> Self {
        self.hub = HubSource::Config(config);
        self
    }

    /// All PeerJS settings at once. Default [`PeerJsOptions::default`].
    #[must_use]
    pub fn peerjs(mut self, options: PeerJsOptions) -> Self {
        self.peerjs = options;
        self
    }

    /// The PeerJS `path`, absolute (prefix included), as the browser's
    /// `new Peer({ path })` gives it. Default `"/peerjs"`.
    #[must_use]
    pub fn peerjs_path(mut self, path: impl Into<String>) -> Self {
        self.peerjs = self.peerjs.path(&path.into());
        self
    }

    /// The PeerJS `key`. Default `"peerjs"`, the client's default.
    #[must_use]
    pub fn peerjs_key(mut self, key: impl Into<String>) -> Self {
        self.peerjs = self.peerjs.key(key);
        self
    }

    /// The Socket.IO request path, prefix included; the client must pass
    /// the same `path` to `io(url, { path })`. Default `"/socket.io"`, the
    /// client's default.
    #[must_use]
    pub fn socketio_path(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.socketio_path = path.into();
        self
    }

    /// How often the server pings each Socket.IO client. Default 25 s, as
    /// Socket.IO's.
    #[must_use]
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval;
        self
    }

    /// How long the server waits for a pong before it drops the client and
    /// its rooms hear that it left. Default 20 s, as Socket.IO's.
    #[must_use]
    pub fn ping_timeout(mut self, timeout: Duration) -> Self {
        self.ping_timeout = timeout;
        self
    }

    /// The largest Socket.IO message a client may send, in bytes, on both
    /// transports: one HTTP long-polling body, one websocket message or
    /// frame, and the binary attachments of one packet. A client that sends
    /// more is disconnected. Default: the hub's
    /// [`Config::message_bytes`] (256 KiB unless configured).
    #[must_use]
    pub fn max_message_bytes(mut self, bytes: usize) -> Self {
        self.max_message_bytes = Some(bytes);
        self
    }

    /// Creates the hub (unless one was given), the Socket.IO server and
    /// the PeerJS settings, and spawns the hub's sweeper task.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, where the sweeper cannot be spawned: call it
    /// from `#[tokio::main]` code or a task.
    #[must_use]
    pub fn build(self) -> Signaling {
        let hub = match self.hub {
            HubSource::Hub(hub) => hub,
            HubSource::Config(config) => Hub::new(config),
        };
        if let Some(sweeper) = hub.take_sweeper() {
            tokio::spawn(sweeper);
        }
        let max = self.max_message_bytes.unwrap_or_else(|| hub.config().message_bytes());
        // socketioxide's defaults bound only polling bodies (100 KB); a
        // websocket message may be 64 MiB and a frame 16 MiB. Signaling
        // messages are small, so every inbound path gets the same bound.
        let (layer, io) = SocketIo::builder()
            .req_path(self.socketio_path)
            .ping_interval(self.ping_interval)
            .ping_timeout(self.ping_timeout)
            .max_payload(max as u64)
            .ws_max_message_size(max)
            .ws_max_frame_size(max)
            .with_parser(ParserConfig::common().max_incoming_binary_buf_size(max))
            .build_layer();
        let counters = Arc::new(Counters::default());
        socketio::serve(&io, hub.clone(), counters.clone());
        Signaling { hub, io, layer, peerjs: self.peerjs, counters }
    }
}
