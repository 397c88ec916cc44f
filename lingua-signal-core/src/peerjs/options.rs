//! [`PeerJsOptions`]: where the PeerJS server lives, its key, who may call
//! it, and its websocket timers.

use std::time::Duration;

/// Options of the PeerJS server, the same for every adapter.
///
/// Build it from [`PeerJsOptions::default`] with the setters; each setter
/// documents its default. Limits and relay timers (idle timeout, expiry,
/// message size, peer limit) belong to the hub's [`Config`](crate::Config).
///
/// ```
/// use lingua_signal_core::peerjs::PeerJsOptions;
///
/// let options = PeerJsOptions::default().path("/signal/").key("s3cret");
/// assert_eq!(options.mount_path(), "/signal/");
/// assert_eq!(options.websocket_path(), "/signal/peerjs");
/// ```
#[derive(Debug, Clone)]
pub struct PeerJsOptions {
    path: String,
    key: String,
    allow_discovery: bool,
    cors_origins: Option<Vec<String>>,
    ping_interval: Option<Duration>,
    close_grace: Duration,
    peers_per_ip: Option<usize>,
    limit_loopback: bool,
}

impl Default for PeerJsOptions {
    fn default() -> Self {
        Self {
            path: "/peerjs/".to_owned(),
            key: "peerjs".to_owned(),
            allow_discovery: false,
            cors_origins: None,
            ping_interval: Some(Duration::from_secs(25)),
            close_grace: Duration::from_secs(5),
            peers_per_ip: Some(128),
            limit_loopback: false,
        }
    }
}

impl PeerJsOptions {
    /// Most peers registered at once from one client address (the TCP
    /// peer the adapter reports in
    /// [`ConnectRequest::remote_ip`](crate::ConnectRequest::remote_ip));
    /// `None` for no limit. Default 128 (a school or office behind one NAT
    /// address fits). Over it, the websocket gets an ERROR frame
    /// `"Too many peers from this address"` and is closed. Loopback
    /// addresses are exempt unless [`limit_loopback`](Self::limit_loopback),
    /// so tests and load generators on one machine work. Behind a reverse
    /// proxy every client has the proxy's address: set `None` there (or
    /// raise it) and limit at the proxy.
    #[must_use]
    pub fn max_peers_per_ip(mut self, max: Option<usize>) -> Self {
        self.peers_per_ip = max.map(|n| n.max(1));
        self
    }

    /// Applies [`max_peers_per_ip`](Self::max_peers_per_ip) to loopback
    /// addresses too. Default `false`.
    #[must_use]
    pub fn limit_loopback(mut self, on: bool) -> Self {
        self.limit_loopback = on;
        self
    }

    /// See [`PeerJsOptions::max_peers_per_ip`]: the limit that applies to
    /// `ip`, if any.
    #[must_use]
    pub fn peers_per_ip_for(&self, ip: std::net::IpAddr) -> Option<usize> {
        if ip.is_loopback() && !self.limit_loopback {
            return None;
        }
        self.peers_per_ip
    }

    /// The mount path `P`, absolute (prefix included): the browser client's
    /// `path` option. Default `"/peerjs"`. A missing leading `/` is added and
    /// a trailing `/` is implied: `"peerjs"`, `"/peerjs"` and `"/peerjs/"`
    /// are the same, and an empty path means `"/"`.
    #[must_use]
    pub fn path(mut self, path: &str) -> Self {
        self.path = normalise(path);
        self
    }

    /// The key clients must send on the websocket (`key` query parameter).
    /// Default `"peerjs"`, the stock client's default. The HTTP routes accept
    /// any key segment, as the reference server does. The key is not a
    /// secret (every page carries it) and is never logged above `debug`.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }

    /// Whether `GET P{key}/peers` lists the registered ids. Default `false`
    /// (the route answers 401, as the reference does).
    #[must_use]
    pub fn allow_discovery(mut self, allow: bool) -> Self {
        self.allow_discovery = allow;
        self
    }

    /// Origins echoed in `Access-Control-Allow-Origin`. Default `None`: any
    /// request `Origin` is echoed, like the reference's default. With a list,
    /// only the listed origins are echoed (`--cors A --cors B` in the
    /// reference's CLI). See [`Cors`](super::Cors) for the whole policy.
    #[must_use]
    pub fn cors_origins(mut self, origins: Option<Vec<String>>) -> Self {
        self.cors_origins = origins;
        self
    }

    /// How often the server sends websocket pings, to keep proxies from
    /// cutting idle sockets. Default 25 s; `None` (or zero) disables them.
    /// Pings and pongs never count as a sign of life: only PeerJS frames do.
    #[must_use]
    pub fn ping_interval(mut self, interval: Option<Duration>) -> Self {
        self.ping_interval = interval.filter(|d| !d.is_zero());
        self
    }

    /// How long a closing socket waits for the client to answer the close
    /// frame before the connection is dropped. Default 5 s. The peer's id is
    /// free before this wait starts.
    #[must_use]
    pub fn close_grace(mut self, grace: Duration) -> Self {
        self.close_grace = grace;
        self
    }

    /// The normalised mount path: starts and ends with `/`.
    #[must_use]
    pub fn mount_path(&self) -> &str {
        &self.path
    }

    /// The websocket path: the mount path followed by `peerjs`.
    #[must_use]
    pub fn websocket_path(&self) -> String {
        format!("{}peerjs", self.path)
    }

    /// See [`PeerJsOptions::key`].
    #[must_use]
    pub fn key_str(&self) -> &str {
        &self.key
    }

    /// See [`PeerJsOptions::allow_discovery`].
    #[must_use]
    pub fn discovery(&self) -> bool {
        self.allow_discovery
    }

    /// See [`PeerJsOptions::cors_origins`].
    #[must_use]
    pub fn origins(&self) -> Option<&[String]> {
        self.cors_origins.as_deref()
    }

    /// See [`PeerJsOptions::ping_interval`].
    #[must_use]
    pub fn pings(&self) -> Option<Duration> {
        self.ping_interval
    }

    /// See [`PeerJsOptions::close_grace`].
    #[must_use]
    pub fn grace(&self) -> Duration {
        self.close_grace
    }
}

/// `P` with exactly one leading and one trailing `/`.
fn normalise(path: &str) -> String {
    let inner = path.trim_matches('/');
    if inner.is_empty() { "/".to_owned() } else { format!("/{inner}/") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised() {
        for (given, want) in
            [("", "/"), ("/", "/"), ("//", "/"), ("peerjs", "/peerjs/"), ("/peerjs", "/peerjs/"), ("/a/b/", "/a/b/")]
        {
            assert_eq!(PeerJsOptions::default().path(given).mount_path(), want, "{given:?}");
        }
        assert_eq!(PeerJsOptions::default().path("/").websocket_path(), "/peerjs");
        assert_eq!(PeerJsOptions::default().websocket_path(), "/peerjs/peerjs");
    }

    #[test]
    fn defaults_match_the_reference() {
        let o = PeerJsOptions::default();
        assert_eq!((o.key_str(), o.discovery(), o.origins()), ("peerjs", false, None));
        assert_eq!(o.pings(), Some(Duration::from_secs(25)));
        assert_eq!(o.grace(), Duration::from_secs(5));
        assert_eq!(o.ping_interval(Some(Duration::ZERO)).pings(), None);
    }
}
