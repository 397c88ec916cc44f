//! One worker of `churn`: its room's staying members (a [`Crowd`]) and the
//! cycles of its passing member, one after another: connect, join, until
//! every staying member heard the join; disconnect, until every staying
//! member heard the leave.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::{sync::mpsc, time::Instant};

use super::ledger::{Kind, RoomLedger};
use crate::{Error, Transport, conn::Conn, crowd::Crowd, delivery::Delivery, stats::Samples, ws::WAIT};

/// Where the workers connect and when they stop.
#[derive(Debug)]
pub(super) struct Plan {
    pub transport: Transport,
    pub endpoint: String,
    pub until: Instant,
    /// Most cycles in all.
    pub cycles: Option<u64>,
    /// Cycles claimed so far by all workers.
    pub claimed: AtomicU64,
    /// Cycles finished so far by all workers (sampled with the RSS).
    pub done: AtomicU64,
}

/// What a worker measured.
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub cycles: u64,
    /// A cycle not fully heard within [`WAIT`] stopped the worker.
    pub stalled: bool,
    pub join_latency: Samples,
    pub cycle_latency: Samples,
    pub delivery: Delivery,
    pub pongs: u64,
}

/// One worker and its room.
#[derive(Debug)]
pub(super) struct Worker {
    crowd: Crowd,
    staying: u32,
    ledger: RoomLedger,
}

impl Worker {
    /// Starts the staying members' tasks and sends their joins, all at once.
    pub(super) fn new(room: &str, members: Vec<Conn>) -> Result<Self, Error> {
        let staying = members.len() as u32;
        let worker = Self { crowd: Crowd::spawn(members), staying, ledger: RoomLedger::new(room) };
        for j in 0..staying {
            worker.crowd.join(j, room.to_owned(), worker.ledger.staying(j), None)?;
        }
        Ok(worker)
    }

    /// Until the staying members heard each other's joins (one of each
    /// two hears the other), [`WAIT`] at most.
    pub(super) async fn settle(&mut self) -> Result<(), Error> {
        let pairs = u64::from(self.staying) * u64::from(self.staying.saturating_sub(1)) / 2;
        let deadline = Instant::now() + WAIT;
        for _ in 0..pairs {
            let Some(heard) = self.crowd.next(deadline).await? else { break };
            self.ledger.record(heard.observer, &heard.packet);
        }
        Ok(())
    }

    /// Cycles until the plan says stop, and reports the end of its cycles
    /// on `done` (also when one failed); then reads what is still coming
    /// and closes the staying members.
    pub(super) async fn run(mut self, plan: Arc<Plan>, done: mpsc::UnboundedSender<()>) -> Result<Tally, Error> {
        let mut tally = Tally::default();
        let cycled = self.cycles(&plan, &mut tally).await;
        let _ = done.send(());
        cycled?;
        self.drain().await?;
        tally.delivery = self.ledger.verdict(self.staying, tally.cycles);
        tally.pongs = self.crowd.close().await?;
        Ok(tally)
    }

    async fn cycles(&mut self, plan: &Plan, tally: &mut Tally) -> Result<(), Error> {
        while Instant::now() < plan.until && claim(plan) {
            let heard = self.cycle(plan, tally.cycles, tally).await?;
            tally.cycles += 1;
            if !heard {
                tally.stalled = true;
                break;
            }
            plan.done.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Cycle `n`; whether it was heard in time.
    async fn cycle(&mut self, plan: &Plan, n: u64, tally: &mut Tally) -> Result<bool, Error> {
        let start = Instant::now();
        let who = format!("{} passing {n}", self.ledger.room());
        let mut passing = Conn::connect(plan.transport, &plan.endpoint, who).await?;
        let joining = Instant::now();
        passing.join(self.ledger.room(), &self.ledger.passing(n), None).await?;
        if !self.heard_by_all(n, Kind::Connected).await? {
            passing.close().await;
            return Ok(false);
        }
        tally.join_latency.record(joining.elapsed());
        // Nothing is for the passing member: the others were there first.
        while let Some(packet) = passing.next(Instant::now()).await? {
            self.ledger.stray(format!("{} passing member {n} got {packet:?}", self.ledger.room()));
        }
        passing.close().await;
        if !self.heard_by_all(n, Kind::Disconnected).await? {
            return Ok(false);
        }
        tally.cycle_latency.record(start.elapsed());
        Ok(true)
    }

    /// Until every staying member heard `kind` of cycle `n`; false after
    /// [`WAIT`].
    async fn heard_by_all(&mut self, n: u64, kind: Kind) -> Result<bool, Error> {
        let deadline = Instant::now() + WAIT;
        let mut awaited = self.staying;
        while awaited > 0 {
            let Some(heard) = self.crowd.next(deadline).await? else {
                tracing::warn!(room = self.ledger.room(), cycle = n, ?kind, missing = awaited, "not heard in time");
                return Ok(false);
            };
            if self.ledger.record(heard.observer, &heard.packet) == Some((n, kind)) {
                awaited -= 1;
            }
        }
        Ok(true)
    }

    /// Reads what is still coming (duplicates, strays) until 200 ms pass
    /// quietly, 2 s at most.
    async fn drain(&mut self) -> Result<(), Error> {
        let end = Instant::now() + Duration::from_secs(2);
        while let Some(heard) = self.crowd.next((Instant::now() + Duration::from_millis(200)).min(end)).await? {
            self.ledger.record(heard.observer, &heard.packet);
        }
        Ok(())
    }
}

/// Claims one more cycle, unless `--cycles` are all claimed.
fn claim(plan: &Plan) -> bool {
    let n = plan.claimed.fetch_add(1, Ordering::Relaxed);
    plan.cycles.is_none_or(|max| n < max)
}
