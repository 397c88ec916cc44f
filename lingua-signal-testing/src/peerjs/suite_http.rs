//! The HTTP routes (protocol §3) and the websocket's path (§2).

use ::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{LISTED_ORIGIN, PeerClient, Target};
use crate::http;

fn info_body() -> Value {
    json!({
        "name": "PeerJS Server",
        "description": "A server side element to broker connections between PeerJS clients.",
        "website": "https://peerjs.com/"
    })
}

/// `GET P`, with and without the trailing slash, answers the reference's
/// info JSON. Spec: [`ServerSpec::standard`](super::ServerSpec::standard)
/// or any.
pub async fn info_json(t: &Target) {
    let mount = t.mount();
    let mut paths = vec![mount.clone()];
    if mount != "/" {
        paths.push(mount.trim_end_matches('/').to_owned());
    }
    for path in paths {
        let r = http::get(t.addr, &path, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "GET {path}");
        assert!(r.header("content-type").is_some_and(|c| c.starts_with("application/json")), "{r:?}");
        assert_eq!(serde_json::from_slice::<Value>(&r.body).expect("JSON body"), info_body(), "GET {path}");
    }
}

/// `HEAD` of the info and id routes: same status, no body. Spec: any.
pub async fn head_is_answered_like_get(t: &Target) {
    for path in [t.mount(), t.http_path("peerjs/id")] {
        let r = http::request(t.addr, Method::HEAD, &path, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "HEAD {path}");
        assert!(r.body.is_empty(), "HEAD {path} has a body");
    }
}

/// Whether `text` is a lowercase UUID v4, exactly 36 bytes.
fn is_uuid_v4(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}

/// `GET P{key}/id` gives a fresh lowercase UUID v4 as the whole body (no
/// newline), for the configured key, the default key or any other segment,
/// with the client's query string. Spec: any.
pub async fn id_endpoint_returns_bare_uuid_for_any_key(t: &Target) {
    let mut seen = Vec::new();
    for key in [t.key.as_str(), "peerjs", "whatever"] {
        let path = t.http_path(&format!("{key}/id?ts=17955546615080.31&version=1.5.5"));
        let r = http::get(t.addr, &path, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "GET {path}");
        assert!(r.header("content-type").is_some_and(|c| c.starts_with("text/")), "{r:?}");
        assert!(is_uuid_v4(r.text()), "GET {path}: {:?} is not a bare UUID v4", r.text());
        assert!(!seen.contains(&r.body), "the same id twice");
        seen.push(r.body);
    }
}

/// Without discovery, `GET P{key}/peers` is 401 `Unauthorized`, even with
/// peers connected. Spec: [`ServerSpec::standard`](super::ServerSpec::standard).
pub async fn peers_is_401_without_discovery(t: &Target) {
    let _a = t.open("a").await;
    let r = http::get(t.addr, &t.http_path(&format!("{}/peers", t.key)), &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.text(), "Unauthorized");
}

async fn peer_list(t: &Target) -> Vec<String> {
    let r = http::get(t.addr, &t.http_path(&format!("{}/peers", t.key)), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let mut ids: Vec<String> = serde_json::from_slice(&r.body).expect("a JSON array of ids");
    ids.sort();
    ids
}

/// With discovery, `GET P{key}/peers` lists exactly the registered ids.
/// Spec: [`ServerSpec::discovery`](super::ServerSpec::discovery).
pub async fn peers_listed_with_discovery(t: &Target) {
    assert!(peer_list(t).await.is_empty());
    let _a = t.open("a").await;
    let b = t.open("b").await;
    assert_eq!(peer_list(t).await, ["a", "b"]);
    b.close().await;
    assert_eq!(peer_list(t).await, ["a"]);
}

/// Every route echoes `Origin` with `Vary: Origin` (200 and 401 alike),
/// sends no `Access-Control-Allow-Origin` without `Origin`, and answers a
/// preflight with 204 and the allowed methods and headers. Spec: standard
/// (CORS echoing any origin).
pub async fn cors_echoes_origin_and_answers_preflight(t: &Target) {
    let origin = "http://localhost:3000";
    for path in [t.mount(), t.http_path("peerjs/id"), t.http_path(&format!("{}/peers", t.key))] {
        let r = http::get(t.addr, &path, &[("origin", origin)]).await;
        assert_eq!(r.header("access-control-allow-origin"), Some(origin), "GET {path}");
        assert!(r.header_joined("vary").to_ascii_lowercase().contains("origin"), "GET {path}: {r:?}");
        let r = http::get(t.addr, &path, &[]).await;
        assert_eq!(r.header("access-control-allow-origin"), None, "GET {path} without Origin");
    }
    let path = t.http_path("peerjs/id");
    let preflight =
        [("origin", origin), ("access-control-request-method", "GET"), ("access-control-request-headers", "x-custom")];
    let r = http::options(t.addr, &path, &preflight).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "preflight {r:?}");
    assert_eq!(r.header("access-control-allow-origin"), Some(origin));
    assert!(r.header_joined("access-control-allow-methods").contains("GET"), "{r:?}");
    assert!(r.header_joined("access-control-allow-headers").to_lowercase().contains("x-custom"), "{r:?}");
    assert!(r.body.is_empty());
}

/// The websocket is at exactly `P` + `peerjs`: a trailing slash or another
/// name is not upgraded. Spec: any.
pub async fn websocket_only_at_its_exact_path(t: &Target) {
    let query = format!("key={}&id=a&token=t", t.key);
    for path in ["peerjs/", "peerjs2", "x/peerjs"] {
        let url = format!("ws://{}{}{path}?{query}", t.addr, t.mount());
        assert!(PeerClient::connect(&url).await.is_err(), "{url} was upgraded");
    }
    let mut peer = t.connect(&query).await;
    peer.expect_open().await;
    // A clean close: the id is free for whatever runs next on this server.
    peer.close().await;
}

/// With an origin list, only a listed `Origin` is echoed; `Vary` is sent
/// either way. Spec: [`ServerSpec::cors_list`](super::ServerSpec::cors_list).
pub async fn cors_origin_list_echoes_only_listed_origins(t: &Target) {
    let path = t.http_path("peerjs/id");
    let good = http::get(t.addr, &path, &[("origin", LISTED_ORIGIN)]).await;
    assert_eq!(good.header("access-control-allow-origin"), Some(LISTED_ORIGIN));
    let bad = http::get(t.addr, &path, &[("origin", "http://evil")]).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert_eq!(bad.header("access-control-allow-origin"), None);
    assert!(bad.header_joined("vary").to_ascii_lowercase().contains("origin"), "{bad:?}");
    let preflight = [("origin", "http://evil"), ("access-control-request-method", "GET")];
    let r = http::options(t.addr, &path, &preflight).await;
    assert_eq!(r.header("access-control-allow-origin"), None, "preflight {r:?}");
}

/// Mounted at `/` (the reference's default), the websocket is `/peerjs`
/// and ids are at `/{key}/id`; everything else works as under a prefix.
/// Spec: [`ServerSpec::at_root`](super::ServerSpec::at_root).
pub async fn mounted_at_root_serves_the_reference_layout(t: &Target) {
    assert_eq!(t.ws_url("q"), format!("ws://{}/peerjs?q", t.addr));
    let r = http::get(t.addr, "/peerjs/id", &[]).await;
    assert_eq!((r.status.as_u16(), r.body.len()), (200, 36));
    mounted_anywhere(t).await;
}

/// Mounted two segments deep, the layout is the same under the prefix.
/// Spec: [`ServerSpec::deep`](super::ServerSpec::deep).
pub async fn mounted_two_segments_deep_serves_the_same_layout(t: &Target) {
    assert_eq!(t.mount(), "/a/b/");
    mounted_anywhere(t).await;
}

async fn mounted_anywhere(t: &Target) {
    info_json(t).await;
    id_endpoint_returns_bare_uuid_for_any_key(t).await;
    cors_echoes_origin_and_answers_preflight(t).await;
    websocket_only_at_its_exact_path(t).await;
    super::open_first_then_relay_with_src_forced_and_four_fields(t).await;
}

/// The server's routes leave the application's own alone: the adapter's
/// test serves `GET /hello` (answering `hello`) beside the PeerJS server, and
/// it still answers; paths near the mount path that are no PeerJS route are
/// 404 without CORS headers. Spec: standard.
pub async fn routes_beside_the_server_are_untouched(t: &Target) {
    let r = http::get(t.addr, "/hello", &[]).await;
    assert_eq!((r.status.as_u16(), r.text()), (200, "hello"));
    for path in ["/peerjs/key", "/peerjs/key/id/more", "/elsewhere"] {
        let r = http::get(t.addr, path, &[("origin", "http://x")]).await;
        assert_eq!(r.status.as_u16(), 404, "GET {path}");
        assert_eq!(r.header("access-control-allow-origin"), None, "GET {path}");
    }
}

/// With a host authorizer, the peer list (which reveals every registered id)
/// is 403 `"{code}: {reason}"` to a request it refuses and the list to one it
/// admits; a fresh id is handed to anyone, as the stock client asks for it
/// with nothing but its cookies. Spec:
/// [`ServerSpec::gated`](super::ServerSpec::gated).
pub async fn the_peer_list_asks_the_host_and_ids_do_not(t: &Target) {
    let _a = t.connect_peer("a", crate::gate::TOKEN).await;
    let peers = t.http_path(&format!("{}/peers", t.key));
    let refused = http::get(t.addr, &peers, &[]).await;
    assert_eq!((refused.status, refused.text()), (StatusCode::FORBIDDEN, "unauthorized: a valid token is needed"));
    let admitted = http::get(t.addr, &format!("{peers}?token={}", crate::gate::TOKEN), &[]).await;
    assert_eq!(admitted.status, StatusCode::OK);
    assert_eq!(serde_json::from_slice::<Vec<String>>(&admitted.body).expect("a list"), ["a"]);
    let id = http::get(t.addr, &t.http_path("peerjs/id"), &[]).await;
    assert_eq!((id.status, id.body.len()), (StatusCode::OK, 36));
}
