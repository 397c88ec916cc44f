//! Clients that stall or dribble against lingua-connect with short
//! deadlines (`lingua_signal_testing::deadline::FLAGS`): each is closed in
//! time, with `408` where a request was under way; kept-alive reuse and
//! websockets are untouched; the per-IP cap.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clap::Parser;
use lingua_connect::{App, Options, Running, start};
use lingua_signal_testing::{deadline, http::get};

async fn app(args: &[&str]) -> Running<App> {
    let mut argv = vec!["lingua-connect", "--addr", "127.0.0.1:0"];
    argv.extend_from_slice(args);
    start(&Options::parse_from(argv)).await.unwrap()
}

async fn short() -> Running<App> {
    // The members here announce made-up user ids: the deadlines are the point.
    let flags: Vec<&str> = deadline::FLAGS.iter().copied().chain(["--trust-client-ids"]).collect();
    app(&flags).await
}

#[tokio::test]
async fn a_silent_connection_gets_408_at_the_header_deadline() {
    let app = short().await;
    deadline::a_silent_connection_gets_408_at_the_header_deadline(app.addr).await;
    assert_eq!(app.server.stats().header_timeouts, 1);
}

#[tokio::test]
async fn a_head_sent_byte_by_byte_gets_408_at_the_header_deadline() {
    deadline::a_head_sent_byte_by_byte_gets_408_at_the_header_deadline(short().await.addr).await;
}

#[tokio::test]
async fn a_half_sent_upgrade_request_gets_408() {
    let app = short().await;
    deadline::a_half_sent_upgrade_request_gets_408(app.addr, "/peerjs/peerjs?key=peerjs&id=a&token=t").await;
    deadline::a_half_sent_upgrade_request_gets_408(app.addr, "/socket.io/?EIO=4&transport=websocket").await;
}

#[tokio::test]
async fn a_slow_socket_io_polling_body_gets_408_at_the_body_deadline() {
    let app = short().await;
    // A Socket.IO polling session, whose POSTs the server reads.
    let handshake = get(app.addr, "/socket.io/?EIO=4&transport=polling", &[]).await;
    let open: serde_json::Value = serde_json::from_str(&handshake.text()[1..]).unwrap();
    let sid = open["sid"].as_str().unwrap();
    let head = format!(
        "POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 1000\r\n\r\n"
    );
    deadline::a_slow_body_gets_408_at_the_body_deadline(app.addr, &head).await;
    assert_eq!(app.server.stats().body_timeouts, 1);
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    deadline::an_idle_kept_alive_connection_is_closed(short().await.addr).await;
}

#[tokio::test]
async fn a_kept_alive_connection_serves_requests_within_the_idle_window() {
    deadline::a_kept_alive_connection_serves_requests_within_the_idle_window(short().await.addr).await;
}

#[tokio::test]
async fn upgraded_websockets_outlive_every_deadline() {
    deadline::upgraded_websockets_outlive_every_deadline(short().await.addr).await;
}

#[tokio::test]
async fn a_socket_io_client_outlives_every_deadline() {
    use lingua_signal_testing::sio::Sio;
    use serde_json::json;
    let app = short().await;
    let mut sio = Sio::start().await.unwrap();
    sio.connected("a", &app.url(), json!({})).await.unwrap();
    sio.connected("b", &app.url(), json!({})).await.unwrap();
    tokio::time::sleep(deadline::HEADER + deadline::IDLE + deadline::BODY).await;
    sio.emit("a", "join-room", json!(["r", "pa"]), None).await.unwrap();
    let ack = sio.request("b", "join-room", json!(["r", "pb"]), 1).await.unwrap();
    assert_eq!(ack, [json!({"ok": true, "users": ["pa"]})]);
    sio.exit().await.unwrap();
}

#[tokio::test]
async fn the_per_ip_cap_closes_connections_over_it() {
    let app = app(&["--max-connections-per-ip", "3", "--limit-loopback"]).await;
    deadline::the_per_ip_cap_closes_connections_over_it(app.addr, 3).await;
    assert!(app.server.stats().refused_per_ip >= 1);
}

#[tokio::test]
async fn loopback_is_not_capped_by_default() {
    let app = app(&["--max-connections-per-ip", "1"]).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
        let response = deadline::exchange(&mut stream, deadline::HEALTHZ, "ok").await;
        assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
        held.push(stream);
    }
    assert_eq!(app.server.stats().refused_per_ip, 0);
}
