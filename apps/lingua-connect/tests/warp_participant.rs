//! The client cookie is the server's, and TURN credentials go to
//! participants only (issue 22, findings 4 and 5), over real HTTP, the
//! PeerJS wire and the raw rooms websocket.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clap::Parser;
use futures::{SinkExt, StreamExt};
use lingua_connect::warp_app::{App, Options, Running, start};
use lingua_signal_testing::{
    app::{self as page, fixture, https_exchange, tls_connect},
    participant::{self, PLANTED, forged, page_cookie, victim_peer},
    rooms::{RoomsClient, WAIT},
};
use serde_json::json;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

async fn app(args: &[&str]) -> Running<App> {
    let mut argv = vec!["lingua-connect-warp", "--addr", "127.0.0.1:0"];
    argv.extend_from_slice(args);
    start(&Options::parse_from(argv)).await.unwrap()
}

#[tokio::test]
async fn planted_and_forged_cookies_are_replaced() {
    participant::planted_and_forged_cookies_are_replaced(app(&[]).await.addr).await;
}

#[tokio::test]
async fn a_planted_cookie_proves_nothing_over_the_rooms_websocket() {
    let app = app(&[]).await;
    let rooms = format!("ws://{}/rooms?v=1", app.addr);
    let issued = page_cookie(app.addr).await;
    for (n, planted) in [PLANTED.to_owned(), forged(&issued)].into_iter().enumerate() {
        let victim = format!("victim-{n}");
        let _peer = victim_peer(app.addr, &victim, &planted).await;
        let mut mallory = RoomsClient::connect_with(&rooms, &[("cookie", &planted)]).await;
        let code = mallory.refused(json!({"type": "join", "room": "room-1", "user": victim})).await;
        assert_eq!(code, "user-id-not-proven", "{planted}");
    }
    let _peer = victim_peer(app.addr, "alice", &issued).await;
    let mut alice = RoomsClient::connect_with(&rooms, &[("cookie", &issued)]).await;
    assert_eq!(alice.join("room-1", "alice").await, Vec::<String>::new());
}

/// Over HTTPS the `__Host-` cookie is issued, and it is the one that
/// proves: a PeerJS socket and a rooms socket that carry it are one client.
#[tokio::test]
async fn https_cookies_are_host_only_secure_and_prove_ids() {
    let (cert, key) = (fixture("cert.pem"), fixture("key.pem"));
    let app = app(&["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()]).await;
    participant::https_cookies_are_host_only_and_secure(app.addr, &cert).await;
    let page = https_exchange(app.addr, &cert, "GET /r HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await;
    let line = page.lines().find(|l| l.to_ascii_lowercase().starts_with("set-cookie:")).unwrap();
    let cookie = line.split_once(':').unwrap().1.trim().split(';').next().unwrap().to_owned();
    let wss = async |url: &str, cookie: &str| {
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert("cookie", cookie.parse().unwrap());
        tokio_tungstenite::client_async(request, tls_connect(app.addr, &cert).await).await.unwrap().0
    };
    let mut peer = wss("wss://localhost/peerjs/peerjs?key=peerjs&id=alice&token=t&version=1.5.5", &cookie).await;
    let open = tokio::time::timeout(WAIT, peer.next()).await.unwrap().unwrap().unwrap();
    assert!(open.to_text().unwrap().contains("OPEN"), "{open:?}");
    let join = r#"{"type":"join","room":"secure","user":"alice","id":1}"#;
    for (cookie, expected) in [
        (cookie.replacen("__Host-", "", 1), "user-id-not-proven"),
        (cookie.clone(), r#"{"type":"joined","room":"secure","users":[],"id":1}"#),
    ] {
        let mut rooms = wss("wss://localhost/rooms?v=1", &cookie).await;
        rooms.send(Message::text(join)).await.unwrap();
        let reply = tokio::time::timeout(WAIT, rooms.next()).await.unwrap().unwrap().unwrap();
        assert!(reply.to_text().unwrap().contains(expected), "{cookie}: {reply:?}");
    }
}

#[tokio::test]
async fn ice_servers_are_for_participants_only() {
    participant::ice_servers_are_for_participants_only(app(page::TURN_FLAGS).await.addr).await;
}

#[tokio::test]
async fn ice_servers_are_rate_limited_per_address() {
    let flags = [page::TURN_FLAGS, &["--ice-rate", "1/3", "--limit-loopback"]].concat();
    participant::ice_servers_are_rate_limited_per_address(app(&flags).await.addr).await;
}

#[tokio::test]
async fn ice_servers_are_rate_limited_per_client_behind_a_trusted_proxy() {
    let flags = [page::TURN_FLAGS, &["--ice-rate", "1/3", "--trusted-proxy", "127.0.0.1"]].concat();
    participant::ice_servers_are_rate_limited_per_forwarded_client(app(&flags).await.addr).await;
}
