//! The lingua-connect app over real sockets: redirect, room page, 404s,
//! embedded assets, socket.io.js, PeerJS on both ports, HTTPS, shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use clap::Parser;
use lingua_connect::{App, Options, Running, start};
use lingua_signal_testing::{
    app::{config_of, fixture, https_exchange},
    http::get,
    sio::Sio,
};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn app(args: &[&str]) -> Running<App> {
    let mut argv = vec!["lingua-connect", "--addr", "127.0.0.1:0"];
    argv.extend_from_slice(args);
    start(&Options::parse_from(argv)).await.unwrap()
}

#[tokio::test]
async fn root_redirects_to_a_fresh_uuid_room() {
    let app = app(&[]).await;
    let first = get(app.addr, "/", &[]).await;
    let second = get(app.addr, "/", &[]).await;
    assert_eq!(first.status, 302);
    let location = first.header("location").unwrap();
    assert_eq!(location.len(), 37, "{location}");
    let uuid = &location[1..];
    assert!(uuid.chars().all(|c| c.is_ascii_hexdigit() || c == '-'));
    assert_eq!(&uuid[14..15], "4", "UUID v4");
    assert_ne!(second.header("location"), first.header("location"));
}

#[tokio::test]
async fn a_room_page_embeds_its_config_as_escaped_json() {
    let app = app(&[
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
    ])
    .await;
    let page = get(app.addr, "/lesson-42", &[]).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(page.header("content-security-policy").unwrap().contains("script-src 'self'"));
    let config = config_of(page.text());
    assert_eq!(config["roomId"], "lesson-42");
    assert_eq!(config["transport"], "socketio");
    assert_eq!(config["peer"], json!({"path": "/peerjs", "key": "peerjs", "port": null}));
    assert_eq!(config["maxRoomSize"], 2);
    assert_eq!(
        config["iceServers"],
        json!([{"urls": "stun:stun.example.org:3478"}, {"urls": "turn:turn.example.org", "username": "u", "credential": "p&\"<"}])
    );
    // Markup in configuration reaches the page only escaped.
    assert!(!page.text().contains("p&\"<"));
}

#[tokio::test]
async fn invalid_room_ids_get_the_404_page_without_an_echo() {
    let app = app(&[]).await;
    for path in [
        "/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/a%5C",
        "/room%20x",
        "/a.b",
        "/deeper/path",
        &format!("/{}", "a".repeat(65)),
    ] {
        let page = get(app.addr, path, &[]).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(page.text().contains("href=\"/\""), "{path}: a link to a new room");
        assert!(!page.text().contains("<script"), "{path}: no script at all");
        assert!(!page.text().contains("alert"), "{path}: nothing of the input");
    }
}

#[tokio::test]
async fn assets_are_embedded_with_types_and_revalidation() {
    let app = app(&[]).await;
    for (path, ty) in [
        ("/assets/room.js", "application/javascript; charset=utf-8"),
        ("/assets/peerjs.min.js", "application/javascript; charset=utf-8"),
        ("/assets/socket.io.min.js", "application/javascript; charset=utf-8"),
        ("/assets/room.css", "text/css; charset=utf-8"),
        ("/favicon.ico", "image/svg+xml"),
    ] {
        let asset = get(app.addr, path, &[]).await;
        assert_eq!(asset.status, 200, "{path}");
        assert_eq!(asset.header("content-type"), Some(ty), "{path}");
        let etag = asset.header("etag").unwrap().to_owned();
        let again = get(app.addr, path, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
    }
    let peerjs = get(app.addr, "/assets/peerjs.min.js", &[]).await;
    assert!(peerjs.text().contains("window.Peer") || peerjs.text().contains(".Peer="), "the bundle exposes Peer");
    assert_eq!(get(app.addr, "/assets/nope.js", &[]).await.status, 404);
    assert_eq!(get(app.addr, "/assets/..%2FCargo.toml", &[]).await.status, 404);
}

#[tokio::test]
async fn socket_io_js_is_served_beside_the_socket_io_endpoint() {
    let app = app(&[]).await;
    let script = get(app.addr, "/socket.io/socket.io.js", &[]).await;
    assert_eq!(script.status, 200);
    assert_eq!(script.header("content-type"), Some("application/javascript; charset=utf-8"));
    assert_eq!(script.header("cache-control"), Some("public, max-age=0"));
    assert!(script.header("etag").is_some());
    assert!(script.body.len() > 10_000);
    // The Socket.IO endpoint itself still answers under the same prefix.
    let handshake = get(app.addr, "/socket.io/?EIO=4&transport=polling", &[]).await;
    assert_eq!(handshake.status, 200);
    assert!(handshake.text().starts_with("0{\"sid\":"), "{}", handshake.text());
}

#[tokio::test]
async fn a_node_original_client_meets_others_in_a_room() {
    let app = app(&[]).await;
    let url = app.url();
    let mut sio = Sio::start().await.unwrap();
    sio.connected("a", &url, json!({})).await.unwrap();
    sio.connected("b", &url, json!({})).await.unwrap();
    sio.emit("a", "join-room", json!(["room-1", "peer-a"]), None).await.unwrap();
    // Joins go through the same socket in order; the ack shows a is in.
    let ack = sio.request("b", "join-room", json!(["room-1", "peer-b"]), 1).await.unwrap();
    assert_eq!(ack, [json!({"ok": true, "users": ["peer-a"]})]);
    sio.next_event("a", "user-connected", json!(["peer-b"])).await.unwrap();
    sio.close("b").await.unwrap();
    sio.next_event("a", "user-disconnected", json!(["peer-b"])).await.unwrap();
    sio.exit().await.unwrap();
}

#[tokio::test]
async fn max_room_size_refuses_a_third_participant() {
    let app = app(&["--max-room-size", "2"]).await;
    let url = app.url();
    let mut sio = Sio::start().await.unwrap();
    for (c, user) in [("a", "pa"), ("b", "pb"), ("c", "pc")] {
        sio.connected(c, &url, json!({})).await.unwrap();
        let ack = sio.request(c, "join-room", json!(["lesson", user]), 1).await.unwrap();
        if c == "c" {
            assert_eq!(ack[0]["ok"], false);
            assert_eq!(ack[0]["error"]["code"], "room-full");
        } else {
            assert_eq!(ack[0]["ok"], true);
        }
    }
    sio.exit().await.unwrap();
}

#[tokio::test]
async fn peerjs_is_on_the_app_port_and_alone_on_its_own_port() {
    let app = app(&["--peerjs-port", "0"]).await;
    let id = get(app.addr, "/peerjs/peerjs/id", &[]).await;
    assert_eq!((id.status.as_u16(), id.body.len()), (200, 36));
    let alone = app.peerjs_addr.unwrap();
    let id = get(alone, "/peerjs/id", &[]).await;
    assert_eq!((id.status.as_u16(), id.body.len()), (200, 36));
    // Both listeners share one relay: a peer on one port reaches a peer on the other.
    let target =
        |addr, path: &str| lingua_signal_testing::peerjs::Target { addr, path: path.into(), key: "peerjs".into() };
    let mut a = target(app.addr, "/peerjs").open("pa").await;
    let mut b = target(alone, "/").open("pb").await;
    a.send_json(&json!({"type": "OFFER", "dst": "pb", "payload": {"x": 1}})).await;
    let relayed = b.expect_json().await;
    assert_eq!(relayed, json!({"type": "OFFER", "src": "pa", "dst": "pb", "payload": {"x": 1}}));
}

#[tokio::test]
async fn healthz_answers_ok() {
    let app = app(&[]).await;
    let health = get(app.addr, "/healthz", &[]).await;
    assert_eq!((health.status.as_u16(), health.text()), (200, "ok"));
}

#[tokio::test]
async fn https_serves_the_app_with_the_given_certificate() {
    let (cert, key) = (fixture("cert.pem"), fixture("key.pem"));
    let app = app(&["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()]).await;
    assert!(app.url().starts_with("https://"));
    let response =
        https_exchange(app.addr, &cert, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await;
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.ends_with("ok"), "{response}");
    // Plain HTTP on the TLS port gets nowhere.
    let mut plain = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut buf)).await;
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
}

#[tokio::test]
async fn a_missing_certificate_is_a_clear_error() {
    let options = Options::parse_from([
        "lingua-connect",
        "--addr",
        "127.0.0.1:0",
        "--tls-cert",
        "/nonexistent/cert.pem",
        "--tls-key",
        "/nonexistent/key.pem",
    ]);
    let error = start(&options).await.unwrap_err();
    assert!(error.to_string().contains("/nonexistent/cert.pem"), "{error}");
}

#[tokio::test]
async fn shutdown_tells_clients_and_stops_listening() {
    let app = app(&[]).await;
    let (url, addr) = (app.url(), app.addr);
    let mut sio = Sio::start().await.unwrap();
    sio.connected("a", &url, json!({})).await.unwrap();
    let target = lingua_signal_testing::peerjs::Target { addr, path: "/peerjs".into(), key: "peerjs".into() };
    let mut peer = target.open("p1").await;
    tokio::time::timeout(Duration::from_secs(10), app.shutdown()).await.expect("shutdown finishes");
    let report = sio.expect("a", |r| r["type"] == "disconnect", Duration::from_secs(5)).await.unwrap();
    assert_eq!(report["reason"], "io server disconnect");
    assert_eq!(peer.expect_closed().await, Some(1001));
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "no longer listening");
    sio.exit().await.unwrap();
}
