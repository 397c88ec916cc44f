//! lingua-connect is served through lingua-signal-serve with its deadline
//! and limit flags wired (short deadlines:
//! `lingua_signal_testing::deadline::FLAGS`), and what only the app has: a
//! Socket.IO long-polling body under the body deadline, a Socket.IO client
//! outliving every deadline. The server's own behaviour (each deadline, the
//! per-IP cap, websockets out of every deadline) is proven in
//! `lingua-signal-serve/tests` against a tiny service.
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
async fn the_app_is_served_with_its_deadline_and_limit_flags() {
    let short = short().await;
    tokio::join!(
        deadline::a_silent_connection_gets_408_at_the_header_deadline(short.addr),
        deadline::an_idle_kept_alive_connection_is_closed(short.addr),
        deadline::peerjs_websockets_outlive_every_deadline(short.addr),
    );
    let stats = short.server.stats();
    assert_eq!((stats.header_timeouts, stats.idle_timeouts), (1, 1));
    let capped = app(&["--max-connections-per-ip", "1", "--limit-loopback"]).await;
    deadline::the_per_ip_cap_closes_connections_over_it(capped.addr, 1).await;
    assert!(capped.server.stats().refused_per_ip >= 1);
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
