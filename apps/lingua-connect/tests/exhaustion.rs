//! The built `lingua-connect` binary as a child process, against PeerJS
//! peers that flood the relay: each is closed with 1008, and memory and
//! descriptors come back. What exhausts the server itself (out of file
//! descriptors, stalled connections) is proven in
//! `lingua-signal-serve/tests/exhaustion.rs` against a tiny service.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    net::SocketAddr,
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use lingua_signal_testing::deadline::HEALTHZ;
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
