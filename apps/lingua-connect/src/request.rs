//! What the app reads from a request's headers, for the pages and the ICE
//! servers alike: the client cookie and the forwarding proxies.

use http::header;

/// The values of the request's `Cookie` headers.
pub fn cookie_headers(headers: &http::HeaderMap) -> impl Iterator<Item = &str> {
    headers.get_all(header::COOKIE).into_iter().filter_map(|v| v.to_str().ok())
}

/// An HTTP request from `remote` as the core sees it for per-address rules:
/// its `Forwarded` and `X-Forwarded-For` headers, which only trusted
/// proxies are believed about ([`lingua_signal_core::TrustedProxies`]).
#[must_use]
pub fn forwarded_request(
    headers: &http::HeaderMap,
    remote: Option<std::net::IpAddr>,
) -> lingua_signal_core::ConnectRequest {
    let forwarded = ["forwarded", "x-forwarded-for"]
        .into_iter()
        .flat_map(|name| headers.get_all(name).iter().filter_map(move |v| Some((name, v.to_str().ok()?))));
    forwarded
        .fold(lingua_signal_core::ConnectRequest::new("http", "GET", "/"), |r, (n, v)| r.header(n, v))
        .remote(remote)
}
