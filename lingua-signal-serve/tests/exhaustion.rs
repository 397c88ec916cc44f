//! A server serving the tiny service (`support`) in a child process,
//! against clients that exhaust what it has: out of file descriptors (an
//! open-file limit of 40 set with `ulimit -n` for the child only), and 500
//! stalled connections (memory and descriptors come back once the header
//! deadline has closed them).
//!
//! The child is this test binary run again on the one test that started
//! it, with [`CHILD`] set: each test begins by checking whether it is the
//! server. A process of its own is what lets the limit apply to the server
//! alone and `/proc` show the server's descriptors and memory alone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use lingua_signal_serve::{Deadlines, Server};
use lingua_signal_testing::{
    deadline::{HEALTHZ, exchange},
    process::Watched,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinSet,
    time::Instant,
};

/// Set in the child, to its header deadline in milliseconds.
const CHILD: &str = "LINGUA_SIGNAL_SERVE_TEST_SERVER";
/// What the child prints, then its address.
const LISTENING: &str = "test server listening on ";

/// In the child: the header deadline the parent asked for.
fn child_role() -> Option<Duration> {
    let millis = std::env::var(CHILD).ok()?;
    Some(Duration::from_millis(millis.parse().expect("milliseconds")))
}

/// In the child: serves the tiny service, logging to stderr, until killed.
async fn serve_until_killed(header: Duration) {
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(false).init();
    let server = Server::builder().deadlines(Deadlines::default().header(header)).build();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let serving = server.serve(listener, support::Tiny::new(&server)).unwrap();
    println!("{LISTENING}{}", serving.local_addr());
    std::future::pending::<()>().await;
}

/// The child as the parent sees it.
struct Remote(Watched);

impl std::ops::Deref for Remote {
    type Target = Watched;
    fn deref(&self) -> &Watched {
        &self.0
    }
}

impl std::ops::DerefMut for Remote {
    fn deref_mut(&mut self) -> &mut Watched {
        &mut self.0
    }
}

impl Remote {
    /// Runs the test `test` of this binary as the server, with `header` as
    /// its header deadline, under `ulimit -n nofile`, with `envs` added.
    async fn start(test: &str, nofile: u32, header: Duration, envs: &[(&str, &str)]) -> Self {
        let header = header.as_millis().to_string();
        let mut envs = envs.to_vec();
        envs.push((CHILD, &header));
        let exe = std::env::current_exe().unwrap();
        let args = [test, "--exact", "--nocapture", "--test-threads", "1"];
        // After the harness's `test NAME ... `, on the same line.
        let listening = |line: &str| line.split_once(LISTENING).map(|(_, addr)| addr.parse().unwrap());
        Self(Watched::start(exe, &args, nofile, &envs, listening).await)
    }

    /// The server's counter `name`, from the tiny service's `/stats`.
    async fn stat(&self, name: &str) -> u64 {
        let mut stream = TcpStream::connect(self.addr).await.unwrap();
        let request = "GET /stats HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut text = String::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut text)).await.unwrap().unwrap();
        let value = text.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' '));
        value.unwrap_or_else(|| panic!("no {name} in {text:?}")).parse().unwrap()
    }
}

const ACCEPT_FAILED: &str = "cannot accept connections";
const ACCEPTING_AGAIN: &str = "accepting connections again";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_file_descriptors_the_server_backs_off_logs_once_and_recovers() {
    if let Some(header) = child_role() {
        return serve_until_killed(header).await;
    }
    let test = "out_of_file_descriptors_the_server_backs_off_logs_once_and_recovers";
    let mut server = Remote::start(test, 40, Duration::from_secs(60), &[]).await;
    assert!(server.healthy_within(Duration::from_secs(5)).await);
    // More connections than descriptors: the kernel completes them all, the
    // server accepts until it has none left.
    let mut held = Vec::new();
    for _ in 0..60 {
        held.push(TcpStream::connect(server.addr).await.unwrap());
    }
    assert!(server.wait(Duration::from_secs(5), |s| s.log_count(ACCEPT_FAILED) > 0).await, "no accept error logged");
    // Several back-off rounds (5 ms doubling to 1 s) pass; one log line.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(server.alive(), "the server died");
    assert_eq!(server.log_count(ACCEPT_FAILED), 1, "logged once per episode:\n{}", server.log());
    println!("out of descriptors: {} open fds at the limit of 40", server.fds());
    drop(held);
    assert!(server.healthy_within(Duration::from_secs(10)).await, "serves again once descriptors are free");
    // The episode ends once accepts have kept working for 1 s.
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.log_count(ACCEPTING_AGAIN) == 0 && Instant::now() < deadline {
        assert!(server.healthy_within(Duration::from_secs(2)).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let log = server.log();
    assert_eq!(server.log_count(ACCEPTING_AGAIN), 1, "{log}");
    assert_eq!(server.log_count(ACCEPT_FAILED), 1, "{log}");
    assert!(server.stat("accept_errors").await >= 1, "the failed accepts are counted");
    assert!(server.alive());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_connections_give_back_their_memory_and_descriptors() {
    if let Some(header) = child_role() {
        return serve_until_killed(header).await;
    }
    const STALLED: usize = 500;
    const ROUNDS: usize = 3;
    // One malloc arena: memory freed by a round is reused by the next
    // instead of spread over per-thread arenas, so what remains after the
    // first rounds is the allocator's settled size, and growth is a leak.
    // The header deadline: all the connections of a round are accepted
    // before the first is closed (the first round takes ~1 s in a debug
    // build; a loaded machine, more).
    let test = "stalled_connections_give_back_their_memory_and_descriptors";
    let mut server = Remote::start(test, 4096, Duration::from_secs(4), &[("MALLOC_ARENA_MAX", "1")]).await;
    for _ in 0..20 {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        exchange(&mut stream, HEALTHZ, "ok").await;
    }
    let (fds_before, rss_before) = (server.fds(), server.rss_kib());
    let mut rounds = Vec::new();
    for _ in 0..ROUNDS {
        rounds.push(stall(&mut server, STALLED, fds_before).await);
    }
    println!("{STALLED} stalled connections, {ROUNDS} rounds: before fds {fds_before}, VmRSS {rss_before} KiB");
    for (fds_peak, rss_peak, fds_after, rss_after) in &rounds {
        println!("  peak fds {fds_peak}, VmRSS {rss_peak} KiB; after fds {fds_after}, VmRSS {rss_after} KiB");
    }
    // Every socket was closed (the descriptors came back each round), so
    // nothing that wraps one was kept. Memory: a leak keeps about what a
    // round's connections took at the peak of the first every round; once
    // the allocator has settled (after a round) a round keeps less than
    // half of that. The debug build's allocator has been seen keeping up to
    // ~30 % in the third round (maps that grew by doubling, fragments), so
    // a quarter failed now and then without any leak.
    let cost = rounds[0].1.saturating_sub(rss_before);
    let growth = rounds[2].3.saturating_sub(rounds[1].3);
    assert!(growth < cost / 2, "VmRSS grows {growth} KiB per round; a round's connections took {cost} KiB");
    assert!(server.healthy_within(Duration::from_secs(5)).await);
    assert_eq!(server.stat("header_timeouts").await, (ROUNDS * STALLED) as u64, "each closed by the header deadline");
    assert!(server.alive());
}

/// Opens `count` connections that send half a request head and stall,
/// waits for the server's 408 on each and for its descriptors to come back
/// to `fds_before`; returns (peak fds, peak VmRSS, fds after, VmRSS after).
async fn stall(server: &mut Remote, count: usize, fds_before: usize) -> (usize, u64, usize, u64) {
    let mut stalled = JoinSet::new();
    for _ in 0..count {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n").await.unwrap();
        stalled.spawn(async move {
            let mut seen = Vec::new();
            let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut seen)).await;
            (read.is_ok(), String::from_utf8_lossy(&seen).into_owned())
        });
    }
    assert!(server.wait(Duration::from_secs(5), |s| s.fds() >= fds_before + count * 9 / 10).await);
    let (fds_peak, rss_peak) = (server.fds(), server.rss_kib());
    while let Some(closed) = stalled.join_next().await {
        let (closed, text) = closed.unwrap();
        assert!(closed && text.starts_with("HTTP/1.1 408"), "{text}");
    }
    assert!(server.wait(Duration::from_secs(5), |s| s.fds() <= fds_before).await, "{} fds left", server.fds());
    (fds_peak, rss_peak, server.fds(), server.rss_kib())
}
