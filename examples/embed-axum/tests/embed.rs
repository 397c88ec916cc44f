#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The embed example on 127.0.0.1:0: its own routes keep working, and rooms
//! and PeerJS answer under its `/rtc` prefix.

use embed_axum::{PEERJS_PATH, SOCKETIO_PATH};
use lingua_signal_testing::{
    peerjs::{Target, error},
    sio::Sio,
};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

async fn start() -> String {
    start_with(None).await
}

async fn start_with(secret: Option<&str>) -> String {
    let (app, _hub) = embed_axum::app(secret);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    // Served as main.rs serves it; the listener lives as long as the test.
    std::mem::forget(lingua_signal_serve::Server::default().serve(listener, app).unwrap());
    addr
}

/// One HTTP/1.1 exchange; returns the status and the body.
async fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn the_apps_own_routes_still_work() {
    let addr = start().await;
    let (status, body) = http(&addr, "GET", "/", "").await;
    assert_eq!(status, 200);
    assert!(body.starts_with("notes service"), "{body}");
    assert_eq!(http(&addr, "POST", "/notes", "buy milk").await.0, 201);
    assert_eq!(http(&addr, "GET", "/notes", "").await, (200, r#"["buy milk"]"#.to_owned()));
    assert_eq!(http(&addr, "GET", "/missing", "").await.0, 404);
}

#[tokio::test]
async fn socketio_clients_meet_in_a_room_under_the_prefix() -> TestResult {
    let addr = start().await;
    let url = format!("http://{addr}");
    let mut sio = Sio::start().await?;
    for c in ["alice", "bob"] {
        sio.connected(c, &url, json!({"path": SOCKETIO_PATH})).await?;
    }
    // As the Node original's page does it: no acknowledgement.
    sio.emit("alice", "join-room", json!(["standup", "alice"]), None).await?;
    let reply = sio.request("alice", "join-room", json!(["other", "alice"]), 1).await?;
    assert_eq!(reply, [json!({"ok": true, "users": []})]);
    sio.emit("bob", "join-room", json!(["standup", "bob"]), None).await?;
    sio.next_event("alice", "user-connected", json!(["bob"])).await?;
    sio.close("bob").await?;
    sio.next_event("alice", "user-disconnected", json!(["bob"])).await?;
    sio.exit().await?;
    Ok(())
}

#[tokio::test]
async fn the_peerjs_id_endpoint_answers_under_the_prefix() {
    let addr = start().await;
    // PeerJS `path` P serves ids at `P/{key}/id`; the key is the default.
    let (status, id) = http(&addr, "GET", &format!("{PEERJS_PATH}/peerjs/id"), "").await;
    assert_eq!(status, 200);
    assert!(!id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{id:?}");
}

#[tokio::test]
async fn with_a_secret_only_clients_that_show_it_get_in() -> TestResult {
    let addr = start_with(Some("s3cret")).await;
    let url = format!("http://{addr}");
    let mut sio = Sio::start().await?;
    for (c, auth) in [("none", json!({})), ("wrong", json!({"token": "guess"}))] {
        sio.connect(c, &url, json!({"path": SOCKETIO_PATH, "auth": auth})).await?;
        let report = sio.next(c, lingua_signal_testing::sio::TIMEOUT).await?;
        assert_eq!(report["type"], "connect_error", "{c}: {report}");
        assert!(report["message"].as_str().is_some_and(|m| m.starts_with("unauthorized: ")), "{report}");
    }
    for c in ["alice", "bob"] {
        sio.connected(c, &url, json!({"path": SOCKETIO_PATH, "auth": {"token": "s3cret"}})).await?;
    }
    let reply = sio.request("alice", "join-room", json!(["standup", "alice"]), 1).await?;
    assert_eq!(reply, [json!({"ok": true, "users": []})]);
    sio.emit("bob", "join-room", json!(["standup", "bob"]), None).await?;
    sio.next_event("alice", "user-connected", json!(["bob"])).await?;
    sio.exit().await?;

    let peers = Target::new(addr.parse()?, PEERJS_PATH, "peerjs");
    let mut stranger = peers.connect_peer("p1", "guess").await;
    assert_eq!(stranger.expect_json().await, error("unauthorized: the token is wrong"));
    peers.connect_peer("p1", "s3cret").await.expect_open().await;
    Ok(())
}

#[tokio::test]
async fn a_slow_note_body_gets_408_at_the_body_deadline() {
    use lingua_signal_serve::{Deadlines, Server};
    let (app, _hub) = embed_axum::app(None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = Server::builder().deadlines(Deadlines::default().body(lingua_signal_testing::deadline::BODY)).build();
    let serving = server.serve(listener, app).unwrap();
    let head = "POST /notes HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n";
    lingua_signal_testing::deadline::a_slow_body_gets_408_at_the_body_deadline(serving.local_addr(), head).await;
    assert_eq!(server.stats().body_timeouts, 1);
}

#[tokio::test]
async fn the_call_page_and_the_client_bundle_it_imports_are_served() {
    let addr = start().await;
    let (status, page) = http(&addr, "GET", "/call", "").await;
    assert_eq!(status, 200);
    assert!(page.contains("from '/call/lingua-signal-client.js'"), "{page}");
    assert!(page.contains("socketPath: '/rtc/socket.io'"), "the page uses this app's Socket.IO path");
    let (status, client) = http(&addr, "GET", "/call/lingua-signal-client.js", "").await;
    assert_eq!(status, 200);
    assert!(client.contains("RoomClient"), "the ES module bundle exports RoomClient");
}
