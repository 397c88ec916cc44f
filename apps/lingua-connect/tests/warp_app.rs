//! The lingua-connect-warp app over real sockets: redirect, room page with
//! the websocket transport, 404s, embedded assets, rooms over /rooms,
//! PeerJS on both ports, HTTPS (pages and the websocket), shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use clap::Parser;
use futures::{SinkExt, StreamExt};
use lingua_connect::warp_app::{App, Options, Running, start};
use lingua_signal_testing::{
    app::{self as page, fixture, https_exchange, tls_connect},
    http::get,
    peerjs::{PeerClient, Target},
    rooms::{RoomsClient, WAIT, user_connected, user_disconnected},
};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

async fn app(args: &[&str]) -> Running<App> {
    let mut argv = vec!["lingua-connect-warp", "--addr", "127.0.0.1:0"];
    argv.extend_from_slice(args);
    start(&Options::parse_from(argv)).await.unwrap()
}

fn rooms_url(app: &Running<App>) -> String {
    format!("ws://{}/rooms?v=1", app.addr)
}

#[tokio::test]
async fn root_redirects_to_a_fresh_uuid_room() {
    page::root_redirects_to_a_fresh_uuid_room(app(&[]).await.addr).await;
}

#[tokio::test]
async fn a_room_page_embeds_its_config_with_the_websocket_transport() {
    page::room_page_embeds_its_config(app(page::PAGE_FLAGS).await.addr, "websocket").await;
}

#[tokio::test]
async fn invalid_room_ids_and_other_paths_get_the_404_page_without_an_echo() {
    page::invalid_rooms_get_the_404_page_without_an_echo(app(&[]).await.addr).await;
}

#[tokio::test]
async fn assets_are_embedded_with_types_and_revalidation() {
    page::assets_are_embedded_with_types_and_revalidation(app(&[]).await.addr).await;
}

#[tokio::test]
async fn room_pages_carry_turn_credentials_issued_from_the_secret() {
    page::room_pages_carry_issued_turn_credentials(app(page::TURN_FLAGS).await.addr).await;
}

#[tokio::test]
async fn ice_servers_endpoint_issues_fresh_credentials() {
    page::ice_servers_endpoint_issues_fresh_credentials(app(page::TURN_FLAGS).await.addr).await;
}

#[tokio::test]
async fn ice_servers_endpoint_without_a_secret_repeats_the_page() {
    page::ice_servers_endpoint_without_a_secret(app(page::PAGE_FLAGS).await.addr, app(&[]).await.addr).await;
}

#[tokio::test]
async fn a_turn_secret_without_a_turn_server_is_a_clear_error() {
    let options = Options::parse_from([
        "lingua-connect-warp",
        "--addr",
        "127.0.0.1:0",
        "--ice-server",
        "stun:s",
        "--turn-secret",
        "x",
    ]);
    let error = start(&options).await.unwrap_err();
    assert!(error.to_string().contains("--turn-secret needs a turn: or turns: --ice-server"), "{error}");
}

#[tokio::test]
async fn metrics_are_exposed() {
    page::metrics_are_exposed(app(&[]).await.addr).await;
}

#[tokio::test]
async fn healthz_answers_ok() {
    page::healthz_answers_ok(app(&[]).await.addr).await;
}

#[tokio::test]
async fn raw_websocket_clients_meet_in_a_room_at_rooms() {
    let app = app(&[]).await;
    // A browser: the room page gives it its client cookie, which goes with
    // its PeerJS websocket and its rooms websocket.
    let page = get(app.addr, "/room-1", &[]).await;
    let cookie = page.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
    let peer_a = format!("ws://{}/peerjs/peerjs?key=peerjs&id=peer-a&token=ta", app.addr);
    let mut _peer_a = PeerClient::connect_with(&peer_a, &[("cookie", &cookie)]).await.unwrap();
    _peer_a.expect_open().await;
    let mut a = RoomsClient::connect_with(&rooms_url(&app), &[("cookie", &cookie)]).await;
    // A program: it shows the token its PeerJS client registered with.
    let _peer_b = Target::new(app.addr, "/peerjs", "peerjs").open("peer-b").await;
    let mut b = RoomsClient::connect(&format!("{}&peer_token=token-peer-b", rooms_url(&app))).await;
    // Neither may use the other's id, nor one nobody registered.
    let mut stranger = RoomsClient::connect(&rooms_url(&app)).await;
    for user in ["peer-a", "peer-b", "ghost"] {
        let code = stranger.refused(json!({"type": "join", "room": "room-1", "user": user})).await;
        assert_eq!(code, "user-id-not-proven", "{user}");
    }
    assert_eq!(b.refused(json!({"type": "join", "room": "room-1", "user": "peer-a"})).await, "user-id-not-proven");
    assert_eq!(a.join("room-1", "peer-a").await, Vec::<String>::new());
    assert_eq!(b.join("room-1", "peer-b").await, ["peer-a"]);
    assert_eq!(a.recv().await, user_connected("room-1", "peer-b"));
    b.stream().close(None).await.unwrap();
    assert_eq!(a.recv().await, user_disconnected("room-1", "peer-b"));
}

#[tokio::test]
async fn max_room_size_refuses_a_third_participant() {
    let app = app(&["--max-room-size", "2", "--trust-client-ids"]).await;
    let mut clients = Vec::new();
    for user in ["pa", "pb"] {
        let mut client = RoomsClient::connect(&rooms_url(&app)).await;
        client.join("lesson", user).await;
        clients.push(client);
    }
    let mut third = RoomsClient::connect(&rooms_url(&app)).await;
    let code = third.refused(json!({"type": "join", "room": "lesson", "user": "pc"})).await;
    assert_eq!(code, "room-full");
}

#[tokio::test]
async fn room_info_counts_members_joined_over_websockets_until_full() {
    let app = app(&["--max-room-size", "2", "--trust-client-ids"]).await;
    page::expect_room_info(app.addr, "lesson", 0, 2).await;
    let mut clients = Vec::new();
    for (n, user) in ["pa", "pb"].into_iter().enumerate() {
        let mut client = RoomsClient::connect(&rooms_url(&app)).await;
        client.join("lesson", user).await;
        clients.push(client);
        page::expect_room_info(app.addr, "lesson", n + 1, 2).await;
    }
    page::expect_room_info(app.addr, "another-room", 0, 2).await;
    clients.pop().unwrap().leave("lesson").await;
    page::expect_room_info(app.addr, "lesson", 1, 2).await;
}

#[tokio::test]
async fn room_info_refuses_bad_ids_and_other_origins() {
    let app = app(&["--allow-origin", "https://lessons.example"]).await;
    page::room_info_refuses_bad_ids_and_origins(app.addr).await;
}

#[tokio::test]
async fn pages_of_either_listener_may_use_the_other_on_default_flags() {
    let app = app(&["--peerjs-port", "0"]).await;
    page::own_listeners_are_one_origin(app.addr, app.peerjs_addr.unwrap()).await;
}

#[tokio::test]
async fn peerjs_is_on_the_app_port_and_alone_on_its_own_port() {
    let app = app(&["--peerjs-port", "0"]).await;
    let id = get(app.addr, "/peerjs/peerjs/id", &[]).await;
    assert_eq!((id.status.as_u16(), id.body.len()), (200, 36));
    let alone = app.peerjs_addr.unwrap();
    let id = get(alone, "/peerjs/id", &[]).await;
    assert_eq!((id.status.as_u16(), id.body.len()), (200, 36));
    // Both listeners share one relay: a peer on one port reaches a peer on the other.
    let target = |addr, path: &str| Target::new(addr, path, "peerjs");
    let mut a = target(app.addr, "/peerjs").open("pa").await;
    let mut b = target(alone, "/").open("pb").await;
    a.send_json(&json!({"type": "OFFER", "dst": "pb", "payload": {"x": 1}})).await;
    let relayed = b.expect_json().await;
    assert_eq!(relayed, json!({"type": "OFFER", "src": "pa", "dst": "pb", "payload": {"x": 1}}));
}

#[tokio::test]
async fn peerjs_discovery_follows_the_flag() {
    let off = app(&[]).await;
    assert_eq!(get(off.addr, "/peerjs/peerjs/peers", &[]).await.status, 401);
    let on = app(&["--peerjs-discovery", "--peerjs-key", "k"]).await;
    let peers = get(on.addr, "/peerjs/k/peers", &[]).await;
    assert_eq!((peers.status.as_u16(), peers.text()), (200, "[]"));
}

#[tokio::test]
async fn https_serves_the_pages_and_the_rooms_websocket() {
    let (cert, key) = (fixture("cert.pem"), fixture("key.pem"));
    let app =
        app(&["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap(), "--trust-client-ids"]).await;
    assert!(app.url().starts_with("https://"));
    let request = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let response = https_exchange(app.addr, &cert, request).await;
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.ends_with("ok"), "{response}");
    // The websocket upgrade goes through TLS too (wss:// off localhost).
    let tls = tls_connect(app.addr, &cert).await;
    let (mut ws, _) = tokio_tungstenite::client_async("wss://localhost/rooms?v=1", tls).await.unwrap();
    ws.send(Message::text(r#"{"type":"join","room":"secure","user":"alice","id":1}"#)).await.unwrap();
    let reply = tokio::time::timeout(WAIT, ws.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(reply.to_text().unwrap(), r#"{"type":"joined","room":"secure","users":[],"id":1}"#);
    // Plain HTTP on the TLS port gets nowhere.
    let mut plain = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut buf)).await;
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
}

#[tokio::test]
async fn a_missing_certificate_is_a_clear_error() {
    let options = Options::parse_from([
        "lingua-connect-warp",
        "--addr",
        "127.0.0.1:0",
        "--tls-cert",
        "/nonexistent/cert.pem",
        "--tls-key",
        "/nonexistent/key.pem",
    ]);
    let error = start(&options).await.unwrap_err();
    assert!(error.to_string().contains("/nonexistent/cert.pem"), "{error}");
}

#[tokio::test]
async fn shutdown_closes_websockets_with_1001_and_stops_listening() {
    let app = app(&["--trust-client-ids"]).await;
    let addr = app.addr;
    let mut member = RoomsClient::connect(&rooms_url(&app)).await;
    member.join("room-1", "alice").await;
    let mut peer = Target::new(addr, "/peerjs", "peerjs").open("p1").await;
    tokio::time::timeout(Duration::from_secs(10), app.shutdown()).await.expect("shutdown finishes");
    assert_eq!(member.closed().await, (1001, "server shutting down".to_owned()));
    assert_eq!(peer.expect_closed().await, Some(1001));
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "no longer listening");
}

#[tokio::test]
async fn pages_of_other_origins_get_403_on_the_rooms_and_peerjs_websockets() {
    let app = app(&[]).await;
    let own = format!("http://{}", app.addr);
    let peer = format!("ws://{}/peerjs/peerjs?key=peerjs&id=p1&token=t", app.addr);
    for (origin, allowed) in [(own.as_str(), true), ("https://evil.example", false)] {
        let headers = [("origin", origin)];
        let rooms = tokio_tungstenite::connect_async({
            use tokio_tungstenite::tungstenite::client::IntoClientRequest;
            let mut request = rooms_url(&app).into_client_request().unwrap();
            request.headers_mut().insert("origin", origin.parse().unwrap());
            request
        })
        .await;
        match rooms {
            Ok(_) => assert!(allowed, "rooms websocket from {origin}"),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert!(!allowed, "rooms websocket from {origin}");
                assert_eq!(response.status(), 403);
            }
            Err(other) => panic!("{other}"),
        }
        assert_eq!(PeerClient::connect_with(&peer, &headers).await.is_ok(), allowed, "PeerJS from {origin}");
        let id = get(app.addr, "/peerjs/peerjs/id", &headers).await;
        assert_eq!(id.status.as_u16() == 200, allowed, "PeerJS id from {origin}");
    }
}

#[tokio::test]
async fn peerjs_peers_per_address_are_capped_through_the_listener() {
    // The listener hands the client's address to the PeerJS filter.
    let app = app(&["--max-peers-per-ip", "2", "--limit-loopback"]).await;
    let target = Target::new(app.addr, "/peerjs", "peerjs");
    let _a = target.open("pa").await;
    let _b = target.open("pb").await;
    let mut over = target.connect_peer("pc", "token-pc").await;
    assert_eq!(
        over.expect_json().await,
        json!({"type": "ERROR", "payload": {"msg": "Too many peers from this address"}})
    );
}

/// Issue 22, finding 1, over the rooms protocol: Alice is in a room and her
/// PeerJS socket drops (no close frame). Mallory, with her own token,
/// cannot register Alice's id nor join as Alice; Alice's reconnect with her
/// own token gets `OPEN` and what Bob sent her meanwhile.
#[tokio::test]
async fn a_dropped_peerjs_socket_keeps_its_id_from_strangers() {
    let app = app(&[]).await;
    let peer_url = |id: &str, token: &str| format!("ws://{}/peerjs/peerjs?key=peerjs&id={id}&token={token}", app.addr);
    let mut peer_a = PeerClient::connect(&peer_url("alice", "tok-alice")).await.unwrap();
    peer_a.expect_open().await;
    let mut peer_b = PeerClient::connect(&peer_url("bob", "tok-bob")).await.unwrap();
    peer_b.expect_open().await;
    let mut a = RoomsClient::connect(&format!("{}&peer_token=tok-alice", rooms_url(&app))).await;
    assert_eq!(a.join("room-1", "alice").await, Vec::<String>::new());

    peer_a.drop_connection();
    for _ in 0..10 {
        let mut mallory = PeerClient::connect(&peer_url("alice", "mallory")).await.unwrap();
        let frame = mallory.expect_json().await;
        assert_eq!(frame["type"], "ID-TAKEN", "Mallory got {frame}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let mut mallory = RoomsClient::connect(&format!("{}&peer_token=mallory", rooms_url(&app))).await;
    let code = mallory.refused(json!({"type": "join", "room": "room-2", "user": "alice"})).await;
    assert_eq!(code, "user-id-not-proven");

    peer_b.send_json(&json!({"type": "OFFER", "dst": "alice", "payload": {"sdp": "x"}})).await;
    let mut alice = PeerClient::connect(&peer_url("alice", "tok-alice")).await.unwrap();
    alice.expect_open().await;
    let offer = alice.expect_json().await;
    assert_eq!(offer, json!({"type": "OFFER", "src": "bob", "dst": "alice", "payload": {"sdp": "x"}}));
}

#[tokio::test]
async fn every_response_says_nosniff_on_both_ports() {
    let app = app(&["--peerjs-port", "0"]).await;
    page::every_response_says_nosniff(app.addr, app.peerjs_addr.unwrap()).await;
}

#[tokio::test]
async fn room_info_lookups_of_one_address_are_rate_limited() {
    page::room_info_lookups_are_rate_limited(app(&["--limit-loopback"]).await.addr).await;
}

#[tokio::test]
async fn foreign_hosts_are_refused_when_serving_a_non_loopback_address() {
    let argv = ["lingua-connect", "--addr", "0.0.0.0:0", "--allowed-host", "rooms.example"];
    let app = start(&Options::parse_from(argv)).await.unwrap();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], app.addr.port()));
    page::foreign_hosts_are_refused_off_loopback(addr, "/rooms?v=2").await;
}

#[tokio::test]
async fn metrics_are_for_loopback_clients_or_the_token() {
    let plain = app(&["--trusted-proxy", "127.0.0.1"]).await;
    let with_token = app(&["--trusted-proxy", "127.0.0.1", "--metrics-token", "s3cret"]).await;
    page::metrics_are_for_loopback_or_the_token(plain.addr, with_token.addr).await;
}
