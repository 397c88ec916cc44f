//! [`SignalingBuilder`]: the one way every adapter is configured.

use std::{fmt, marker::PhantomData, time::Duration};

use crate::{Config, Hub, peerjs::PeerJsOptions};

/// An adapter's server type, built from [`Settings`] by a
/// [`SignalingBuilder`]. `lingua-signal-axum` and `lingua-signal-warp` each
/// implement it for their `Signaling`, so both are configured with this one
/// builder, its setter names and its defaults.
pub trait Adapter: Sized {
    /// The [`rooms_path`](SignalingBuilder::rooms_path) by default, e.g.
    /// `"/socket.io"` for Socket.IO.
    const DEFAULT_ROOMS_PATH: &'static str;

    /// Builds the adapter's server. Must not need a running tokio runtime.
    fn from_settings(settings: Settings) -> Self;
}

/// Everything a [`SignalingBuilder`] collected, with its defaults applied;
/// what an [`Adapter`] builds from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Settings {
    /// The hub: the given one, or a new one with the given [`Config`].
    pub hub: Hub,
    /// The PeerJS server's options.
    pub peerjs: PeerJsOptions,
    /// The absolute path of the rooms endpoint.
    pub rooms_path: String,
    /// How often the server pings each rooms client.
    pub ping_interval: Duration,
    /// How long past a ping the server waits for any sign of life.
    pub ping_timeout: Duration,
    /// The largest inbound rooms message, in bytes.
    pub max_message_bytes: usize,
    /// How long a Socket.IO client has, once its transport is open, to
    /// connect to the namespace.
    pub connect_timeout: Duration,
}

/// Configures an adapter's `Signaling`: one hub (rooms and PeerJS relay),
/// the rooms endpoint and the PeerJS server. Each setter documents its
/// default; every path is absolute, prefix included. Get one from the
/// adapter's `Signaling::builder()`.
pub struct SignalingBuilder<A> {
    hub: Option<Hub>,
    config: Config,
    peerjs: PeerJsOptions,
    rooms_path: Option<String>,
    ping_interval: Duration,
    ping_timeout: Duration,
    max_message_bytes: Option<usize>,
    connect_timeout: Duration,
    adapter: PhantomData<fn() -> A>,
}

impl<A> fmt::Debug for SignalingBuilder<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignalingBuilder")
            .field("hub", &self.hub)
            .field("config", &self.config)
            .field("peerjs", &self.peerjs)
            .field("rooms_path", &self.rooms_path)
            .field("ping_interval", &self.ping_interval)
            .field("ping_timeout", &self.ping_timeout)
            .field("max_message_bytes", &self.max_message_bytes)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

impl<A> Clone for SignalingBuilder<A> {
    fn clone(&self) -> Self {
        Self {
            hub: self.hub.clone(),
            config: self.config.clone(),
            peerjs: self.peerjs.clone(),
            rooms_path: self.rooms_path.clone(),
            ping_interval: self.ping_interval,
            ping_timeout: self.ping_timeout,
            max_message_bytes: self.max_message_bytes,
            connect_timeout: self.connect_timeout,
            adapter: PhantomData,
        }
    }
}

impl<A> Default for SignalingBuilder<A> {
    fn default() -> Self {
        Self {
            hub: None,
            config: Config::default(),
            peerjs: PeerJsOptions::default(),
            rooms_path: None,
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            max_message_bytes: None,
            connect_timeout: Duration::from_secs(10),
            adapter: PhantomData,
        }
    }
}

impl<A: Adapter> SignalingBuilder<A> {
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

    /// The absolute path of the rooms endpoint: Socket.IO's request path on
    /// axum (the client's `io(url, { path })`, default `"/socket.io"`), the
    /// raw-websocket path on warp (default `"/rooms"`).
    #[must_use]
    pub fn rooms_path(mut self, path: impl Into<String>) -> Self {
        self.rooms_path = Some(path.into());
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

    /// How often the server pings each rooms client. Default 25 s, as
    /// Socket.IO's; at least 1 ms.
    #[must_use]
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// How long past a ping the server waits for the client's answer (on
    /// the raw websocket: for anything) before it drops the client, whose
    /// rooms then hear that it left. Default 20 s, as Socket.IO's.
    #[must_use]
    pub fn ping_timeout(mut self, timeout: Duration) -> Self {
        self.ping_timeout = timeout;
        self
    }

    /// The largest message a rooms client may send, in bytes; a client that
    /// sends more is disconnected (on the raw websocket with 1009; on
    /// Socket.IO for any transport: a long-polling body, a websocket message
    /// or frame, the binary attachments of one packet). Default: the hub's
    /// [`Config::message_bytes`] (256 KiB unless configured).
    #[must_use]
    pub fn max_message_bytes(mut self, bytes: usize) -> Self {
        self.max_message_bytes = Some(bytes);
        self
    }

    /// How long a Socket.IO client has, once its transport (websocket or
    /// polling) is open, to connect to the namespace (its `CONNECT`
    /// packet) before the server closes it. Default 10 s (socketioxide's
    /// own default is 45 s); at least 1 ms. The raw websocket has no such
    /// step: its clients are in once upgraded, and the
    /// [`ping_timeout`](Self::ping_timeout) closes silent ones.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The settings as they stand, defaults applied (a new hub is created
    /// here unless one was given).
    #[must_use]
    pub fn settings(self) -> Settings {
        let hub = self.hub.unwrap_or_else(|| Hub::new(self.config));
        Settings {
            max_message_bytes: self.max_message_bytes.unwrap_or_else(|| hub.config().message_bytes()),
            hub,
            peerjs: self.peerjs,
            rooms_path: self.rooms_path.unwrap_or_else(|| A::DEFAULT_ROOMS_PATH.to_owned()),
            ping_interval: self.ping_interval,
            ping_timeout: self.ping_timeout,
            connect_timeout: self.connect_timeout,
        }
    }

    /// Builds the adapter's server. Needs no tokio runtime and never
    /// panics: the hub's sweeper starts with the first PeerJS connection.
    #[must_use]
    pub fn build(self) -> A {
        A::from_settings(self.settings())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Probe(Settings);

    impl Adapter for Probe {
        const DEFAULT_ROOMS_PATH: &'static str = "/probe";

        fn from_settings(settings: Settings) -> Self {
            Self(settings)
        }
    }

    #[test]
    fn defaults_come_from_the_adapter_and_the_hub() {
        let Probe(s) = SignalingBuilder::<Probe>::default().config(Config::default().max_message_bytes(1000)).build();
        assert_eq!((s.rooms_path.as_str(), s.max_message_bytes), ("/probe", 1000));
        assert_eq!((s.ping_interval, s.ping_timeout), (Duration::from_secs(25), Duration::from_secs(20)));
        assert_eq!(s.peerjs.mount_path(), "/peerjs/");
    }

    #[test]
    fn a_given_hub_wins_over_a_config() {
        let hub = Hub::new(Config::default().max_members_per_room(3));
        let Probe(s) = SignalingBuilder::<Probe>::default().config(Config::default()).hub(hub).build();
        assert_eq!(s.hub.config().members_per_room(), 3);
    }
}
