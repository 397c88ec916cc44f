//! The HTML pages: `/` redirects to a new room, `/{room}` renders the room,
//! anything else is a 404 page with a link to a new room.
//!
//! Framework-neutral: each page is an [`http::Response`] with its status and
//! headers, which the axum app and its warp twin both return as it is.

use std::{io, sync::LazyLock};

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use lingua_signal_core::{ClientCookie, ClientCookies, RoomId, prometheus};
use minijinja::{Environment, context};
use serde::Serialize;

use crate::{
    Options,
    assets::reply,
    ice::{ICE_SERVERS_PATH, IceServer, IceServers},
    request,
};

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
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                       img-src 'self' data:; media-src 'self' blob: mediastream:; \
                       connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// [`CSP`] for a room page served to a request for `host`: its scripts may
/// connect to this origin only, its websockets included (`ws://` and
/// `wss://` on the same host and port, named, as `'self'` does not cover
/// them in every browser). A `Host` that is not a plain `host[:port]` gets
/// `'self'` alone.
#[must_use]
pub fn room_csp(host: Option<&str>) -> String {
    let plain = |h: &str| {
        !h.is_empty() && h.len() <= 255 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
    };
    match host.filter(|h| plain(h)) {
        Some(host) => CSP.replacen("connect-src 'self'", &format!("connect-src 'self' ws://{host} wss://{host}"), 1),
        None => CSP.to_owned(),
    }
}

/// The PeerJS mount path on the app's own port.
pub const PEERJS_PATH: &str = "/peerjs";

/// Where a page asks a room's size before joining: `GET /room-info/{room}`
/// (`Signaling::room_info_at`). Not under `/rooms`, the rooms websocket.
pub const ROOM_INFO_PATH: &str = "/room-info";

/// How the room page's script reaches the rooms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Transport {
    /// Socket.IO at [`PageConfig::socket_path`] (the axum app).
    #[serde(rename = "socketio")]
    SocketIo,
    /// The raw-websocket rooms protocol at [`PageConfig::rooms_path`] (the
    /// warp app).
    #[serde(rename = "websocket")]
    WebSocket,
}

/// What the room page's script is told, as JSON in a `data-config`
/// attribute (escaped by the template engine; never pasted into a script).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageConfig {
    /// Set per request.
    pub room_id: Option<RoomId>,
    /// Socket.IO or the raw websocket.
    pub transport: Transport,
    /// The Socket.IO request path.
    pub socket_path: &'static str,
    /// The raw-websocket rooms path.
    pub rooms_path: &'static str,
    /// Where the PeerJS server is.
    pub peer: PeerConfig,
    /// The room-info endpoint; the page appends `/{room}`.
    pub room_info_path: &'static str,
    /// ICE servers for `RTCPeerConnection`, with TURN credentials issued
    /// for this page (set per request from [`PageConfig::ice`]).
    pub ice_servers: Vec<IceServer>,
    /// Where the page fetches fresh ICE servers ([`crate::ice::respond`]).
    pub ice_servers_path: &'static str,
    /// Seconds the TURN credentials in `ice_servers` stay valid; `None`
    /// when they do not expire.
    pub ice_ttl: Option<u64>,
    /// Where `ice_servers` come from.
    #[serde(skip)]
    pub ice: IceServers,
    /// The client cookie the pages set, and that proves participation to
    /// [`crate::ice::respond`] (the same key as the hub's
    /// [`Ownership`](lingua_signal_core::Ownership)).
    #[serde(skip)]
    pub cookies: ClientCookies,
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

impl PageConfig {
    /// The configuration of every room page, from the command line: ICE
    /// servers ([`IceServers`]), the client cookie
    /// ([`Options::client_cookies`]), the PeerJS key at [`PEERJS_PATH`], the
    /// room size, Socket.IO at `/socket.io` and the rooms websocket at
    /// `/rooms`.
    ///
    /// # Errors
    ///
    /// The ICE flags do not fit together ([`IceServers::from_options`]).
    pub fn new(options: &Options, transport: Transport) -> io::Result<Self> {
        let ice = IceServers::from_options(options)?;
        Ok(Self {
            room_id: None,
            transport,
            socket_path: "/socket.io",
            rooms_path: "/rooms",
            peer: PeerConfig { path: PEERJS_PATH.to_owned(), key: options.peerjs_key.clone(), port: None },
            room_info_path: ROOM_INFO_PATH,
            ice_servers: Vec::new(),
            ice_servers_path: ICE_SERVERS_PATH,
            ice_ttl: ice.ttl().map(|ttl| ttl.as_secs()),
            ice,
            cookies: options.client_cookies(),
            max_room_size: Some(options.max_room_size),
        })
    }
}

/// A fresh room's path, `/<UUID v4>`.
#[must_use]
pub fn new_room_location() -> String {
    format!("/{}", RoomId::random())
}

/// `GET /`: `302 Found` to a new room, never cached.
#[must_use]
pub fn new_room() -> Response<Bytes> {
    let location = HeaderValue::from_str(&new_room_location()).unwrap_or(HeaderValue::from_static("/"));
    let headers = [(header::LOCATION, location), (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))];
    reply(StatusCode::FOUND, &headers, Bytes::new())
}

/// `GET /{room}`: the room page with `config` for `room`, or the 404 page
/// when `room` is not a valid room id. The page carries TURN credentials
/// issued for the browser's participant id, and sets its client cookie when
/// the request (`headers`) had none the server issued.
#[must_use]
pub fn room_page(room: &str, config: &PageConfig, headers: &http::HeaderMap) -> Response<Bytes> {
    let Ok(room) = room.parse::<RoomId>() else { return not_found_page() };
    let (cookie, fresh) = client_cookie(&config.cookies, headers);
    let participant = config.cookies.participant(&cookie);
    let page = PageConfig { room_id: Some(room), ice_servers: config.ice.current(&participant), ..config.clone() };
    let json = serde_json::to_string(&page).unwrap_or_default();
    let mut response = render("room.html", context! { config => json }, StatusCode::OK);
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if response.status() == StatusCode::OK
        && let Ok(csp) = HeaderValue::from_str(&room_csp(host))
    {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    if fresh { set_cookie(response, &config.cookies, &cookie) } else { response }
}

/// The browser's client cookie: the one it sent when the server issued it
/// (`false`), else a fresh one to set (`true`). A value the server did not
/// issue (planted, forged, or signed with another key) is replaced.
#[must_use]
pub fn client_cookie(cookies: &ClientCookies, headers: &http::HeaderMap) -> (ClientCookie, bool) {
    match cookies.find(request::cookie_headers(headers)) {
        Some(cookie) => (cookie, false),
        None => (cookies.issue(), true),
    }
}

/// `response` with a `Set-Cookie` for a fresh client cookie when the
/// request (`headers`) has none the server issued: the proof, sent with the
/// browser's Socket.IO or raw websocket and its PeerJS websocket alike,
/// that both belong to one client. For responses other than the room page
/// that a page loads before it connects (`/socket.io/socket.io.js`).
#[must_use]
pub fn with_client_cookie(
    response: Response<Bytes>,
    cookies: &ClientCookies,
    headers: &http::HeaderMap,
) -> Response<Bytes> {
    match client_cookie(cookies, headers) {
        (cookie, true) => set_cookie(response, cookies, &cookie),
        (_, false) => response,
    }
}

fn set_cookie(mut response: Response<Bytes>, cookies: &ClientCookies, cookie: &ClientCookie) -> Response<Bytes> {
    if let Ok(value) = HeaderValue::from_str(&cookies.set_cookie(cookie)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Any other path: the 404 page, with a link to a new room and nothing of
/// the request in it.
#[must_use]
pub fn not_found_page() -> Response<Bytes> {
    render("not-found.html", context! {}, StatusCode::NOT_FOUND)
}

fn render(name: &str, ctx: minijinja::Value, status: StatusCode) -> Response<Bytes> {
    match TEMPLATES.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => {
            let headers = [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
                (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ];
            reply(status, &headers, Bytes::from(html))
        }
        Err(error) => {
            tracing::error!(%error, template = name, "rendering failed");
            reply(StatusCode::INTERNAL_SERVER_ERROR, &[], Bytes::from_static(b"internal error"))
        }
    }
}

/// `GET /metrics`: the hub's metrics as OpenMetrics text, never cached, to
/// whom `access` allows (`headers`' `Authorization`, the client at
/// `remote` after the hub's trusted proxies); else `403` with
/// `"{code}: {reason}"`.
#[must_use]
pub fn metrics(
    hub: &lingua_signal_core::Hub,
    access: &prometheus::Access,
    headers: &http::HeaderMap,
    remote: Option<std::net::IpAddr>,
) -> Response<Bytes> {
    let request = request::forwarded_request(headers, remote);
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if let Err(denied) = access.check(authorization, hub.client_ip(&request)) {
        let headers = [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"))];
        return reply(StatusCode::FORBIDDEN, &headers, Bytes::from(denied.wire_text()));
    }
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(prometheus::CONTENT_TYPE)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    reply(StatusCode::OK, &headers, Bytes::from(prometheus::encode(hub)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transport_is_in_the_page_config() {
        let options = Options::on(([127, 0, 0, 1], 0).into());
        let page = room_page("r1", &PageConfig::new(&options, Transport::WebSocket).unwrap(), &http::HeaderMap::new());
        assert_eq!(page.status(), StatusCode::OK);
        let html = String::from_utf8_lossy(page.body());
        assert!(html.contains("&quot;transport&quot;:&quot;websocket&quot;"), "{html}");
        assert!(html.contains("&quot;roomId&quot;:&quot;r1&quot;"), "{html}");
    }

    #[test]
    fn an_invalid_room_is_the_404_page() {
        let options = Options::on(([127, 0, 0, 1], 0).into());
        let page = room_page("a.b", &PageConfig::new(&options, Transport::SocketIo).unwrap(), &http::HeaderMap::new());
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        assert_eq!(page.headers()[header::CONTENT_SECURITY_POLICY], CSP);
    }

    #[test]
    fn a_room_page_may_connect_to_its_own_origin_only() {
        let csp = room_csp(Some("127.0.0.1:3000"));
        assert!(csp.contains("connect-src 'self' ws://127.0.0.1:3000 wss://127.0.0.1:3000;"), "{csp}");
        assert!(!csp.contains("ws: ") && !csp.contains("wss:;"), "{csp}");
        for odd in ["evil.example; script-src *", "a b", ""] {
            assert_eq!(room_csp(Some(odd)), CSP, "{odd:?}");
        }
        assert!(CSP.contains("connect-src 'self';"));
    }
}
