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
        Self { any: true, same_origin: false, allowed: Arc::from([]) }
    }

    /// Pages of the server's own origin only: the `Origin`'s host and port
    /// equal the request's `Host` header. Behind a proxy that rewrites
    /// `Host`, [`allow`](Self::allow) the public origin too.
    #[must_use]
    pub fn same_origin() -> Self {
        Self { any: false, same_origin: true, allowed: Arc::from([]) }
    }

    /// Only the listed origins (add them with [`allow`](Self::allow)).
    #[must_use]
    pub fn none() -> Self {
        Self { any: false, same_origin: false, allowed: Arc::from([]) }
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
        self.same_origin && host.is_some_and(|host| same_authority(&origin, host))
    }

    /// Checks the request's `Origin` against the list.
    ///
    /// # Errors
    ///
    /// [`Denied`] with code `origin-not-allowed`; answer a plain HTTP
    /// request with 403 Forbidden.
    pub fn check(&self, request: &ConnectRequest) -> Result<(), Denied> {
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
    let default = match scheme {
        "http" | "ws" => ":80",
        "https" | "wss" => ":443",
        _ => "",
    };
    let host = host.trim().to_ascii_lowercase();
    let with_port = |a: &str| if has_port(a) { a.to_owned() } else { format!("{a}{default}") };
    with_port(authority) == with_port(&host)
}

/// Whether an authority ends with a port (IPv6 literals are bracketed).
fn has_port(authority: &str) -> bool {
    authority.rsplit_once(':').is_some_and(|(_, port)| !port.is_empty() && !port.contains(']'))
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
