//! Everything the page needs, embedded in the binary: the room script and
//! stylesheet, and the browser libraries built from `client-js/`.
//!
//! Framework-neutral: [`respond`] builds an [`http::Response`] that the axum
//! app and its warp twin both return as it is.

use std::sync::LazyLock;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// The name under `/assets/`.
    pub name: &'static str,
    /// The `Content-Type` it is served with.
    pub content_type: &'static str,
    /// The bytes.
    pub body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $type:expr, $path:literal) => {
        Asset { name: $name, content_type: $type, body: include_bytes!(concat!("../../../client-js/", $path)) }
    };
}

const JS: &str = "application/javascript; charset=utf-8";

static ASSETS: &[Asset] = &[
    asset!("room.js", JS, "dist/room.js"),
    asset!("peerjs.min.js", JS, "dist/peerjs.min.js"),
    asset!("socket.io.min.js", JS, "dist/socket.io.min.js"),
    asset!("room.css", "text/css; charset=utf-8", "static/room.css"),
    asset!("favicon.svg", "image/svg+xml", "static/favicon.svg"),
];

/// The asset served at `/favicon.ico` (browsers accept SVG for this path).
pub const FAVICON: &str = "favicon.svg";

/// The asset served at `/socket.io/socket.io.js`: the socket.io-client 4
/// browser build, for pages written for the Node original.
pub const SOCKET_IO_CLIENT: &str = "socket.io.min.js";

/// The paths where the Node server serves the Socket.IO client library.
pub const SOCKET_IO_CLIENT_PATHS: [&str; 2] = ["/socket.io/socket.io.js", "/socket.io/socket.io.min.js"];

/// ETags computed once: FNV-1a over the bytes, so they change exactly when a
/// rebuilt bundle does.
static ETAGS: LazyLock<Vec<HeaderValue>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            let hash =
                a.body.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
            HeaderValue::from_str(&format!("\"{hash:016x}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
        })
        .collect()
});

/// The embedded file called `name` and its ETag.
#[must_use]
pub fn lookup(name: &str) -> Option<(&'static Asset, HeaderValue)> {
    let at = ASSETS.iter().position(|a| a.name == name)?;
    Some((&ASSETS[at], ETAGS[at].clone()))
}

/// Serves the embedded file `name` with its content type and an ETag;
/// answers `304 Not Modified` when `if_none_match` (the request's header)
/// matches, and `404` for an unknown name. Browsers revalidate on every load
/// (`max-age=0`, as the Node server does for socket.io.js), so a new binary
/// is picked up at once.
#[must_use]
pub fn respond(name: &str, if_none_match: Option<&HeaderValue>) -> Response<Bytes> {
    let Some((asset, etag)) = lookup(name) else {
        return reply(StatusCode::NOT_FOUND, &[], Bytes::from_static(b"not found"));
    };
    let cache = [(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=0")), (header::ETAG, etag.clone())];
    if if_none_match == Some(&etag) {
        return reply(StatusCode::NOT_MODIFIED, &cache, Bytes::new());
    }
    let mut response = reply(StatusCode::OK, &cache, Bytes::from_static(asset.body));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    response
}

/// A response with `status`, `headers` and `body`.
pub(crate) fn reply(status: StatusCode, headers: &[(header::HeaderName, HeaderValue)], body: Bytes) -> Response<Bytes> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().extend(headers.iter().cloned());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_matching_etag_revalidates_without_a_body() {
        let first = respond("room.css", None);
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()[header::CONTENT_TYPE], "text/css; charset=utf-8");
        let etag = first.headers()[header::ETAG].clone();
        let again = respond("room.css", Some(&etag));
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(again.body().is_empty());
        assert_eq!(again.headers()[header::ETAG], etag);
    }

    #[test]
    fn unknown_names_are_not_found() {
        assert!(lookup("../Cargo.toml").is_none());
        assert_eq!(respond("nope.js", None).status(), StatusCode::NOT_FOUND);
    }
}
