//! The PeerJS filter on a real warp server: the shared black-box suite, plus
//! what is particular to this adapter (mounting, close codes, pings, CORS
//! lists, shutdown, sharing a hub with the rooms filter).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{net::SocketAddr, time::Duration};

use lingua_signal_core::Hub;
use lingua_signal_testing::{
    http,
    peerjs::{self, Frame, ServerSpec, Target},
    rooms::RoomsClient,
};
use lingua_signal_warp::{PeerJsOptions, RoomsOptions, peerjs, rooms};
use tokio_tungstenite::tungstenite::Message;
use warp::{Filter, Reply, filters::BoxedFilter, reply::Response};

/// `peerjs(hub, options)` mounted at `path` (e.g. `"/peerjs"`, `"/"`, or
/// `"/a/b"`) next to a route of "the user's", served on `127.0.0.1:0`.
async fn serve(hub: Hub, options: PeerJsOptions, path: &str) -> SocketAddr {
    let server: BoxedFilter<(Response,)> = peerjs(hub.clone(), options).map(Reply::into_response).boxed();
    let mounted = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .rev()
        .fold(server, |inner, segment| warp::path(segment.to_owned()).and(inner).boxed());
    let users = warp::path("hello").and(warp::path::end()).map(|| "hello".into_response());
    let rooms = warp::path("rooms").and(rooms(hub, RoomsOptions::default())).map(Reply::into_response);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(warp::serve(users.or(rooms).unify().or(mounted).unify()).incoming(listener).run());
    addr
}

fn options_for(spec: &ServerSpec) -> PeerJsOptions {
    PeerJsOptions::default().key(spec.key.clone()).allow_discovery(spec.allow_discovery)
}

async fn start_server(spec: ServerSpec) -> Target {
    let addr = serve(Hub::new(spec.config.clone()), options_for(&spec), &spec.path).await;
    Target { addr, path: spec.path, key: spec.key }
}

lingua_signal_testing::peerjs_suite!(start_server);

#[tokio::test]
async fn mounted_at_root_serves_websocket_at_peerjs_and_id_at_peerjs_id() {
    let t = start_server(ServerSpec { path: "/".to_owned(), ..ServerSpec::standard() }).await;
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
async fn mounted_two_segments_deep_serves_the_same_layout() {
    let t = start_server(ServerSpec { path: "/a/b".to_owned(), ..ServerSpec::standard() }).await;
    peerjs::info_json(&t).await;
    peerjs::id_endpoint_returns_bare_uuid_for_any_key(&t).await;
    peerjs::websocket_only_at_its_exact_path(&t).await;
}

#[tokio::test]
async fn the_users_routes_still_answer_and_others_are_404_without_cors() {
    let t = start_server(ServerSpec::standard()).await;
    let r = http::get(t.addr, "/hello", &[]).await;
    assert_eq!((r.status.as_u16(), r.text()), (200, "hello"));
    for path in ["/peerjs/key", "/peerjs/key/id/more", "/elsewhere"] {
        let r = http::get(t.addr, path, &[("origin", "http://x")]).await;
        assert_eq!(r.status.as_u16(), 404, "GET {path}");
        assert_eq!(r.header("access-control-allow-origin"), None, "GET {path}");
    }
}

#[tokio::test]
async fn idle_timeout_closes_with_1000_and_shutdown_with_1001() {
    let spec = ServerSpec::standard();
    let hub = Hub::new(spec.config.clone());
    let addr = serve(hub.clone(), options_for(&spec), &spec.path).await;
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
    let pinging = options_for(&spec).ping_interval(Some(Duration::from_millis(50)));
    let addr = serve(Hub::new(spec.config.clone()), pinging, "/peerjs").await;
    let t = Target { addr, path: "/peerjs".to_owned(), key: spec.key.clone() };
    let mut a = t.open("a").await;
    let mut raw = a.next_message_raw(Duration::from_secs(1)).await;
    assert!(matches!(raw, Some(Message::Ping(_))), "{raw:?}");

    let quiet = options_for(&spec).ping_interval(None);
    let addr = serve(Hub::new(spec.config.clone()), quiet, "/peerjs").await;
    let t = Target { addr, path: "/peerjs".to_owned(), key: spec.key };
    let mut a = t.open("a").await;
    raw = a.next_message_raw(Duration::from_millis(300)).await;
    assert_eq!(raw, None);
}

#[tokio::test]
async fn cors_origin_list_echoes_only_listed_origins() {
    let spec = ServerSpec::standard();
    let listed = Some(vec!["http://good:3000".to_owned()]);
    let addr = serve(Hub::new(spec.config), PeerJsOptions::default().cors_origins(listed), "/peerjs").await;
    let good = http::get(addr, "/peerjs/peerjs/id", &[("origin", "http://good:3000")]).await;
    assert_eq!(good.header("access-control-allow-origin"), Some("http://good:3000"));
    let bad = http::get(addr, "/peerjs/peerjs/id", &[("origin", "http://evil")]).await;
    assert_eq!(bad.header("access-control-allow-origin"), None);
    assert!(bad.header_joined("vary").contains("Origin"));
}

#[tokio::test]
async fn default_options_use_the_reference_key() {
    let addr = serve(Hub::default(), PeerJsOptions::default(), "/peerjs").await;
    let t = Target { addr, path: "/peerjs".to_owned(), key: "peerjs".to_owned() };
    t.open("a").await;
}

#[tokio::test]
async fn peers_and_rooms_share_one_hub_without_interfering() {
    let spec = ServerSpec::discovery();
    let addr = serve(Hub::new(spec.config.clone()), options_for(&spec), &spec.path).await;
    let t = Target { addr, path: spec.path, key: spec.key };
    let _a = t.open("a").await;
    let mut member = RoomsClient::connect(&format!("ws://{addr}/rooms")).await;
    assert!(member.join("r1", "a").await.is_empty());
    let r = http::get(addr, &t.http_path(&format!("{}/peers", t.key)), &[]).await;
    assert_eq!(serde_json::from_slice::<Vec<String>>(&r.body).unwrap(), ["a"]);
}
