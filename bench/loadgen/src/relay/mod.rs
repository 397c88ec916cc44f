//! The `relay` scenario: `pairs` PeerJS peer pairs; each sender `lg-a-N`
//! keeps a window of OFFERs in flight to its echoer `lg-b-N`, which answers
//! each one. Every OFFER must arrive once, in order, with `src` overwritten
//! by the server to the sender's id (the sender forges it), and every
//! ANSWER must come back.

mod peer;
mod report;

use std::sync::Arc;

use lingua_signal_testing::wire::peerjs;
use serde_json::value::RawValue;
use tokio::{
    sync::{mpsc, watch},
    task::JoinSet,
    time::Instant,
};

use self::peer::{Peer, Phase};
pub use self::report::RelayReport;
use crate::{
    Error, RelayArgs, phase,
    probe::{Meter, Probe},
    ws,
};

/// Runs the scenario against the PeerJS server at `args.url`.
///
/// # Errors
///
/// [`Error::Connect`] when a peer cannot connect or register; the other
/// variants when the server breaks a connection, sends an ERROR or stops
/// relaying. Lost or misrouted messages are not an error: see
/// [`RelayReport::passed`].
pub async fn run(args: &RelayArgs) -> Result<RelayReport, Error> {
    let probe = Probe::maybe(args.server_pid)?;
    let roles: Vec<(u32, bool)> = (0..args.pairs).flat_map(|n| [(n, true), (n, false)]).collect();
    let urls: Vec<String> = roles
        .iter()
        .map(|&(n, sender)| {
            let token = format!("{:016x}", crate::random_u64());
            peerjs::url(&args.url, &args.key, &peer_id(n, sender), &token)
        })
        .collect();
    let streams = ws::connect_all(urls, args.connect_concurrency as usize).await?;
    let (phase_tx, phase_rx) = watch::channel(Phase::Open);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let filler: Arc<RawValue> = filler(args.payload)?.into();
    let mut peers = JoinSet::new();
    for (&(n, sender), ws) in roles.iter().zip(streams) {
        let peer = Peer::new(n, peer_id(n, sender), peer_id(n, !sender), ws, args.payload);
        let life = Life { url: args.url.clone(), window: args.window as usize, filler: filler.clone() };
        peers.spawn(life.run(peer, sender, phase_rx.clone(), done_tx.clone()));
    }
    drop(done_tx);
    phase::all_done(&mut done_rx, &mut peers, roles.len()).await?;
    let started = Instant::now();
    let meter = Meter::start(probe)?;
    let _ = phase_tx.send(Phase::Send { until: started + args.duration });
    phase::all_done(&mut done_rx, &mut peers, args.pairs as usize).await?;
    let took = started.elapsed();
    let cpu = meter.used()?;
    let _ = phase_tx.send(Phase::Stop);
    let mut finished = phase::collect(peers).await?;
    let tallies: Vec<peer::Tally> = finished.iter_mut().map(|p| std::mem::take(&mut p.tally)).collect();
    futures::future::join_all(finished.into_iter().map(|p| ws::close(p.ws))).await;
    Ok(RelayReport::new(args, took, tallies, cpu))
}

/// What every peer task shares.
struct Life {
    url: String,
    window: usize,
    filler: Arc<RawValue>,
}

impl Life {
    async fn run(
        self,
        mut peer: Peer,
        sender: bool,
        mut phase: watch::Receiver<Phase>,
        done: mpsc::UnboundedSender<()>,
    ) -> Result<Peer, Error> {
        peer.open(&self.url, &done).await?;
        if sender {
            let until = match peer.idle_until(&mut phase, |p| matches!(p, Phase::Send { .. })).await? {
                Phase::Send { until } => until,
                _ => Instant::now(),
            };
            peer.send(until, self.window, &self.filler).await?;
            let _ = done.send(());
            peer.idle_until(&mut phase, |p| *p == Phase::Stop).await?;
        } else {
            // Straight to echoing: the first OFFER may come before this task
            // sees the send phase begin.
            peer.echo(&mut phase).await?;
        }
        Ok(peer)
    }
}

/// `lg-a-N` (sender) or `lg-b-N` (echoer).
fn peer_id(pair: u32, sender: bool) -> String {
    format!("lg-{}-{pair}", if sender { 'a' } else { 'b' })
}

/// `len` bytes of letters, as a JSON string.
fn filler(len: usize) -> Result<Box<RawValue>, Error> {
    let letters: String = (b'a'..=b'z').cycle().take(len).map(char::from).collect();
    RawValue::from_string(format!("\"{letters}\"")).map_err(|e| Error::Internal(e.to_string()))
}
