//! Both apps sharing rooms and PeerJS peers through a real `redis-server`
//! (`--redis-url`): in-process apps for the transports, and separate
//! processes of the built binary for a SIGKILL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use clap::Parser;
use lingua_signal_testing::{
    peerjs::{Frame, Target},
    redis::RedisServer,
    rooms::{RoomsClient, WAIT, user_connected, user_disconnected},
    sio::Sio,
};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

const TTL_MS: u64 = 1000;

fn flags(url: &str) -> Vec<String> {
    flags_with_ttl(url, TTL_MS)
}

fn flags_with_ttl(url: &str, ttl_ms: u64) -> Vec<String> {
    ["--addr", "127.0.0.1:0", "--trust-client-ids", "--redis-url", url, "--redis-ttl-ms", &ttl_ms.to_string()]
        .map(str::to_owned)
        .to_vec()
}

/// `joiner` joined `room` and heard of `other` once: in its join's reply
/// or as one event after it.
async fn meets(joiner: &mut RoomsClient, room: &str, user: &str, other: &str) {
    if !joiner.join(room, user).await.iter().any(|u| u == other) {
        assert_eq!(joiner.recv().await, user_connected(room, other));
    }
}

#[tokio::test]
async fn socket_io_and_websocket_members_on_two_apps_hear_each_other_once() {
    let redis = RedisServer::start();
    let mut axum_args = vec!["lingua-connect".to_owned()];
    axum_args.extend(flags(&redis.url()));
    let axum_app = lingua_connect::start(&lingua_connect::Options::parse_from(axum_args)).await.unwrap();
    let mut warp_args = vec!["lingua-connect-warp".to_owned()];
    warp_args.extend(flags(&redis.url()));
    let warp_app =
        lingua_connect::warp_app::start(&lingua_connect::warp_app::Options::parse_from(warp_args)).await.unwrap();

    let mut sio = Sio::start().await.unwrap();
    sio.connected("a", &format!("http://{}", axum_app.addr), json!({})).await.unwrap();
    let ack = sio.request("a", "join-room", json!(["room-1", "peer-a"]), 1).await.unwrap();
    assert_eq!(ack, [json!({"ok": true, "users": []})]);

    let ws_url = format!("ws://{}/rooms?v=1", warp_app.addr);
    let mut b = RoomsClient::connect(&ws_url).await;
    meets(&mut b, "room-1", "peer-b", "peer-a").await;
    sio.next_event("a", "user-connected", json!(["peer-b"])).await.unwrap();

    // Each next event proves the one before came once: a duplicate would
    // have been next instead.
    b.leave("room-1").await;
    sio.next_event("a", "user-disconnected", json!(["peer-b"])).await.unwrap();
    assert_eq!(b.join("room-1", "peer-b").await, ["peer-a"]);
    sio.next_event("a", "user-connected", json!(["peer-b"])).await.unwrap();
    b.stream().close(None).await.unwrap();
    sio.next_event("a", "user-disconnected", json!(["peer-b"])).await.unwrap();

    let mut c = RoomsClient::connect(&ws_url).await;
    assert_eq!(c.join("room-1", "peer-c").await, ["peer-a"]);
    sio.next_event("a", "user-connected", json!(["peer-c"])).await.unwrap();
    sio.close("a").await.unwrap();
    assert_eq!(c.recv().await, user_disconnected("room-1", "peer-a"));
    c.assert_silent(Duration::from_millis(TTL_MS)).await;
    sio.exit().await.unwrap();

    // PeerJS across the two apps: an OFFER from the axum app's peer reaches
    // the warp app's peer, with its sender's id.
    let mut pa = Target::new(axum_app.addr, "/peerjs", "peerjs").open("pa").await;
    let mut pb = Target::new(warp_app.addr, "/peerjs", "peerjs").open("pb").await;
    pa.send_json(&json!({"type": "OFFER", "dst": "pb", "payload": {"sdp": "v=0"}})).await;
    let offer = pb.expect_json().await;
    assert_eq!(offer, json!({"type": "OFFER", "src": "pa", "dst": "pb", "payload": {"sdp": "v=0"}}));
    pb.send_json(&json!({"type": "ANSWER", "dst": "pa", "payload": {"sdp": "v=1"}})).await;
    assert_eq!(pa.expect_json().await["type"], "ANSWER");
}

/// Socket.IO client `c` heard `user-connected` once for each of `users`
/// that its join's reply did not list, in any order, and nothing else.
async fn sio_meets(sio: &mut Sio, c: &str, listed: &serde_json::Value, users: &[&str]) {
    let listed: Vec<&str> = listed["users"].as_array().unwrap().iter().filter_map(|u| u.as_str()).collect();
    let mut missing: Vec<&str> = users.iter().copied().filter(|u| !listed.contains(u)).collect();
    while !missing.is_empty() {
        let args = sio.expect_event(c, "user-connected", WAIT).await.unwrap();
        let user = args[0].as_str().unwrap();
        let at = missing.iter().position(|m| *m == user).unwrap_or_else(|| panic!("{c} heard {user} join twice"));
        missing.remove(at);
    }
}

#[tokio::test]
async fn members_of_one_room_on_three_apps_hear_each_join_and_disconnect_once() {
    let redis = RedisServer::start();
    let axum = |url: &str| {
        let mut args = vec!["lingua-connect".to_owned()];
        args.extend(flags(url));
        lingua_connect::Options::parse_from(args)
    };
    let app1 = lingua_connect::start(&axum(&redis.url())).await.unwrap();
    let mut warp_args = vec!["lingua-connect-warp".to_owned()];
    warp_args.extend(flags(&redis.url()));
    let app2 =
        lingua_connect::warp_app::start(&lingua_connect::warp_app::Options::parse_from(warp_args)).await.unwrap();
    let app3 = lingua_connect::start(&axum(&redis.url())).await.unwrap();

    let mut sio = Sio::start().await.unwrap();
    sio.connected("a", &format!("http://{}", app1.addr), json!({})).await.unwrap();
    let ack = sio.request("a", "join-room", json!(["room-3", "peer-a"]), 1).await.unwrap();
    assert_eq!(ack, [json!({"ok": true, "users": []})]);
    let mut b = RoomsClient::connect(&format!("ws://{}/rooms?v=1", app2.addr)).await;
    meets(&mut b, "room-3", "peer-b", "peer-a").await;
    sio.next_event("a", "user-connected", json!(["peer-b"])).await.unwrap();

    sio.connected("d", &format!("http://{}", app3.addr), json!({})).await.unwrap();
    let ack = sio.request("d", "join-room", json!(["room-3", "peer-d"]), 1).await.unwrap();
    sio_meets(&mut sio, "d", &ack[0], &["peer-a", "peer-b"]).await;
    sio.next_event("a", "user-connected", json!(["peer-d"])).await.unwrap();
    assert_eq!(b.recv().await, user_connected("room-3", "peer-d"));

    // The raw-websocket member goes: both Socket.IO members hear it once.
    b.stream().close(None).await.unwrap();
    sio.next_event("a", "user-disconnected", json!(["peer-b"])).await.unwrap();
    sio.next_event("d", "user-disconnected", json!(["peer-b"])).await.unwrap();
    // A Socket.IO member goes: the other hears it once, and nothing more.
    sio.close("d").await.unwrap();
    sio.next_event("a", "user-disconnected", json!(["peer-d"])).await.unwrap();
    sio.expect_none("a", Duration::from_millis(TTL_MS)).await.unwrap();
    sio.exit().await.unwrap();
}

/// A `lingua-connect-warp` process on `url`'s Redis, and its address.
async fn process(url: &str) -> (tokio::process::Child, String) {
    process_with_ttl(url, TTL_MS).await
}

async fn process_with_ttl(url: &str, ttl_ms: u64) -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_lingua-connect-warp"))
        .args(flags_with_ttl(url, ttl_ms))
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(WAIT, lines.next_line()).await.unwrap().unwrap().unwrap();
    let addr = first.rsplit("http://").next().unwrap().trim().to_owned();
    // Keep reading, so the process never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

#[tokio::test]
async fn a_killed_process_is_announced_gone_within_the_ttl_and_frees_its_peer_ids() {
    let redis = RedisServer::start();
    let (_survivor, addr1) = process(&redis.url()).await;
    let (mut doomed, addr2) = process(&redis.url()).await;

    let mut x = RoomsClient::connect(&format!("ws://{addr1}/rooms?v=1")).await;
    assert!(x.join("room-1", "x").await.is_empty());
    let target = |addr: &str| Target::new(addr.parse().unwrap(), "/peerjs", "peerjs");
    let _py = target(&addr2).open("py").await;
    let mut y = RoomsClient::connect(&format!("ws://{addr2}/rooms?v=1")).await;
    meets(&mut y, "room-1", "y", "x").await;
    // y's join reached the survivor after py's registration did.
    assert_eq!(x.recv().await, user_connected("room-1", "y"));
    let mut taken = target(&addr1).connect_peer("py", "another-token").await;
    assert_eq!(taken.expect_json().await["type"], "ID-TAKEN");

    let killed = Instant::now();
    doomed.start_kill().unwrap();
    let heard = tokio::time::timeout(Duration::from_millis(TTL_MS * 3), x.recv()).await.expect("not announced");
    assert_eq!(heard, user_disconnected("room-1", "y"));
    let took = killed.elapsed();
    assert!(took <= Duration::from_millis(TTL_MS + TTL_MS / 5 + 500), "announced after {took:?}");
    x.assert_silent(Duration::from_millis(TTL_MS)).await;

    let mut again = target(&addr1).connect_peer("py", "another-token").await;
    assert_eq!(again.next_frame().await, Frame::Json(json!({"type": "OPEN"})));
}

#[tokio::test]
async fn a_process_stopped_with_sigterm_says_goodbye_before_the_ttl() {
    const LONG_TTL_MS: u64 = 20_000;
    let redis = RedisServer::start();
    let (_survivor, addr1) = process_with_ttl(&redis.url(), LONG_TTL_MS).await;
    let (mut stopped, addr2) = process_with_ttl(&redis.url(), LONG_TTL_MS).await;
    let mut x = RoomsClient::connect(&format!("ws://{addr1}/rooms?v=1")).await;
    assert!(x.join("room-1", "x").await.is_empty());
    let mut y = RoomsClient::connect(&format!("ws://{addr2}/rooms?v=1")).await;
    meets(&mut y, "room-1", "y", "x").await;
    assert_eq!(x.recv().await, user_connected("room-1", "y"));

    let pid = stopped.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    // Far sooner than the TTL: the goodbye, not the silence, tells.
    let heard = tokio::time::timeout(Duration::from_secs(5), x.recv()).await.expect("no goodbye before the TTL");
    assert_eq!(heard, user_disconnected("room-1", "y"));
    assert!(tokio::time::timeout(WAIT, stopped.wait()).await.unwrap().unwrap().success());
}
