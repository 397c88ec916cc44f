#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The embed example on 127.0.0.1:0: its own routes keep working, and rooms
//! and PeerJS answer under its `/rtc` prefix.

use embed_warp::{PEERJS_PATH, ROOMS_PATH};
use lingua_signal_testing::{
    http,
    peerjs::{Target, error, message, relayed},
    rooms::{RoomsClient, user_connected, user_disconnected},
};
use serde_json::json;
use std::net::SocketAddr;

async fn start() -> SocketAddr {
    start_with(None).await
}

async fn start_with(secret: Option<&str>) -> SocketAddr {
    let (routes, _hub) = embed_warp::routes(secret);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Served as main.rs serves it; the listener lives as long as the test.
    std::mem::forget(lingua_signal_serve::Server::default().serve(listener, warp::service(routes)).unwrap());
    addr
}

#[tokio::test]
async fn the_services_own_routes_still_work() {
    let addr = start().await;
    let home = http::get(addr, "/", &[]).await;
    assert_eq!(home.status.as_u16(), 200);
    assert!(home.text().starts_with("notes service"), "{}", home.text());
    let added = http::request_with_body(addr, http::Method::POST, "/notes", "buy milk").await;
    assert_eq!(added.status.as_u16(), 201);
    let notes = http::get(addr, "/notes", &[]).await;
    assert_eq!((notes.status.as_u16(), notes.text()), (200, r#"["buy milk"]"#));
    assert_eq!(http::get(addr, "/missing", &[]).await.status.as_u16(), 404);
    assert_eq!(http::get(addr, "/rooms", &[]).await.status.as_u16(), 404, "rooms live under the prefix only");
}

#[tokio::test]
async fn websocket_members_meet_in_a_room_under_the_prefix() {
    let addr = start().await;
    let url = format!("ws://{addr}{ROOMS_PATH}");
    let mut alice = RoomsClient::connect(&url).await;
    assert!(alice.join("standup", "alice").await.is_empty());
    let mut bob = RoomsClient::connect(&url).await;
    assert_eq!(bob.join("standup", "bob").await, ["alice"]);
    assert_eq!(alice.recv().await, user_connected("standup", "bob"));
    drop(bob.into_stream());
    assert_eq!(alice.recv().await, user_disconnected("standup", "bob"));
}

#[tokio::test]
async fn peerjs_answers_under_the_prefix() {
    let addr = start().await;
    let id = http::get(addr, &format!("{PEERJS_PATH}/peerjs/id"), &[]).await;
    assert_eq!((id.status.as_u16(), id.body.len()), (200, 36));
    let t = Target::new(addr, PEERJS_PATH, "peerjs");
    let mut a = t.open("a").await;
    let mut b = t.open("b").await;
    a.send_json(&message("OFFER", "b", json!({"sdp": "v=0"}))).await;
    assert_eq!(b.expect_json().await, relayed("OFFER", "a", "b", json!({"sdp": "v=0"})));
}

#[tokio::test]
async fn with_a_secret_only_clients_that_show_it_get_in() {
    let addr = start_with(Some("s3cret")).await;
    for query in ["", "?token=guess"] {
        let mut stranger = RoomsClient::connect(&format!("ws://{addr}{ROOMS_PATH}{query}")).await;
        let refusal = stranger.recv().await;
        assert_eq!((refusal["type"].as_str(), refusal["code"].as_str()), (Some("error"), Some("unauthorized")));
        assert_eq!(stranger.closed().await, (4401, "unauthorized".to_owned()));
    }
    let url = format!("ws://{addr}{ROOMS_PATH}?token=s3cret");
    let mut alice = RoomsClient::connect(&url).await;
    assert!(alice.join("standup", "alice").await.is_empty());
    let mut bob = RoomsClient::connect(&url).await;
    assert_eq!(bob.join("standup", "bob").await, ["alice"]);
    assert_eq!(alice.recv().await, user_connected("standup", "bob"));

    let peers = Target::new(addr, PEERJS_PATH, "peerjs");
    let mut stranger = peers.connect_peer("p1", "guess").await;
    assert_eq!(stranger.expect_json().await, error("unauthorized: the token is wrong"));
    peers.connect_peer("p1", "s3cret").await.expect_open().await;
}

#[tokio::test]
async fn a_slow_note_body_gets_408_at_the_body_deadline() {
    use lingua_signal_serve::{Deadlines, Server};
    let (routes, _hub) = embed_warp::routes(None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = Server::builder().deadlines(Deadlines::default().body(lingua_signal_testing::deadline::BODY)).build();
    let serving = server.serve(listener, warp::service(routes)).unwrap();
    let head = "POST /notes HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n";
    lingua_signal_testing::deadline::a_slow_body_gets_408_at_the_body_deadline(serving.local_addr(), head).await;
    assert_eq!(server.stats().body_timeouts, 1);
}

#[tokio::test]
async fn the_call_page_and_the_client_bundle_it_imports_are_served() {
    let addr = start().await;
    let page = http::get(addr, "/call", &[]).await;
    assert_eq!(page.status.as_u16(), 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(page.text().contains("from '/call/lingua-signal-client.js'"), "{}", page.text());
    assert!(page.text().contains("roomsPath: '/rtc/rooms'"), "the page uses this service's rooms path");
    let client = http::get(addr, "/call/lingua-signal-client.js", &[]).await;
    assert_eq!(client.status.as_u16(), 200);
    assert_eq!(client.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert!(client.text().contains("RoomClient"), "the ES module bundle exports RoomClient");
}
