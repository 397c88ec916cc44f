//! The service's own video page, `/call`: a few lines of HTML and script on
//! lingua-signal-client's ES module bundle (`client-js/dist`), both embedded
//! in the binary.

use warp::{Filter, Rejection, Reply, http::header, reply::Response};

/// Where the page is served.
pub const PAGE_PATH: &str = "/call";

const PAGE: &str = include_str!("../page/call.html");
const CLIENT: &str = include_str!("../../../client-js/dist/lingua-signal-client.js");

/// `/call` and the client bundle it imports, `/call/lingua-signal-client.js`.
pub fn filter() -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let page = warp::path!("call").and(warp::get()).map(|| serve(PAGE, "text/html; charset=utf-8"));
    let client = warp::path!("call" / "lingua-signal-client.js")
        .and(warp::get())
        .map(|| serve(CLIENT, "text/javascript; charset=utf-8"));
    page.or(client).unify()
}

fn serve(body: &'static str, content_type: &'static str) -> Response {
    warp::reply::with_header(body, header::CONTENT_TYPE, content_type).into_response()
}
