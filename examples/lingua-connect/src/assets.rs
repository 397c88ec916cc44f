//! Everything the page needs, embedded in the binary: the room script and
//! stylesheet, and the browser libraries built from `client-js/`.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
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

/// `GET /assets/{name}`.
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    serve(&name, &headers)
}

/// `GET /favicon.ico`: the SVG icon (browsers accept it for this path).
pub async fn favicon(headers: HeaderMap) -> Response {
    serve("favicon.svg", &headers)
}

/// `GET /socket.io/socket.io.js`: the socket.io-client 4 browser build, for
/// pages written for the Node original.
pub async fn socket_io_client(headers: HeaderMap) -> Response {
    serve("socket.io.min.js", &headers)
}

/// Serves an embedded file with its content type and an ETag; answers
/// `304 Not Modified` to a matching `If-None-Match`. Browsers revalidate on
/// every load (`max-age=0`, as the Node server does for socket.io.js), so a
/// new binary is picked up at once.
pub fn serve(name: &str, request: &HeaderMap) -> Response {
    let Some(at) = ASSETS.iter().position(|a| a.name == name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let (asset, etag) = (&ASSETS[at], ETAGS[at].clone());
    let cache = [(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=0")), (header::ETAG, etag.clone())];
    if request.get(header::IF_NONE_MATCH) == Some(&etag) {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    let content_type = [(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type))];
    (content_type, cache, asset.body).into_response()
}
