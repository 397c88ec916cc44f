//! Helpers for the example apps' tests (`lingua-connect` and its warp twin):
//! the page configuration out of a room page, the shared TLS fixture, a
//! request over HTTPS, and the page checks both apps pass.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
};

use serde_json::{Value, json};

use crate::{
    http::{get, options},
    peerjs::PeerClient,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_rustls::{
    TlsConnector,
    client::TlsStream,
    rustls::{
        ClientConfig, RootCertStore,
        crypto::ring,
        pki_types::{CertificateDer, ServerName, pem::PemObject},
    },
};

/// The JSON of a room page's `data-config` attribute, unescaped.
pub fn config_of(page: &str) -> Value {
    let start = page.find("data-config=\"").expect("config attribute") + "data-config=\"".len();
    let end = start + page[start..].find('"').expect("end of the config attribute");
    let unescaped = page[start..end]
        .replace("&quot;", "\"")
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&unescaped).expect("the config is JSON")
}

/// A file of `apps/lingua-connect/tests/fixtures` (`cert.pem`, a
/// self-signed certificate for `localhost`, and its `key.pem`).
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../apps/lingua-connect/tests/fixtures").join(name)
}

/// A TLS connection to `addr` as `localhost`, trusting only the PEM
/// certificate `cert`.
pub async fn tls_connect(addr: SocketAddr, cert: &Path) -> TlsStream<TcpStream> {
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(cert).expect("read the certificate") {
        roots.add(c.expect("a PEM certificate")).expect("a usable root");
    }
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("server name");
    TlsConnector::from(Arc::new(config)).connect(name, tcp).await.expect("TLS handshake")
}

/// Sends `request` (raw HTTP/1.1 that ends the connection) over
/// [`tls_connect`] and returns the whole response.
pub async fn https_exchange(addr: SocketAddr, cert: &Path, request: &str) -> String {
    let mut tls = tls_connect(addr, cert).await;
    tls.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    tls.read_to_string(&mut response).await.expect("read");
    response
}

/// Flags for [`room_page_embeds_its_config`]: ICE servers with TURN
/// credentials holding markup, and a room size of 2.
pub const PAGE_FLAGS: &[&str] = &[
    "--ice-server",
    "stun:stun.example.org:3478",
    "--ice-server",
    "turn:turn.example.org",
    "--turn-username",
    "u",
    "--turn-credential",
    "p&\"<",
    "--max-room-size",
    "2",
];

/// The shared secret of [`TURN_FLAGS`].
pub const TURN_SECRET: &str = "correct horse battery staple";

/// Flags for the issued-credential checks: a STUN server, a `turn:` and a
/// `turns:` server, [`TURN_SECRET`] and a ten-minute lifetime.
pub const TURN_FLAGS: &[&str] = &[
    "--ice-server",
    "stun:stun.example.org",
    "--ice-server",
    "turn:turn.example.org:3478",
    "--ice-server",
    "turns:turn.example.org:5349",
    "--turn-secret",
    TURN_SECRET,
    "--turn-ttl",
    "10m",
];

/// Checks ICE servers as an app started with [`TURN_FLAGS`] hands them out:
/// the STUN server bare, both TURN servers with one username
/// `"<expiry>:<participant>"` expiring ten minutes from now (the
/// participant an opaque id, not a name shared by everyone), and the
/// credential the TURN server will expect, computed here on its own (base64
/// of HMAC-SHA1 keyed with the secret). Returns the username.
pub fn check_issued(ice: &Value) -> String {
    let servers = ice.as_array().expect("iceServers is an array");
    assert_eq!(servers.len(), 3, "{ice}");
    assert_eq!(servers[0], json!({"urls": "stun:stun.example.org"}));
    let username = servers[1]["username"].as_str().expect("a TURN username").to_owned();
    for (server, url) in servers[1..].iter().zip(["turn:turn.example.org:3478", "turns:turn.example.org:5349"]) {
        assert_eq!(server["urls"], url);
        assert_eq!(server["username"], username.as_str());
        assert_eq!(server["credential"], expected_credential(&username).as_str(), "{server}");
    }
    let (expiry, user) = username.split_once(':').expect("<expiry>:<user>");
    assert_ne!(user, "lingua-connect", "a username per participant");
    assert!(user.len() >= 16 && user.bytes().all(|b| b.is_ascii_alphanumeric()), "an opaque id: {user}");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("a clock after 1970").as_secs();
    let expiry: u64 = expiry.parse().expect("the expiry is Unix seconds");
    assert!((now + 600 - 3..=now + 600 + 1).contains(&expiry), "expiry {expiry}, now {now}");
    username
}

fn expected_credential(username: &str) -> String {
    use base64::Engine as _;
    use hmac::{Hmac, KeyInit as _, Mac as _};
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(TURN_SECRET.as_bytes()).expect("any key length");
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A room page of an app started with [`TURN_FLAGS`] carries credentials
/// issued for it (a page a second later gets newer ones), the lifetime and
/// where to fetch fresh ones; never the secret.
pub async fn room_pages_carry_issued_turn_credentials(addr: SocketAddr) {
    let first = get(addr, "/lesson-42", &[]).await;
    let config = config_of(first.text());
    let username = check_issued(&config["iceServers"]);
    assert_eq!(config["iceTtl"], 600);
    assert_eq!(config["iceServersPath"], "/ice-servers");
    assert!(!first.text().contains(TURN_SECRET));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let later = config_of(get(addr, "/lesson-42", &[]).await.text());
    assert_ne!(check_issued(&later["iceServers"]), username, "credentials are issued per page");
}

/// `GET /ice-servers` on an app started with [`TURN_FLAGS`]: fresh
/// credentials as JSON, never cached.
pub async fn ice_servers_endpoint_issues_fresh_credentials(addr: SocketAddr) {
    let cookie = crate::http::page_cookie(addr).await;
    let response = get(addr, "/ice-servers", &[("cookie", &cookie)]).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let body: Value = serde_json::from_slice(&response.body).expect("JSON");
    check_issued(&body["iceServers"]);
    assert_eq!(body["ttl"], 600);
    assert!(!response.text().contains(TURN_SECRET));
}

/// `GET /ice-servers` on an app started with [`PAGE_FLAGS`] (fixed TURN
/// credentials) or none: the same servers as the page, `ttl` null, to a
/// browser that loaded a room page.
pub async fn ice_servers_endpoint_without_a_secret(fixed: SocketAddr, none: SocketAddr) {
    let cookie = crate::http::page_cookie(fixed).await;
    let body: Value =
        serde_json::from_slice(&get(fixed, "/ice-servers", &[("cookie", &cookie)]).await.body).expect("JSON");
    let ice = json!([
        {"urls": "stun:stun.example.org:3478"},
        {"urls": "turn:turn.example.org", "username": "u", "credential": "p&\"<"}
    ]);
    assert_eq!(body, json!({"iceServers": ice, "ttl": null}));
    let cookie = crate::http::page_cookie(none).await;
    let body: Value =
        serde_json::from_slice(&get(none, "/ice-servers", &[("cookie", &cookie)]).await.body).expect("JSON");
    assert_eq!(body, json!({"iceServers": [], "ttl": null}));
}

/// `GET /` answers 302 to a fresh UUID v4 room, never cached.
pub async fn root_redirects_to_a_fresh_uuid_room(addr: SocketAddr) {
    let first = get(addr, "/", &[]).await;
    let second = get(addr, "/", &[]).await;
    assert_eq!(first.status, 302);
    assert_eq!(first.header("cache-control"), Some("no-store"));
    let location = first.header("location").expect("a Location header");
    assert_eq!(location.len(), 37, "{location}");
    let uuid = &location[1..];
    assert!(uuid.chars().all(|c| c.is_ascii_hexdigit() || c == '-'), "{uuid}");
    assert_eq!(&uuid[14..15], "4", "UUID v4");
    assert_ne!(second.header("location"), first.header("location"));
}

/// A room page of an app started with [`PAGE_FLAGS`] carries its
/// configuration, escaped, in `data-config`, under a script-only-from-self
/// content security policy whose connections go to the page's own origin
/// only (no `ws:`/`wss:` to any host).
pub async fn room_page_embeds_its_config(addr: SocketAddr, transport: &str) {
    let page = get(addr, "/lesson-42", &[]).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    let csp = page.header("content-security-policy").expect("a CSP");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let connect = csp.split(';').map(str::trim).find(|d| d.starts_with("connect-src")).expect("connect-src");
    assert_eq!(connect, format!("connect-src 'self' ws://{addr} wss://{addr}"), "{csp}");
    let config = config_of(page.text());
    assert_eq!(config["roomId"], "lesson-42");
    assert_eq!(config["transport"], transport);
    assert_eq!(config["roomsPath"], "/rooms");
    assert_eq!(config["peer"], json!({"path": "/peerjs", "key": "peerjs", "port": null}));
    assert_eq!(config["maxRoomSize"], 2);
    let ice = json!([
        {"urls": "stun:stun.example.org:3478"},
        {"urls": "turn:turn.example.org", "username": "u", "credential": "p&\"<"}
    ]);
    assert_eq!(config["iceServers"], ice);
    assert_eq!(config["iceTtl"], Value::Null, "fixed credentials do not expire");
    assert_eq!(config["iceServersPath"], "/ice-servers");
    // Markup in configuration reaches the page only escaped.
    assert!(!page.text().contains("p&\"<"));
}

/// Invalid room ids and deeper paths get the 404 page: a link to a new room,
/// no script, nothing of the input.
pub async fn invalid_rooms_get_the_404_page_without_an_echo(addr: SocketAddr) {
    let long = format!("/{}", "a".repeat(65));
    let paths =
        ["/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/a%5C", "/room%20x", "/a.b", "/deeper/path", "/assets/a/b"];
    for path in paths.iter().copied().chain([long.as_str()]) {
        let page = get(addr, path, &[]).await;
        assert_eq!(page.status, 404, "{path}");
        assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"), "{path}");
        assert!(page.text().contains("href=\"/\""), "{path}: a link to a new room");
        assert!(!page.text().contains("<script"), "{path}: no script at all");
        assert!(!page.text().contains("alert"), "{path}: nothing of the input");
    }
}

/// The embedded assets (and the socket.io.js of the Node original) come
/// with their types, an ETag and `304 Not Modified` on revalidation.
pub async fn assets_are_embedded_with_types_and_revalidation(addr: SocketAddr) {
    const JS: &str = "application/javascript; charset=utf-8";
    for (path, ty) in [
        ("/assets/room.js", JS),
        ("/assets/peerjs.min.js", JS),
        ("/assets/socket.io.min.js", JS),
        ("/assets/room.css", "text/css; charset=utf-8"),
        ("/favicon.ico", "image/svg+xml"),
        ("/socket.io/socket.io.js", JS),
        ("/socket.io/socket.io.min.js", JS),
    ] {
        let asset = get(addr, path, &[]).await;
        assert_eq!(asset.status, 200, "{path}");
        assert_eq!(asset.header("content-type"), Some(ty), "{path}");
        assert_eq!(asset.header("cache-control"), Some("public, max-age=0"), "{path}");
        let etag = asset.header("etag").expect("an ETag").to_owned();
        let again = get(addr, path, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
    }
    let peerjs = get(addr, "/assets/peerjs.min.js", &[]).await;
    assert!(peerjs.text().contains("window.Peer") || peerjs.text().contains(".Peer="), "the bundle exposes Peer");
    assert_eq!(get(addr, "/assets/nope.js", &[]).await.status, 404);
    assert_eq!(get(addr, "/assets/..%2FCargo.toml", &[]).await.status, 404);
}

/// Every answer says `X-Content-Type-Options: nosniff`: pages, assets,
/// JSON, the Socket.IO endpoint, PeerJS (on the main port and on
/// `peerjs`, the `--peerjs-port` listener), errors and the 404 page.
pub async fn every_response_says_nosniff(addr: SocketAddr, peerjs: SocketAddr) {
    let paths = [
        "/",
        "/some-room",
        "/assets/peerjs.min.js",
        "/assets/nope.js",
        "/favicon.ico",
        "/healthz",
        "/ice-servers",
        "/room-info/some-room",
        "/room-info/bad%20id",
        "/socket.io/socket.io.js",
        "/socket.io/?EIO=4&transport=polling",
        "/peerjs/id",
        "/not/a/room",
    ];
    for path in paths {
        let response = get(addr, path, &[]).await;
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"), "{path}: {}", response.status);
    }
    for path in ["/peerjs/id", "/", "/nothing-here"] {
        let response = get(peerjs, path, &[]).await;
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"), "--peerjs-port {path}");
    }
}

/// `GET /healthz` answers `ok`.
pub async fn healthz_answers_ok(addr: SocketAddr) {
    let health = get(addr, "/healthz", &[]).await;
    assert_eq!((health.status.as_u16(), health.text()), (200, "ok"));
}

/// `GET /metrics` exposes the hub's metrics as OpenMetrics text (counters
/// with their `_total` samples, `# EOF` last), never cached, and they move: a
/// PeerJS peer registered on the app shows as a gauge.
pub async fn metrics_are_exposed(addr: SocketAddr) {
    let before = get(addr, "/metrics", &[]).await;
    assert_eq!(before.status, 200);
    assert_eq!(before.header("content-type"), Some("application/openmetrics-text; version=1.0.0; charset=utf-8"));
    assert_eq!(before.header("cache-control"), Some("no-store"));
    let text = before.text();
    assert!(text.contains("# HELP lingua_signal_rooms Rooms that exist now.\n"), "{text}");
    assert!(text.contains("# TYPE lingua_signal_rooms gauge\nlingua_signal_rooms 0\n"), "{text}");
    assert!(text.contains("# TYPE lingua_signal_joins counter\nlingua_signal_joins_total 0\n"), "{text}");
    assert!(text.contains("\nlingua_signal_peers 0\n"), "{text}");
    assert!(text.ends_with("\n# EOF\n"), "{text}");
    let target = crate::peerjs::Target::new(addr, "/peerjs", "peerjs");
    let _peer = target.open("metrics-probe").await;
    let after = get(addr, "/metrics", &[]).await;
    assert!(after.text().contains("\nlingua_signal_peers 1\n"), "{}", after.text());
}

/// Room-info lookups of one address are rate-limited (run the app with
/// `--limit-loopback`): the burst of 30 answers, then guesses get `429`
/// `rate-limited` instead of room sizes.
pub async fn room_info_lookups_are_rate_limited(addr: SocketAddr) {
    for n in 0..30 {
        let (status, _) = room_info(addr, &format!("guess-{n}"), &[]).await;
        assert_eq!(status, 200, "lookup {n} is within the burst");
    }
    let mut limited = 0;
    for n in 30..200 {
        let (status, body) = room_info(addr, &format!("guess-{n}"), &[]).await;
        if status == 429 {
            assert_eq!(body["error"]["code"], "rate-limited", "{body}");
            limited += 1;
        }
    }
    assert!(limited > 150, "guesses past the burst are refused: {limited} of 170");
}

/// `GET /room-info/{room}` on an app: the status and the JSON body.
pub async fn room_info(addr: SocketAddr, room: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let response = get(addr, &format!("/room-info/{room}"), headers).await;
    assert_eq!(response.header("content-type"), Some("application/json"), "{room}");
    assert_eq!(response.header("cache-control"), Some("no-store"), "{room}");
    (response.status.as_u16(), serde_json::from_slice(&response.body).expect("JSON"))
}

/// The room-info answer for `room` is `members` of `capacity`, full or not.
pub async fn expect_room_info(addr: SocketAddr, room: &str, members: usize, capacity: usize) {
    let (status, body) = room_info(addr, room, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "members": members, "capacity": capacity, "full": members >= capacity }));
}

/// On an app started with `--allow-origin https://lessons.example`: the
/// page path is in the config, an id that is no room id is `400` without
/// an echo, and a page of another origin gets `403` as on the websockets.
pub async fn room_info_refuses_bad_ids_and_origins(addr: SocketAddr) {
    let config = config_of(get(addr, "/some-room", &[]).await.text());
    assert_eq!(config["roomInfoPath"], "/room-info");
    for bad in ["a.b", "%3Cscript%3E", &"x".repeat(65)] {
        let (status, body) = room_info(addr, bad, &[]).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "invalid-room-id");
        assert!(!body.to_string().contains("script"), "{body}");
    }
    let (status, body) = room_info(addr, "lesson", &[("origin", "https://evil.example")]).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("origin-not-allowed")), "{body}");
    let (status, _) = room_info(addr, "lesson", &[("origin", "https://lessons.example")]).await;
    assert_eq!(status, 200);
}

/// On an app started with `--peerjs-port`, on its default origin rule: a
/// page served on either port (`main`, `peerjs`) is same-origin on the
/// other. Its PeerJS id request and websocket on the PeerJS port are
/// served with a CORS grant; a page of another site is refused with no
/// grant, not even in a preflight; preflights list only the methods the
/// routes serve.
pub async fn own_listeners_are_one_origin(main: SocketAddr, peerjs: SocketAddr) {
    let page = format!("http://{main}");
    let id = get(peerjs, "/peerjs/id", &[("origin", &page)]).await;
    assert_eq!((id.status.as_u16(), id.body.len()), (200, 36), "{id:?}");
    assert_eq!(id.header("access-control-allow-origin"), Some(page.as_str()));
    let url = format!("ws://{peerjs}/peerjs?key=peerjs&id=own-port&token=t&version=1.5.5");
    let mut peer =
        PeerClient::connect_with(&url, &[("origin", &page)]).await.expect("upgrade from the main port's page");
    peer.expect_open().await;
    // And the other way: a page served on the PeerJS port reaches the main
    // port's PeerJS routes.
    let other = format!("http://{peerjs}");
    let id = get(main, "/peerjs/peerjs/id", &[("origin", &other)]).await;
    assert_eq!(id.status.as_u16(), 200, "{id:?}");

    for (origin, granted) in [(page.as_str(), true), ("http://evil.example", false), ("http://127.0.0.1:1", false)] {
        let preflight = [
            ("origin", origin),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "x-custom"),
        ];
        let r = options(peerjs, "/peerjs/id", &preflight).await;
        let allow = r.header("access-control-allow-origin");
        assert_eq!(allow, granted.then_some(origin), "preflight from {origin}: {r:?}");
        if granted {
            assert_eq!(r.header_joined("access-control-allow-methods").replace(' ', ""), "GET,HEAD", "{r:?}");
        } else {
            let refused = get(peerjs, "/peerjs/id", &[("origin", origin)]).await;
            assert_eq!(refused.status.as_u16(), 403, "{origin}: {refused:?}");
            assert_eq!(refused.header("access-control-allow-origin"), None, "{refused:?}");
            let url = format!("ws://{peerjs}/peerjs?key=peerjs&id=stranger&token=t&version=1.5.5");
            assert!(PeerClient::connect_with(&url, &[("origin", origin)]).await.is_err(), "{origin} upgraded");
        }
    }
}

/// On an app listening on all addresses (`--addr 0.0.0.0:0`) with
/// `--allowed-host rooms.example`, reached at `addr` (loopback, its port):
/// requests naming another host (a page of a domain pointed at the server,
/// DNS rebinding) are refused by the rooms websocket (`rooms_ws_path`:
/// Socket.IO's or the raw protocol's), the PeerJS routes (`403
/// host-not-allowed`) and the PeerJS websocket, with or without `Origin`;
/// IP literals, `localhost` and the allowed name get in.
pub async fn foreign_hosts_are_refused_off_loopback(addr: SocketAddr, rooms_ws_path: &str) {
    let port = addr.port();
    let rebound = format!("rebound.example:{port}");
    let rebound_page = format!("http://{rebound}");
    let (ip, localhost, named) =
        (format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("rooms.example:{port}"));
    for (host, origin, allowed) in [
        (rebound.as_str(), Some(rebound_page.as_str()), false),
        (rebound.as_str(), None, false),
        (ip.as_str(), None, true),
        (localhost.as_str(), None, true),
        (named.as_str(), None, true),
    ] {
        let mut headers = vec![("host", host)];
        headers.extend(origin.map(|o| ("origin", o)));
        let id = get(addr, "/peerjs/peerjs/id", &headers).await;
        assert_eq!(id.status.as_u16() == 200, allowed, "PeerJS id for Host {host}: {id:?}");
        if !allowed {
            assert!(id.text().starts_with("host-not-allowed"), "{}", id.text());
        }
        let rooms = PeerClient::connect_with(&format!("ws://{addr}{rooms_ws_path}"), &headers).await;
        assert_eq!(rooms.is_ok(), allowed, "rooms websocket for Host {host}");
        let url = format!("ws://{addr}/peerjs/peerjs?key=peerjs&id=host-check&token=t");
        let upgraded = PeerClient::connect_with(&url, &headers).await;
        assert_eq!(upgraded.is_ok(), allowed, "PeerJS websocket for Host {host}");
        if let Ok(mut peer) = upgraded {
            peer.expect_open().await;
            peer.close().await;
        }
    }
}

/// `/metrics` on the defaults with `--trusted-proxy 127.0.0.1` (`plain`)
/// and with `--metrics-token s3cret` too (`with_token`): a loopback client
/// reads it; one a same-host proxy forwards for gets `403
/// metrics-not-allowed`; with a token, only `Authorization: Bearer s3cret`
/// reads it, loopback or not.
pub async fn metrics_are_for_loopback_or_the_token(plain: SocketAddr, with_token: SocketAddr) {
    let forwarded = [("x-forwarded-for", "192.0.2.7")];
    assert_eq!(get(plain, "/metrics", &[]).await.status.as_u16(), 200);
    let remote = get(plain, "/metrics", &forwarded).await;
    assert_eq!(remote.status.as_u16(), 403, "{remote:?}");
    assert!(remote.text().starts_with("metrics-not-allowed"), "{}", remote.text());
    assert!(!remote.text().contains("lingua_signal_"), "no counters in a refusal");
    for (headers, status) in [
        (&[][..], 403),
        (&[("authorization", "Bearer guess")][..], 403),
        (&[("authorization", "Bearer s3cret")][..], 200),
        (&[("authorization", "Bearer s3cret"), ("x-forwarded-for", "192.0.2.7")][..], 200),
    ] {
        let r = get(with_token, "/metrics", headers).await;
        assert_eq!(r.status.as_u16(), status, "{headers:?}: {r:?}");
    }
}
