//! What a `churn` run measured, as a table or JSON.

use std::{fmt, time::Duration};

use serde::Serialize;

use super::{Tally, trend::RssTrend};
use crate::{
    ChurnArgs, Transport,
    delivery::Delivery,
    fanout::write_delivery,
    probe::Cpu,
    probe::write_cpu,
    stats::{Latency, rate},
};

/// The figures and the verdict of a `churn` run.
#[derive(Debug, Clone, Serialize)]
pub struct ChurnReport {
    /// The websocket endpoint.
    pub url: String,
    /// `socketio` or `ws`.
    pub transport: &'static str,
    /// Concurrent workers (rooms).
    pub workers: u32,
    /// Members per room: one passing, the others staying.
    pub room_size: u32,
    /// Cycles completed (connect, join heard, disconnect heard).
    pub cycles: u64,
    /// Whether no cycle stalled (a join or leave not heard by every staying
    /// member in time stops its worker).
    pub all_completed: bool,
    /// Seconds the cycles took.
    pub secs: f64,
    /// Cycles per second.
    pub cycles_per_sec: f64,
    /// From `join-room` until every staying member heard it.
    pub join_latency: Latency,
    /// A whole cycle: from the connect until every staying member heard the
    /// leave.
    pub cycle_latency: Latency,
    /// `user-connected` and `user-disconnected` deliveries to the staying
    /// members: expected, delivered, lost, duplicated, misaddressed.
    pub delivery: Delivery,
    /// Socket.IO pings the staying members answered.
    pub pongs: u64,
    /// The server's RSS against the cycles, with `--server-pid`.
    pub server_rss: Option<RssTrend>,
    /// Server CPU time per cycle, with `--server-pid`.
    pub server_cpu: Vec<Cpu>,
}

impl ChurnReport {
    pub(super) fn new(
        args: &ChurnArgs,
        url: String,
        secs: Duration,
        tally: Tally,
        cpu: Option<Duration>,
        samples: &[(u64, u64)],
    ) -> Self {
        let transport = match args.transport {
            Transport::Socketio => "socketio",
            Transport::Ws => "ws",
        };
        Self {
            url,
            transport,
            workers: args.workers,
            room_size: args.room_size,
            cycles: tally.cycles,
            all_completed: !tally.stalled,
            secs: secs.as_secs_f64(),
            cycles_per_sec: rate(tally.cycles, secs),
            join_latency: tally.join_latency.summary(),
            cycle_latency: tally.cycle_latency.summary(),
            delivery: tally.delivery,
            pongs: tally.pongs,
            server_rss: RssTrend::new(samples),
            server_cpu: cpu.map(|used| Cpu::new("churn", "cycle", tally.cycles, used)).into_iter().collect(),
        }
    }

    /// Whether every cycle completed and every delivery was exact.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.all_completed && self.delivery.exact()
    }
}

impl fmt::Display for ChurnReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "churn @ {} ({})", self.url, self.transport)?;
        let load = format!("{} workers, rooms of {} (1 passing, the rest staying)", self.workers, self.room_size);
        writeln!(f, "  {:<14}{load}", "load")?;
        writeln!(f, "  {:<14}{:.0}/s ({} in {:.2} s)", "cycles", self.cycles_per_sec, self.cycles, self.secs)?;
        writeln!(f, "  {:<14}{}", "join heard", self.join_latency)?;
        writeln!(f, "  {:<14}{}", "cycle", self.cycle_latency)?;
        let ok = "every staying member heard each cycle's join and leave once, nothing misaddressed";
        write_delivery(f, &self.delivery, ok)?;
        if !self.all_completed {
            writeln!(f, "  {:<14}MISMATCH: a cycle was not heard in time and stopped its worker", "cycles")?;
        }
        if let Some(rss) = &self.server_rss {
            writeln!(f, "  {:<14}{rss}", "server rss")?;
        }
        write_cpu(f, &self.server_cpu)?;
        writeln!(f, "  {:<14}{}", "pings", self.pongs)
    }
}
