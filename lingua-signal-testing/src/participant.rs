//! The client cookie is the server's, and TURN credentials go to
//! participants only: checks both apps' tests run against a real server
//! (issue 22, findings 4 and 5).

use std::{net::SocketAddr, path::Path};

use serde_json::Value;

pub use crate::http::{get_as, page_cookie, set_cookie};
use crate::{
    app::{check_issued, config_of, https_exchange},
    http::get,
    peerjs::PeerClient,
};

/// A value a stranger planted in the victim's browser (a sibling
/// subdomain's cookie, a tampered proxy): not one the server issued.
pub const PLANTED: &str = "lingua_client=planted-by-mallory";

/// `cookie` with the last character of its value changed: what a forger
/// who saw one issued value might try.
pub fn forged(cookie: &str) -> String {
    let mut forged = cookie.to_owned();
    let last = forged.pop().expect("a value");
    forged.push(if last == '0' { '1' } else { '0' });
    forged
}

/// The room page and `/socket.io/socket.io.js` give a browser a cookie
/// (`HttpOnly`, `SameSite=Lax`, `Path=/`) when it has none, replace a
/// planted or forged value, and keep one they issued.
pub async fn planted_and_forged_cookies_are_replaced(addr: SocketAddr) {
    for path in ["/lesson-42", "/socket.io/socket.io.js"] {
        let first = get_as(addr, path, None).await;
        let header = first.header("set-cookie").expect("a first visit gets the client cookie");
        for attribute in ["; Path=/", "; HttpOnly", "; SameSite=Lax"] {
            assert!(header.contains(attribute), "{path}: {header}");
        }
        let issued = set_cookie(&first).unwrap();
        assert!(issued.starts_with("lingua_client="), "{issued}");
        for bad in [PLANTED.to_owned(), forged(&issued), "lingua_client=".to_owned()] {
            let replaced = set_cookie(&get_as(addr, path, Some(&bad)).await);
            let replaced = replaced.unwrap_or_else(|| panic!("{path}: {bad} was kept"));
            assert_ne!(replaced, bad, "{path}");
            assert!(replaced.starts_with("lingua_client="), "{replaced}");
        }
        assert_eq!(set_cookie(&get_as(addr, path, Some(&issued)).await), None, "{path}: an issued cookie is kept");
    }
}

/// The victim's browser, holding `cookie`, registers PeerJS id `id` on the
/// app at `addr`.
pub async fn victim_peer(addr: SocketAddr, id: &str, cookie: &str) -> PeerClient {
    let url = format!("ws://{addr}/peerjs/peerjs?key=peerjs&id={id}&token=secret-{id}&version=1.5.5");
    let mut peer = PeerClient::connect_with(&url, &[("cookie", cookie)]).await.expect("PeerJS upgrade");
    peer.expect_open().await;
    peer
}

/// Over HTTPS (`cert` the app's certificate) the client cookie is
/// `__Host-lingua_client`, `Secure`, for the whole host and no domain.
pub async fn https_cookies_are_host_only_and_secure(addr: SocketAddr, cert: &Path) {
    for path in ["/lesson-42", "/socket.io/socket.io.js"] {
        let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        let response = https_exchange(addr, cert, &request).await;
        let line = response
            .lines()
            .find(|line| line.to_ascii_lowercase().starts_with("set-cookie:"))
            .unwrap_or_else(|| panic!("{path} sets no cookie: {response}"));
        let value = line.split_once(':').unwrap().1.trim();
        assert!(value.starts_with("__Host-lingua_client="), "{value}");
        for attribute in ["; Secure", "; Path=/", "; HttpOnly", "; SameSite=Lax"] {
            assert!(value.contains(attribute), "{path}: {value}");
        }
        assert!(!value.to_ascii_lowercase().contains("domain="), "{value}");
    }
}

/// The participant part of a TURN username `<expiry>:<participant>`.
pub fn participant(username: &str) -> &str {
    username.split_once(':').expect("<expiry>:<participant>").1
}

/// `GET /ice-servers` of an app started with
/// [`TURN_FLAGS`](crate::app::TURN_FLAGS): refused (`403`, a
/// `code: reason` body) without the client cookie of a room page or with a
/// planted or forged one; with one, credentials for that browser (the same
/// participant as its page's), another participant for another browser.
pub async fn ice_servers_are_for_participants_only(addr: SocketAddr) {
    let alice = page_cookie(addr).await;
    for cookie in [None, Some(PLANTED.to_owned()), Some(forged(&alice))] {
        let refused = get_as(addr, "/ice-servers", cookie.as_deref()).await;
        assert_eq!(refused.status, 403, "{cookie:?}: {refused:?}");
        assert!(refused.text().starts_with("not-a-participant: "), "{}", refused.text());
        assert!(!refused.text().contains("turn"), "no credentials: {}", refused.text());
    }
    let page = config_of(get_as(addr, "/lesson-42", Some(&alice)).await.text());
    let on_page = check_issued(&page["iceServers"]);
    let fetched = get_as(addr, "/ice-servers", Some(&alice)).await;
    assert_eq!(fetched.status, 200, "{fetched:?}");
    let body: Value = serde_json::from_slice(&fetched.body).expect("JSON");
    let username = check_issued(&body["iceServers"]);
    assert_eq!(participant(&username), participant(&on_page), "one browser, one participant");
    let bob = page_cookie(addr).await;
    let body: Value = serde_json::from_slice(&get_as(addr, "/ice-servers", Some(&bob)).await.body).expect("JSON");
    assert_ne!(participant(&check_issued(&body["iceServers"])), participant(&username), "per participant");
}

/// On an app started with `--ice-rate 1/3 --limit-loopback` (and TURN): a
/// participant's address gets three answers at once, then `429` with
/// `Retry-After` until its bucket refills.
pub async fn ice_servers_are_rate_limited_per_address(addr: SocketAddr) {
    let cookie = page_cookie(addr).await;
    for n in 0..3 {
        assert_eq!(get_as(addr, "/ice-servers", Some(&cookie)).await.status, 200, "request {n}");
    }
    let limited = get_as(addr, "/ice-servers", Some(&cookie)).await;
    assert_eq!(limited.status, 429, "{limited:?}");
    assert!(limited.text().starts_with("rate-limited: "), "{}", limited.text());
    assert!(limited.header("retry-after").is_some(), "{limited:?}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(get_as(addr, "/ice-servers", Some(&cookie)).await.status, 200, "refilled");
}

/// On an app started with `--ice-rate 1/3 --trusted-proxy 127.0.0.1` (and
/// TURN) behind a same-host proxy: the limit counts the clients the proxy
/// forwards for, not the proxy. One client is refused after its three,
/// another still gets its own.
pub async fn ice_servers_are_rate_limited_per_forwarded_client(addr: SocketAddr) {
    let cookie = page_cookie(addr).await;
    let ask = |client: &'static str| {
        let cookie = cookie.clone();
        async move { get(addr, "/ice-servers", &[("cookie", &cookie), ("x-forwarded-for", client)]).await.status }
    };
    for _ in 0..3 {
        assert_eq!(ask("192.0.2.1").await, 200);
    }
    assert_eq!(ask("192.0.2.1").await, 429);
    assert_eq!(ask("192.0.2.2").await, 200, "another client behind the proxy");
}
