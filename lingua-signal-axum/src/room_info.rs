//! `GET <base>/{room}`: the size of a room before joining
//! ([`Hub::room_info_reply`]), so a page can say "room full" before it asks
//! for the camera.

use axum::{
    Router,
    extract::{Path, State},
    http::{Extensions, HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::get,
};
use lingua_signal_core::Hub;

/// The route, at `base` (e.g. `/room-info`), answering from `hub`.
pub(crate) fn router<S>(hub: Hub, base: &str) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let path = format!("{}/{{room}}", base.trim_end_matches('/'));
    Router::new().route(&path, get(info)).with_state(hub)
}

async fn info(
    State(hub): State<Hub>,
    Path(room): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    // With the client's address: lookups are rate-limited per address.
    let request = crate::peerjs::http_request("http", &method, &uri, &headers).remote(crate::remote_ip(&extensions));
    let reply = hub.room_info_reply(&request, &room);
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(lingua_signal_core::RoomInfoReply::CONTENT_TYPE)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    (status, headers, reply.body).into_response()
}
