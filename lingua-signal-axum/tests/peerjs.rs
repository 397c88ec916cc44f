//! The PeerJS server on a real axum server: the shared black-box suite, plus
//! what is particular to this adapter (mounting, close codes, pings, CORS
//! lists, shutdown).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use lingua_signal_axum::{PeerJsOptions, peerjs_router};
use lingua_signal_core::Hub;
use lingua_signal_testing::{
    http,
    peerjs::{self, Frame, ServerSpec, Target},
};
use tokio_tungstenite::tungstenite::Message;

/// Serves `peerjs_router(hub, options)` on `127.0.0.1:0`.
async fn serve(hub: Hub, options: PeerJsOptions) -> std::net::SocketAddr {
    let app: axum::Router = peerjs_router(hub, options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn options_for(spec: &ServerSpec) -> PeerJsOptions {
    PeerJsOptions::default().path(&spec.path).key(spec.key.clone()).allow_discovery(spec.allow_discovery)
}

async fn start_server(spec: ServerSpec) -> Target {
    let addr = serve(Hub::new(spec.config.clone()), options_for(&spec)).await;
    Target { addr, path: spec.path, key: spec.key }
}

lingua_signal_testing::peerjs_suite!(start_server);

/// The suite's standard server mounted at `/` instead of `/peerjs`.
async fn start_at_root() -> Target {
    start_server(ServerSpec { path: "/".to_owned(), ..ServerSpec::standard() }).await
}

#[tokio::test]
async fn mounted_at_root_serves_websocket_at_peerjs_and_id_at_peerjs_id() {
    let t = start_at_root().await;
    assert_eq!(t.ws_url("q"), format!("ws://{}/peerjs?q", t.addr));
    let r = http::get(t.addr, "/peerjs/id", &[]).await;
    assert_eq!((r.status.as_u16(), r.body.len()), (200, 36));
    peerjs::info_json(&t).await;
    peerjs::id_endpoint_returns_bare_uuid_for_any_key(&t).await;
    peerjs::cors_echoes_origin_and_answers_preflight(&t).await;
    peerjs::websocket_only_at_its_exact_path(&t).await;
    peerjs::open_first_then_relay_with_src_forced_and_four_fields(&t).await;
}

#[tokio::test]
async fn idle_timeout_closes_with_1000_and_shutdown_with_1001() {
    let spec = ServerSpec::standard();
    let hub = Hub::new(spec.config.clone());
    let addr = serve(hub.clone(), options_for(&spec)).await;
    let t = Target { addr, path: spec.path, key: spec.key };
    let mut idle = t.open("idle").await;
    assert_eq!(idle.next_frame().await, Frame::Closed(Some(1000)));
    let mut a = t.open("a").await;
    hub.shutdown();
    assert_eq!(a.next_frame().await, Frame::Closed(Some(1001)));
}

#[tokio::test]
async fn server_pings_when_configured_and_not_otherwise() {
    let spec = ServerSpec::standard();
    let pinging = PeerJsOptions::default().key(spec.key.clone()).ping_interval(Some(Duration::from_millis(50)));
    let addr = serve(Hub::new(spec.config.clone()), pinging).await;
    let t = Target { addr, path: "/peerjs".to_owned(), key: spec.key.clone() };
    let mut a = t.open("a").await;
    let mut raw = a.next_message_raw(Duration::from_secs(1)).await;
    assert!(matches!(raw, Some(Message::Ping(_))), "{raw:?}");

    let quiet = PeerJsOptions::default().key(spec.key.clone()).ping_interval(None);
    let addr = serve(Hub::new(spec.config.clone()), quiet).await;
    let t = Target { addr, path: "/peerjs".to_owned(), key: spec.key };
    let mut a = t.open("a").await;
    raw = a.next_message_raw(Duration::from_millis(300)).await;
    assert_eq!(raw, None);
}

#[tokio::test]
async fn cors_origin_list_echoes_only_listed_origins() {
    let spec = ServerSpec::standard();
    let listed = Some(vec!["http://good:3000".to_owned()]);
    let addr = serve(Hub::new(spec.config), PeerJsOptions::default().cors_origins(listed)).await;
    let good = http::get(addr, "/peerjs/peerjs/id", &[("origin", "http://good:3000")]).await;
    assert_eq!(good.header("access-control-allow-origin"), Some("http://good:3000"));
    let bad = http::get(addr, "/peerjs/peerjs/id", &[("origin", "http://evil")]).await;
    assert_eq!(bad.header("access-control-allow-origin"), None);
    assert!(bad.header_joined("vary").contains("Origin"));
}

#[tokio::test]
async fn default_options_use_the_reference_key_and_path() {
    let addr = serve(Hub::default(), PeerJsOptions::default()).await;
    let t = Target { addr, path: "/peerjs".to_owned(), key: "peerjs".to_owned() };
    t.open("a").await;
}

#[tokio::test]
async fn binary_frames_are_handled_like_text() {
    let t = start_server(ServerSpec::standard()).await;
    let mut a = t.open("a").await;
    let mut b = t.open("b").await;
    let offer = peerjs::message("OFFER", "b", serde_json::json!({"bin": true}));
    a.send_binary(offer.to_string().into_bytes()).await;
    assert_eq!(b.expect_json().await, peerjs::relayed("OFFER", "a", "b", serde_json::json!({"bin": true})));
}
