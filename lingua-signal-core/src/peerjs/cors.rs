//! [`Cors`]: the one CORS policy of the PeerJS routes.

use crate::Origins;

/// The CORS policy of every PeerJS HTTP route (protocol §3.3), as the
/// reference's `cors()` middleware applies it with `{origin: true}` or an
/// origin list:
///
/// - every answer echoes the request `Origin` in
///   `Access-Control-Allow-Origin` when it is allowed: the hub's
///   [`Origins`] accept pages of that origin ([`Cors::pages`]) and, when
///   [`PeerJsOptions::cors_origins`](super::PeerJsOptions::cors_origins)
///   lists origins, it is one of them; every answer says `Vary: Origin, …`;
///   without `Origin` nothing is echoed;
/// - an `OPTIONS` request is a preflight: status
///   [`PREFLIGHT_STATUS`](Cors::PREFLIGHT_STATUS) with no body, the methods
///   the routes serve, and the requested headers echoed. A refused origin
///   gets the same status and no grant.
///
/// Adapters apply it with their framework's own CORS support where it can
/// express this (tower-http on axum), and with [`Cors::headers`] and
/// [`Cors::preflight`] otherwise; the shared test suite checks both alike.
///
/// ```
/// use lingua_signal_core::peerjs::Cors;
///
/// let cors = Cors::new(Some(&["https://app.example".to_owned()]));
/// let host = Some(&b"rooms.example"[..]);
/// assert_eq!(cors.allow_origin(Some(b"https://app.example"), host), Some(&b"https://app.example"[..]));
/// assert_eq!(cors.allow_origin(Some(b"https://evil.example"), host), None);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Cors {
    origins: Option<Vec<String>>,
    pages: Origins,
}

/// A header as a name and its raw value.
pub type Header<'a> = (&'static str, &'a [u8]);

impl Cors {
    /// `Access-Control-Allow-Methods` of a preflight: what the routes serve
    /// (the reference lists `PUT, PATCH, POST, DELETE` too, which none of
    /// its routes answer).
    pub const ALLOW_METHODS: &'static str = "GET,HEAD";
    /// `Vary` of every answer: it depends on these request headers.
    pub const VARY: &'static str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
    /// The status of a preflight answer, as the reference sends it.
    pub const PREFLIGHT_STATUS: u16 = 204;

    /// Echoes any origin (`None`) or only those listed.
    #[must_use]
    pub fn new(origins: Option<&[String]>) -> Self {
        Self { origins: origins.map(<[String]>::to_vec), pages: Origins::any() }
    }

    /// Grants only origins whose pages the hub accepts too (its
    /// [`Origins`], with the request's `Host`): a page the routes answer
    /// with 403 gets no grant either. [`PeerJsServer`](super::PeerJsServer)
    /// sets the hub's.
    #[must_use]
    pub fn pages(mut self, pages: Origins) -> Self {
        self.pages = pages;
        self
    }

    /// The listed origins, or `None` when any origin is echoed.
    #[must_use]
    pub fn origins(&self) -> Option<&[String]> {
        self.origins.as_deref()
    }

    /// The request's `Origin` if it is to be echoed, for a request with
    /// that `Origin` and `Host`.
    #[must_use]
    pub fn allow_origin<'a>(&self, origin: Option<&'a [u8]>, host: Option<&[u8]>) -> Option<&'a [u8]> {
        let origin = origin?;
        let text = std::str::from_utf8(origin).ok()?;
        let host = host.and_then(|host| std::str::from_utf8(host).ok());
        if !self.pages.allows(Some(text), host) {
            return None;
        }
        match &self.origins {
            None => Some(origin),
            Some(list) => list.iter().any(|o| o.as_bytes() == origin).then_some(origin),
        }
    }

    /// The headers to add to an answer to a request with `origin` and
    /// `host`.
    #[must_use]
    pub fn headers<'a>(&self, origin: Option<&'a [u8]>, host: Option<&[u8]>) -> Vec<Header<'a>> {
        let mut headers = Vec::with_capacity(2);
        if let Some(origin) = self.allow_origin(origin, host) {
            headers.push(("access-control-allow-origin", origin));
        }
        headers.push(("vary", Self::VARY.as_bytes()));
        headers
    }

    /// The headers of the answer to a preflight with `origin`, `host` and
    /// `Access-Control-Request-Headers` `requested` (send it with
    /// [`Cors::PREFLIGHT_STATUS`] and an empty body). A refused origin gets
    /// `Vary` only.
    #[must_use]
    pub fn preflight<'a>(
        &self,
        origin: Option<&'a [u8]>,
        host: Option<&[u8]>,
        requested: Option<&'a [u8]>,
    ) -> Vec<Header<'a>> {
        let mut headers = self.headers(origin, host);
        if origin.is_some() && self.allow_origin(origin, host).is_none() {
            // A refused origin: `Vary` only.
            return headers;
        }
        headers.push(("access-control-allow-methods", Self::ALLOW_METHODS.as_bytes()));
        if let Some(requested) = requested {
            headers.push(("access-control-allow-headers", requested));
        }
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_origin_is_echoed_by_default_and_lists_filter() {
        let any = Cors::default();
        assert_eq!(any.allow_origin(Some(b"http://a:3000"), None), Some(&b"http://a:3000"[..]));
        assert_eq!(any.allow_origin(None, None), None);
        let list = Cors::new(Some(&["http://a:3000".to_owned()]));
        assert_eq!(list.allow_origin(Some(b"http://a:3000"), None), Some(&b"http://a:3000"[..]));
        assert_eq!(list.allow_origin(Some(b"http://b"), None), None);
    }

    #[test]
    fn origins_the_hub_refuses_get_no_grant_even_in_a_preflight() {
        let pages = Origins::same_origin().own_ports([3000, 3001]);
        let cors = Cors::default().pages(pages);
        let host = Some(&b"127.0.0.1:3001"[..]);
        assert_eq!(cors.allow_origin(Some(b"http://127.0.0.1:3000"), host), Some(&b"http://127.0.0.1:3000"[..]));
        assert_eq!(cors.allow_origin(Some(b"http://evil.example"), host), None);
        assert_eq!(cors.allow_origin(Some(b"http://127.0.0.1:3000"), None), None);
        let refused = cors.preflight(Some(b"http://evil.example"), host, Some(b"x-y"));
        assert_eq!(refused, [("vary", Cors::VARY.as_bytes())]);
        let allowed = cors.preflight(Some(b"http://127.0.0.1:3000"), host, None);
        assert_eq!(
            allowed,
            [
                ("access-control-allow-origin", &b"http://127.0.0.1:3000"[..]),
                ("vary", Cors::VARY.as_bytes()),
                ("access-control-allow-methods", b"GET,HEAD"),
            ]
        );
    }

    #[test]
    fn preflight_echoes_the_requested_headers() {
        let headers = Cors::default().preflight(Some(b"http://a"), None, Some(b"x-y"));
        assert_eq!(
            headers,
            [
                ("access-control-allow-origin", &b"http://a"[..]),
                ("vary", Cors::VARY.as_bytes()),
                ("access-control-allow-methods", Cors::ALLOW_METHODS.as_bytes()),
                ("access-control-allow-headers", b"x-y"),
            ]
        );
        let without_origin = Cors::default().headers(None, None);
        assert_eq!(without_origin, [("vary", Cors::VARY.as_bytes())]);
    }
}
