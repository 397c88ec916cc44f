//! The HTTP side of the PeerJS server (protocol §3.1): info, id, peers.

use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Response},
};
use http::{StatusCode, header};

use super::Shared;

/// The reference's `app.json`, byte for byte.
const INFO: &str = r#"{"name":"PeerJS Server","description":"A server side element to broker connections between PeerJS clients.","website":"https://peerjs.com/"}"#;

/// `GET P`: what this server is.
pub(crate) async fn info() -> Response {
    ([(header::CONTENT_TYPE, "application/json; charset=utf-8")], INFO).into_response()
}

/// `GET P{key}/id`: a fresh id as the whole body. The client uses the body
/// verbatim, so nothing may follow the id (no newline). The key segment is
/// not checked, as in the reference.
pub(crate) async fn id(State(shared): State<Shared>) -> Response {
    let id = shared.hub.generate_peer_id();
    tracing::debug!(peer = %id, "handed out a peer id");
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], id.as_str().to_owned()).into_response()
}

/// `GET P{key}/peers`: 401 unless discovery is on, then every registered id.
pub(crate) async fn peers(State(shared): State<Shared>) -> Response {
    if !shared.options.discovery() {
        return (StatusCode::UNAUTHORIZED, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "Unauthorized")
            .into_response();
    }
    let ids: Vec<String> = shared.hub.peer_ids().iter().map(|id| id.as_str().to_owned()).collect();
    Json(ids).into_response()
}
