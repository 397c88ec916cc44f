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

use std::{
    net::SocketAddr,
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use lingua_signal_serve::{Deadlines, Server};
use lingua_signal_testing::deadline::{HEALTHZ, exchange};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    process::{Child, Command},
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

/// The child as the parent sees it: its address and its log (stderr).
struct Remote {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Remote {
    /// Runs the test `test` of this binary as the server, with `header` as
    /// its header deadline, under `ulimit -n nofile`, with `envs` added.
    async fn start(test: &str, nofile: u32, header: Duration, envs: &[(&str, &str)]) -> Self {
        let script = format!("ulimit -n {nofile} && exec \"$0\" \"$@\"");
        let exe = std::env::current_exe().unwrap();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(exe)
            .args([test, "--exact", "--nocapture", "--test-threads", "1"])
            .env(CHILD, header.as_millis().to_string())
            .envs(envs.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let addr = listening(child.stdout.take().unwrap()).await;
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        let sink = Arc::clone(&log);
        tokio::spawn(async move {
            while let Ok(Some(line)) = stderr.next_line().await {
                sink.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        Self { child, addr, log }
    }

    fn pid(&self) -> u32 {
        self.child.id().unwrap()
    }

    fn log_count(&self, text: &str) -> usize {
        self.log.lock().unwrap().matches(text).count()
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Open file descriptors, from `/proc/PID/fd`.
    fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid())).unwrap().count()
    }

    /// Resident memory in KiB, `VmRSS` of `/proc/PID/status`.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
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

    /// `GET /healthz` until it answers `200`, for up to `within`.
    async fn healthy_within(&self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(mut stream) = TcpStream::connect(self.addr).await {
                let _ = stream.write_all(HEALTHZ.as_bytes()).await;
                let mut buf = vec![0; 1024];
                if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buf)).await
                    && buf[..n].starts_with(b"HTTP/1.1 200 OK")
                {
                    return true;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// Waits until `until` holds, for up to `within`.
    async fn wait(&mut self, within: Duration, until: impl Fn(&Self) -> bool) -> bool {
        let deadline = Instant::now() + within;
        while !until(self) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        until(self)
    }
}

/// Reads the child's stdout up to its address (the test harness prints
/// first), then keeps draining it.
async fn listening(stdout: tokio::process::ChildStdout) -> SocketAddr {
    let mut lines = BufReader::new(stdout).lines();
    let find = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            // After the harness's `test NAME ... `, on the same line.
            if let Some((_, addr)) = line.split_once(LISTENING) {
                return addr.parse().unwrap();
            }
        }
        panic!("the child exited before listening (is its test name right?)");
    };
    let addr = tokio::time::timeout(Duration::from_secs(30), find).await.expect("the child listens");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    addr
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
    assert_eq!(server.log_count(ACCEPT_FAILED), 1, "logged once per episode:\n{}", server.log.lock().unwrap());
    println!("out of descriptors: {} open fds at the limit of 40", server.fds());
    drop(held);
    assert!(server.healthy_within(Duration::from_secs(10)).await, "serves again once descriptors are free");
    // The episode ends once accepts have kept working for 1 s.
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.log_count(ACCEPTING_AGAIN) == 0 && Instant::now() < deadline {
        assert!(server.healthy_within(Duration::from_secs(2)).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let log = server.log.lock().unwrap().clone();
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
