//! The `rooms` scenario: rooms × members raw-websocket clients join their
//! room, a fraction of each room leaves and rejoins in a loop, and every
//! `user-connected` / `user-disconnected` is checked against the changes
//! made ([`ledger`]).

pub mod ledger;
mod member;
mod report;

use std::time::Duration;

use tokio::{
    sync::{mpsc, watch},
    task::JoinSet,
    time::Instant,
};

use lingua_signal_testing::wire::rooms::versioned;

use self::member::{Member, Phase, Tally};
pub use self::report::RoomsReport;
use crate::{
    Error, RoomsArgs, phase,
    probe::{Meter, Probe},
    ws,
};

/// Runs the scenario against the server at `args.url`.
///
/// # Errors
///
/// [`Error::Connect`] when a client cannot connect; the other variants when
/// the server breaks a connection, refuses a join or stops answering. Wrong
/// event counts are not an error: see [`RoomsReport::passed`].
pub async fn run(args: &RoomsArgs) -> Result<RoomsReport, Error> {
    let probe = Probe::maybe(args.server_pid)?;
    let url = versioned(&args.url);
    let tag = format!("lg-{:08x}", crate::random_u64() as u32);
    let total = (args.rooms * args.members) as usize;
    let churners = (f64::from(args.members) * args.churn).round() as u32;
    let connecting = Instant::now();
    let streams = ws::connect_all(vec![url.clone(); total], args.connect_concurrency as usize)
        .await
        .map_err(crate::wsrooms::hint)?;
    let connect_time = connecting.elapsed();
    tracing::info!(connections = total, ?connect_time, "connected");

    let (phase_tx, phase_rx) = watch::channel(Phase::Join);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let mut members = JoinSet::new();
    for (i, ws) in streams.into_iter().enumerate() {
        let (room, index) = (i as u32 / args.members, i as u32 % args.members);
        let member = Member::new(room, index, format!("{tag}-{room}"), ws);
        let churner = index >= args.members - churners;
        members.spawn(member.run(churner, args.pause, phase_rx.clone(), done_tx.clone()));
    }
    drop(done_tx);

    let joining = Instant::now();
    phase::all_done(&mut done_rx, &mut members, total).await?;
    let join_time = joining.elapsed();
    let churning = Instant::now();
    let meter = Meter::start(probe)?;
    let _ = phase_tx.send(Phase::Churn { until: churning + args.duration });
    phase::all_done(&mut done_rx, &mut members, total).await?;
    let churn_time = churning.elapsed();
    let churn_cpu = meter.used()?;
    let _ = phase_tx.send(Phase::Drain);
    let mut finished = phase::collect(members).await?;
    let times = Times { connect: connect_time, join: join_time, churn: churn_time, all: joining.elapsed() };
    let tally = merge(&mut finished);
    futures::future::join_all(finished.into_iter().map(|m| ws::close(m.ws))).await;
    Ok(RoomsReport::new(args, &url, churners, times, tally, churn_cpu))
}

/// How long each phase took.
#[derive(Debug, Clone, Copy)]
struct Times {
    connect: Duration,
    join: Duration,
    churn: Duration,
    /// From the first join to the end of the drain.
    all: Duration,
}

fn merge(members: &mut [Member]) -> Tally {
    let mut all = Tally::default();
    for member in members {
        let tally = std::mem::take(&mut member.tally);
        all.ledger.merge(tally.ledger);
        all.join_latency.merge(tally.join_latency);
        all.events += tally.events;
        all.joins += tally.joins;
        all.leaves += tally.leaves;
        all.anomalies += tally.anomalies;
        take_some(&mut all.anomaly_examples, tally.anomaly_examples);
        all.overtaken_replies += tally.overtaken_replies;
        all.early_events += tally.early_events;
        take_some(&mut all.overtaken_examples, tally.overtaken_examples);
    }
    all
}

/// Keeps the first ten examples.
fn take_some(kept: &mut Vec<String>, more: Vec<String>) {
    let room = 10usize.saturating_sub(kept.len());
    kept.extend(more.into_iter().take(room));
}
