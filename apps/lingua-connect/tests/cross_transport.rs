//! One room, two transports: one process serves the axum adapter
//! (Socket.IO) and the warp adapter (raw websocket) on one core hub, and a
//! socket.io-client member and a raw-websocket member of the same room see
//! each other join and leave, each change exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use lingua_signal_axum::Signaling;
use lingua_signal_core::Hub;
use lingua_signal_testing::{
    rooms::{RoomsClient, user_connected, user_disconnected},
    sio::Sio,
};
use serde_json::json;
use tokio::net::TcpListener;

/// Both adapters on one hub, each on its own listener.
struct Servers {
    /// The Socket.IO server's base URL.
    sio_url: String,
    /// The rooms websocket URL.
    ws_url: String,
}

async fn servers() -> Servers {
    let hub = Hub::default();
    let signaling = Signaling::builder().hub(hub.clone()).build();
    let router = Router::new().merge(signaling.router()).layer(signaling.layer());
    let axum_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sio_url = format!("http://{}", axum_listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(axum_listener, router).await });
    let routes = lingua_signal_warp::Signaling::builder().hub(hub).build().filter();
    let warp_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ws_url = format!("ws://{}/rooms?v=1", warp_listener.local_addr().unwrap());
    tokio::spawn(warp::serve(routes).incoming(warp_listener).run());
    Servers { sio_url, ws_url }
}

#[tokio::test]
async fn a_socket_io_member_sees_a_websocket_member_join_leave_and_disconnect() {
    let servers = servers().await;
    let mut sio = Sio::start().await.unwrap();
    sio.connected("a", &servers.sio_url, json!({})).await.unwrap();
    let ack = sio.request("a", "join-room", json!(["room-1", "peer-a"]), 1).await.unwrap();
    assert_eq!(ack, [json!({"ok": true, "users": []})]);

    let mut b = RoomsClient::connect(&servers.ws_url).await;
    assert_eq!(b.join("room-1", "peer-b").await, ["peer-a"], "the joiner sees the Socket.IO member");
    sio.next_event("a", "user-connected", json!(["peer-b"])).await.unwrap();

    b.leave("room-1").await;
    sio.next_event("a", "user-disconnected", json!(["peer-b"])).await.unwrap();

    // Back in, then gone by closing. Each next event proves the one before
    // came once: a duplicate would have been next instead.
    assert_eq!(b.join("room-1", "peer-b").await, ["peer-a"]);
    sio.next_event("a", "user-connected", json!(["peer-b"])).await.unwrap();
    b.stream().close(None).await.unwrap();
    sio.next_event("a", "user-disconnected", json!(["peer-b"])).await.unwrap();

    let mut c = RoomsClient::connect(&servers.ws_url).await;
    assert_eq!(c.join("room-1", "peer-c").await, ["peer-a"]);
    sio.next_event("a", "user-connected", json!(["peer-c"])).await.unwrap();
    sio.exit().await.unwrap();
}

#[tokio::test]
async fn a_websocket_member_sees_a_socket_io_member_join_leave_and_disconnect() {
    let servers = servers().await;
    let mut b = RoomsClient::connect(&servers.ws_url).await;
    assert_eq!(b.join("room-1", "peer-b").await, Vec::<String>::new());

    let mut sio = Sio::start().await.unwrap();
    sio.connected("a", &servers.sio_url, json!({})).await.unwrap();
    let ack = sio.request("a", "join-room", json!(["room-1", "peer-a"]), 1).await.unwrap();
    assert_eq!(ack, [json!({"ok": true, "users": ["peer-b"]})], "the joiner sees the websocket member");
    assert_eq!(b.recv().await, user_connected("room-1", "peer-a"));

    let ack = sio.request("a", "leave-room", json!(["room-1"]), 2).await.unwrap();
    assert_eq!(ack, [json!({"ok": true})]);
    assert_eq!(b.recv().await, user_disconnected("room-1", "peer-a"));

    // Back in, then gone by closing; each next frame proves the one before
    // came once.
    sio.request("a", "join-room", json!(["room-1", "peer-a"]), 3).await.unwrap();
    assert_eq!(b.recv().await, user_connected("room-1", "peer-a"));
    sio.close("a").await.unwrap();
    assert_eq!(b.recv().await, user_disconnected("room-1", "peer-a"));

    sio.connected("c", &servers.sio_url, json!({})).await.unwrap();
    let ack = sio.request("c", "join-room", json!(["room-1", "peer-c"]), 4).await.unwrap();
    assert_eq!(ack, [json!({"ok": true, "users": ["peer-b"]})]);
    assert_eq!(b.recv().await, user_connected("room-1", "peer-c"));
    sio.exit().await.unwrap();
}
