//! The lingua-connect app over real sockets: redirect, room page, 404s,
//! embedded assets, socket.io.js, PeerJS on both ports, HTTPS, shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use clap::Parser;
use lingua_connect::{App, Options, Running, start};
use lingua_signal_testing::{
    app::{self as page, fixture, https_exchange},
    http::get,
    peerjs::PeerClient,
    sio::Sio,
};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn app(args: &[&str]) -> Running<App> {
    let mut argv = vec!["lingua-connect", "--addr", "127.0.0.1:0"];
    argv.extend_from_slice(args);
    start(&Options::parse_from(argv)).await.unwrap()
}

#[tokio::test]
async fn root_redirects_to_a_fresh_uuid_room() {
    page::root_redirects_to_a_fresh_uuid_room(app(&[]).await.addr).await;
}

#[tokio::test]
async fn a_room_page_embeds_its_config_as_escaped_json() {
    page::room_page_embeds_its_config(app(page::PAGE_FLAGS).await.addr, "socketio").await;
}

#[tokio::test]
async fn invalid_room_ids_get_the_404_page_without_an_echo() {
    page::invalid_rooms_get_the_404_page_without_an_echo(app(&[]).await.addr).await;
}

#[tokio::test]
async fn assets_are_embedded_with_types_and_revalidation() {
    page::assets_are_embedded_with_types_and_revalidation(app(&[]).await.addr).await;
}

#[tokio::test]
async fn socket_io_js_is_served_beside_the_socket_io_endpoint() {
    let app = app(&[]).await;
    let script = get(app.addr, "/socket.io/socket.io.js", &[]).await;
    assert_eq!(script.status, 200);
    assert_eq!(script.header("content-type"), Some("application/javascript; charset=utf-8"));
    assert_eq!(script.header("cache-control"), Some("public, max-age=0"));
    assert!(script.header("etag").is_some());
    assert!(script.body.len() > 10_000);
    // The Socket.IO endpoint itself still answers under the same prefix.
    let handshake = get(app.addr, "/socket.io/?EIO=4&transport=polling", &[]).await;
    assert_eq!(handshake.status, 200);
    assert!(handshake.text().starts_with("0{\"sid\":"), "{}", handshake.text());
}

/// What a browser on a page of the Node original does before it joins: it
/// loads `/socket.io/socket.io.js` (and gets the client cookie with it),
/// then registers its PeerJS peer `id`, with that cookie. Returns the
/// `Cookie` header and the open PeerJS socket.
async fn browser(app: &Running<App>, id: &str) -> (String, PeerClient) {
    let script = get(app.addr, "/socket.io/socket.io.js", &[]).await;
    let set_cookie = script.header("set-cookie").expect("the script sets the client cookie");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let url = format!("ws://{}/peerjs/peerjs?key=peerjs&id={id}&token=tok-{id}&version=1.5.5", app.addr);
    let mut peer = PeerClient::connect_with(&url, &[("cookie", &cookie)]).await.unwrap();
    peer.expect_open().await;
    (cookie, peer)
}

#[tokio::test]
async fn a_node_original_client_meets_others_in_a_room() {
    let app = app(&[]).await;
    let url = app.url();
    let (cookie_a, _peer_a) = browser(&app, "peer-a").await;
    let (cookie_b, _peer_b) = browser(&app, "peer-b").await;
    let mut sio = Sio::start().await.unwrap();
    sio.connected("a", &url, json!({"extraHeaders": {"cookie": cookie_a}})).await.unwrap();
    sio.connected("b", &url, json!({"extraHeaders": {"cookie": cookie_b}})).await.unwrap();
    sio.emit("a", "join-room", json!(["room-1", "peer-a"]), None).await.unwrap();
    // Joins go through the same socket in order; the ack shows a is in.
    let ack = sio.request("b", "join-room", json!(["room-1", "peer-b"]), 1).await.unwrap();
    assert_eq!(ack, [json!({"ok": true, "users": ["peer-a"]})]);
    sio.next_event("a", "user-connected", json!(["peer-b"])).await.unwrap();
    sio.close("b").await.unwrap();
    sio.next_event("a", "user-disconnected", json!(["peer-b"])).await.unwrap();
    sio.exit().await.unwrap();
}

#[tokio::test]
async fn max_room_size_refuses_a_third_participant() {
    let app = app(&["--max-room-size", "2", "--trust-client-ids"]).await;
    let url = app.url();
    let mut sio = Sio::start().await.unwrap();
    for (c, user) in [("a", "pa"), ("b", "pb"), ("c", "pc")] {
        sio.connected(c, &url, json!({})).await.unwrap();
        let ack = sio.request(c, "join-room", json!(["lesson", user]), 1).await.unwrap();
        if c == "c" {
            assert_eq!(ack[0]["ok"], false);
            assert_eq!(ack[0]["error"]["code"], "room-full");
        } else {
            assert_eq!(ack[0]["ok"], true);
        }
    }
    sio.exit().await.unwrap();
}

#[tokio::test]
async fn room_info_counts_members_joined_over_socket_io_until_full() {
    let app = app(&["--max-room-size", "2", "--trust-client-ids"]).await;
    page::expect_room_info(app.addr, "lesson", 0, 2).await;
    let mut sio = Sio::start().await.unwrap();
    for (n, (c, user)) in [("a", "pa"), ("b", "pb")].into_iter().enumerate() {
        sio.connected(c, &app.url(), json!({})).await.unwrap();
        let ack = sio.request(c, "join-room", json!(["lesson", user]), 1).await.unwrap();
        assert_eq!(ack[0]["ok"], true);
        page::expect_room_info(app.addr, "lesson", n + 1, 2).await;
    }
    page::expect_room_info(app.addr, "another-room", 0, 2).await;
    // The server learns of a closed socket a moment later.
    sio.close("b").await.unwrap();
    let mut members = json!(2);
    for _ in 0..100 {
        members = page::room_info(app.addr, "lesson", &[]).await.1["members"].clone();
        if members == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(members, 1);
    sio.exit().await.unwrap();
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
    let target = |addr, path: &str| lingua_signal_testing::peerjs::Target::new(addr, path, "peerjs");
    let mut a = target(app.addr, "/peerjs").open("pa").await;
    let mut b = target(alone, "/").open("pb").await;
    a.send_json(&json!({"type": "OFFER", "dst": "pb", "payload": {"x": 1}})).await;
    let relayed = b.expect_json().await;
    assert_eq!(relayed, json!({"type": "OFFER", "src": "pa", "dst": "pb", "payload": {"x": 1}}));
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
        "lingua-connect",
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
async fn https_serves_the_app_with_the_given_certificate() {
    let (cert, key) = (fixture("cert.pem"), fixture("key.pem"));
    let app = app(&["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()]).await;
    assert!(app.url().starts_with("https://"));
    let response =
        https_exchange(app.addr, &cert, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await;
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.ends_with("ok"), "{response}");
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
        "lingua-connect",
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
async fn shutdown_tells_clients_and_stops_listening() {
    let app = app(&[]).await;
    let (url, addr) = (app.url(), app.addr);
    let mut sio = Sio::start().await.unwrap();
    sio.connected("a", &url, json!({})).await.unwrap();
    let target = lingua_signal_testing::peerjs::Target::new(addr, "/peerjs", "peerjs");
    let mut peer = target.open("p1").await;
    tokio::time::timeout(Duration::from_secs(10), app.shutdown()).await.expect("shutdown finishes");
    let report = sio.expect("a", |r| r["type"] == "disconnect", Duration::from_secs(5)).await.unwrap();
    assert_eq!(report["reason"], "io server disconnect");
    assert_eq!(peer.expect_closed().await, Some(1001));
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "no longer listening");
    sio.exit().await.unwrap();
}

#[tokio::test]
async fn a_user_id_must_be_the_joining_clients_own_peerjs_id() {
    let app = app(&[]).await;
    let url = app.url();
    let (cookie, _peer) = browser(&app, "alice").await;
    let mut sio = Sio::start().await.unwrap();
    // A stranger, without alice's cookie or PeerJS token, cannot take her
    // id, nor announce a peer that never registered.
    sio.connected("stranger", &url, json!({})).await.unwrap();
    for user in ["alice", "ghost"] {
        let ack = sio.request("stranger", "join-room", json!(["room-1", user]), 1).await.unwrap();
        assert_eq!(ack[0]["ok"], false, "{user}");
        assert_eq!(ack[0]["error"]["code"], "user-id-not-proven", "{user}");
        assert!(ack[0]["error"]["message"].as_str().unwrap().contains("not a PeerJS id registered by this client"));
    }
    // Another browser's cookie does not prove alice's id either.
    let (other_cookie, _other_peer) = browser(&app, "bob").await;
    sio.connected("bob", &url, json!({"extraHeaders": {"cookie": other_cookie}})).await.unwrap();
    let ack = sio.request("bob", "join-room", json!(["room-1", "alice"]), 1).await.unwrap();
    assert_eq!(ack[0]["error"]["code"], "user-id-not-proven");
    // Her own browser joins; so does a program that shows her PeerJS token.
    sio.connected("alice", &url, json!({"extraHeaders": {"cookie": cookie}})).await.unwrap();
    let ack = sio.request("alice", "join-room", json!(["room-1", "alice"]), 1).await.unwrap();
    assert_eq!(ack, [json!({"ok": true, "users": []})]);
    sio.connected("program", &url, json!({"auth": {"peerToken": "tok-bob"}})).await.unwrap();
    let ack = sio.request("program", "join-room", json!(["room-1", "bob"]), 1).await.unwrap();
    assert_eq!(ack, [json!({"ok": true, "users": ["alice"]})]);
    sio.next_event("alice", "user-connected", json!(["bob"])).await.unwrap();
    // The refused joins told nobody anything.
    sio.expect_none("alice", Duration::from_millis(200)).await.unwrap();
    sio.exit().await.unwrap();
}

#[tokio::test]
async fn trust_client_ids_accepts_any_user_id() {
    let app = app(&["--trust-client-ids"]).await;
    let mut sio = Sio::start().await.unwrap();
    sio.connected("a", &app.url(), json!({})).await.unwrap();
    let ack = sio.request("a", "join-room", json!(["room-1", "anyone"]), 1).await.unwrap();
    assert_eq!(ack, [json!({"ok": true, "users": []})]);
    sio.exit().await.unwrap();
}

#[tokio::test]
async fn pages_of_other_origins_get_403_and_the_own_origin_gets_in() {
    let app = app(&["--allow-origin", "https://lessons.example"]).await;
    let own = format!("http://{}", app.addr);
    let sio_path = "/socket.io/?EIO=4&transport=polling";
    for (origin, status) in [
        (None, 200),
        (Some(own.as_str()), 200),
        (Some("https://lessons.example"), 200),
        (Some("https://evil.example"), 403),
        (Some("null"), 403),
    ] {
        let headers: Vec<(&str, &str)> = origin.map(|o| vec![("origin", o)]).unwrap_or_default();
        let handshake = get(app.addr, sio_path, &headers).await;
        assert_eq!(handshake.status.as_u16(), status, "Socket.IO from {origin:?}");
        let id = get(app.addr, "/peerjs/peerjs/id", &headers).await;
        assert_eq!(id.status.as_u16(), status, "PeerJS id from {origin:?}");
        let url = format!("ws://{}/peerjs/peerjs?key=peerjs&id=p{status}&token=t", app.addr);
        let upgrade = PeerClient::connect_with(&url, &headers).await;
        assert_eq!(upgrade.is_ok(), status == 200, "PeerJS websocket from {origin:?}");
    }
    let refused = get(app.addr, sio_path, &[("origin", "https://evil.example")]).await;
    assert!(refused.text().contains("origin-not-allowed"), "{}", refused.text());
    // The Socket.IO websocket upgrade itself is refused too.
    let url = format!("ws://{}/socket.io/?EIO=4&transport=websocket", app.addr);
    assert!(PeerClient::connect_with(&url, &[("origin", "https://evil.example")]).await.is_err());
    assert!(PeerClient::connect_with(&url, &[("origin", own.as_str())]).await.is_ok());
}

#[tokio::test]
async fn a_join_flood_is_refused_then_disconnected_and_others_carry_on() {
    let app = app(&["--trust-client-ids", "--join-rate", "1/3"]).await;
    let url = app.url();
    let mut sio = Sio::start().await.unwrap();
    sio.connected("calm", &url, json!({})).await.unwrap();
    sio.connected("flood", &url, json!({})).await.unwrap();
    let ack = sio.request("calm", "join-room", json!(["room-1", "calm"]), 1).await.unwrap();
    assert_eq!(ack[0]["ok"], true);
    let mut codes = Vec::new();
    for n in 0..8 {
        match sio.request("flood", "join-room", json!([format!("r{n}"), "flood"]), n + 1).await {
            Ok(ack) => codes.push(ack[0]["error"]["code"].as_str().unwrap_or("ok").to_owned()),
            Err(_) => break,
        }
    }
    // Three within the burst, then refusals with a clear code...
    assert_eq!(&codes[..3], ["ok", "ok", "ok"], "{codes:?}");
    assert!(codes[3..].iter().all(|c| c == "rate-limited"), "{codes:?}");
    assert!(codes.len() < 8, "a persistent flood is closed: {codes:?}");
    // ...then the flooding socket is disconnected by the server.
    sio.expect("flood", |r| r["type"] == "disconnect", Duration::from_secs(3)).await.unwrap();
    // The calm client carries on.
    sio.connected("late", &url, json!({})).await.unwrap();
    let ack = sio.request("late", "join-room", json!(["room-1", "late"]), 1).await.unwrap();
    assert_eq!(ack[0]["ok"], true);
    sio.next_event("calm", "user-connected", json!(["late"])).await.unwrap();
    sio.exit().await.unwrap();
}

#[tokio::test]
async fn peerjs_peers_per_address_are_capped_through_the_listener() {
    // The listener hands the client's address to the PeerJS server.
    let app = app(&["--max-peers-per-ip", "2", "--limit-loopback"]).await;
    let target = lingua_signal_testing::peerjs::Target::new(app.addr, "/peerjs", "peerjs");
    let _a = target.open("pa").await;
    let _b = target.open("pb").await;
    let mut over = target.connect_peer("pc", "token-pc").await;
    assert_eq!(
        over.expect_json().await,
        json!({"type": "ERROR", "payload": {"msg": "Too many peers from this address"}})
    );
}

/// Issue 22, finding 1: Alice is in a room and her PeerJS socket drops (no
/// close frame). Mallory, with no cookie and her own token, cannot register
/// Alice's id (`ID-TAKEN` every time), so she cannot join anywhere as Alice
/// nor receive what Bob sends Alice; Alice's reconnect with her own token
/// gets `OPEN` at once and Bob's offer.
#[tokio::test]
async fn a_dropped_peerjs_socket_keeps_its_id_from_strangers() {
    let app = app(&[]).await;
    let url = app.url();
    let (cookie_a, peer_a) = browser(&app, "alice").await;
    let (cookie_b, mut peer_b) = browser(&app, "bob").await;
    let mut sio = Sio::start().await.unwrap();
    sio.connected("a", &url, json!({"extraHeaders": {"cookie": cookie_a}})).await.unwrap();
    sio.connected("b", &url, json!({"extraHeaders": {"cookie": cookie_b}})).await.unwrap();
    let ack = sio.request("a", "join-room", json!(["room-1", "alice"]), 1).await.unwrap();
    assert_eq!(ack[0]["ok"], true, "{ack:?}");
    let ack = sio.request("b", "join-room", json!(["room-1", "bob"]), 1).await.unwrap();
    assert_eq!(ack, [json!({"ok": true, "users": ["alice"]})]);

    peer_a.drop_connection();
    let stranger = format!("ws://{}/peerjs/peerjs?key=peerjs&id=alice&token=mallory&version=1.5.5", app.addr);
    for _ in 0..10 {
        let mut mallory = PeerClient::connect(&stranger).await.unwrap();
        let frame = mallory.expect_json().await;
        assert_eq!(frame["type"], "ID-TAKEN", "Mallory got {frame}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    sio.connected("m", &url, json!({"auth": {"peerToken": "mallory"}})).await.unwrap();
    let ack = sio.request("m", "join-room", json!(["room-2", "alice"]), 1).await.unwrap();
    assert_eq!(ack[0]["error"]["code"], "user-id-not-proven", "{ack:?}");

    peer_b.send_json(&json!({"type": "OFFER", "dst": "alice", "payload": {"sdp": "x"}})).await;
    let own = format!("ws://{}/peerjs/peerjs?key=peerjs&id=alice&token=tok-alice&version=1.5.5", app.addr);
    let mut alice = PeerClient::connect(&own).await.unwrap();
    alice.expect_open().await;
    let offer = alice.expect_json().await;
    assert_eq!(offer, json!({"type": "OFFER", "src": "bob", "dst": "alice", "payload": {"sdp": "x"}}));
    sio.exit().await.unwrap();
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
    page::foreign_hosts_are_refused_off_loopback(addr, "/socket.io/?EIO=4&transport=websocket").await;
}

#[tokio::test]
async fn metrics_are_for_loopback_clients_or_the_token() {
    let plain = app(&["--trusted-proxy", "127.0.0.1"]).await;
    let with_token = app(&["--trusted-proxy", "127.0.0.1", "--metrics-token", "s3cret"]).await;
    page::metrics_are_for_loopback_or_the_token(plain.addr, with_token.addr).await;
}

#[tokio::test]
async fn a_busy_port_names_the_address_and_the_flag() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let error = start(&Options::parse_from(["lingua-connect", "--addr", &addr])).await.unwrap_err();
    let text = error.to_string();
    assert!(text.contains(&addr) && text.contains("--addr"), "{text}");
    let app = app(&[]).await;
    let port = app.addr.port().to_string();
    let error = start(&Options::parse_from(["lingua-connect", "--addr", "127.0.0.1:0", "--peerjs-port", &port]))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("--peerjs-port"), "{error}");
}
