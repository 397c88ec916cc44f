#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The host hooks over Socket.IO, against a real server on 127.0.0.1:0 and
//! the stock npm socket.io-client: authorization of connections (the
//! handshake's `auth`) and joins, room events for server code, and
//! application messages between members.

use std::time::Duration;

use axum::Router;
use lingua_signal_axum::{Config, Hub, Signaling};
use lingua_signal_core::{Activity, Data, RoomEvent};
use lingua_signal_testing::{
    gate::{BANNED, Gate, TOKEN},
    sio::{Sio, TIMEOUT, event_args},
};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A gated server ([`Gate`]); returns its URL and hub.
async fn serve(config: Config) -> (String, Hub) {
    let hub = Hub::builder().config(config).authorizer(Gate).build();
    let signaling = Signaling::builder().hub(hub.clone()).build();
    let app = Router::new().merge(signaling.router()).layer(signaling.layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hub)
}

/// Connects each of `names` with the gate's token, as `auth: {token, name}`.
async fn members(url: &str, names: &[&str]) -> Result<Sio, Box<dyn std::error::Error>> {
    let mut sio = Sio::start().await?;
    for name in names {
        sio.connected(name, url, json!({"auth": {"token": TOKEN, "name": name}})).await?;
    }
    Ok(sio)
}

async fn join(sio: &mut Sio, c: &str, room: &str) -> Result<Value, Box<dyn std::error::Error>> {
    let reply = sio.request(c, "join-room", json!([room, c]), 1).await?;
    assert_eq!(reply[0]["ok"], true, "{c} joining {room}: {reply:?}");
    Ok(reply[0]["users"].clone())
}

/// The `{ ok: false, error: { code } }` code of a reply.
fn code(reply: &[Value]) -> String {
    assert_eq!(reply[0]["ok"], false, "{reply:?}");
    assert!(reply[0]["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{reply:?}");
    reply[0]["error"]["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_handshake_without_the_token_gets_connect_error_with_code_and_reason() -> TestResult {
    let (url, hub) = serve(Config::default()).await;
    let mut sio = Sio::start().await?;
    for (c, auth) in [("none", json!(null)), ("wrong", json!({"token": "nope"})), ("banned", json!({"token": BANNED}))]
    {
        let opts = if auth.is_null() { json!({}) } else { json!({"auth": auth}) };
        sio.connect(c, &url, opts).await?;
        let report = sio.next(c, TIMEOUT).await?;
        assert_eq!(report["type"], "connect_error", "{c}: {report}");
        let expected =
            if c == "banned" { "banned: this token is banned" } else { "unauthorized: a valid token is needed" };
        assert_eq!(report["message"], expected, "{c}");
    }
    assert_eq!(hub.metrics().snapshot().connections, 0, "a refused handshake opens no connection");
    sio.connected("ok", &url, json!({"auth": {"token": TOKEN}})).await?;
    sio.exit().await?;
    Ok(())
}

#[tokio::test]
async fn a_denied_join_leaves_the_room_untouched_and_a_grant_sets_its_capacity() -> TestResult {
    let (url, hub) = serve(Config::default()).await;
    let mut sio = members(&url, &["a", "b", "c"]).await?;
    join(&mut sio, "a", "watch").await?;
    let closed = sio.request("b", "join-room", json!(["closed-1", "b"]), 1).await?;
    assert_eq!(code(&closed), "room-closed");
    assert!(hub.members(&"closed-1".parse()?).is_empty());
    // The error event form, for a page that asks for no acknowledgement.
    sio.emit("b", "join-room", json!(["closed-1", "b"]), None).await?;
    let report = sio.next("b", TIMEOUT).await?;
    assert_eq!(code(event_args(&report, "error").unwrap()), "room-closed");

    assert_eq!(join(&mut sio, "a", "pair-1").await?, json!([]));
    assert_eq!(join(&mut sio, "b", "pair-1").await?, json!(["a"]));
    let full = sio.request("c", "join-room", json!(["pair-1", "c"]), 1).await?;
    assert_eq!(code(&full), "room-full");
    sio.next_event("a", "user-connected", json!(["b"])).await?;
    sio.expect_none("a", Duration::from_millis(200)).await?;
    assert_eq!(join(&mut sio, "c", "class-1").await?, json!([]));
    sio.exit().await?;
    Ok(())
}

#[tokio::test]
async fn room_messages_reach_the_other_members_once_in_order_and_the_sender_gets_an_ack() -> TestResult {
    let (url, hub) = serve(Config::default()).await;
    let mut sio = members(&url, &["a", "b", "c", "d"]).await?;
    for c in ["a", "b", "c"] {
        join(&mut sio, c, "r").await?;
    }
    sio.expect_event("a", "user-connected", TIMEOUT).await?;
    sio.expect_event("a", "user-connected", TIMEOUT).await?;
    sio.expect_event("b", "user-connected", TIMEOUT).await?;

    let ack = sio.request("a", "room-message", json!(["r", {"kind": "chat", "text": "hi <b>"}]), 5).await?;
    assert_eq!(ack, [json!({"ok": true})]);
    join(&mut sio, "d", "r").await?;
    sio.emit("a", "room-message", json!(["r", [1, 2.5, null]]), None).await?;
    for c in ["b", "c"] {
        sio.next_event(c, "room-message", json!(["r", "a", {"kind": "chat", "text": "hi <b>"}])).await?;
        sio.next_event(c, "user-connected", json!(["d"])).await?;
        sio.next_event(c, "room-message", json!(["r", "a", [1, 2.5, null]])).await?;
    }
    sio.next_event("d", "room-message", json!(["r", "a", [1, 2.5, null]])).await?;
    // The sender hears only d's join, never its own messages.
    sio.next_event("a", "user-connected", json!(["d"])).await?;
    sio.expect_none("a", Duration::from_millis(200)).await?;

    // Server code speaks to the room too: `from` is null.
    assert_eq!(hub.send_to_room(&"r".parse()?, Data::new(r#"{"notice":"closing soon"}"#)?), 4);
    for c in ["a", "b", "c", "d"] {
        sio.next_event(c, "room-message", json!(["r", null, {"notice": "closing soon"}])).await?;
    }
    sio.exit().await?;
    Ok(())
}

#[tokio::test]
async fn non_members_oversized_messages_and_floods_are_refused_and_deliver_nothing() -> TestResult {
    let config = Config::default().max_app_message_bytes(1024).message_rate_limit(1, 5);
    let (url, _hub) = serve(config).await;
    let mut sio = members(&url, &["a", "b"]).await?;
    join(&mut sio, "b", "r").await?;
    let outside = sio.request("a", "room-message", json!(["r", "hello?"]), 1).await?;
    assert_eq!(code(&outside), "not-joined");
    join(&mut sio, "a", "r").await?;
    sio.next_event("b", "user-connected", json!(["a"])).await?;
    let big = sio.request("a", "room-message", json!(["r", "x".repeat(2000)]), 2).await?;
    assert_eq!(code(&big), "message-too-large");
    let bad = sio.request("a", "room-message", json!(["r"]), 3).await?;
    assert_eq!(code(&bad), "bad-arguments");
    // A burst of 5, then 1 per second: the first 5 of a quick flood pass;
    // the next are refused with a clear code and reach nobody; a client
    // that keeps flooding past as many refusals is disconnected.
    let mut passed = Vec::new();
    let mut refused = 0;
    for n in 0..30 {
        let Ok(reply) = sio.request("a", "room-message", json!(["r", n]), 10 + n).await else { break };
        if reply[0]["ok"] == true {
            passed.push(n);
        } else {
            assert_eq!(code(&reply), "rate-limited");
            refused += 1;
        }
    }
    assert_eq!(passed[..5], [0, 1, 2, 3, 4]);
    assert!(refused >= 4 && passed.len() + refused < 30, "refused {refused}, passed {passed:?}");
    sio.expect("a", |r| r["type"] == "disconnect", Duration::from_secs(3)).await?;
    for n in passed {
        sio.next_event("b", "room-message", json!(["r", "a", n])).await?;
    }
    sio.next_event("b", "user-disconnected", json!(["a"])).await?;
    sio.expect_none("b", Duration::from_millis(200)).await?;
    sio.exit().await?;
    Ok(())
}

#[tokio::test]
async fn server_code_sees_joins_leaves_and_disconnects_with_the_identity() -> TestResult {
    let (url, hub) = serve(Config::default()).await;
    let mut events = hub.subscribe();
    let mut sio = members(&url, &["ana"]).await?;
    join(&mut sio, "ana", "r1").await?;
    join(&mut sio, "ana", "r2").await?;
    let left = sio.request("ana", "leave-room", json!(["r1"]), 3).await?;
    assert_eq!(left, [json!({"ok": true})]);
    sio.close("ana").await?;
    let mut seen: Vec<(Activity, String, String)> = Vec::new();
    while seen.len() < 4 {
        let event: RoomEvent = tokio::time::timeout(TIMEOUT, events.recv()).await?.unwrap();
        assert_eq!((event.user.as_str(), event.identity.label()), ("ana", "member:ana"));
        seen.push((event.activity, event.room.to_string(), event.identity.label().to_owned()));
    }
    let activities: Vec<_> = seen.iter().map(|(a, r, _)| (*a, r.as_str())).collect();
    assert_eq!(
        activities,
        [
            (Activity::Joined, "r1"),
            (Activity::Joined, "r2"),
            (Activity::Left, "r1"),
            (Activity::Disconnected(None), "r2")
        ]
    );
    assert!(hub.rooms().is_empty());
    sio.exit().await?;
    Ok(())
}
