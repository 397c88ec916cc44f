//! The `churn` scenario: `--workers` concurrent workers each repeat a
//! cycle — connect, join its room, wait until the room's staying members
//! heard the join, disconnect, wait until they heard the leave — for
//! `--duration` (or `--cycles` in all). Each room holds `--room-size - 1`
//! staying members, connected and joined before the cycles start: they
//! are how a cycle knows the server handled its join and its disconnect
//! (the Node original acknowledges nothing), and every event they hear is
//! checked ([`ledger`]). With `--server-pid`: the server's CPU time per
//! cycle, and its RSS sampled through the run ([`trend`]), so that a leak
//! shows as a slope.

mod ledger;
mod report;
pub mod trend;
mod worker;

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use tokio::{
    sync::{mpsc, watch},
    task::JoinSet,
    time::Instant,
};

pub use self::report::ChurnReport;
use self::worker::{Plan, Tally, Worker};
use crate::{
    ChurnArgs, Error,
    conn::{self, Conn},
    probe::{Meter, Probe},
};

/// How often the server's RSS is sampled.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// Runs the scenario against the server at `args.url`.
///
/// # Errors
///
/// [`Error::Connect`] when a client cannot connect; [`Error::Probe`] when
/// `--server-pid` cannot be read; the other variants when the server breaks
/// a connection or refuses a join. Lost or extra events are not an error:
/// see [`ChurnReport::passed`].
pub async fn run(args: &ChurnArgs) -> Result<ChurnReport, Error> {
    let probe = Probe::maybe(args.server_pid)?;
    let endpoint = conn::endpoint(args.transport, &args.url);
    let tag = format!("lg-{:08x}", crate::random_u64() as u32);
    let staying = args.room_size - 1;
    let whos = (0..args.workers * staying).map(|i| format!("staying member {i}")).collect();
    let concurrency = args.connect_concurrency as usize;
    let members = conn::connect_spread(args.transport, std::slice::from_ref(&endpoint), whos, concurrency).await?;
    let mut members = members.into_iter();
    let mut workers = Vec::new();
    for w in 0..args.workers {
        let room: Vec<Conn> = members.by_ref().take(staying as usize).collect();
        workers.push(Worker::new(&format!("{tag}-w{w}"), room)?);
    }
    for worker in &mut workers {
        worker.settle().await?;
    }
    // A lone staying member's join has nobody to confirm it (no acks from
    // the Node original): give the server time to handle every one.
    tokio::time::sleep(Duration::from_millis(100 + u64::from(args.workers))).await;

    let started = Instant::now();
    let plan = Arc::new(Plan {
        transport: args.transport,
        endpoint: endpoint.clone(),
        until: started + args.duration,
        cycles: args.cycles,
        claimed: 0.into(),
        done: 0.into(),
    });
    let meter = Meter::start(probe)?;
    let (stop, stopped) = watch::channel(false);
    let sampler = tokio::spawn(sample(probe, Arc::clone(&plan), stopped));
    let (done_tx, mut done) = mpsc::unbounded_channel();
    let mut tasks = JoinSet::new();
    for worker in workers {
        tasks.spawn(worker.run(Arc::clone(&plan), done_tx.clone()));
    }
    drop(done_tx);
    // Measured until the last worker's last cycle, not its drain and close.
    // Every worker reports once, also after an error (which `collect`
    // returns), or panics and drops its sender: this ends.
    for _ in 0..args.workers {
        if done.recv().await.is_none() {
            break;
        }
    }
    let secs = started.elapsed();
    let cpu = meter.used()?;
    let _ = stop.send(true);
    let samples = sampler.await.map_err(|e| Error::Internal(format!("the RSS sampler failed: {e}")))??;
    let tallies = crate::phase::collect(tasks).await?;
    Ok(ChurnReport::new(args, endpoint, secs, merge(tallies), cpu, &samples))
}

/// `(cycles done, VmRSS KiB)` every [`SAMPLE_EVERY`] until `stopped`, with
/// a first and a last sample; none without a probe.
async fn sample(
    probe: Option<Probe>,
    plan: Arc<Plan>,
    mut stopped: watch::Receiver<bool>,
) -> Result<Vec<(u64, u64)>, Error> {
    let Some(probe) = probe else { return Ok(Vec::new()) };
    let mut samples = Vec::new();
    loop {
        samples.push((plan.done.load(Ordering::Relaxed), probe.rss_kib()?));
        // Bounded: the run ends at --duration, plus a stalled cycle's WAIT.
        tokio::select! {
            _ = stopped.wait_for(|&s| s) => break,
            () = tokio::time::sleep(SAMPLE_EVERY) => {}
        }
    }
    samples.push((plan.done.load(Ordering::Relaxed), probe.rss_kib()?));
    Ok(samples)
}

fn merge(tallies: Vec<Tally>) -> Tally {
    let mut all = Tally::default();
    for tally in tallies {
        all.cycles += tally.cycles - u64::from(tally.stalled);
        all.stalled |= tally.stalled;
        all.join_latency.merge(tally.join_latency);
        all.cycle_latency.merge(tally.cycle_latency);
        ledger::merge(&mut all.delivery, tally.delivery);
        all.pongs += tally.pongs;
    }
    all
}
