//! `peer-hold`: registered PeerJS peers held open, each sending HEARTBEAT
//! every 5 s as the stock client does; none of them may hear anything but
//! its OPEN.

use std::time::Duration;

use lingua_signal_testing::wire::{peerjs, socket};
use tokio::{
    sync::{mpsc, watch},
    task::JoinSet,
    time::Instant,
};

use super::HoldReport;
use crate::{
    Error, PeerHoldArgs, phase,
    probe::{Meter, Probe, Rss},
    ws::{self, Stream, WAIT},
};

/// How often a peer says it is alive.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// Runs `peer-hold` against the PeerJS server at `args.url`.
///
/// # Errors
///
/// [`Error::Connect`] when a peer cannot connect or register;
/// [`Error::Probe`] when `--server-pid` cannot be read; the other variants
/// when the server breaks a connection. Unexpected frames are not an error:
/// see [`HoldReport::passed`].
pub async fn run(args: &PeerHoldArgs) -> Result<HoldReport, Error> {
    let probe = Probe::maybe(args.server_pid)?;
    let rss_before = probe.map(|p| p.rss_kib()).transpose()?;
    let n = args.connections;
    let mut report = HoldReport::new("peer-hold", &args.url, n);
    let tag = format!("{:08x}", crate::random_u64() as u32);
    let urls: Vec<String> = (0..n)
        .map(|i| peerjs::url(&args.url, &args.key, &format!("lg-h{tag}-{i}"), &format!("{:016x}", crate::random_u64())))
        .collect();
    let meter = Meter::start(probe)?;
    let connecting = Instant::now();
    let streams = ws::connect_all_lean(urls, args.connect_concurrency as usize).await?;
    let (stop_tx, stop) = watch::channel(false);
    let (done_tx, mut done) = mpsc::unbounded_channel();
    let mut peers = JoinSet::new();
    for (i, ws) in (0..n).zip(streams) {
        let peer = Peer { who: format!("peer {i}"), ws, heartbeats: 0, unexpected: Vec::new() };
        peers.spawn(peer.hold(args.url.clone(), stop.clone(), done_tx.clone()));
    }
    drop(done_tx);
    phase::all_done(&mut done, &mut peers, n as usize).await?;
    report.connect_secs = connecting.elapsed().as_secs_f64();
    meter.stop("connect", "registered peer", u64::from(n), &mut report.server_cpu)?;

    let meter = Meter::start(probe)?;
    let holding = Instant::now();
    tokio::time::sleep(args.hold).await;
    report.held_secs = holding.elapsed().as_secs_f64();
    if let (Some(probe), Some(before)) = (probe, rss_before) {
        report.server_rss = Some(Rss::new(before, probe.rss_kib()?, u64::from(n)));
    }
    meter.stop("hold", "connection", u64::from(n), &mut report.server_cpu)?;
    let _ = stop_tx.send(true);
    let finished = phase::collect(peers).await?;
    for peer in &finished {
        report.heartbeats += peer.heartbeats;
        report.unexpected += peer.unexpected.len() as u64;
        let room = 10usize.saturating_sub(report.unexpected_examples.len());
        report.unexpected_examples.extend(peer.unexpected.iter().take(room).cloned());
    }
    futures::future::join_all(finished.into_iter().map(|p| ws::close(p.ws))).await;
    Ok(report)
}

/// One held peer.
#[derive(Debug)]
struct Peer {
    who: String,
    ws: Stream,
    heartbeats: u64,
    /// Frames received after OPEN, described.
    unexpected: Vec<String>,
}

impl Peer {
    /// Waits for OPEN, reports it on `done`, then heartbeats until `stop`.
    async fn hold(
        mut self,
        url: String,
        mut stop: watch::Receiver<bool>,
        done: mpsc::UnboundedSender<()>,
    ) -> Result<Self, Error> {
        self.await_open(&url).await?;
        let _ = done.send(());
        let mut heartbeat = tokio::time::interval_at(Instant::now() + HEARTBEAT, HEARTBEAT);
        let idle = || Instant::now() + Duration::from_secs(3600);
        loop {
            tokio::select! {
                // The one change there is: to `true`.
                _ = stop.changed() => return Ok(self),
                _ = heartbeat.tick() => {
                    let beat = socket::send_text(&mut self.ws, peerjs::HEARTBEAT).await;
                    beat.map_err(|e| Error::wire(&self.who, e))?;
                    self.heartbeats += 1;
                }
                text = ws::next_text(&mut self.ws, &self.who, idle()) => {
                    if let Some(text) = text? {
                        tracing::debug!(peer = %self.who, "unexpected {text}");
                        self.unexpected.push(format!("{}: {}", self.who, text.as_str()));
                    }
                }
            }
        }
    }

    async fn await_open(&mut self, url: &str) -> Result<(), Error> {
        let Some(text) = ws::next_text(&mut self.ws, &self.who, Instant::now() + WAIT).await? else {
            return Err(Error::Timeout { what: format!("{}: OPEN", self.who), wait: WAIT });
        };
        peerjs::expect_open(&text).map_err(|_| Error::Connect {
            url: url.to_owned(),
            reason: format!("{} was not registered: {text}", self.who),
        })
    }
}
