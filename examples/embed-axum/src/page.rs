//! The service's own video page, `/call`: a few lines of HTML and script on
//! lingua-signal-client's ES module bundle (`client-js/dist`), both embedded
//! in the binary.

use axum::{Router, http::header, response::IntoResponse, routing::get};

/// Where the page is served.
pub const PAGE_PATH: &str = "/call";

const PAGE: &str = include_str!("../page/call.html");
const CLIENT: &str = include_str!("../../../client-js/dist/lingua-signal-client.js");

/// `/call` and the client bundle it imports, `/call/lingua-signal-client.js`.
pub fn router() -> Router {
    Router::new()
        .route(
            PAGE_PATH,
            get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response() }),
        )
        .route(
            "/call/lingua-signal-client.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], CLIENT).into_response() }),
        )
}
