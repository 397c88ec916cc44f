//! The client cookie is the server's, and TURN credentials go to
//! participants only (issue 22, findings 4 and 5), over real HTTP, the
//! PeerJS wire and socket.io-client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clap::Parser;
use lingua_connect::{App, Options, Running, start};
use lingua_signal_testing::{
    app::{self as page, fixture},
    participant::{self, PLANTED, forged, page_cookie, victim_peer},
    sio::Sio,
};
use serde_json::json;

async fn app(args: &[&str]) -> Running<App> {
    let mut argv = vec!["lingua-connect", "--addr", "127.0.0.1:0"];
    argv.extend_from_slice(args);
    start(&Options::parse_from(argv)).await.unwrap()
}

#[tokio::test]
async fn planted_and_forged_cookies_are_replaced() {
    participant::planted_and_forged_cookies_are_replaced(app(&[]).await.addr).await;
}

#[tokio::test]
async fn a_planted_cookie_proves_nothing_over_socket_io() {
    let app = app(&[]).await;
    let url = app.url();
    let issued = page_cookie(app.addr).await;
    let mut sio = Sio::start().await.unwrap();
    // Mallory planted a value in the victim's browser, or forged one from a
    // cookie she was issued; the victim's PeerJS socket carries it.
    for (n, planted) in [PLANTED.to_owned(), forged(&issued)].into_iter().enumerate() {
        let victim = format!("victim-{n}");
        let _peer = victim_peer(app.addr, &victim, &planted).await;
        let mallory = format!("mallory-{n}");
        sio.connected(&mallory, &url, json!({"extraHeaders": {"cookie": planted}})).await.unwrap();
        let ack = sio.request(&mallory, "join-room", json!(["room-1", victim]), 1).await.unwrap();
        assert_eq!(ack[0]["error"]["code"], "user-id-not-proven", "{planted}: {ack:?}");
    }
    // A cookie the server issued still proves its browser's ids.
    let _peer = victim_peer(app.addr, "alice", &issued).await;
    sio.connected("alice", &url, json!({"extraHeaders": {"cookie": issued}})).await.unwrap();
    let ack = sio.request("alice", "join-room", json!(["room-1", "alice"]), 1).await.unwrap();
    assert_eq!(ack[0]["ok"], true, "{ack:?}");
    sio.exit().await.unwrap();
}

#[tokio::test]
async fn https_cookies_are_host_only_and_secure() {
    let (cert, key) = (fixture("cert.pem"), fixture("key.pem"));
    let app = app(&["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()]).await;
    participant::https_cookies_are_host_only_and_secure(app.addr, &cert).await;
}

#[tokio::test]
async fn ice_servers_are_for_participants_only() {
    participant::ice_servers_are_for_participants_only(app(page::TURN_FLAGS).await.addr).await;
}

#[tokio::test]
async fn fixed_turn_credentials_are_for_participants_only() {
    let app = app(page::PAGE_FLAGS).await;
    let refused = participant::get_as(app.addr, "/ice-servers", None).await;
    assert_eq!(refused.status, 403, "{refused:?}");
    assert!(!refused.text().contains("p&"), "{}", refused.text());
}

#[tokio::test]
async fn ice_servers_are_rate_limited_per_address() {
    let flags = [page::TURN_FLAGS, &["--ice-rate", "1/3", "--limit-loopback"]].concat();
    participant::ice_servers_are_rate_limited_per_address(app(&flags).await.addr).await;
}

#[tokio::test]
async fn a_turn_ttl_above_a_day_is_refused() {
    for ttl in ["25h", "2d", "30d"] {
        let args = ["lingua-connect", "--ice-server", "turn:t", "--turn-secret", "s", "--turn-ttl", ttl];
        let refused = Options::try_parse_from(args).unwrap_err().to_string();
        assert!(refused.contains("at most 24 hours"), "{ttl}: {refused}");
    }
    let args = ["lingua-connect", "--ice-server", "turn:t", "--turn-secret", "s", "--turn-ttl", "24h"];
    assert!(Options::try_parse_from(args).is_ok());
}

#[tokio::test]
async fn ice_servers_are_rate_limited_per_client_behind_a_trusted_proxy() {
    let flags = [page::TURN_FLAGS, &["--ice-rate", "1/3", "--trusted-proxy", "127.0.0.1"]].concat();
    participant::ice_servers_are_rate_limited_per_forwarded_client(app(&flags).await.addr).await;
}
