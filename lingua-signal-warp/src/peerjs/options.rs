//! [`PeerJsOptions`]: the key, discovery, CORS and pings of the PeerJS server.

use std::time::Duration;

/// Options of the PeerJS-compatible server built by [`peerjs`](crate::peerjs).
///
/// Build it from [`PeerJsOptions::default`] with the setters; each setter
/// documents its default. Where the server lives is not an option: it is
/// where you mount the filter. Limits and timers (idle timeout, expiry,
/// message size, peer limit) belong to the hub's
/// [`Config`](lingua_signal_core::Config).
///
/// ```
/// use std::time::Duration;
/// use lingua_signal_warp::PeerJsOptions;
///
/// let options = PeerJsOptions::default().key("s3cret").ping_interval(None);
/// assert_eq!((options.key_str(), options.pings()), ("s3cret", None));
/// ```
#[derive(Debug, Clone)]
pub struct PeerJsOptions {
    key: String,
    allow_discovery: bool,
    cors_origins: Option<Vec<String>>,
    ping_interval: Option<Duration>,
}

impl Default for PeerJsOptions {
    fn default() -> Self {
        Self {
            key: "peerjs".to_owned(),
            allow_discovery: false,
            cors_origins: None,
            ping_interval: Some(Duration::from_secs(25)),
        }
    }
}

impl PeerJsOptions {
    /// The key clients must send on the websocket (`key` query parameter).
    /// Default `"peerjs"`, the stock client's default. The HTTP routes accept
    /// any key segment, as the reference server does.
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
    /// reference's CLI).
    #[must_use]
    pub fn cors_origins(mut self, origins: Option<Vec<String>>) -> Self {
        self.cors_origins = origins;
        self
    }

    /// How often the server sends websocket pings, to keep proxies from
    /// cutting idle sockets. Default 25 s; `None` (or zero) disables them.
    /// Pings and pongs never count as a sign of life: PeerJS frames do.
    #[must_use]
    pub fn ping_interval(mut self, interval: Option<Duration>) -> Self {
        self.ping_interval = interval.filter(|d| !d.is_zero());
        self
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_reference() {
        let o = PeerJsOptions::default();
        assert_eq!((o.key_str(), o.discovery(), o.origins()), ("peerjs", false, None));
        assert_eq!(o.pings(), Some(Duration::from_secs(25)));
        assert_eq!(o.ping_interval(Some(Duration::ZERO)).pings(), None);
    }
}
