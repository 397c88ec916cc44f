//! The rooms protocol (`PROTOCOL.md`) against a real warp server on
//! 127.0.0.1:0, with tokio-tungstenite clients.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use lingua_signal_core::{Event, PeerId, RoomId};
use lingua_signal_testing::rooms::{RoomsClient, user_connected, user_disconnected};
use lingua_signal_warp::{Config, Hub, Signaling, SignalingBuilder};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::{
    Message,
    protocol::frame::{
        Frame,
        coding::{Data as OpData, OpCode},
    },
    protocol::{CloseFrame, frame::coding::CloseCode},
};
use warp::Filter;

/// Short timers for the keep-alive tests, so they take a fraction of a
/// second; the other tests keep the defaults, so that a client a test does
/// not read for a while is not dropped as idle. `IDLE` is the interval plus
/// the timeout: how long nothing may arrive.
const PING: Duration = Duration::from_millis(100);
const PING_TIMEOUT: Duration = Duration::from_millis(400);
const IDLE: Duration = Duration::from_millis(500);

struct Server {
    url: String,
    hub: Hub,
}

impl Server {
    async fn start(config: Config) -> Self {
        Self::with_options(Signaling::builder().config(config)).await
    }

    async fn short_timers() -> Self {
        Self::with_options(Signaling::builder().ping_interval(PING).ping_timeout(PING_TIMEOUT)).await
    }

    async fn with_options(builder: SignalingBuilder) -> Self {
        let signaling = builder.build();
        let hub = signaling.hub().clone();
        let hello = warp::path("hello").map(|| "hello");
        let routes = hello.or(signaling.filter());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/rooms", listener.local_addr().unwrap());
        tokio::spawn(warp::serve(routes).incoming(listener).run());
        Self { url, hub }
    }

    async fn client(&self) -> RoomsClient {
        RoomsClient::connect(&self.url).await
    }

    /// A client that has joined `room` as `user`.
    async fn member(&self, room: &str, user: &str) -> RoomsClient {
        let mut client = self.client().await;
        client.join(room, user).await;
        client
    }
}

fn join(room: &str, user: &str) -> Value {
    json!({"type": "join", "room": room, "user": user})
}

// ---- frame types -------------------------------------------------------------

#[tokio::test]
async fn joined_lists_who_is_there_and_only_the_others_hear_it() {
    let server = Server::start(Config::default()).await;
    let mut alice = server.client().await;
    alice.send_text(r#"{"type":"join","room":"r1","user":"alice","id":7}"#).await;
    assert_eq!(alice.recv().await, json!({"type": "joined", "room": "r1", "users": [], "id": 7}));

    let mut bob = server.client().await;
    bob.send_text(r#"{"type":"join","room":"r1","user":"bob"}"#).await;
    assert_eq!(bob.recv().await, json!({"type": "joined", "room": "r1", "users": ["alice"]}));
    assert_eq!(alice.recv().await, user_connected("r1", "bob"));

    let mut carol = server.client().await;
    assert_eq!(carol.join("r1", "carol").await, ["alice", "bob"]);
    assert_eq!(alice.recv().await, user_connected("r1", "carol"));
    assert_eq!(bob.recv().await, user_connected("r1", "carol"));
    // Nobody heard about their own join, and nothing else was sent.
    for client in [&mut alice, &mut bob, &mut carol] {
        client.assert_silent(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn left_replies_and_tells_the_others_once() {
    let server = Server::start(Config::default()).await;
    let mut alice = server.member("r1", "alice").await;
    let mut bob = server.member("r1", "bob").await;
    assert_eq!(alice.recv().await, user_connected("r1", "bob"));

    bob.send_text(r#"{"type":"leave","room":"r1","id":8}"#).await;
    assert_eq!(bob.recv().await, json!({"type": "left", "room": "r1", "id": 8}));
    assert_eq!(alice.recv().await, user_disconnected("r1", "bob"));

    // After `left`, bob hears nothing more about the room.
    let _carol = server.member("r1", "carol").await;
    assert_eq!(alice.recv().await, user_connected("r1", "carol"));
    bob.assert_silent(Duration::from_millis(100)).await;
    alice.assert_silent(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn ping_gets_pong_and_ids_are_echoed_only_when_sent() {
    let server = Server::start(Config::default()).await;
    let mut client = server.client().await;
    client.send_text(r#"{"type":"ping","id":18446744073709551615}"#).await;
    assert_eq!(client.recv().await, json!({"type": "pong", "id": 18_446_744_073_709_551_615_u64}));
    client.send_text(r#"{"type":"ping"}"#).await;
    assert_eq!(client.recv().await, json!({"type": "pong"}));
    client.send_text(r#"{"type":"leave","room":"r1"}"#).await;
    let reply = client.recv().await;
    assert_eq!(reply["code"], "not-joined");
    assert!(reply.get("id").is_none(), "{reply}");
}

#[tokio::test]
async fn joining_again_under_the_same_id_returns_the_others_and_tells_nobody() {
    let server = Server::start(Config::default()).await;
    let mut alice = server.member("r1", "alice").await;
    let mut bob = server.member("r1", "bob").await;
    assert_eq!(alice.recv().await, user_connected("r1", "bob"));
    assert_eq!(bob.join("r1", "bob").await, ["alice"]);
    alice.assert_silent(Duration::from_millis(100)).await;
}

// ---- error paths ---------------------------------------------------------------

#[tokio::test]
async fn unreadable_frames_get_bad_frame_and_the_connection_stays_usable() {
    let server = Server::start(Config::default()).await;
    let mut client = server.client().await;
    for text in [
        "not json",
        "",
        "null",
        "42",
        r#""join""#,
        r#"["join","r1","alice"]"#,
        r#"{"room":"r1","user":"alice"}"#,
        r#"{"type":7}"#,
        r#"{"type":null}"#,
        r#"{"type":"join","user":"alice"}"#,
        r#"{"type":"join","room":"r1"}"#,
        r#"{"type":"join","room":5,"user":"alice"}"#,
        r#"{"type":"join","room":"r1","user":["alice"]}"#,
        r#"{"type":"leave"}"#,
        r#"{"type":"ping","id":-1}"#,
        r#"{"type":"ping","id":"7"}"#,
        r#"{"type":"ping","id":1.5}"#,
    ] {
        client.send_text(text).await;
        let reply = client.recv().await;
        assert_eq!(reply["type"], "error", "{text:?}: {reply}");
        assert_eq!(reply["code"], "bad-frame", "{text:?}: {reply}");
        assert!(reply.get("id").is_none(), "{text:?}: {reply}");
    }
    // A readable id is echoed even when the rest is broken.
    client.send_text(r#"{"type":"join","room":"r1","id":3}"#).await;
    assert_eq!(client.recv().await["id"], 3);
    assert!(client.join("r1", "alice").await.is_empty());
}

#[tokio::test]
async fn unknown_types_and_invalid_ids_are_refused_with_their_codes() {
    let server = Server::start(Config::default()).await;
    let mut client = server.client().await;
    assert_eq!(client.refused(json!({"type": "JOIN", "room": "r1", "user": "a"})).await, "unknown-type");
    assert_eq!(client.refused(json!({"type": "user-connected"})).await, "unknown-type");
    assert_eq!(client.refused(join("no/slashes", "alice")).await, "invalid-room-id");
    assert_eq!(client.refused(join("", "alice")).await, "invalid-room-id");
    assert_eq!(client.refused(join(&"r".repeat(65), "alice")).await, "invalid-room-id");
    assert_eq!(client.refused(json!({"type": "leave", "room": "<script>"})).await, "invalid-room-id");
    assert_eq!(client.refused(join("r1", "al  ice")).await, "invalid-user-id");
    assert_eq!(client.refused(join("r1", "<b>")).await, "invalid-user-id");
    assert_eq!(client.refused(join("r1", "")).await, "invalid-user-id");
    assert_eq!(client.join("r1", "al ice").await, Vec::<String>::new());
}

#[tokio::test]
async fn hub_refusals_carry_the_core_codes() {
    let config = Config::default().max_members_per_room(2).max_rooms_per_connection(2).max_rooms(3);
    let server = Server::start(config).await;
    let mut alice = server.member("r1", "alice").await;
    let mut bob = server.client().await;

    assert_eq!(bob.refused(join("r1", "alice")).await, "user-id-taken");
    bob.join("r1", "bob").await;
    assert_eq!(alice.recv().await, user_connected("r1", "bob"));
    assert_eq!(bob.refused(join("r1", "bobby")).await, "already-joined");
    let mut carol = server.client().await;
    assert_eq!(carol.refused(join("r1", "carol")).await, "room-full");
    assert_eq!(carol.refused(json!({"type": "leave", "room": "r1"})).await, "not-joined");
    assert_eq!(carol.refused(json!({"type": "leave", "room": "r9"})).await, "not-joined");

    bob.join("r2", "bob").await;
    assert_eq!(bob.refused(join("r3", "bob")).await, "too-many-rooms");
    carol.join("r3", "carol").await;
    assert_eq!(carol.refused(join("r4", "carol")).await, "server-full");

    // None of the refusals was announced to anyone.
    alice.assert_silent(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn binary_frames_get_an_error_and_are_otherwise_ignored() {
    let server = Server::start(Config::default()).await;
    let mut client = server.client().await;
    client.send(Message::binary(br#"{"type":"join","room":"r1","user":"a"}"#.to_vec())).await;
    let reply = client.recv().await;
    assert_eq!(reply["type"], "error");
    assert_eq!(reply["code"], "binary-not-supported");
    assert!(client.join("r1", "a").await.is_empty());
}

// ---- limits --------------------------------------------------------------------

#[tokio::test]
async fn a_message_at_the_limit_is_read_and_one_above_it_closes_with_1009() {
    let server = Server::start(Config::default().max_message_bytes(1024)).await;
    let mut alice = server.member("r1", "alice").await;
    let mut bob = server.client().await;

    let head = r#"{"type":"join","room":"r1","user":"bob","pad":""#;
    let at_limit = format!(r#"{head}{}"}}"#, "x".repeat(1024 - head.len() - 2));
    assert_eq!(at_limit.len(), 1024);
    bob.send_text(&at_limit).await;
    assert_eq!(bob.recv().await, json!({"type": "joined", "room": "r1", "users": ["alice"]}));
    assert_eq!(alice.recv().await, user_connected("r1", "bob"));

    bob.send_text(&format!("{at_limit} ")).await;
    assert_eq!(bob.closed().await, (1009, "message too big".to_owned()));
    assert_eq!(alice.recv().await, user_disconnected("r1", "bob"));
    // The others carry on.
    let _carol = server.member("r1", "carol").await;
    assert_eq!(alice.recv().await, user_connected("r1", "carol"));
}

#[tokio::test]
async fn an_oversized_binary_message_also_closes_with_1009() {
    let server = Server::start(Config::default().max_message_bytes(1024)).await;
    let mut client = server.client().await;
    client.send(Message::binary(vec![0_u8; 1025])).await;
    assert_eq!(client.closed().await.0, 1009);
}

#[tokio::test]
async fn invalid_utf8_closes_with_1007_and_a_bad_opcode_with_1002() {
    let server = Server::start(Config::default()).await;
    let mut client = server.client().await;
    let frame = Frame::message(vec![0xff_u8, 0xfe, 0xfd], OpCode::Data(OpData::Text), true);
    client.send(Message::Frame(frame)).await;
    assert_eq!(client.closed().await, (1007, "invalid UTF-8".to_owned()));

    let mut client = server.client().await;
    let frame = Frame::message(vec![1_u8], OpCode::Data(OpData::Reserved(3)), true);
    client.send(Message::Frame(frame)).await;
    assert_eq!(client.closed().await, (1002, "protocol error".to_owned()));
}

// ---- keep-alive and idle timeout ---------------------------------------------------

#[tokio::test]
async fn a_client_that_answers_pings_stays_connected() {
    let server = Server::short_timers().await;
    let mut client = server.member("r1", "alice").await;
    let mut pings = 0;
    let deadline = tokio::time::Instant::now() + IDLE * 3;
    // tungstenite answers each Ping with a Pong while the stream is read.
    while tokio::time::Instant::now() < deadline {
        match client.next_message().await {
            Message::Ping(_) => pings += 1,
            other => panic!("expected only pings, got {other:?}"),
        }
    }
    assert!(pings >= 5, "only {pings} pings in {:?}", IDLE * 3);
    assert_eq!(client.request(json!({"type": "ping"})).await["type"], "pong");
}

#[tokio::test]
async fn a_client_that_goes_silent_is_closed_with_4408_and_leaves_its_rooms() {
    let server = Server::short_timers().await;
    let mut alice = server.member("r1", "alice").await;
    let mut dead = server.member("r1", "dead").await;
    assert_eq!(alice.recv().await, user_connected("r1", "dead"));

    // `dead` is not polled from here on, so it answers no Ping.
    let started = tokio::time::Instant::now();
    assert_eq!(alice.recv().await, user_disconnected("r1", "dead"));
    assert!(started.elapsed() >= IDLE - PING, "dropped after {:?}", started.elapsed());
    assert_eq!(dead.closed().await, (4408, "idle timeout".to_owned()));
    // alice kept answering Pings all along and is still there.
    assert_eq!(alice.request(json!({"type": "ping"})).await["type"], "pong");
    assert_eq!(server.hub.members(&"r1".parse().unwrap()), ["alice".parse::<PeerId>().unwrap()]);
}

// ---- disconnects -----------------------------------------------------------------

#[tokio::test]
async fn dropping_the_tcp_connection_tells_the_others() {
    let server = Server::start(Config::default()).await;
    let mut alice = server.member("r1", "alice").await;
    let mut bob = server.member("r1", "bob").await;
    bob.join("r2", "bob").await;
    assert_eq!(alice.recv().await, user_connected("r1", "bob"));
    drop(bob.into_stream()); // no close frame
    assert_eq!(alice.recv().await, user_disconnected("r1", "bob"));
    alice.assert_silent(Duration::from_millis(100)).await;
    assert!(server.hub.members(&"r2".parse().unwrap()).is_empty());
}

#[tokio::test]
async fn closing_the_websocket_tells_the_others_and_completes_the_handshake() {
    let server = Server::start(Config::default()).await;
    let mut alice = server.member("r1", "alice").await;
    let mut bob = server.member("r1", "bob").await;
    assert_eq!(alice.recv().await, user_connected("r1", "bob"));
    let bye = CloseFrame { code: CloseCode::Normal, reason: "bye".into() };
    bob.stream().close(Some(bye)).await.unwrap();
    assert_eq!(bob.closed().await.0, 1000);
    assert_eq!(alice.recv().await, user_disconnected("r1", "bob"));
}

#[tokio::test]
async fn shutting_the_hub_down_closes_with_1001() {
    let server = Server::start(Config::default()).await;
    let mut alice = server.member("r1", "alice").await;
    server.hub.shutdown();
    assert_eq!(alice.closed().await, (1001, "server shutting down".to_owned()));
}

// ---- many clients ------------------------------------------------------------------

#[tokio::test]
async fn ten_clients_in_three_rooms_hear_exactly_their_rooms_once() {
    let server = Server::start(Config::default()).await;
    let rooms = ["ra", "rb", "rc"];
    // Client i joins room i % 3 as "u{i}"; joins are sequential, so each
    // member hears every later member of its room, in order.
    let mut clients = Vec::new();
    for i in 0..10 {
        let room = rooms[i % 3];
        let mut client = server.client().await;
        let before: Vec<String> = (0..i).filter(|j| j % 3 == i % 3).map(|j| format!("u{j}")).collect();
        assert_eq!(client.join(room, &format!("u{i}")).await, before);
        clients.push(client);
    }
    for (i, client) in clients.iter_mut().enumerate() {
        for j in (i + 1..10).filter(|j| j % 3 == i % 3) {
            assert_eq!(client.recv().await, user_connected(rooms[i % 3], &format!("u{j}")), "client u{i}");
        }
    }
    // u0 leaves ra, u1 drops its connection: only their rooms hear it.
    clients[0].leave("ra").await;
    drop(std::mem::replace(&mut clients[1], server.client().await));
    for i in [3, 6, 9] {
        assert_eq!(clients[i].recv().await, user_disconnected("ra", "u0"), "client u{i}");
    }
    for i in [4, 7] {
        assert_eq!(clients[i].recv().await, user_disconnected("rb", "u1"), "client u{i}");
    }
    for client in &mut clients {
        client.assert_silent(Duration::from_millis(100)).await;
    }
}

// ---- versions and mounting -------------------------------------------------------------

#[tokio::test]
async fn versions_1_and_2_are_spoken_and_others_are_refused_with_4400() {
    let server = Server::start(Config::default()).await;
    for query in ["", "?v=1", "?x=2&v=1", "?v=3&v=1", "?v=2", "?v=1&v=2"] {
        let mut client = RoomsClient::connect(&format!("{}{query}", server.url)).await;
        assert_eq!(client.request(json!({"type": "ping"})).await["type"], "pong", "{query}");
    }
    for query in ["?v=3", "?v=x", "?v=", "?v=1&v=01", "?v=02"] {
        let mut client = RoomsClient::connect(&format!("{}{query}", server.url)).await;
        let reply = client.recv().await;
        assert_eq!(reply["type"], "error", "{query}");
        assert_eq!(reply["code"], "unsupported-version", "{query}");
        assert_eq!(client.closed().await, (4400, "unsupported version".to_owned()), "{query}");
    }
}

#[tokio::test]
async fn the_filter_serves_only_its_own_path_next_to_the_users_routes() {
    let server = Server::start(Config::default()).await;
    let deeper = tokio_tungstenite::connect_async(format!("{}/extra", server.url)).await;
    assert!(deeper.is_err(), "upgrade accepted below the mount path");
    let other = server.url.replace("/rooms", "/hello");
    assert!(tokio_tungstenite::connect_async(other).await.is_err());
    assert_eq!(http_get(&server.url.replace("ws://", "").replace("/rooms", "")).await, "hello");
}

/// `GET /hello` over a bare TCP connection (HTTP/1.0, so the server closes).
async fn http_get(authority: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(authority).await.unwrap();
    tcp.write_all(b"GET /hello HTTP/1.0\r\n\r\n").await.unwrap();
    let mut response = String::new();
    tcp.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.0 200"), "{response}");
    response.rsplit("\r\n\r\n").next().unwrap().to_owned()
}

#[tokio::test]
async fn a_room_is_shared_with_members_of_other_transports() {
    let server = Server::start(Config::default()).await;
    let room: RoomId = "shared".parse().unwrap();
    // A member joined through the core, as the Socket.IO adapter does.
    let (sio_member, mut sio_events) = server.hub.connect();
    sio_member.join(&room, &"sio-user".parse().unwrap()).unwrap();

    let mut ws = server.client().await;
    assert_eq!(ws.join("shared", "ws-user").await, ["sio-user"]);
    let expected = Event::UserConnected { room: room.clone(), user: "ws-user".parse().unwrap() };
    assert_eq!(sio_events.recv().await, Some(expected));
    drop(sio_member);
    assert_eq!(ws.recv().await, user_disconnected("shared", "sio-user"));
}
