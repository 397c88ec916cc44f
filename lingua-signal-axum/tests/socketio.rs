#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Rooms over Socket.IO, against a real server on 127.0.0.1:0 and the stock
//! npm socket.io-client (through `client-js/tools/sio-driver.mjs`).
//!
//! Ordering is checked with [`Sio::next_event`]: each client's reports are
//! read in arrival order, so "the next thing `a` hears is X" also proves that
//! nothing else (a duplicate, an event about itself) came before X.

use std::time::Duration;

use axum::Router;
use lingua_signal_axum::{Signaling, SignalingBuilder};
use lingua_signal_core::Config;
use lingua_signal_testing::sio::{Sio, TIMEOUT, event_args};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

struct Server {
    url: String,
    signaling: Signaling,
}

async fn serve(builder: SignalingBuilder) -> Server {
    let signaling = builder.build();
    let app = Router::new().merge(signaling.router()).layer(signaling.layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server { url, signaling }
}

/// Starts the driver and connects each of `names`.
async fn clients(server: &Server, names: &[&str]) -> Result<Sio, Box<dyn std::error::Error>> {
    let mut sio = Sio::start().await?;
    for name in names {
        sio.connected(name, &server.url, json!({})).await?;
    }
    Ok(sio)
}

/// `join-room` with an acknowledgement that must be `{ok: true, users}`;
/// returns `users`.
async fn join(sio: &mut Sio, c: &str, room: &str, user: &str) -> Result<Value, Box<dyn std::error::Error>> {
    let reply = sio.request(c, "join-room", json!([room, user]), 1).await?;
    assert_eq!(reply.len(), 1, "{c}: one acknowledgement argument: {reply:?}");
    assert_eq!(reply[0]["ok"], true, "{c} joining {room} as {user}: {reply:?}");
    Ok(reply[0]["users"].clone())
}

/// The refusal code of an acknowledgement or `error` event argument list,
/// after checking the whole shape.
fn refusal_code(args: &[Value]) -> String {
    let [reply] = args else { panic!("one argument expected: {args:?}") };
    assert_eq!(reply["ok"], false, "{reply}");
    let message = reply["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "a refusal says why: {reply}");
    assert_eq!(reply.as_object().map(|o| o.len()), Some(2), "only ok and error: {reply}");
    reply["error"]["code"].as_str().unwrap().to_owned()
}

async fn expect_disconnect(sio: &mut Sio, c: &str) -> Result<String, Box<dyn std::error::Error>> {
    let report = sio.next(c, TIMEOUT).await?;
    assert_eq!(report["type"], "disconnect", "{c}: {report}");
    Ok(report["reason"].as_str().unwrap_or_default().to_owned())
}

/// `n` clients join one room one after another, then the first and the last
/// close their sockets.
async fn room_of(n: usize) -> TestResult {
    let server = serve(Signaling::builder()).await;
    let names: Vec<String> = (0..n).map(|i| format!("user-{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut sio = clients(&server, &refs).await?;

    for (i, name) in refs.iter().enumerate() {
        assert_eq!(join(&mut sio, name, "lesson", name).await?, json!(refs[..i]), "who was there before {name}");
    }
    // Each member heard of every later join once, in order, and of nothing else.
    for (i, name) in refs.iter().enumerate() {
        for later in &refs[i + 1..] {
            sio.next_event(name, "user-connected", json!([later])).await?;
        }
    }

    sio.close(refs[0]).await?;
    expect_disconnect(&mut sio, refs[0]).await?;
    for name in &refs[1..] {
        sio.next_event(name, "user-disconnected", json!([refs[0]])).await?;
    }
    if n > 2 {
        // A second departure is the next thing the others hear: the first one
        // was not repeated.
        let last = refs[n - 1];
        sio.close(last).await?;
        expect_disconnect(&mut sio, last).await?;
        for name in &refs[1..n - 1] {
            sio.next_event(name, "user-disconnected", json!([last])).await?;
        }
    }
    assert_eq!(server.signaling.hub().metrics().snapshot().joins, n as u64);
    sio.exit().await?;
    Ok(())
}

#[tokio::test]
async fn two_members_hear_of_each_other_once() -> TestResult {
    room_of(2).await
}

#[tokio::test]
async fn three_members_hear_of_each_other_once_in_order() -> TestResult {
    room_of(3).await
}

#[tokio::test]
async fn ten_members_hear_of_each_other_once_in_order() -> TestResult {
    room_of(10).await
}

#[tokio::test]
async fn rooms_do_not_hear_each_other() -> TestResult {
    let server = serve(Signaling::builder()).await;
    let mut sio = clients(&server, &["a1", "b1", "a2", "b2", "x"]).await?;
    join(&mut sio, "a1", "room-1", "a1").await?;
    join(&mut sio, "a2", "room-2", "a2").await?;
    join(&mut sio, "b1", "room-1", "b1").await?;
    join(&mut sio, "b2", "room-2", "b2").await?;
    // One socket in both rooms, under one user id.
    assert_eq!(join(&mut sio, "x", "room-1", "x").await?, json!(["a1", "b1"]));
    assert_eq!(join(&mut sio, "x", "room-2", "x").await?, json!(["a2", "b2"]));

    for (c, joined) in [("a1", &["b1", "x"][..]), ("a2", &["b2", "x"]), ("b1", &["x"]), ("b2", &["x"])] {
        for user in joined {
            sio.next_event(c, "user-connected", json!([user])).await?;
        }
    }
    // Departures from room 1 reach room 1 only, and x in both rooms hears them.
    sio.close("a1").await?;
    for c in ["b1", "x"] {
        sio.next_event(c, "user-disconnected", json!(["a1"])).await?;
    }
    sio.close("b2").await?;
    for c in ["a2", "x"] {
        sio.next_event(c, "user-disconnected", json!(["b2"])).await?;
    }
    // x leaves both rooms at once: each room hears it once.
    sio.close("x").await?;
    for c in ["b1", "a2"] {
        sio.next_event(c, "user-disconnected", json!(["x"])).await?;
        sio.expect_none(c, Duration::from_millis(100)).await?;
    }
    sio.exit().await?;
    Ok(())
}

#[tokio::test]
async fn refusals_come_back_with_a_code_and_the_socket_stays_usable() -> TestResult {
    let server = serve(Signaling::builder()).await;
    let mut sio = clients(&server, &["a", "b"]).await?;
    let too_long = "u".repeat(65);
    let cases = [
        ("join-room", json!([]), "bad-arguments"),
        ("join-room", json!(["room"]), "bad-arguments"),
        ("join-room", json!([1, "user"]), "bad-arguments"),
        ("join-room", json!(["room", {"id": "user"}]), "bad-arguments"),
        ("join-room", json!(["room", "user", "extra"]), "bad-arguments"),
        ("join-room", json!(["<b>room</b>", "user"]), "invalid-room-id"),
        ("join-room", json!(["room", ""]), "invalid-user-id"),
        ("join-room", json!(["room", too_long]), "invalid-user-id"),
        ("leave-room", json!([]), "bad-arguments"),
        ("leave-room", json!([null]), "bad-arguments"),
        ("leave-room", json!(["room"]), "not-joined"),
    ];
    for (i, (event, args, code)) in cases.iter().enumerate() {
        let reply = sio.request("a", event, args.clone(), i as u32).await?;
        assert_eq!(refusal_code(&reply), *code, "{event}{args}");
    }
    // Still usable: a valid join works and b learns of it.
    assert_eq!(join(&mut sio, "a", "room", "alice").await?, json!([]));
    // Refusals from the hub.
    let taken = sio.request("b", "join-room", json!(["room", "alice"]), 1).await?;
    assert_eq!(refusal_code(&taken), "user-id-taken");
    let twice = sio.request("a", "join-room", json!(["room", "alias"]), 2).await?;
    assert_eq!(refusal_code(&twice), "already-joined");
    assert_eq!(join(&mut sio, "b", "room", "bob").await?, json!(["alice"]));
    sio.next_event("a", "user-connected", json!(["bob"])).await?;

    let hub = server.signaling.hub().metrics().snapshot();
    assert_eq!((hub.joins, hub.refused, hub.rooms, hub.members), (2, 2, 1, 2));
    let socketio = server.signaling.socketio_metrics();
    assert_eq!((socketio.sockets, socketio.invalid_requests), (2, cases.len() as u64));
    sio.exit().await?;
    Ok(())
}

#[tokio::test]
async fn a_refusal_without_acknowledgement_is_an_error_event() -> TestResult {
    let server = serve(Signaling::builder()).await;
    let mut sio = clients(&server, &["a", "b"]).await?;
    // As the Node original's page does it: no acknowledgement.
    sio.emit("a", "join-room", json!([42, "alice"]), None).await?;
    let report = sio.next("a", TIMEOUT).await?;
    let args = event_args(&report, "error").unwrap_or_else(|| panic!("an error event: {report}"));
    assert_eq!(refusal_code(args), "bad-arguments");

    // An accepted join without acknowledgement sends nothing back: the next
    // report is the acknowledgement of a later request (a socket's requests
    // are handled in order).
    sio.emit("a", "join-room", json!(["room", "alice"]), None).await?;
    sio.emit("a", "join-room", json!(["other", "alice"]), Some(9)).await?;
    let report = sio.next("a", TIMEOUT).await?;
    assert_eq!((&report["type"], &report["ack"], &report["args"][0]["ok"]), (&json!("ack"), &json!(9), &json!(true)));
    sio.emit("b", "join-room", json!(["room", "alice"]), None).await?;
    let report = sio.next("b", TIMEOUT).await?;
    assert_eq!(refusal_code(event_args(&report, "error").unwrap()), "user-id-taken");
    sio.emit("b", "join-room", json!(["room", "bob"]), None).await?;
    sio.next_event("a", "user-connected", json!(["bob"])).await?;
    sio.exit().await?;
    Ok(())
}

#[tokio::test]
async fn a_full_room_refuses_the_next_member() -> TestResult {
    let server = serve(Signaling::builder().config(Config::default().max_members_per_room(2))).await;
    let mut sio = clients(&server, &["a", "b", "c"]).await?;
    join(&mut sio, "a", "room", "a").await?;
    join(&mut sio, "b", "room", "b").await?;
    let full = sio.request("c", "join-room", json!(["room", "c"]), 1).await?;
    assert_eq!(refusal_code(&full), "room-full");
    sio.emit("c", "join-room", json!(["room", "c"]), None).await?;
    let report = sio.next("c", TIMEOUT).await?;
    assert_eq!(refusal_code(event_args(&report, "error").unwrap()), "room-full");
    // The refused member is still usable, here and once there is room.
    assert_eq!(join(&mut sio, "c", "other", "c").await?, json!([]));
    sio.close("a").await?;
    sio.next_event("b", "user-disconnected", json!(["a"])).await?;
    assert_eq!(join(&mut sio, "c", "room", "c").await?, json!(["b"]));
    sio.next_event("b", "user-connected", json!(["c"])).await?;
    assert_eq!(server.signaling.hub().metrics().snapshot().refused, 2);
    sio.exit().await?;
    Ok(())
}

#[tokio::test]
async fn leaving_a_room_tells_the_others_once() -> TestResult {
    let server = serve(Signaling::builder()).await;
    let mut sio = clients(&server, &["a", "b", "c"]).await?;
    for c in ["a", "b", "c"] {
        join(&mut sio, c, "room", c).await?;
    }
    sio.next_event("a", "user-connected", json!(["b"])).await?;
    sio.next_event("a", "user-connected", json!(["c"])).await?;
    sio.next_event("b", "user-connected", json!(["c"])).await?;

    assert_eq!(sio.request("b", "leave-room", json!(["room"]), 1).await?, [json!({"ok": true})]);
    for c in ["a", "c"] {
        sio.next_event(c, "user-disconnected", json!(["b"])).await?;
    }
    let again = sio.request("b", "leave-room", json!(["room"]), 2).await?;
    assert_eq!(refusal_code(&again), "not-joined");
    // Back in, then gone for good: the others hear each change once.
    assert_eq!(join(&mut sio, "b", "room", "b").await?, json!(["a", "c"]));
    sio.close("b").await?;
    for c in ["a", "c"] {
        sio.next_event(c, "user-connected", json!(["b"])).await?;
        sio.next_event(c, "user-disconnected", json!(["b"])).await?;
    }
    // Leaving without an acknowledgement, as a plain client would.
    sio.emit("c", "leave-room", json!(["room"]), None).await?;
    sio.next_event("a", "user-disconnected", json!(["c"])).await?;
    sio.expect_none("c", Duration::from_millis(100)).await?;
    sio.exit().await?;
    Ok(())
}

#[tokio::test]
async fn a_silent_client_leaves_its_rooms_after_the_ping_timeout() -> TestResult {
    let builder =
        Signaling::builder().ping_interval(Duration::from_millis(300)).ping_timeout(Duration::from_millis(1000));
    let server = serve(builder).await;
    let mut sio = clients(&server, &["a", "b", "c"]).await?;
    join(&mut sio, "a", "room", "a").await?;
    join(&mut sio, "b", "room", "b").await?;
    join(&mut sio, "b", "other", "b").await?;
    join(&mut sio, "c", "other", "c").await?;
    sio.next_event("a", "user-connected", json!(["b"])).await?;
    sio.next_event("b", "user-connected", json!(["c"])).await?;

    sio.freeze("b").await?;
    sio.next_event("a", "user-disconnected", json!(["b"])).await?;
    sio.next_event("c", "user-disconnected", json!(["b"])).await?;
    // Once only: c's next event is a later join.
    join(&mut sio, "a", "other", "a").await?;
    sio.next_event("c", "user-connected", json!(["a"])).await?;
    assert_eq!(server.signaling.socketio_metrics().sockets, 2);
    assert_eq!(server.signaling.hub().members(&"room".parse()?), ["a".parse()?]);
    sio.exit().await?;
    Ok(())
}

#[tokio::test]
async fn a_hub_shutdown_disconnects_every_socket_without_departures() -> TestResult {
    let server = serve(Signaling::builder()).await;
    let mut sio = clients(&server, &["a", "b", "idle"]).await?;
    join(&mut sio, "a", "room", "a").await?;
    join(&mut sio, "b", "room", "b").await?;
    sio.next_event("a", "user-connected", json!(["b"])).await?;

    server.signaling.hub().shutdown();
    // Everyone is leaving at once: no user-disconnected, just the server's
    // disconnect, even for a socket in no room.
    for c in ["a", "b", "idle"] {
        assert_eq!(expect_disconnect(&mut sio, c).await?, "io server disconnect");
    }
    let hub = server.signaling.hub().metrics().snapshot();
    assert_eq!((hub.connections, hub.rooms, hub.members), (0, 0, 0));
    sio.exit().await?;
    Ok(())
}

#[tokio::test]
async fn socketio_can_live_under_a_prefix() -> TestResult {
    let server = serve(Signaling::builder().rooms_path("/signal/socket.io")).await;
    let mut sio = Sio::start().await?;
    let prefixed = json!({"path": "/signal/socket.io"});
    sio.connected("a", &server.url, prefixed.clone()).await?;
    sio.connected("b", &server.url, prefixed).await?;
    join(&mut sio, "a", "room", "a").await?;
    assert_eq!(join(&mut sio, "b", "room", "b").await?, json!(["a"]));
    sio.next_event("a", "user-connected", json!(["b"])).await?;
    // The default path is not served.
    sio.connect("stray", &server.url, json!({})).await?;
    let report = sio.next("stray", TIMEOUT).await?;
    assert_eq!(report["type"], "connect_error", "{report}");
    sio.exit().await?;
    Ok(())
}

#[tokio::test]
async fn an_oversized_message_disconnects_its_sender_on_both_transports() -> TestResult {
    let server = serve(Signaling::builder().max_message_bytes(1024)).await;
    let mut sio = clients(&server, &["a", "ws"]).await?;
    sio.connected("polling", &server.url, json!({"transports": ["polling"]})).await?;
    join(&mut sio, "a", "room", "a").await?;
    join(&mut sio, "ws", "room", "ws").await?;
    join(&mut sio, "polling", "room", "polling").await?;
    sio.next_event("a", "user-connected", json!(["ws"])).await?;
    sio.next_event("a", "user-connected", json!(["polling"])).await?;
    sio.next_event("ws", "user-connected", json!(["polling"])).await?;

    // 2 KB: under every socketioxide default (100 KB polling, 64 MiB
    // websocket), over the configured bound.
    let big = "x".repeat(2048);
    sio.emit("ws", "leave-room", json!([big]), None).await?;
    expect_disconnect(&mut sio, "ws").await?;
    for c in ["a", "polling"] {
        sio.next_event(c, "user-disconnected", json!(["ws"])).await?;
    }
    sio.emit("polling", "leave-room", json!([big]), None).await?;
    expect_disconnect(&mut sio, "polling").await?;
    sio.next_event("a", "user-disconnected", json!(["polling"])).await?;
    sio.exit().await?;
    Ok(())
}

/// A client that opens the Engine.IO websocket and never connects to the
/// namespace (no `40` packet) is closed at the connect deadline; one that
/// connects stays.
#[tokio::test]
async fn a_transport_that_never_connects_to_the_namespace_is_closed() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let deadline = Duration::from_millis(400);
    let server = serve(Signaling::builder().connect_timeout(deadline)).await;
    let url = format!("{}/socket.io/?EIO=4&transport=websocket", server.url.replacen("http", "ws", 1));
    let open = |url: String| async move {
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let first = ws.next().await.unwrap().unwrap();
        assert!(first.to_text().unwrap().starts_with("0{"), "Engine.IO open packet: {first:?}");
        ws
    };
    let mut silent = open(url.clone()).await;
    let mut connected = open(url).await;
    connected.send(Message::text("40")).await.unwrap();
    let started = tokio::time::Instant::now();
    // The silent one ends (a close frame, then the end of the stream)...
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(message)) = silent.next().await {
            if message.is_close() {
                break;
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the silent transport is still open after 5 s");
    assert!(started.elapsed() >= deadline / 2, "closed before the deadline: {:?}", started.elapsed());
    // ...while the connected one got its CONNECT and is still served.
    let reply = next_text(&mut connected).await;
    assert!(reply.starts_with("40"), "CONNECT: {reply}");
    tokio::time::sleep(deadline).await;
    connected.send(Message::text("42[\"leave-room\",\"nowhere\"]")).await.unwrap();
    let answer = next_text(&mut connected).await;
    assert!(answer.starts_with("42[\"error\""), "{answer}");
}

/// The next Engine.IO text frame on `ws` other than a ping (answered with a
/// pong), within 3 s.
async fn next_text<S>(ws: &mut S) -> String
where
    S: futures::Stream<Item = Result<tokio_tungstenite::tungstenite::Message, tokio_tungstenite::tungstenite::Error>>
        + futures::Sink<tokio_tungstenite::tungstenite::Message>
        + Unpin,
    <S as futures::Sink<tokio_tungstenite::tungstenite::Message>>::Error: std::fmt::Debug,
{
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            let frame = ws.next().await.unwrap().unwrap();
            match frame.to_text().unwrap() {
                "2" => ws.send(Message::text("3")).await.unwrap(),
                text => return text.to_owned(),
            }
        }
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_socket_too_slow_for_socketioxide_is_counted_as_a_slow_consumer() -> TestResult {
    let server = serve(Signaling::builder()).await;
    let mut sio = clients(&server, &["stalled"]).await?;
    join(&mut sio, "stalled", "room", "stalled").await?;
    sio.freeze("stalled").await?;
    // Server messages (no rate limit) until socketioxide's per-socket
    // channel is full behind the stalled socket's TCP window.
    let hub = server.signaling.hub();
    let payload = lingua_signal_core::Data::from_value(&json!("x".repeat(12 * 1024)));
    let room = "room".parse()?;
    let mut sent = 0;
    while server.signaling.socketio_metrics().send_failures == 0 && sent < 5_000 {
        hub.send_to_room(&room, payload.clone());
        sent += 1;
        if sent % 16 == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    assert_eq!(server.signaling.socketio_metrics().send_failures, 1, "after {sent} messages");
    assert_eq!(hub.metrics().snapshot().slow_consumers, 1, "the drop is a slow consumer");
    sio.exit().await?;
    Ok(())
}
