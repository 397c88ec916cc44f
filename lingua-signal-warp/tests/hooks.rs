#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The host hooks over the raw-websocket protocol, against a real warp
//! server on 127.0.0.1:0: authorization of connections (4401 / 4403 with an
//! error frame) and joins, and application messages (protocol version 2).

use std::time::Duration;

use lingua_signal_core::Data;
use lingua_signal_testing::{
    gate::{BANNED, Gate, TOKEN},
    rooms::{RoomsClient, user_connected, user_disconnected},
};
use lingua_signal_warp::{Config, Hub, Signaling};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

/// A gated server ([`Gate`]); returns its rooms URL (without query) and hub.
async fn serve(config: Config) -> (String, Hub) {
    let hub = Hub::builder().config(config).authorizer(Gate).build();
    let signaling = Signaling::builder().hub(hub.clone()).build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/rooms", listener.local_addr().unwrap());
    tokio::spawn(warp::serve(signaling.filter()).incoming(listener).run());
    (url, hub)
}

/// A version-2 client with the gate's token, joined to `room` as `user`.
async fn member(url: &str, room: &str, user: &str) -> RoomsClient {
    let mut client = RoomsClient::connect(&format!("{url}?v=2&token={TOKEN}&name={user}")).await;
    client.join(room, user).await;
    client
}

#[tokio::test]
async fn a_connection_without_the_token_gets_an_error_frame_and_4401_or_4403() {
    let (url, hub) = serve(Config::default()).await;
    for (query, code, close) in [
        ("?v=2", "unauthorized", (4401, "unauthorized")),
        ("?v=2&token=nope", "unauthorized", (4401, "unauthorized")),
        (&format!("?token={BANNED}"), "banned", (4403, "forbidden")),
    ] {
        let mut client = RoomsClient::connect(&format!("{url}{query}")).await;
        let error = client.recv().await;
        assert_eq!((error["type"].as_str(), error["code"].as_str()), (Some("error"), Some(code)), "{query}: {error}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(client.closed().await, (close.0, close.1.to_owned()), "{query}");
    }
    assert_eq!(hub.metrics().snapshot().connections, 0);
    member(&url, "r", "ok").await;
}

#[tokio::test]
async fn a_denied_join_leaves_the_room_untouched_and_a_grant_sets_its_capacity() {
    let (url, hub) = serve(Config::default()).await;
    let mut a = member(&url, "pair-1", "a").await;
    let mut b = member(&url, "pair-1", "b").await;
    assert_eq!(a.recv().await, user_connected("pair-1", "b"));
    let mut c = member(&url, "lobby", "c").await;
    assert_eq!(c.refused(json!({"type": "join", "room": "pair-1", "user": "c"})).await, "room-full");
    assert_eq!(c.refused(json!({"type": "join", "room": "closed-1", "user": "c"})).await, "room-closed");
    assert!(hub.members(&"closed-1".parse().unwrap()).is_empty());
    a.assert_silent(Duration::from_millis(200)).await;
    b.assert_silent(Duration::from_millis(50)).await;
}

#[tokio::test]
async fn messages_reach_the_other_members_once_in_order_and_version_1_hears_none() {
    let (url, hub) = serve(Config::default()).await;
    let mut a = member(&url, "r", "a").await;
    let mut b = member(&url, "r", "b").await;
    assert_eq!(a.recv().await, user_connected("r", "b"));
    let sent = a.request(json!({"type": "message", "room": "r", "data": {"kind": "chat", "text": "hi"}})).await;
    assert_eq!((sent["type"].as_str(), sent["room"].as_str()), (Some("sent"), Some("r")));
    let mut old = RoomsClient::connect(&format!("{url}?v=1&token={TOKEN}")).await;
    old.join("r", "old").await;
    a.send_json(&json!({"type": "message", "room": "r", "data": [1, "two"]})).await;

    assert_eq!(
        b.recv().await,
        json!({"type": "message", "room": "r", "from": "a", "data": {"kind": "chat", "text": "hi"}})
    );
    assert_eq!(b.recv().await, user_connected("r", "old"));
    assert_eq!(b.recv().await, json!({"type": "message", "room": "r", "from": "a", "data": [1, "two"]}));
    // The sender hears the join before it, then its own `sent`, and never
    // its message.
    assert_eq!(a.recv().await, user_connected("r", "old"));
    assert_eq!(a.recv().await, json!({"type": "sent", "room": "r"}));
    a.assert_silent(Duration::from_millis(100)).await;
    // A version-1 member hears joins and leaves only, and cannot send.
    old.assert_silent(Duration::from_millis(100)).await;
    assert_eq!(old.refused(json!({"type": "message", "room": "r", "data": 1})).await, "unknown-type");

    assert_eq!(hub.send_to_room(&"r".parse().unwrap(), Data::new("\"bye\"").unwrap()), 3);
    for client in [&mut a, &mut b] {
        assert_eq!(client.recv().await, json!({"type": "message", "room": "r", "from": null, "data": "bye"}));
    }
}

#[tokio::test]
async fn non_members_oversized_messages_and_floods_are_refused_and_deliver_nothing() {
    let (url, _hub) = serve(Config::default().max_app_message_bytes(1024).message_rate_limit(1, 5)).await;
    let mut b = member(&url, "r", "b").await;
    let mut a = member(&url, "lobby", "a").await;
    assert_eq!(a.refused(json!({"type": "message", "room": "r", "data": 1})).await, "not-joined");
    a.join("r", "a").await;
    assert_eq!(b.recv().await, user_connected("r", "a"));
    let big = json!({"type": "message", "room": "r", "data": "x".repeat(2000)});
    assert_eq!(a.refused(big).await, "message-too-large");
    assert_eq!(a.refused(json!({"type": "message", "room": "r"})).await, "bad-frame");
    // A burst of 5, then 1 per second: the first 5 of a quick flood pass;
    // the next are refused with a clear code and reach nobody; one that
    // keeps flooding past as many refusals is closed with 1008.
    let mut passed = Vec::new();
    let mut refused = 0;
    let close = loop {
        let n = passed.len() + refused;
        assert!(n < 30, "a persistent flood was never closed");
        a.send_json(&json!({"type": "message", "room": "r", "data": n, "id": n})).await;
        match a.next_message().await {
            Message::Text(text) => {
                let reply: serde_json::Value = serde_json::from_str(&text).unwrap();
                match reply["type"].as_str() {
                    Some("sent") => passed.push(n),
                    _ => {
                        assert_eq!(reply["code"], "rate-limited", "{reply}");
                        refused += 1;
                    }
                }
            }
            Message::Close(frame) => break frame.map(|f| u16::from(f.code)),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(passed[..5], [0, 1, 2, 3, 4]);
    assert!(refused >= 4, "refused {refused}, passed {passed:?}");
    assert_eq!(close, Some(1008));
    for n in passed {
        assert_eq!(b.recv().await, json!({"type": "message", "room": "r", "from": "a", "data": n}));
    }
    // The closed member left; the room carries on.
    assert_eq!(b.recv().await, user_disconnected("r", "a"));
    b.assert_silent(Duration::from_millis(200)).await;
}
