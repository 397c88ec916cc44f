//! A server under test in a child process of its own, so that a limit set
//! with `ulimit -n` applies to it alone and `/proc` shows its descriptors
//! and memory alone: started, found listening, its stderr kept as its log.

use std::{
    ffi::OsStr,
    net::SocketAddr,
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
    process::{Child, Command},
    time::Instant,
};

use crate::deadline::HEALTHZ;

/// A child process serving on [`Watched::addr`].
#[derive(Debug)]
pub struct Watched {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Watched {
    /// Runs `program` with `args` under `ulimit -n nofile`, with `envs`
    /// added, and reads its stdout until `listening` finds the address in a
    /// line (within 30 s); the rest of stdout is drained, stderr is kept.
    pub async fn start(
        program: impl AsRef<OsStr>,
        args: &[&str],
        nofile: u32,
        envs: &[(&str, &str)],
        listening: impl Fn(&str) -> Option<SocketAddr>,
    ) -> Self {
        let script = format!("ulimit -n {nofile} && exec \"$0\" \"$@\"");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(program)
            .args(args)
            .envs(envs.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the server process");
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let find = async {
            while let Some(line) = lines.next_line().await.expect("read the server's stdout") {
                if let Some(addr) = listening(&line) {
                    return addr;
                }
            }
            panic!("the server exited before it listened");
        };
        let addr = tokio::time::timeout(Duration::from_secs(30), find).await.expect("the server listens");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = BufReader::new(child.stderr.take().expect("piped stderr")).lines();
        let sink = Arc::clone(&log);
        tokio::spawn(async move {
            while let Ok(Some(line)) = stderr.next_line().await {
                sink.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        Self { child, addr, log }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("the server is running")
    }

    /// How many times `text` appears in its log so far.
    pub fn log_count(&self, text: &str) -> usize {
        self.log.lock().unwrap().matches(text).count()
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Whether it has not exited.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().expect("the server's status").is_none()
    }

    /// Open file descriptors, from `/proc/PID/fd`.
    pub fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid())).expect("/proc/PID/fd").count()
    }

    /// Resident memory in KiB, `VmRSS` of `/proc/PID/status`.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("/proc/PID/status");
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("a VmRSS line");
        line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()).expect("VmRSS in KiB")
    }

    /// `GET /healthz` until it answers `200`, for up to `within`.
    pub async fn healthy_within(&self, within: Duration) -> bool {
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
    pub async fn wait(&mut self, within: Duration, until: impl Fn(&Self) -> bool) -> bool {
        let deadline = Instant::now() + within;
        while !until(self) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        until(self)
    }
}
