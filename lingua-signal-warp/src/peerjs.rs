//! The PeerJS server of `lingua-signal-core`, bound to warp: its routes, the
//! websocket upgrade, the conversion of warp's messages, and the core's CORS
//! policy on warp's responses. Everything else is
//! [`PeerJsServer`](lingua_signal_core::peerjs::PeerJsServer)'s.

use futures::{Sink, SinkExt, Stream, StreamExt, future};
use lingua_signal_core::{
    ConnectRequest,
    peerjs::{self, PeerJsServer, PeerParams, ReadError, Reply as PeerJsReply, Route, WsMessage},
};
use tokio_tungstenite::tungstenite::Message;
use warp::{
    Filter, Rejection, Reply,
    filters::BoxedFilter,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    path::FullPath,
    reply::Response,
};

use crate::ws::{self, WebSocket};

/// The PeerJS routes of `server`, at its absolute mount path whatever the
/// filters before this one matched.
pub(crate) fn filter(server: PeerJsServer) -> BoxedFilter<(Response,)> {
    websocket(server.clone()).or(http(server)).unify().boxed()
}

/// The request's route, if it is one of `server`'s and `wanted` says so.
fn route(
    server: PeerJsServer,
    wanted: fn(Route) -> bool,
) -> impl Filter<Extract = (Route,), Error = Rejection> + Clone + Send + Sync {
    warp::path::full().and_then(move |full: FullPath| {
        let route = server.route(full.as_str()).filter(|r| wanted(*r));
        future::ready(route.ok_or_else(warp::reject::not_found))
    })
}

/// `GET P + "peerjs"`: the upgrade is always accepted; refusals are frames.
fn websocket(server: PeerJsServer) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync {
    let upgrade = route(server.clone(), |r| r == Route::WebSocket).and(ws::upgrade());
    upgrade.and(warp::query::<Vec<(String, String)>>()).and(crate::connect_request("peerjs")).map(
        move |_: Route, upgrade: ws::Upgrade, query: Vec<(String, String)>, request| {
            if let Some(refused) = server.refuse_origin(&request) {
                return respond(refused.status, Some(refused), Vec::new());
            }
            crate::spawn_sweeper(server.hub());
            let server = server.clone();
            let params = PeerParams::from_pairs(query);
            let config = server.hub().config();
            upgrade
                .max_message_bytes(config.relay_bytes())
                .max_frame_bytes(config.message_bytes().max(config.relay_bytes()))
                .reply(move |socket| async move { server.serve_socket(convert(socket), params, request).await })
        },
    )
}

/// `GET`/`HEAD` on the HTTP routes, and `OPTIONS` (the preflight) on all.
fn http(server: PeerJsServer) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync {
    let request = warp::method().and(warp::header::headers_cloned()).and(crate::connect_request("peerjs"));
    route(server.clone(), |_| true).and(request).and_then(
        move |route: Route, method: Method, headers: HeaderMap, request: ConnectRequest| {
            let server = server.clone();
            async move {
                let origin = headers.get(header::ORIGIN).map(HeaderValue::as_bytes);
                let host = headers.get(header::HOST).map(HeaderValue::as_bytes);
                let cors = server.cors();
                if method == Method::OPTIONS {
                    let requested = headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS).map(HeaderValue::as_bytes);
                    return Ok(respond(peerjs::Cors::PREFLIGHT_STATUS, None, cors.preflight(origin, host, requested)));
                }
                if method != Method::GET && method != Method::HEAD {
                    return Err(warp::reject::not_found());
                }
                let reply = server.respond(route, &request).await.ok_or_else(warp::reject::not_found)?;
                Ok(respond(reply.status, Some(reply), cors.headers(origin, host)))
            }
        },
    )
}

fn respond(status: u16, reply: Option<PeerJsReply>, headers: Vec<peerjs::Header<'_>>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match reply {
        Some(reply) => {
            let body = warp::reply::with_header(reply.body, header::CONTENT_TYPE, reply.content_type);
            warp::reply::with_status(body, status).into_response()
        }
        None => warp::reply::with_status(warp::reply(), status).into_response(),
    };
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// The websocket as the core's stream and sink of [`WsMessage`].
fn convert(
    socket: WebSocket,
) -> impl Stream<Item = Result<WsMessage, ReadError>> + Sink<WsMessage, Error = ws::Error> + Send + Unpin {
    socket
        .with(|message| future::ready(Ok::<_, ws::Error>(outgoing(message))))
        .filter_map(|read| future::ready(read.map(incoming).map_err(|error| ReadError::classify(&error)).transpose()))
}

/// The core's message for `message`; raw frames (never produced when
/// reading) have none.
fn incoming(message: Message) -> Option<WsMessage> {
    Some(match message {
        Message::Text(text) => WsMessage::Text(text.as_str().to_owned()),
        Message::Binary(bytes) => WsMessage::Binary(bytes.into()),
        Message::Ping(bytes) => WsMessage::Ping(bytes.into()),
        Message::Pong(bytes) => WsMessage::Pong(bytes.into()),
        Message::Close(frame) => WsMessage::Close(
            frame.map(|f| peerjs::CloseFrame { code: f.code.into(), reason: f.reason.as_str().to_owned().into() }),
        ),
        Message::Frame(_) => return None,
    })
}

fn outgoing(message: WsMessage) -> Message {
    match message {
        WsMessage::Text(text) => ws::text(text),
        WsMessage::Binary(bytes) => Message::Binary(bytes.into()),
        WsMessage::Ping(bytes) => Message::Ping(bytes.into()),
        WsMessage::Pong(bytes) => Message::Pong(bytes.into()),
        WsMessage::Close(None) => Message::Close(None),
        WsMessage::Close(Some(frame)) => ws::close_with(frame.code, frame.reason),
    }
}
