//! The HTML pages: `/` redirects to a new room, `/{room}` renders the room,
//! anything else is a 404 page with a link to a new room.

use std::sync::{Arc, LazyLock};

use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use lingua_signal_core::RoomId;
use minijinja::{Environment, context};
use serde::Serialize;

/// Templates, parsed once. `.html` names turn on HTML autoescaping.
static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    let room = include_str!("../../../client-js/templates/room.html");
    let not_found = include_str!("../../../client-js/templates/not-found.html");
    // The templates are part of this binary and checked by its tests; a
    // syntax error in them would fail the first page render, not start-up.
    if let Err(error) = env.add_template("room.html", room).and(env.add_template("not-found.html", not_found)) {
        tracing::error!(%error, "embedded template does not parse");
    }
    env
});

/// The content security policy of every page: scripts and styles only from
/// this origin, so even an injected tag could not run.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; media-src 'self' blob: mediastream:; \
                   connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// What the room page's script is told, as JSON in a `data-config`
/// attribute (escaped by the template engine; never pasted into a script).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageConfig {
    /// Set per request.
    pub room_id: Option<RoomId>,
    /// `"socketio"` here; the warp twin says `"websocket"`.
    pub transport: &'static str,
    /// The Socket.IO request path.
    pub socket_path: &'static str,
    /// The raw-websocket rooms path (unused with Socket.IO).
    pub rooms_path: &'static str,
    /// Where the PeerJS server is.
    pub peer: PeerConfig,
    /// ICE servers for `RTCPeerConnection`.
    pub ice_servers: Vec<IceServer>,
    /// The room size limit.
    pub max_room_size: Option<u16>,
}

/// The PeerJS part of [`PageConfig`].
#[derive(Debug, Clone, Serialize)]
pub struct PeerConfig {
    /// The PeerJS `path` option.
    pub path: String,
    /// The PeerJS `key` option.
    pub key: String,
    /// `None`: the page's own port.
    pub port: Option<u16>,
}

/// One ICE server, as `RTCPeerConnection` takes it.
#[derive(Debug, Clone, Serialize)]
pub struct IceServer {
    /// `stun:`, `turn:` or `turns:` URL.
    pub urls: String,
    /// TURN username.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// TURN credential.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// `GET /`: a new room.
pub async fn new_room() -> Response {
    let location = format!("/{}", RoomId::random());
    let location = HeaderValue::from_str(&location).unwrap_or(HeaderValue::from_static("/"));
    (StatusCode::FOUND, [(header::LOCATION, location), (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))])
        .into_response()
}

/// `GET /{room}`: the room page, or the 404 page for an invalid id.
pub async fn room(Path(room): Path<String>, State(config): State<Arc<PageConfig>>) -> Response {
    let Ok(room) = room.parse::<RoomId>() else { return not_found().await };
    let page = PageConfig { room_id: Some(room), ..(*config).clone() };
    let json = serde_json::to_string(&page).unwrap_or_default();
    render("room.html", context! { config => json }, StatusCode::OK)
}

/// Any other path: the 404 page.
pub async fn not_found() -> Response {
    render("not-found.html", context! {}, StatusCode::NOT_FOUND)
}

fn render(name: &str, ctx: minijinja::Value, status: StatusCode) -> Response {
    let html = TEMPLATES.get_template(name).and_then(|t| t.render(ctx));
    match html {
        Ok(html) => (status, [(header::CONTENT_SECURITY_POLICY, CSP), (header::CACHE_CONTROL, "no-store")], Html(html))
            .into_response(),
        Err(error) => {
            tracing::error!(%error, template = name, "rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}
