//! Clients that stall or dribble, against a server with short deadlines
//! ([`HEADER`], [`IDLE`], [`BODY`]; [`FLAGS`] for the apps): each function
//! fails against a server without the protection. Timing is asserted
//! loosely: closed within [`BOUND`], and not before half the deadline where
//! that matters.
//!
//! `lingua-signal-serve`'s own tests run the suite against a tiny service;
//! the apps' tests check, with [`FLAGS`], that they are served that way.
//! The checks need a `GET /healthz` that answers `ok`, as both have.

use std::{net::SocketAddr, time::Duration};

use serde_json::json;
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::Instant,
};

use crate::peerjs::Target;

/// The header deadline [`FLAGS`] set.
pub const HEADER: Duration = Duration::from_millis(600);
/// The idle keep-alive deadline [`FLAGS`] set.
pub const IDLE: Duration = Duration::from_millis(400);
/// The body deadline [`FLAGS`] set.
pub const BODY: Duration = Duration::from_millis(600);
/// The app flags for [`HEADER`], [`IDLE`] and [`BODY`].
pub const FLAGS: &[&str] = &["--header-timeout", "600ms", "--idle-timeout", "400ms", "--body-timeout", "600ms"];
/// A connection that should be closed is closed by then, however loaded
/// the machine.
pub const BOUND: Duration = Duration::from_secs(5);

/// Reads until the server closes (a reset counts); returns what it sent and
/// how long after `start` it closed. Panics after [`BOUND`].
pub async fn read_to_close(stream: &mut (impl AsyncRead + Unpin), start: Instant) -> (String, Duration) {
    let mut seen = Vec::new();
    let mut buf = [0; 4096];
    loop {
        match tokio::time::timeout_at(start + BOUND, stream.read(&mut buf)).await {
            Err(_) => panic!("still open after {BOUND:?}; got {:?}", String::from_utf8_lossy(&seen)),
            Ok(Ok(0) | Err(_)) => return (String::from_utf8_lossy(&seen).into_owned(), start.elapsed()),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// Sends `request` and reads one response whose body is `body`, leaving
/// the connection open.
pub async fn exchange(stream: &mut TcpStream, request: &str, body: &str) -> String {
    stream.write_all(request.as_bytes()).await.expect("send the request");
    let mut seen = Vec::new();
    let mut buf = [0; 4096];
    while !String::from_utf8_lossy(&seen).ends_with(&format!("\r\n\r\n{body}")) {
        let n = tokio::time::timeout(BOUND, stream.read(&mut buf)).await.expect("a response").expect("read");
        assert!(n > 0, "closed before the response: {:?}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// `GET /healthz`, kept alive.
pub const HEALTHZ: &str = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";

fn assert_408(text: &str, at: Duration, deadline: Duration) {
    assert!(text.starts_with("HTTP/1.1 408 Request Timeout"), "not a 408 after {at:?}: {text:?}");
    assert!(at >= deadline / 2, "closed after {at:?}, well before the {deadline:?} deadline");
}

/// Sends `start` at once, then `then` one byte every 50 ms until the
/// server closes; returns what it sent and when it closed.
async fn dribble(
    addr: SocketAddr,
    start: &[u8],
    then: impl Iterator<Item = u8> + Send + 'static,
) -> (String, Duration) {
    let began = Instant::now();
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(start).await.expect("send");
    let (mut reader, mut writer) = stream.into_split();
    let sender = tokio::spawn(async move {
        for byte in then {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
        }
    });
    let closed = read_to_close(&mut reader, began).await;
    sender.abort();
    closed
}

/// A connection that sends nothing gets `408` and is closed.
pub async fn a_silent_connection_gets_408_at_the_header_deadline(addr: SocketAddr) {
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let (text, at) = read_to_close(&mut stream, start).await;
    assert_408(&text, at, HEADER);
}

/// A request head sent one byte every 50 ms (slowloris) gets `408` at the
/// header deadline: bytes arriving do not push it back.
pub async fn a_head_sent_byte_by_byte_gets_408_at_the_header_deadline(addr: SocketAddr) {
    let head = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".to_vec();
    let (text, at) = dribble(addr, &[], head.into_iter().chain(std::iter::repeat(b'a'))).await;
    assert_408(&text, at, HEADER);
}

/// A websocket upgrade request without its final blank line gets `408`.
pub async fn a_half_sent_upgrade_request_gets_408(addr: SocketAddr, path: &str) {
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("send");
    let (text, at) = read_to_close(&mut stream, start).await;
    assert_408(&text, at, HEADER);
}

/// A request `head` (ending in its blank line, announcing a 1000-byte
/// body) whose body then comes one byte every 50 ms gets `408` at the body
/// deadline. `head` must reach a route that reads its body.
pub async fn a_slow_body_gets_408_at_the_body_deadline(addr: SocketAddr, head: &str) {
    assert!(head.contains("Content-Length: 1000\r\n") && head.ends_with("\r\n\r\n"), "{head}");
    let (text, at) = dribble(addr, head.as_bytes(), std::iter::repeat_n(b'a', 1000)).await;
    assert_408(&text, at, BODY);
}

/// After one response, a kept-alive connection that sends nothing is
/// closed at the idle deadline, without a response.
pub async fn an_idle_kept_alive_connection_is_closed(addr: SocketAddr) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    exchange(&mut stream, HEALTHZ, "ok").await;
    let (text, at) = read_to_close(&mut stream, Instant::now()).await;
    assert_eq!(text, "", "an idle connection is closed without a word");
    assert!(at >= IDLE / 2, "closed after {at:?}, well before the {IDLE:?} idle deadline");
    // The default idle deadline (5 s) is about BOUND: without this, a
    // server that ignored IDLE would pass.
    assert!(at < BOUND / 2, "closed after {at:?}, long after the {IDLE:?} idle deadline");
}

/// A second request within the idle window is served on the same
/// connection, and a third after it.
pub async fn a_kept_alive_connection_serves_requests_within_the_idle_window(addr: SocketAddr) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    for _ in 0..3 {
        let response = exchange(&mut stream, HEALTHZ, "ok").await;
        assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
        tokio::time::sleep(IDLE / 4).await;
    }
}

/// PeerJS websockets (path `/peerjs`, key `peerjs`) stay open and relay
/// long past every HTTP deadline.
pub async fn peerjs_websockets_outlive_every_deadline(addr: SocketAddr) {
    let target = Target::new(addr, "/peerjs", "peerjs");
    let mut a = target.open("deadline-a").await;
    let mut b = target.open("deadline-b").await;
    tokio::time::sleep(HEADER + IDLE + BODY + Duration::from_millis(400)).await;
    a.send_json(&json!({"type": "OFFER", "dst": "deadline-b", "payload": {"x": 1}})).await;
    assert_eq!(b.expect_json().await["src"], "deadline-a");
}

/// With a cap of `cap` connections per IP applied to loopback: `cap`
/// connections are served, the next is closed at once, and once one of
/// the first closes a new one is served again.
pub async fn the_per_ip_cap_closes_connections_over_it(addr: SocketAddr, cap: usize) {
    let mut held = Vec::new();
    for _ in 0..cap {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        exchange(&mut stream, HEALTHZ, "ok").await;
        held.push(stream);
    }
    let start = Instant::now();
    let mut over = TcpStream::connect(addr).await.expect("the kernel still accepts");
    let _ = over.write_all(HEALTHZ.as_bytes()).await;
    let (text, at) = read_to_close(&mut over, start).await;
    assert_eq!(text, "", "over the cap: closed without a response");
    // The header deadline is the default 10 s here.
    assert!(at < Duration::from_secs(2), "closed at once, not by a deadline ({at:?})");
    drop(held.pop());
    // The server sees the close on its own time: try until it has.
    let deadline = Instant::now() + BOUND;
    loop {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let _ = stream.write_all(HEALTHZ.as_bytes()).await;
        let (text, _) = read_to_close_or_ok(&mut stream).await;
        if text.starts_with("HTTP/1.1 200 OK") {
            return;
        }
        assert!(Instant::now() < deadline, "no connection accepted again after one closed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads until a complete `/healthz` answer or the close.
async fn read_to_close_or_ok(stream: &mut TcpStream) -> (String, Duration) {
    let start = Instant::now();
    let mut seen = Vec::new();
    let mut buf = [0; 4096];
    while !String::from_utf8_lossy(&seen).ends_with("\r\n\r\nok") {
        match tokio::time::timeout(BOUND, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => seen.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    (String::from_utf8_lossy(&seen).into_owned(), start.elapsed())
}
