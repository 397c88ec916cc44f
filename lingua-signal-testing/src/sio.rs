//! The stock npm `socket.io-client` 4, driven from Rust tests.
//!
//! [`Sio::start`] spawns `node <workspace>/client-js/tools/sio-driver.mjs`,
//! which runs any number of named clients. Commands go to its stdin and
//! reports come back from its stdout, one JSON object per line:
//!
//! - reports: `{"c":"a","type":"connect","id":…}`, `connect_error`
//!   (`message`), `disconnect` (`reason`), `event` (`event`, `args`), `ack`
//!   (`ack`, `args`), `ack_timeout`, `frozen`; and `driver_error`, which
//!   every wait here turns into an error;
//! - each client's reports are kept in arrival order: [`Sio::next`] takes
//!   the oldest, [`Sio::expect`] the oldest that matches (leaving the others
//!   queued), [`Sio::expect_none`] checks that none arrives.
//!
//! Every client connects with `{transports: ["websocket"], reconnection:
//! false, forceNew: true}` plus the options given to [`Sio::connect`].

use std::{
    collections::VecDeque,
    fmt,
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};

use serde_json::{Value as Json, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    process::{Child, ChildStdin, Command},
    sync::mpsc,
};

/// How long the helpers that take no timeout wait for a report.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// A failed expectation or a broken driver; the message says what was
/// expected and what arrived instead.
#[derive(Debug)]
pub struct SioError(String);

impl fmt::Display for SioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SioError {}

/// Result of the driver helpers.
pub type Result<T, E = SioError> = std::result::Result<T, E>;

fn fail<T>(message: impl Into<String>) -> Result<T> {
    Err(SioError(message.into()))
}

/// A running driver and the reports not consumed yet.
#[derive(Debug)]
pub struct Sio {
    child: Child,
    stdin: ChildStdin,
    reports: mpsc::UnboundedReceiver<Json>,
    backlog: VecDeque<Json>,
}

/// The driver script: `client-js/tools/sio-driver.mjs` at the workspace root.
#[must_use]
pub fn driver_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../client-js/tools/sio-driver.mjs")
}

/// The client that `report` is about, if any.
#[must_use]
pub fn client_of(report: &Json) -> Option<&str> {
    report.get("c").and_then(Json::as_str)
}

/// The arguments of `report` when it is the server event `event`.
#[must_use]
pub fn event_args<'a>(report: &'a Json, event: &str) -> Option<&'a [Json]> {
    if report["type"] == "event" && report["event"] == event {
        report["args"].as_array().map(Vec::as_slice)
    } else {
        None
    }
}

impl Sio {
    /// Starts the driver and waits for its `ready` report.
    ///
    /// # Errors
    ///
    /// `node` or the driver (or its `node_modules`) is missing, or the driver
    /// does not report `ready` within [`TIMEOUT`].
    pub async fn start() -> Result<Self> {
        let script = driver_path();
        if !script.exists() {
            return fail(format!("{} not found: the socket.io-client driver is part of client-js", script.display()));
        }
        let mut child = Command::new("node")
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| SioError(format!("cannot run node {}: {e}", script.display())))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return fail("driver pipes missing");
        };
        let (tx, reports) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let report = serde_json::from_str(&line)
                    .unwrap_or_else(|e| json!({"type": "driver_error", "message": format!("not JSON ({e}): {line}")}));
                if tx.send(report).is_err() {
                    break;
                }
            }
        });
        let mut sio = Self { child, stdin, reports, backlog: VecDeque::new() };
        let ready = sio.pull(Instant::now() + Duration::from_secs(10)).await?;
        match ready {
            Some(report) if report["type"] == "ready" => Ok(sio),
            other => fail(format!("driver did not start: {other:?}")),
        }
    }

    async fn send(&mut self, command: Json) -> Result<()> {
        let mut line = command.to_string();
        line.push('\n');
        let written = self.stdin.write_all(line.as_bytes()).await;
        written.map_err(|e| SioError(format!("driver stdin: {e}")))
    }

    /// The next report from the driver, or `None` at `deadline`.
    async fn pull(&mut self, deadline: Instant) -> Result<Option<Json>> {
        let wait = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(wait, self.reports.recv()).await {
            Err(_) => Ok(None),
            Ok(None) => fail(format!("the driver exited: {:?}", self.child.try_wait())),
            Ok(Some(report)) if report["type"] == "driver_error" => fail(format!("driver error: {report}")),
            Ok(Some(report)) => Ok(Some(report)),
        }
    }

    /// Connects client `c` to `url` (`opts` is merged into the client's
    /// options, e.g. `{"path": "/signal/socket.io"}`); does not wait.
    ///
    /// # Errors
    ///
    /// The driver is gone.
    pub async fn connect(&mut self, c: &str, url: &str, opts: Json) -> Result<()> {
        self.send(json!({"cmd": "connect", "c": c, "url": url, "opts": opts})).await
    }

    /// Connects client `c` and waits until it is connected; returns its
    /// socket id.
    ///
    /// # Errors
    ///
    /// The client reports anything else first, or nothing within [`TIMEOUT`].
    pub async fn connected(&mut self, c: &str, url: &str, opts: Json) -> Result<String> {
        self.connect(c, url, opts).await?;
        let report = self.next(c, TIMEOUT).await?;
        match report["id"].as_str() {
            Some(id) if report["type"] == "connect" => Ok(id.to_owned()),
            _ => fail(format!("{c}: expected connect, got {report}")),
        }
    }

    /// Emits `event` with `args` (a JSON array) from client `c`, asking for
    /// an acknowledgement numbered `ack` if given; does not wait.
    ///
    /// # Errors
    ///
    /// The driver is gone.
    pub async fn emit(&mut self, c: &str, event: &str, args: Json, ack: Option<u32>) -> Result<()> {
        let mut command = json!({"cmd": "emit", "c": c, "event": event, "args": args});
        if let Some(ack) = ack {
            command["ack"] = json!(ack);
        }
        self.send(command).await
    }

    /// Emits with acknowledgement `ack` and returns the acknowledgement's
    /// arguments.
    ///
    /// # Errors
    ///
    /// No acknowledgement within [`TIMEOUT`].
    pub async fn request(&mut self, c: &str, event: &str, args: Json, ack: u32) -> Result<Vec<Json>> {
        self.emit(c, event, args, Some(ack)).await?;
        let report = self.expect(c, |r| r["ack"] == ack && r["type"] != "event", TIMEOUT).await?;
        match report["args"].as_array() {
            Some(args) if report["type"] == "ack" => Ok(args.clone()),
            _ => fail(format!("{c}: no acknowledgement {ack}: {report}")),
        }
    }

    /// Closes client `c` cleanly (`socket.disconnect()`); does not wait.
    ///
    /// # Errors
    ///
    /// The driver is gone.
    pub async fn close(&mut self, c: &str) -> Result<()> {
        self.send(json!({"cmd": "close", "c": c})).await
    }

    /// Freezes client `c`'s network: it stops answering pings without
    /// closing its TCP connection. Waits for the driver's `frozen` report.
    ///
    /// # Errors
    ///
    /// The client cannot be frozen (not connected over a websocket).
    pub async fn freeze(&mut self, c: &str) -> Result<()> {
        self.send(json!({"cmd": "freeze", "c": c})).await?;
        self.expect(c, |r| r["type"] == "frozen", TIMEOUT).await.map(drop)
    }

    /// The oldest report about client `c` not consumed yet.
    ///
    /// # Errors
    ///
    /// None arrives within `timeout`.
    pub async fn next(&mut self, c: &str, timeout: Duration) -> Result<Json> {
        self.expect(c, |_| true, timeout).await
    }

    /// The oldest report about client `c` that satisfies `matches`; reports
    /// about `c` that do not match stay queued, in order.
    ///
    /// # Errors
    ///
    /// None arrives within `timeout`; the message lists what did.
    pub async fn expect(&mut self, c: &str, matches: impl Fn(&Json) -> bool, timeout: Duration) -> Result<Json> {
        if let Some(report) = self.find(c, matches, timeout).await? {
            return Ok(report);
        }
        let seen: Vec<_> = self.backlog.iter().filter(|r| client_of(r) == Some(c)).collect();
        fail(format!("{c}: no matching report within {timeout:?}; pending: {seen:?}"))
    }

    async fn find(&mut self, c: &str, matches: impl Fn(&Json) -> bool, timeout: Duration) -> Result<Option<Json>> {
        let found = |r: &Json| client_of(r) == Some(c) && matches(r);
        if let Some(at) = self.backlog.iter().position(found) {
            return Ok(self.backlog.remove(at));
        }
        let deadline = Instant::now() + timeout;
        while let Some(report) = self.pull(deadline).await? {
            if found(&report) {
                return Ok(Some(report));
            }
            self.backlog.push_back(report);
        }
        Ok(None)
    }

    /// The arguments of the oldest `event` that client `c` received.
    ///
    /// # Errors
    ///
    /// None arrives within `timeout`.
    pub async fn expect_event(&mut self, c: &str, event: &str, timeout: Duration) -> Result<Vec<Json>> {
        let report = self.expect(c, |r| event_args(r, event).is_some(), timeout).await?;
        Ok(event_args(&report, event).map(<[Json]>::to_vec).unwrap_or_default())
    }

    /// The next report about `c` must be the server event `event` with
    /// exactly `args`.
    ///
    /// # Errors
    ///
    /// Anything else comes first, or nothing within [`TIMEOUT`].
    pub async fn next_event(&mut self, c: &str, event: &str, args: Json) -> Result<()> {
        let report = self.next(c, TIMEOUT).await?;
        if event_args(&report, event).is_some_and(|a| Json::from(a.to_vec()) == args) {
            Ok(())
        } else {
            fail(format!("{c}: expected {event}{args}, got {report}"))
        }
    }

    /// Checks that no report about client `c` is pending or arrives within
    /// `within`.
    ///
    /// # Errors
    ///
    /// One does; the message shows it.
    pub async fn expect_none(&mut self, c: &str, within: Duration) -> Result<()> {
        match self.find(c, |_| true, within).await? {
            Some(report) => fail(format!("{c}: expected nothing, got {report}")),
            None => Ok(()),
        }
    }

    /// Closes every client and waits for the driver to exit.
    ///
    /// # Errors
    ///
    /// The driver does not exit within [`TIMEOUT`].
    pub async fn exit(mut self) -> Result<()> {
        self.send(json!({"cmd": "exit"})).await?;
        match tokio::time::timeout(TIMEOUT, self.child.wait()).await {
            Ok(Ok(_)) => Ok(()),
            other => fail(format!("driver did not exit: {other:?}")),
        }
    }
}
