//! The PeerJS server of `lingua-signal-core`, bound to axum: its routes, the
//! websocket upgrade, the conversion of axum's messages, and its CORS policy
//! through tower-http. Everything else is
//! [`PeerJsServer`](lingua_signal_core::peerjs::PeerJsServer)'s.

use axum::{
    Router,
    extract::{
        Query, Request, State,
        rejection::QueryRejection,
        ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade},
    },
    http::{Extensions, HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use futures::{Sink, SinkExt, Stream, StreamExt, future};
use lingua_signal_core::{
    ConnectRequest,
    peerjs::{self, Cors, PeerJsServer, PeerParams, ReadError, Route, WsMessage},
};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

/// The initial read buffer of a PeerJS socket: a typical SDP offer fits.
const READ_BUFFER: usize = 4096;

/// The PeerJS routes of `server`, at its absolute mount path.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(server: PeerJsServer) -> Router<S> {
    let options = server.options();
    let p = options.mount_path().to_owned();
    tracing::debug!(http = %format!("{p}{{key}}/id"), websocket = %options.websocket_path(), "PeerJS server mounted");
    let mut router = Router::new()
        .route(&p, get(|s: State<PeerJsServer>, r: Request| http(s, Route::Info, r)))
        .route(&format!("{p}{{key}}/id"), get(|s: State<PeerJsServer>, r: Request| http(s, Route::Id, r)))
        .route(&format!("{p}{{key}}/peers"), get(|s: State<PeerJsServer>, r: Request| http(s, Route::Peers, r)))
        .route(&options.websocket_path(), get(upgrade));
    if p != "/" {
        router =
            router.route(p.trim_end_matches('/'), get(|s: State<PeerJsServer>, r: Request| http(s, Route::Info, r)));
    }
    let cors = cors_layer(server.cors());
    // `route_layer`: only these routes get the CORS headers, not the 404s of
    // the application they are merged into.
    router.route_layer(cors).route_layer(middleware::from_fn(preflight_status)).with_state(server)
}

async fn http(State(server): State<PeerJsServer>, route: Route, request: Request) -> Response {
    let request = connect_request(request.method(), request.uri(), request.headers());
    match server.respond(route, &request).await {
        Some(answer) => reply(answer),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn reply(reply: peerjs::Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, reply.content_type)], reply.body).into_response()
}

/// The core's [`Cors`] policy in tower-http's terms.
fn cors_layer(policy: &Cors) -> CorsLayer {
    let policy = policy.clone();
    let origins = AllowOrigin::predicate(move |origin, request| {
        let host = request.headers.get(header::HOST).map(HeaderValue::as_bytes);
        policy.allow_origin(Some(origin.as_bytes()), host).is_some()
    });
    let methods = Cors::ALLOW_METHODS.split(',').filter_map(|m| Method::from_bytes(m.as_bytes()).ok());
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods(methods.collect::<Vec<_>>())
        .allow_headers(AllowHeaders::mirror_request())
}

/// tower-http answers a preflight with 200; the policy (and the reference
/// server) says [`Cors::PREFLIGHT_STATUS`].
async fn preflight_status(request: Request, next: Next) -> Response {
    let preflight = request.method() == Method::OPTIONS;
    let mut response = next.run(request).await;
    if preflight && response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::from_u16(Cors::PREFLIGHT_STATUS).unwrap_or(StatusCode::NO_CONTENT);
    }
    response
}

/// `GET P + "peerjs"`: the upgrade is always accepted; refusals are frames.
async fn upgrade(
    State(server): State<PeerJsServer>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    extensions: Extensions,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    ws: WebSocketUpgrade,
) -> Response {
    let request = connect_request(&method, &uri, &headers).remote(crate::remote_ip(&extensions));
    if let Some(refused) = server.refuse_origin(&request) {
        return reply(refused);
    }
    crate::spawn_sweeper(server.hub());
    // Percent-decoding is lossy, never fails: a rejection would mean "no
    // parameters" anyway.
    let params = PeerParams::from_pairs(query.map(|Query(pairs)| pairs).unwrap_or_default());
    let config = server.hub().config();
    let (max, frame) = (config.relay_bytes(), config.message_bytes().max(config.relay_bytes()));
    // tungstenite enforces the size limit before buffering a whole frame.
    // Its read buffer would otherwise start at 128 KiB, zero-filled, for
    // every socket: signaling frames are small, and a larger one grows it.
    // A frame up to the general frame limit is read whole before the
    // message limit refuses it: the socket stays framed and closes cleanly
    // with 1009. A larger frame is refused from its header.
    ws.max_message_size(max)
        .max_frame_size(frame)
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| async move { server.serve_socket(convert(socket), params, request).await })
}

/// The upgrade request as the host's authorizer sees it.
fn connect_request(method: &Method, uri: &Uri, headers: &HeaderMap) -> ConnectRequest {
    http_request("peerjs", method, uri, headers)
}

/// An HTTP request as the core sees it (origin checks, authorizer).
pub(crate) fn http_request(transport: &'static str, method: &Method, uri: &Uri, headers: &HeaderMap) -> ConnectRequest {
    let request = ConnectRequest::new(transport, method.as_str(), uri.to_string());
    headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .fold(request, |r, (n, v)| r.header(n, v))
}

/// axum's websocket as the core's stream and sink of [`WsMessage`].
fn convert(
    socket: WebSocket,
) -> impl Stream<Item = Result<WsMessage, ReadError>> + Sink<WsMessage, Error = axum::Error> + Unpin {
    socket
        .with(|message| future::ready(Ok::<_, axum::Error>(outgoing(message))))
        .map(|read| read.map(incoming).map_err(|error| ReadError::classify(&error)))
}

fn incoming(message: Message) -> WsMessage {
    match message {
        Message::Text(text) => WsMessage::Text(text.as_str().to_owned()),
        Message::Binary(bytes) => WsMessage::Binary(bytes.into()),
        Message::Ping(bytes) => WsMessage::Ping(bytes.into()),
        Message::Pong(bytes) => WsMessage::Pong(bytes.into()),
        Message::Close(frame) => WsMessage::Close(
            frame.map(|f| peerjs::CloseFrame { code: f.code, reason: f.reason.as_str().to_owned().into() }),
        ),
    }
}

fn outgoing(message: WsMessage) -> Message {
    match message {
        WsMessage::Text(text) => Message::Text(text.into()),
        WsMessage::Binary(bytes) => Message::Binary(bytes.into()),
        WsMessage::Ping(bytes) => Message::Ping(bytes.into()),
        WsMessage::Pong(bytes) => Message::Pong(bytes.into()),
        WsMessage::Close(frame) => {
            Message::Close(frame.map(|f| CloseFrame { code: f.code, reason: f.reason.into_owned().into() }))
        }
    }
}
