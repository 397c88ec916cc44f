//! `GET <base>/{room}`: the size of a room before joining
//! ([`Hub::room_info_reply`]), so a page can say "room full" before it asks
//! for the camera.

use std::future;

use lingua_signal_core::{ConnectRequest, Hub, RoomInfoReply};
use warp::{
    Filter, Reply,
    filters::BoxedFilter,
    http::{StatusCode, header},
    path::FullPath,
    reply::Response,
};

/// The filter for `base` (e.g. `/room-info`); other paths are rejected as
/// not found, so the routes after it still get them.
pub(crate) fn filter(hub: Hub, base: &str) -> BoxedFilter<(Response,)> {
    let prefix = format!("{}/", base.trim_end_matches('/'));
    let room = warp::path::full().and_then(move |full: FullPath| {
        // The segment as it came (still percent-encoded): a room id needs no
        // decoding, and anything encoded is not one.
        let room = full.as_str().strip_prefix(prefix.as_str()).filter(|r| !r.contains('/')).map(str::to_owned);
        future::ready(room.ok_or_else(warp::reject::not_found))
    });
    let get = warp::get().or(warp::head()).unify();
    get.and(room)
        .and(crate::connect_request("http"))
        .map(move |room: String, request: ConnectRequest| respond(&hub.room_info_reply(&request, &room)))
        .boxed()
}

fn respond(reply: &RoomInfoReply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = warp::reply::with_header(reply.body.clone(), header::CONTENT_TYPE, RoomInfoReply::CONTENT_TYPE);
    let body = warp::reply::with_header(body, header::CACHE_CONTROL, "no-store");
    warp::reply::with_status(body, status).into_response()
}
