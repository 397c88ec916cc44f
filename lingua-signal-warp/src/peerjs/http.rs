//! The HTTP side of the PeerJS server (protocol §3.1): info, id, peers.

use lingua_signal_core::Hub;
use warp::{
    Reply,
    http::{StatusCode, header},
    reply::Response,
};

/// The reference's `app.json`, byte for byte.
const INFO: &str = r#"{"name":"PeerJS Server","description":"A server side element to broker connections between PeerJS clients.","website":"https://peerjs.com/"}"#;

/// `GET P`: what this server is.
pub(crate) fn info() -> Response {
    warp::reply::with_header(INFO, header::CONTENT_TYPE, "application/json; charset=utf-8").into_response()
}

/// `GET P{key}/id`: a fresh id as the whole body. The client uses the body
/// verbatim, so nothing may follow the id (no newline). The key segment is
/// not checked, as in the reference.
pub(crate) fn id(hub: &Hub) -> Response {
    let id = hub.generate_peer_id();
    tracing::debug!(peer = %id, "handed out a peer id");
    warp::reply::with_header(id.as_str().to_owned(), header::CONTENT_TYPE, "text/html; charset=utf-8").into_response()
}

/// `GET P{key}/peers`: 401 unless discovery is on, then every registered id.
pub(crate) fn peers(hub: &Hub, discovery: bool) -> Response {
    if !discovery {
        let body = warp::reply::with_header("Unauthorized", header::CONTENT_TYPE, "text/plain; charset=utf-8");
        return warp::reply::with_status(body, StatusCode::UNAUTHORIZED).into_response();
    }
    warp::reply::json(&hub.peer_ids()).into_response()
}
