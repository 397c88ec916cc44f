//! The PeerJS server on a real axum server: the shared black-box suite (the
//! same one the warp adapter runs), plus how the router composes with an
//! application's own routes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;

use axum::{Router, routing::get};
use lingua_signal_axum::Signaling;
use lingua_signal_testing::peerjs::{self, ServerSpec};

/// Serves the spec's hub and options, merged next to a route of "the
/// user's", on `127.0.0.1:0`.
async fn start_server(spec: ServerSpec) -> SocketAddr {
    let signaling = Signaling::builder().hub(spec.hub).peerjs(spec.options).build();
    let app = Router::new().route("/hello", get(|| async { "hello" })).merge(signaling.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // With the client's address, as a server that limits peers per address needs.
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

lingua_signal_testing::peerjs_suite!(start_server);

#[tokio::test]
async fn peerjs_at_serves_the_same_peers_at_another_path() {
    let spec = ServerSpec::standard();
    let signaling = Signaling::builder().hub(spec.hub.clone()).peerjs(spec.options.clone()).build();
    let app: Router = signaling.router().merge(signaling.peerjs_at("/other"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let main = spec.target(addr);
    let other = peerjs::Target { path: "/other".to_owned(), ..main.clone() };
    let mut a = main.open("a").await;
    let mut b = other.open("b").await;
    a.send_json(&peerjs::message("OFFER", "b", serde_json::json!(1))).await;
    assert_eq!(b.expect_json().await, peerjs::relayed("OFFER", "a", "b", serde_json::json!(1)));
}
