//! Clients that stall or dribble against lingua-connect-warp (warp routes
//! behind the same listener as lingua-connect) with short deadlines: each is
//! closed in time, with `408` where a request was under way; kept-alive
//! reuse and websockets are untouched; the per-IP cap. The app has no route
//! that reads a request body: `embed-warp`'s tests cover a slow body
//! through warp.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use clap::Parser;
use lingua_connect::warp_app::{App, Options, Running, start};
use lingua_signal_testing::{deadline, rooms::RoomsClient};

async fn app(args: &[&str]) -> Running<App> {
    let mut argv = vec!["lingua-connect-warp", "--addr", "127.0.0.1:0"];
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
    deadline::a_half_sent_upgrade_request_gets_408(app.addr, "/rooms?v=1").await;
    deadline::a_half_sent_upgrade_request_gets_408(app.addr, "/peerjs/peerjs?key=peerjs&id=a&token=t").await;
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
    let app = short().await;
    deadline::upgraded_websockets_outlive_every_deadline(app.addr).await;
    let url = format!("ws://{}/rooms?v=1", app.addr);
    let mut a = RoomsClient::connect(&url).await;
    let mut b = RoomsClient::connect(&url).await;
    assert_eq!(a.join("r", "pa").await, Vec::<String>::new());
    tokio::time::sleep(deadline::HEADER + deadline::IDLE + deadline::BODY + Duration::from_millis(400)).await;
    assert_eq!(b.join("r", "pb").await, ["pa"]);
}

#[tokio::test]
async fn the_per_ip_cap_closes_connections_over_it() {
    let app = app(&["--max-connections-per-ip", "2", "--limit-loopback"]).await;
    deadline::the_per_ip_cap_closes_connections_over_it(app.addr, 2).await;
    assert!(app.server.stats().refused_per_ip >= 1);
}
