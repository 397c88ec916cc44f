//! [`Origins`]: which web pages may open websockets and call the PeerJS
//! HTTP endpoints of a hub.

use std::sync::Arc;

use crate::{ConnectRequest, Denied};

/// The `Origin`s a hub accepts on websocket upgrades (Socket.IO, the raw
/// websocket, PeerJS) and PeerJS HTTP requests; set it with
/// [`HubBuilder::origins`](crate::HubBuilder::origins). Browsers send
/// `Origin` with every websocket upgrade and cross-site request, so this
/// stops pages on other sites from using the server with their visitors'
/// cookies. A request without `Origin` is not from a web page (a program,
/// a test client) and is let through: the origin check is about browsers,
/// not about who connects.
///
/// ```
/// use lingua_signal_core::{ConnectRequest, Origins};
///
/// let origins = Origins::same_origin().allow("https://lessons.example.org")?;
/// let from = |origin: &str| {
///     ConnectRequest::new("websocket", "GET", "/rooms").header("host", "rooms.example.org").header("origin", origin)
/// };
/// assert!(origins.check(&from("https://rooms.example.org")).is_ok());
/// assert!(origins.check(&from("https://lessons.example.org")).is_ok());
/// assert_eq!(origins.check(&from("https://evil.example")).unwrap_err().code(), "origin-not-allowed");
/// # Ok::<(), lingua_signal_core::OriginError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origins {
    any: bool,
    same_origin: bool,
    allowed: Arc<[String]>,
    own_ports: Arc<[u16]>,
    /// The host names requests may carry in `Host`, besides IP literals and
    /// `localhost`; `None`: any.
    hosts: Option<Arc<[String]>>,
}

/// An origin for [`Origins::allow`] that is not `scheme://host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an origin (scheme://host[:port], no path), e.g. https://example.org")]
pub struct OriginError(String);

impl Default for Origins {
    /// [`Origins::any`].
    fn default() -> Self {
        Self::any()
    }
}

impl Origins {
    /// Every origin (the default of a hub: a library does not know where
    /// its pages are).
    #[must_use]
    pub fn any() -> Self {
        Self { any: true, same_origin: false, allowed: Arc::from([]), own_ports: Arc::from([]), hosts: None }
    }

    /// Pages of the server's own origin only: the `Origin`'s host and port
    /// equal the request's `Host` header. Behind a proxy that rewrites
    /// `Host`, [`allow`](Self::allow) the public origin too.
    #[must_use]
    pub fn same_origin() -> Self {
        Self { any: false, same_origin: true, allowed: Arc::from([]), own_ports: Arc::from([]), hosts: None }
    }

    /// The ports of all of the server's own listeners, for a server that
    /// listens on more than one (a PeerJS-only port beside the app's, HTTPS
    /// and its plain-HTTP redirect): with [`same_origin`](Self::same_origin),
    /// a page served by any of them may connect to every one. An `Origin`
    /// is accepted when its host is the request's `Host` (without its port)
    /// and its port, or its scheme's default port, is one of `ports`.
    ///
    /// ```
    /// use lingua_signal_core::{ConnectRequest, Origins};
    ///
    /// // The app on 3000, PeerJS alone on 3001, as the Node original ran.
    /// let origins = Origins::same_origin().own_ports([3000, 3001]);
    /// let to_peerjs = |origin: &str| {
    ///     ConnectRequest::new("peerjs", "GET", "/peerjs/id").header("host", "127.0.0.1:3001").header("origin", origin)
    /// };
    /// assert!(origins.check(&to_peerjs("http://127.0.0.1:3000")).is_ok());
    /// assert!(origins.check(&to_peerjs("http://127.0.0.1:8080")).is_err());
    /// assert!(origins.check(&to_peerjs("http://evil.example:3000")).is_err());
    /// ```
    #[must_use]
    pub fn own_ports(mut self, ports: impl IntoIterator<Item = u16>) -> Self {
        let mut all = self.own_ports.to_vec();
        all.extend(ports.into_iter().filter(|port| *port != 0));
        all.sort_unstable();
        all.dedup();
        self.own_ports = Arc::from(all);
        self
    }

    /// Restricts the `Host` that requests may name to IP literals,
    /// `localhost` (and `*.localhost`), the hosts of the origins
    /// [`allow`](Self::allow)ed, and `names` (without port, compared without
    /// regard to case): a page of a domain that an attacker points
    /// at this server's address (DNS rebinding) is same-origin with itself,
    /// so only the `Host` it carries gives it away. Checked on every request
    /// [`check`](Self::check) sees, with or without `Origin` (a same-origin
    /// `GET` carries none). Default: any host.
    ///
    /// ```
    /// use lingua_signal_core::{ConnectRequest, Origins};
    ///
    /// let origins = Origins::same_origin().allowed_hosts(["rooms.example.org"]);
    /// let to = |host: &str| ConnectRequest::new("websocket", "GET", "/rooms").header("host", host);
    /// assert!(origins.check(&to("rooms.example.org")).is_ok());
    /// assert!(origins.check(&to("192.0.2.7:3000")).is_ok());
    /// assert_eq!(origins.check(&to("rebound.example:3000")).unwrap_err().code(), "host-not-allowed");
    /// ```
    #[must_use]
    pub fn allowed_hosts<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        let mut hosts = self.hosts.as_deref().map(<[String]>::to_vec).unwrap_or_default();
        hosts.extend(names.into_iter().map(|name| name.as_ref().trim().trim_end_matches('.').to_ascii_lowercase()));
        self.hosts = Some(Arc::from(hosts));
        self
    }

    /// Whether a request may name `host` (a `Host` header value).
    #[must_use]
    pub fn host_allowed(&self, host: &str) -> bool {
        let Some(names) = &self.hosts else { return true };
        let host = host.trim().to_ascii_lowercase();
        if host.parse::<std::net::IpAddr>().is_ok() {
            return true;
        }
        let (name, _) = split_port(&host);
        let name = name.trim_end_matches('.');
        let literal = name.trim_start_matches('[').trim_end_matches(']');
        literal.parse::<std::net::IpAddr>().is_ok()
            || name == "localhost"
            || name.ends_with(".localhost")
            || names.iter().any(|allowed| allowed == name)
            || self.allowed.iter().any(|origin| origin.split_once("://").is_some_and(|(_, a)| split_port(a).0 == name))
    }

    /// Only the listed origins (add them with [`allow`](Self::allow)).
    #[must_use]
    pub fn none() -> Self {
        Self { any: false, same_origin: false, allowed: Arc::from([]), own_ports: Arc::from([]), hosts: None }
    }

    /// Also accepts `origin` (`scheme://host[:port]`, compared without
    /// regard to case).
    ///
    /// # Errors
    ///
    /// [`OriginError`] when `origin` has no scheme or host, or has a path.
    pub fn allow(mut self, origin: &str) -> Result<Self, OriginError> {
        let bad = || OriginError(origin.to_owned());
        let (scheme, authority) = origin.split_once("://").ok_or_else(bad)?;
        let clean = |s: &str| !s.is_empty() && !s.contains(['/', '?', '#', ' ', '@']);
        if !clean(scheme) || !clean(authority) {
            return Err(bad());
        }
        let mut allowed = self.allowed.to_vec();
        allowed.push(origin.to_ascii_lowercase());
        self.allowed = Arc::from(allowed);
        self.any = false;
        Ok(self)
    }

    /// Whether a request with these `Origin` and `Host` headers may go on.
    #[must_use]
    pub fn allows(&self, origin: Option<&str>, host: Option<&str>) -> bool {
        let Some(origin) = origin else { return true };
        if self.any {
            return true;
        }
        let origin = origin.trim().to_ascii_lowercase();
        if self.allowed.contains(&origin) {
            return true;
        }
        self.same_origin && host.is_some_and(|host| same_authority(&origin, host) || self.own_listener(&origin, host))
    }

    /// Whether `origin` (lowercase) is a page of another of the server's
    /// listeners: the request's host, one of [`own_ports`](Self::own_ports).
    fn own_listener(&self, origin: &str, host: &str) -> bool {
        if self.own_ports.is_empty() {
            return false;
        }
        let Some((scheme, authority)) = origin.split_once("://") else { return false };
        let (origin_host, port) = split_port(authority);
        let port = match port {
            Some(port) => port.parse::<u16>().ok(),
            None => default_port(scheme),
        };
        let host = host.trim().to_ascii_lowercase();
        let (request_host, _) = split_port(&host);
        port.is_some_and(|port| self.own_ports.contains(&port)) && origin_host == request_host
    }

    /// Checks the request's `Origin` against the list.
    ///
    /// # Errors
    ///
    /// [`Denied`] with code `origin-not-allowed`; answer a plain HTTP
    /// request with 403 Forbidden.
    pub fn check(&self, request: &ConnectRequest) -> Result<(), Denied> {
        if let Some(host) = request.header_value("host")
            && !self.host_allowed(host)
        {
            return Err(Denied::new("host-not-allowed", format!("{host} is not a name of this server")));
        }
        let origin = request.header_value("origin");
        if self.allows(origin, request.header_value("host")) {
            Ok(())
        } else {
            Err(Denied::new("origin-not-allowed", format!("pages of {} may not connect here", origin.unwrap_or(""))))
        }
    }
}

/// Whether `origin` (lowercase) names the same host and port as `host`,
/// with the scheme's default port implied where either leaves it out.
fn same_authority(origin: &str, host: &str) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else { return false };
    let default = default_port(scheme).map_or_else(String::new, |port| format!(":{port}"));
    let host = host.trim().to_ascii_lowercase();
    let with_port = |a: &str| if has_port(a) { a.to_owned() } else { format!("{a}{default}") };
    with_port(authority) == with_port(&host)
}

/// Whether an authority ends with a port (IPv6 literals are bracketed).
fn has_port(authority: &str) -> bool {
    authority.rsplit_once(':').is_some_and(|(_, port)| !port.is_empty() && !port.contains(']'))
}

/// An authority's host and port, if it has one.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    match authority.rsplit_once(':') {
        Some((host, port)) if has_port(authority) => (host, Some(port)),
        _ => (authority, None),
    }
}

/// The port a page of `scheme` is on when its origin names none.
fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_compares_host_and_port() {
        let same = Origins::same_origin();
        assert!(same.allows(Some("http://127.0.0.1:3000"), Some("127.0.0.1:3000")));
        assert!(same.allows(Some("HTTPS://Rooms.Example.org"), Some("rooms.example.org:443")));
        assert!(same.allows(Some("http://[::1]:3000"), Some("[::1]:3000")));
        assert!(!same.allows(Some("http://127.0.0.1:3001"), Some("127.0.0.1:3000")));
        assert!(!same.allows(Some("http://evil.example"), Some("rooms.example.org")));
        assert!(!same.allows(Some("null"), Some("rooms.example.org")));
        assert!(!same.allows(Some("http://127.0.0.1:3000"), None));
        // Not from a page: no Origin.
        assert!(same.allows(None, Some("x")));
    }

    #[test]
    fn own_ports_admit_pages_of_the_other_listeners_of_the_same_host() {
        let own = Origins::same_origin().own_ports([3000, 3001, 443, 0]);
        assert!(own.allows(Some("http://127.0.0.1:3000"), Some("127.0.0.1:3001")));
        assert!(own.allows(Some("http://127.0.0.1:3001"), Some("127.0.0.1:3000")));
        assert!(own.allows(Some("https://rooms.example.org"), Some("rooms.example.org:3001")));
        assert!(own.allows(Some("http://[::1]:3000"), Some("[::1]:3001")));
        // Another port of the same host is another site's page.
        assert!(!own.allows(Some("http://127.0.0.1:3002"), Some("127.0.0.1:3001")));
        assert!(!own.allows(Some("http://127.0.0.1"), Some("127.0.0.1:3001")));
        // Another host on one of our ports is not ours.
        assert!(!own.allows(Some("http://localhost:3000"), Some("127.0.0.1:3001")));
        assert!(!own.allows(Some("http://evil.example:3000"), Some("127.0.0.1:3001")));
        assert!(!own.allows(Some("http://127.0.0.1:3000"), None));
        // Port 0 (bind anywhere) is never a page's port; without the
        // same-origin rule the ports mean nothing.
        assert!(!own.allows(Some("http://127.0.0.1:0"), Some("127.0.0.1:3000")));
        assert!(!Origins::none().own_ports([3000, 3001]).allows(Some("http://a:3000"), Some("a:3001")));
    }

    #[test]
    fn allowed_hosts_admit_ip_literals_localhost_and_the_listed_names() {
        assert!(Origins::same_origin().host_allowed("anything.example"), "no list: any host");
        let hosts =
            Origins::same_origin().allow("https://lessons.example:8443").unwrap().allowed_hosts(["Rooms.Example.org."]);
        assert!(hosts.host_allowed("lessons.example:3000"), "the host of an allowed origin");
        for ok in [
            "rooms.example.org",
            "ROOMS.example.org:443",
            "rooms.example.org.",
            "10.0.0.7:3000",
            "[::1]:3000",
            "::1",
            "localhost:3000",
            "app.localhost",
        ] {
            assert!(hosts.host_allowed(ok), "{ok}");
        }
        for bad in ["evil.example", "rooms.example.org.evil", "localhost.evil", "xrooms.example.org"] {
            assert!(!hosts.host_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn listed_origins_are_exact_and_checked() {
        let list = Origins::none().allow("https://a.example").unwrap();
        assert!(list.allows(Some("https://A.example"), None));
        assert!(!list.allows(Some("http://a.example"), None));
        assert!(!list.allows(Some("https://a.example.evil"), None));
        for bad in ["a.example", "https://", "https://a.example/path", "://a"] {
            assert!(Origins::none().allow(bad).is_err(), "{bad}");
        }
        assert!(Origins::any().allows(Some("https://anything"), None));
    }
}
