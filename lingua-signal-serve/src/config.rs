//! What a server allows: [`Deadlines`] for each state of an HTTP connection
//! and [`Limits`] on how many connections one client holds.

use std::time::Duration;

/// How long a client may take in each state of an HTTP connection before
/// the server closes it. Every connection is under exactly one of these
/// until it is upgraded (e.g. to a websocket, which keeps its own
/// heartbeats); then none applies.
///
/// ```
/// use std::time::Duration;
/// use lingua_signal_serve::Deadlines;
///
/// let deadlines = Deadlines::default().header(Duration::from_secs(5)).idle(Duration::from_secs(2));
/// assert_eq!(deadlines.body_timeout(), Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    header: Duration,
    idle: Duration,
    body: Duration,
    tls_handshake: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            header: Duration::from_secs(10),
            idle: Duration::from_secs(5),
            body: Duration::from_secs(30),
            tls_handshake: Duration::from_secs(10),
        }
    }
}

impl Deadlines {
    /// The time a client has to send a complete request head: on a new
    /// connection from the moment it is accepted (after the TLS handshake),
    /// on a kept-alive one from the first byte of the next request. Past it
    /// the server answers `408 Request Timeout` and closes. Covers a
    /// connection that sends nothing, a head sent byte by byte (slowloris)
    /// and a half-sent upgrade request. Default: 10 s.
    #[must_use]
    pub fn header(mut self, timeout: Duration) -> Self {
        self.header = timeout;
        self
    }

    /// How long a kept-alive connection may wait, silent, for its next
    /// request after a response has been sent; then it is closed without a
    /// response, as browsers expect. Default: 5 s.
    #[must_use]
    pub fn idle(mut self, timeout: Duration) -> Self {
        self.idle = timeout;
        self
    }

    /// The time a client has to send a whole request body, from the end of
    /// the request head. Past it the server answers `408 Request Timeout`
    /// when the service has not answered yet, and closes. Requests without
    /// a body are not affected; nor is the time the service takes to
    /// answer. Default: 30 s.
    #[must_use]
    pub fn body(mut self, timeout: Duration) -> Self {
        self.body = timeout;
        self
    }

    /// The time a client has to complete its TLS handshake (with the `tls`
    /// feature); then the connection is closed. Default: 10 s.
    #[must_use]
    pub fn tls_handshake(mut self, timeout: Duration) -> Self {
        self.tls_handshake = timeout;
        self
    }

    /// See [`header`](Self::header).
    #[must_use]
    pub fn header_timeout(&self) -> Duration {
        self.header
    }

    /// See [`idle`](Self::idle).
    #[must_use]
    pub fn idle_timeout(&self) -> Duration {
        self.idle
    }

    /// See [`body`](Self::body).
    #[must_use]
    pub fn body_timeout(&self) -> Duration {
        self.body
    }

    /// See [`tls_handshake`](Self::tls_handshake).
    #[must_use]
    pub fn tls_handshake_timeout(&self) -> Duration {
        self.tls_handshake
    }
}

/// How many connections one client may hold at once.
///
/// A client is an IPv4 address, or an IPv6 /64 network (one host usually
/// holds a whole /64, so counting single IPv6 addresses would cap nothing).
/// An IPv4-mapped IPv6 address counts as its IPv4 address.
///
/// ```
/// use lingua_signal_serve::Limits;
///
/// let limits = Limits::default().max_connections_per_ip(64);
/// assert_eq!(limits.connections_per_ip(), Some(64));
/// assert!(!limits.limits_loopback());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    per_ip: Option<u32>,
    loopback: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self { per_ip: Some(256), loopback: false }
    }
}

impl Limits {
    /// Most connections open at once from one client, upgraded websockets
    /// included; `None` (or 0) for no cap. A connection over the cap is
    /// closed as soon as it is accepted, before anything is read from it,
    /// and counted ([`Stats::refused_per_ip`](crate::Stats)). Default: 256.
    #[must_use]
    pub fn max_connections_per_ip(mut self, max: impl Into<Option<u32>>) -> Self {
        self.per_ip = max.into().filter(|&max| max > 0);
        self
    }

    /// Whether the cap also applies to loopback clients (`127.0.0.0/8`,
    /// `::1`). Default: `false`, so that local tests, load generators and a
    /// reverse proxy on the same host are not capped.
    #[must_use]
    pub fn limit_loopback(mut self, limit: bool) -> Self {
        self.loopback = limit;
        self
    }

    /// See [`max_connections_per_ip`](Self::max_connections_per_ip).
    #[must_use]
    pub fn connections_per_ip(&self) -> Option<u32> {
        self.per_ip
    }

    /// See [`limit_loopback`](Self::limit_loopback).
    #[must_use]
    pub fn limits_loopback(&self) -> bool {
        self.loopback
    }
}
