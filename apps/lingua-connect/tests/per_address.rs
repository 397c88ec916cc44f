//! What one client address can hold (issue 22, finding 3), with the stock
//! socket.io-client over Engine.IO long-polling, the transport the attack
//! used: its sessions hold no TCP connection between requests, so the
//! per-IP TCP cap never saw them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clap::Parser;
use lingua_connect::{App, Options, Running, start};
use lingua_signal_testing::sio::{Sio, TIMEOUT};
use serde_json::{Value as Json, json};

async fn app(args: &[&str]) -> Running<App> {
    let mut argv = vec!["lingua-connect", "--addr", "127.0.0.1:0", "--trust-client-ids"];
    argv.extend_from_slice(args);
    start(&Options::parse_from(argv)).await.unwrap()
}

/// Long-polling only, seen from `client` through the trusted proxy the
/// test plays (every test client is on loopback).
fn polling_from(client: &str) -> Json {
    json!({ "transports": ["polling"], "extraHeaders": { "x-forwarded-for": client } })
}

#[tokio::test]
async fn polling_sessions_count_against_their_address_on_the_defaults() {
    // The shape: --limit-loopback, nothing else changed.
    let app = app(&["--limit-loopback"]).await;
    let url = format!("http://{}", app.addr);
    let mut sio = Sio::start().await.unwrap();
    let polling = json!({ "transports": ["polling"] });
    for i in 0..128 {
        sio.connect(&format!("s{i}"), &url, polling.clone()).await.unwrap();
    }
    for i in 0..128 {
        let report = sio.next(&format!("s{i}"), TIMEOUT).await.unwrap();
        assert_eq!(report["type"], "connect", "session {i}: {report}");
    }
    sio.connect("over", &url, polling.clone()).await.unwrap();
    let refused = sio.next("over", TIMEOUT).await.unwrap();
    assert_eq!(refused["type"], "connect_error", "{refused}");
    let message = refused["message"].as_str().unwrap();
    assert!(message.starts_with("too-many-connections: "), "{message}");
    // A session that ends gives its place back.
    sio.close("s0").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sio.connected("again", &url, polling).await.unwrap();
    sio.exit().await.unwrap();
}

#[tokio::test]
async fn one_address_cannot_fill_the_room_table_and_others_still_create_rooms() {
    let app = app(&["--trusted-proxy", "127.0.0.1", "--join-rate", "100/100"]).await;
    let url = format!("http://{}", app.addr);
    let mut sio = Sio::start().await.unwrap();
    // Sessions of one address, each joining 16 new rooms (rooms per
    // connection), as the attack did.
    let (mut created, mut refused, mut ack) = (0, Vec::new(), 0);
    for s in 0..7 {
        let c = format!("attacker{s}");
        sio.connected(&c, &url, polling_from("203.0.113.7")).await.unwrap();
        for r in 0..16 {
            ack += 1;
            let room = format!("flood-{s}-{r}");
            let reply = sio.request(&c, "join-room", json!([room, format!("u{s}")]), ack).await.unwrap();
            match reply[0]["ok"].as_bool() {
                Some(true) => created += 1,
                _ => refused.push(reply[0]["error"]["code"].as_str().unwrap_or_default().to_owned()),
            }
        }
    }
    assert_eq!(created, 100, "the default --max-rooms-per-ip");
    assert_eq!(refused.len(), 12);
    assert!(refused.iter().all(|code| code == "too-many-rooms-from-address"), "{refused:?}");
    // Another address is not refused: neither `server-full` nor the cap.
    sio.connected("teacher", &url, polling_from("198.51.100.2")).await.unwrap();
    let reply = sio.request("teacher", "join-room", json!(["lesson-1", "teacher"]), 1).await.unwrap();
    assert_eq!(reply[0]["ok"], true, "{reply:?}");
    // The capped address may still join rooms that exist.
    let reply = sio.request("attacker0", "leave-room", json!(["flood-0-0"]), 1000).await.unwrap();
    assert_eq!(reply[0]["ok"], true);
    let reply = sio.request("attacker0", "join-room", json!(["lesson-1", "student"]), 1001).await.unwrap();
    assert_eq!(reply[0]["ok"], true, "{reply:?}");
    sio.exit().await.unwrap();
}
