//! What a `fanout` run measured, as a table or JSON.

use std::fmt;

use serde::Serialize;

use super::Times;
use crate::{
    FanoutArgs,
    delivery::Delivery,
    probe::{Cpu, write_cpu},
    stats::{Latency, Samples, rate},
};

/// The figures and the verdict of a `fanout` run.
#[derive(Debug, Clone, Serialize)]
pub struct FanoutReport {
    /// The Engine.IO websocket URL.
    pub url: String,
    /// Socket.IO clients.
    pub clients: u32,
    /// Members per room.
    pub room_size: u32,
    /// Whether joins asked for acknowledgements.
    pub acks: bool,
    /// Seconds to connect them all (websocket handshake and CONNECT).
    pub connect_secs: f64,
    /// Joins made.
    pub joins: u64,
    /// Whether every client joined (a join not heard in time stops them).
    pub all_joined: bool,
    /// Seconds the joins took, one after another (without the pause after
    /// each room's first join).
    pub join_secs: f64,
    /// Joins per second.
    pub joins_per_sec: f64,
    /// From sending `join-room` until every member already in the room had
    /// received the joiner's `user-connected` (and the ack, with acks); joins
    /// with nobody to hear them have no sample.
    pub join_latency: Latency,
    /// `user-connected` deliveries: expected, delivered, lost, duplicated,
    /// misaddressed.
    pub delivery: Delivery,
    /// Engine.IO pings the clients answered.
    pub pongs: u64,
    /// Server CPU time per phase, with `--server-pid`.
    pub server_cpu: Vec<Cpu>,
}

impl FanoutReport {
    #[allow(clippy::too_many_arguments)] // One call site, each argument a distinct part.
    pub(super) fn new(
        args: &FanoutArgs,
        url: String,
        times: Times,
        all_joined: bool,
        latency: Samples,
        delivery: Delivery,
        pongs: u64,
        server_cpu: Vec<Cpu>,
    ) -> Self {
        let joins = times.joins;
        Self {
            url,
            clients: args.clients,
            room_size: args.room_size,
            acks: args.acks,
            connect_secs: times.connect.as_secs_f64(),
            joins,
            all_joined,
            join_secs: times.join.as_secs_f64(),
            joins_per_sec: rate(joins, times.join),
            join_latency: latency.summary(),
            delivery,
            pongs,
            server_cpu,
        }
    }

    /// Whether every client joined and every delivery was exact.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.all_joined && self.delivery.exact()
    }
}

impl fmt::Display for FanoutReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "fanout @ {}", self.url)?;
        let acks = if self.acks { ", with acks" } else { "" };
        writeln!(f, "  {:<14}{} clients, rooms of {}{acks}", "load", self.clients, self.room_size)?;
        writeln!(f, "  {:<14}{} in {:.2} s", "connections", self.clients, self.connect_secs)?;
        let joins =
            format!("{:.0}/s ({} in {:.2} s, one after another)", self.joins_per_sec, self.joins, self.join_secs);
        writeln!(f, "  {:<14}{joins}", "joins")?;
        writeln!(f, "  {:<14}{}", "heard by all", self.join_latency)?;
        write_delivery(f, &self.delivery, "every member heard each later joiner once, nothing misaddressed")?;
        if !self.all_joined {
            writeln!(f, "  {:<14}MISMATCH: the joins stopped at a join not heard in time", "joins")?;
        }
        write_cpu(f, &self.server_cpu)?;
        writeln!(f, "  {:<14}{}", "pings", self.pongs)
    }
}

/// The delivery lines of a report.
pub(crate) fn write_delivery(f: &mut fmt::Formatter<'_>, d: &Delivery, ok: &str) -> fmt::Result {
    let counts = format!("{} delivered, {} expected", d.delivered, d.expected);
    writeln!(f, "  {:<14}{counts} (user-connected)", "delivered")?;
    if d.exact() {
        return writeln!(f, "  {:<14}OK: {ok}", "check");
    }
    let what = format!("MISMATCH: {} lost, {} duplicated, {} misaddressed", d.lost, d.duplicated, d.misaddressed);
    writeln!(f, "  {:<14}{what}", "check")?;
    d.examples.iter().try_for_each(|e| writeln!(f, "    {e}"))
}
