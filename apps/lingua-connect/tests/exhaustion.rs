//! The built `lingua-connect` binary as a child process, against clients
//! that exhaust what it has: out of file descriptors (an open-file limit
//! of 40 set with `ulimit -n` for the child only), and 500 stalled
//! connections (memory and descriptors come back once the header deadline
//! has closed them), and peers that flood the relay (closed with 1008,
//! memory and descriptors come back).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    net::SocketAddr,
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use lingua_signal_testing::deadline::{HEALTHZ, exchange};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
    process::{Child, Command},
    task::JoinSet,
    time::Instant,
};

/// The app as a child process, its address and its log (stderr).
struct Server {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts the binary with `args` under `ulimit -n nofile`, with
    /// `envs` added.
    async fn start(nofile: u32, args: &[&str], envs: &[(&str, &str)]) -> Self {
        let script = format!("ulimit -n {nofile} && exec \"$0\" \"$@\"");
        let mut child = Command::new("sh")
            .args(["-c", &script, env!("CARGO_BIN_EXE_lingua-connect"), "--addr", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "info")
            .envs(envs.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        tokio::time::timeout(Duration::from_secs(30), stdout.read_line(&mut line)).await.unwrap().unwrap();
        let url = line.trim().rsplit(' ').next().unwrap();
        let addr = url.trim_start_matches("http://").parse().unwrap();
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

const ACCEPT_FAILED: &str = "cannot accept connections";
const ACCEPTING_AGAIN: &str = "accepting connections again";

#[tokio::test]
async fn out_of_file_descriptors_the_server_backs_off_logs_once_and_recovers() {
    let mut server = Server::start(40, &["--header-timeout", "60s"], &[]).await;
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
    assert!(server.alive());
}

#[tokio::test]
async fn stalled_connections_give_back_their_memory_and_descriptors() {
    const STALLED: usize = 500;
    // One malloc arena: memory freed by a round is reused by the next
    // instead of spread over per-thread arenas, so what remains after the
    // first rounds is the allocator's settled size, and growth is a leak.
    let mut server = Server::start(4096, &["--header-timeout", "4s"], &[("MALLOC_ARENA_MAX", "1")]).await;
    for _ in 0..20 {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        exchange(&mut stream, HEALTHZ, "ok").await;
    }
    let (fds_before, rss_before) = (server.fds(), server.rss_kib());
    let mut rounds = Vec::new();
    for _ in 0..3 {
        rounds.push(stall(&mut server, STALLED, fds_before).await);
    }
    println!("{STALLED} stalled connections, 3 rounds: before fds {fds_before}, VmRSS {rss_before} KiB");
    for (fds_peak, rss_peak, fds_after, rss_after) in &rounds {
        println!("  peak fds {fds_peak}, VmRSS {rss_peak} KiB; after fds {fds_after}, VmRSS {rss_after} KiB");
    }
    // Every socket was closed (the descriptors came back each round), so
    // nothing that wraps one was kept. Memory: a leak keeps about what a
    // round's connections took at the peak of the first (~16 KiB each) every
    // round; once the allocator has settled (after a round) a round keeps
    // less than half of that. The debug build's allocator has been seen
    // keeping up to ~30 % in the third round (maps that grew by doubling,
    // fragments), so a quarter failed now and then without any leak.
    let cost = rounds[0].1.saturating_sub(rss_before);
    let growth = rounds[2].3.saturating_sub(rounds[1].3);
    assert!(growth < cost / 2, "VmRSS grows {growth} KiB per round; a round's connections took {cost} KiB");
    assert!(server.healthy_within(Duration::from_secs(5)).await);
    assert!(server.alive());
}

/// Opens `count` connections that send half a request head and stall,
/// waits for the server's 408 on each and for its descriptors to come back
/// to `fds_before`; returns (peak fds, peak VmRSS, fds after, VmRSS after).
async fn stall(server: &mut Server, count: usize, fds_before: usize) -> (usize, u64, usize, u64) {
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

#[tokio::test]
async fn relay_floods_are_closed_and_give_back_their_memory_and_descriptors() {
    const FLOODERS: usize = 100;
    let rate = ["--relay-rate", "20/20"];
    let mut server = Server::start(4096, &rate, &[("MALLOC_ARENA_MAX", "1")]).await;
    let target = lingua_signal_testing::peerjs::Target::new(server.addr, "/peerjs", "peerjs");
    // Warm up: one peer that behaves.
    drop(target.open("warm").await);
    let (fds_before, rss_before) = (server.fds(), server.rss_kib());
    let mut rounds = Vec::new();
    for round in 0..3 {
        let mut floods = JoinSet::new();
        for n in 0..FLOODERS {
            let target = target.clone();
            floods.spawn(async move {
                let id = format!("f{round}-{n}");
                let mut peer = target.open(&id).await;
                // The burst (20), as many refusals, and more: to itself, so
                // the relayed ones and the EXPIREs come back to this socket.
                let offer = serde_json::json!({"type": "OFFER", "dst": id, "payload": "x".repeat(512)});
                for _ in 0..60 {
                    let text = offer.to_string();
                    if peer.try_send(tokio_tungstenite::tungstenite::Message::text(text)).await.is_err() {
                        break;
                    }
                }
                loop {
                    match peer.next_frame().await {
                        lingua_signal_testing::peerjs::Frame::Json(_) => {}
                        lingua_signal_testing::peerjs::Frame::Closed(code) => return code,
                    }
                }
            });
        }
        while let Some(code) = floods.join_next().await {
            assert_eq!(code.unwrap(), Some(1008), "a flooding peer is closed with 1008");
        }
        assert!(server.wait(Duration::from_secs(5), |s| s.fds() <= fds_before).await, "{} fds left", server.fds());
        rounds.push(server.rss_kib());
    }
    println!("{FLOODERS} flooding peers, 3 rounds: before VmRSS {rss_before} KiB, after each {rounds:?} KiB");
    // Nothing of a closed flooder is kept: once the allocator has settled,
    // a round adds less than a quarter of what the first one took.
    let cost = rounds[0].saturating_sub(rss_before).max(1024);
    let growth = rounds[2].saturating_sub(rounds[1]);
    assert!(growth < cost / 4, "VmRSS grows {growth} KiB per round; the first round took {cost} KiB");
    assert!(server.healthy_within(Duration::from_secs(5)).await);
    assert!(server.alive());
    assert!(server.log_count("persistently over its relay limits") >= 3 * FLOODERS, "each close is logged");
}
