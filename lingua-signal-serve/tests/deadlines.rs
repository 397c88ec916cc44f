//! Clients that stall or dribble against a tiny service (`support`) served
//! with short deadlines (`HEADER`, `IDLE` and `BODY` of
//! `lingua_signal_testing::deadline`): each is closed in time, with `408`
//! where a request was under way, and counted under the deadline that
//! closed it; kept-alive reuse and websockets are untouched; the per-IP cap.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::{net::SocketAddr, time::Duration};

use futures_util::{SinkExt, StreamExt};
use lingua_signal_serve::{Deadlines, Limits, Server, Serving, Stats};
use lingua_signal_testing::deadline::{self, BODY, HEADER, HEALTHZ, IDLE};
use tokio::{net::TcpStream, time::Instant};
use tokio_tungstenite::tungstenite::Message;

/// A server and the one listener it serves the tiny service on.
struct Running {
    server: Server,
    serving: Serving,
}

impl Running {
    async fn start(server: Server) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let serving = server.serve(listener, support::Tiny::new(&server)).unwrap();
        Self { server, serving }
    }

    /// Served with `HEADER`, `IDLE` and `BODY`.
    async fn short() -> Self {
        Self::start(Server::builder().deadlines(Deadlines::default().header(HEADER).idle(IDLE).body(BODY)).build())
            .await
    }

    fn addr(&self) -> SocketAddr {
        self.serving.local_addr()
    }

    fn stats(&self) -> Stats {
        self.server.stats()
    }

    /// (header, idle, body) timeouts so far.
    fn timeouts(&self) -> (u64, u64, u64) {
        let stats = self.stats();
        (stats.header_timeouts, stats.idle_timeouts, stats.body_timeouts)
    }
}

#[tokio::test]
async fn a_silent_connection_gets_408_at_the_header_deadline() {
    let running = Running::short().await;
    deadline::a_silent_connection_gets_408_at_the_header_deadline(running.addr()).await;
    assert_eq!(running.timeouts(), (1, 0, 0));
}

#[tokio::test]
async fn a_head_sent_byte_by_byte_gets_408_at_the_header_deadline() {
    let running = Running::short().await;
    deadline::a_head_sent_byte_by_byte_gets_408_at_the_header_deadline(running.addr()).await;
    assert_eq!(running.timeouts(), (1, 0, 0));
}

#[tokio::test]
async fn a_half_sent_upgrade_request_gets_408() {
    let running = Running::short().await;
    deadline::a_half_sent_upgrade_request_gets_408(running.addr(), "/ws").await;
    assert_eq!(running.timeouts(), (1, 0, 0));
}

#[tokio::test]
async fn a_slow_body_gets_408_at_the_body_deadline() {
    let running = Running::short().await;
    let head = "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n";
    deadline::a_slow_body_gets_408_at_the_body_deadline(running.addr(), head).await;
    assert_eq!(running.timeouts(), (0, 0, 1));
}

#[tokio::test]
async fn a_body_sent_in_time_reaches_the_service() {
    // The route the slow body is sent to reads bodies: the 408 above is
    // the deadline's, not the service's.
    let running = Running::short().await;
    let mut stream = TcpStream::connect(running.addr()).await.unwrap();
    let request = "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello";
    let response = deadline::exchange(&mut stream, request, "hello").await;
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert_eq!(running.timeouts(), (0, 0, 0));
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let running = Running::short().await;
    deadline::an_idle_kept_alive_connection_is_closed(running.addr()).await;
    assert_eq!(running.timeouts(), (0, 1, 0), "closed by the idle deadline");
}

// The idle deadline runs from the end of the last response, whatever
// timer was armed before: the connection is woken when its last request in
// flight ends (it used to go unnoticed until an older timer fired, or
// forever when none was left).
#[tokio::test]
async fn the_idle_deadline_runs_from_the_end_of_the_response() {
    // A header deadline far past the idle one: the close is the idle deadline's own.
    let deadlines = Deadlines::default().header(deadline::BOUND * 2).idle(IDLE);
    let running = Running::start(Server::builder().deadlines(deadlines).build()).await;
    deadline::an_idle_kept_alive_connection_is_closed(running.addr()).await;
    assert_eq!(running.timeouts(), (0, 1, 0));
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_when_idle_after_a_slow_answer() {
    let running = Running::short().await;
    let mut stream = TcpStream::connect(running.addr()).await.unwrap();
    // Answered after 1 s: the header deadline's timer has run out by then.
    deadline::exchange(&mut stream, "GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n", "ok").await;
    let (text, at) = deadline::read_to_close(&mut stream, Instant::now()).await;
    assert_eq!(text, "", "an idle connection is closed without a word");
    assert!(at < deadline::BOUND / 2, "closed after {at:?}, long after the {IDLE:?} idle deadline");
    assert_eq!(running.timeouts(), (0, 1, 0));
}

#[tokio::test]
async fn a_kept_alive_connection_serves_requests_within_the_idle_window() {
    let running = Running::short().await;
    deadline::a_kept_alive_connection_serves_requests_within_the_idle_window(running.addr()).await;
    assert_eq!(running.stats().accepted, 1, "one connection served every request");
    assert_eq!(running.timeouts(), (0, 0, 0));
}

#[tokio::test]
async fn upgraded_websockets_outlive_every_deadline() {
    let running = Running::short().await;
    let url = format!("ws://{}/ws", running.addr());
    let (mut a, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let (mut b, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    // Silent past every deadline, as a websocket between heartbeats is.
    tokio::time::sleep(HEADER + IDLE + BODY + Duration::from_millis(400)).await;
    for (ws, text) in [(&mut a, "from a"), (&mut b, "from b")] {
        ws.send(Message::text(text)).await.unwrap();
        let echo = tokio::time::timeout(deadline::BOUND, ws.next()).await.expect("an echo").unwrap().unwrap();
        assert_eq!(echo, Message::text(text));
    }
    assert_eq!(running.stats().open, 2);
    assert_eq!(running.timeouts(), (0, 0, 0));
}

#[tokio::test]
async fn the_per_ip_cap_closes_connections_over_it() {
    // The default deadlines (header 10 s): a close over the cap is the cap's.
    let limits = Limits::default().max_connections_per_ip(3).limit_loopback(true);
    let running = Running::start(Server::builder().limits(limits).build()).await;
    deadline::the_per_ip_cap_closes_connections_over_it(running.addr(), 3).await;
    assert!(running.stats().refused_per_ip >= 1);
}

#[tokio::test]
async fn loopback_is_not_capped_by_default() {
    let running = Running::start(Server::builder().limits(Limits::default().max_connections_per_ip(1)).build()).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(running.addr()).await.unwrap();
        let response = deadline::exchange(&mut stream, HEALTHZ, "ok").await;
        assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
        held.push(stream);
    }
    let stats = running.stats();
    assert_eq!((stats.refused_per_ip, stats.open), (0, 3));
}
