//! [`Signaling`] and its builder: one hub, one configuration, and the warp
//! filters serving rooms and the PeerJS server.

use std::time::Duration;

use lingua_signal_core::{
    Config, Hub,
    peerjs::{PeerJsOptions, PeerJsServer},
};
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

/// Configures a [`Signaling`]; each setter documents its default. The axum
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
            rooms_path: "/rooms".to_owned(),
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

    /// The absolute path of the rooms endpoint: here the websocket of the
    /// raw-websocket protocol. Default `"/rooms"`.
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
        self.ping_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// How much longer than the ping interval the server waits for any sign
    /// of life (a frame, a Ping, a Pong) before closing with 4408; the
    /// member's rooms then hear that it left. Default 20 s.
    #[must_use]
    pub fn ping_timeout(mut self, timeout: Duration) -> Self {
        self.ping_timeout = timeout;
        self
    }

    /// The largest message a rooms client may send, in bytes; a larger one
    /// closes the connection with 1009. Default: the hub's
    /// [`Config::message_bytes`] (256 KiB unless configured).
    #[must_use]
    pub fn max_message_bytes(mut self, bytes: usize) -> Self {
        self.max_message_bytes = Some(bytes);
        self
    }

    /// Creates the hub (unless one was given) and the servers. Needs no
    /// runtime: the hub's sweeper is spawned by the first PeerJS connection.
    #[must_use]
    pub fn build(self) -> Signaling {
        let hub = self.hub.unwrap_or_else(|| Hub::new(self.config));
        let rooms = rooms::RoomsSettings {
            path: self.rooms_path,
            ping_interval: self.ping_interval,
            ping_timeout: self.ping_timeout,
            max_message_bytes: self.max_message_bytes.unwrap_or_else(|| hub.config().message_bytes()),
            close_grace: self.peerjs.grace(),
        };
        Signaling { rooms, peerjs: PeerJsServer::new(hub, self.peerjs) }
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
