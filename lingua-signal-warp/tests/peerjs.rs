//! The PeerJS server on a real warp server: the shared black-box suite (the
//! same one the axum adapter runs), plus how the filter composes with an
//! application's own routes and shares the hub with the rooms filter.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;

use lingua_signal_testing::{
    http,
    peerjs::{self, ServerSpec},
    rooms::RoomsClient,
};
use lingua_signal_warp::Signaling;
use warp::{Filter, Reply};

/// Serves the spec's hub and options next to a route of "the user's", on
/// `127.0.0.1:0`.
async fn start_server(spec: ServerSpec) -> SocketAddr {
    let signaling = Signaling::builder().hub(spec.hub).peerjs(spec.options).build();
    let users = warp::path("hello").and(warp::path::end()).map(|| "hello".into_response());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(warp::serve(users.or(signaling.filter()).unify()).incoming(listener).run());
    addr
}

lingua_signal_testing::peerjs_suite!(start_server);

#[tokio::test]
async fn peers_and_rooms_share_one_hub_without_interfering() {
    let spec = ServerSpec::discovery();
    let t = spec.target(start_server(spec.clone()).await);
    let _a = t.open("a").await;
    let mut member = RoomsClient::connect(&format!("ws://{}/rooms", t.addr)).await;
    assert!(member.join("r1", "a").await.is_empty());
    let r = http::get(t.addr, &t.http_path(&format!("{}/peers", t.key)), &[]).await;
    assert_eq!(serde_json::from_slice::<Vec<String>>(&r.body).unwrap(), ["a"]);
}

#[tokio::test]
async fn peerjs_at_serves_the_same_peers_at_another_path() {
    let spec = ServerSpec::standard();
    let signaling = Signaling::builder().hub(spec.hub.clone()).peerjs(spec.options.clone()).build();
    let routes = signaling.filter().or(signaling.peerjs_at("/other")).unify();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(warp::serve(routes).incoming(listener).run());
    let main = spec.target(addr);
    let other = peerjs::Target { path: "/other".to_owned(), ..main.clone() };
    let mut a = main.open("a").await;
    let mut b = other.open("b").await;
    a.send_json(&peerjs::message("OFFER", "b", serde_json::json!(1))).await;
    assert_eq!(b.expect_json().await, peerjs::relayed("OFFER", "a", "b", serde_json::json!(1)));
}
