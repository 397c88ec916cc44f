//! What a `rooms` run measured, as a table or JSON.

use std::{fmt, time::Duration};

use serde::Serialize;

use super::{Tally, Times};
use crate::{
    RoomsArgs,
    probe::Cpu,
    stats::{Latency, rate},
};

/// The figures and the verdict of a `rooms` run.
#[derive(Debug, Clone, Serialize)]
pub struct RoomsReport {
    /// The URL the clients connected to.
    pub url: String,
    /// Rooms.
    pub rooms: u32,
    /// Members per room.
    pub members: u32,
    /// Members per room that left and rejoined in a loop.
    pub churners_per_room: u32,
    /// Websocket connections opened.
    pub connections: u64,
    /// Seconds to open them all.
    pub connect_secs: f64,
    /// Seconds until every member had joined once.
    pub initial_join_secs: f64,
    /// Seconds the churn lasted.
    pub churn_secs: f64,
    /// Joins, the first ones and the rejoins.
    pub joins: u64,
    /// Leaves.
    pub leaves: u64,
    /// First joins per second (everyone joining at once).
    pub initial_joins_per_sec: f64,
    /// Rejoins per second during the churn.
    pub churn_joins_per_sec: f64,
    /// Round trip from sending `join` to its `joined` reply, every join.
    pub join_latency: Latency,
    /// `user-connected` / `user-disconnected` frames received.
    pub events: u64,
    /// Of them, per second from the first join to the end of the drain.
    pub events_per_sec: f64,
    /// Deliveries the changes made called for.
    pub expected_events: u64,
    /// (observer, member, event) triples seen a wrong number of times, plus
    /// broken ordering guarantees.
    pub mismatches: u64,
    /// The first few, described.
    pub mismatch_examples: Vec<String>,
    /// `joined` replies that arrived after events which happened after the
    /// join, against PROTOCOL.md §2.3 (the counts are still checked exactly:
    /// such events are applied after the reply's `users`).
    pub overtaken_replies: u64,
    /// The events that overtook them.
    pub early_events: u64,
    /// The first few, described.
    pub overtaken_examples: Vec<String>,
    /// Server CPU time in the churn, per join or leave, with `--server-pid`.
    pub server_cpu: Vec<Cpu>,
}

impl RoomsReport {
    pub(super) fn new(
        args: &RoomsArgs,
        url: &str,
        churners: u32,
        times: Times,
        tally: Tally,
        churn_cpu: Option<Duration>,
    ) -> Self {
        let wrong = tally.ledger.mismatches();
        let mut examples: Vec<String> = tally.anomaly_examples;
        examples.extend(wrong.iter().take(10).cloned());
        let connections = u64::from(args.rooms * args.members);
        let churn_ops = tally.joins.saturating_sub(connections) + tally.leaves;
        let server_cpu =
            churn_cpu.map(|used| Cpu::new("churn", "join or leave", churn_ops, used)).into_iter().collect();
        Self {
            url: url.to_owned(),
            rooms: args.rooms,
            members: args.members,
            churners_per_room: churners,
            connections,
            connect_secs: times.connect.as_secs_f64(),
            initial_join_secs: times.join.as_secs_f64(),
            churn_secs: times.churn.as_secs_f64(),
            joins: tally.joins,
            leaves: tally.leaves,
            initial_joins_per_sec: rate(connections, times.join),
            churn_joins_per_sec: rate(tally.joins.saturating_sub(connections), times.churn),
            join_latency: tally.join_latency.summary(),
            events: tally.events,
            events_per_sec: rate(tally.events, times.all),
            expected_events: tally.ledger.expected(),
            mismatches: wrong.len() as u64 + tally.anomalies,
            mismatch_examples: examples,
            overtaken_replies: tally.overtaken_replies,
            early_events: tally.early_events,
            overtaken_examples: tally.overtaken_examples,
            server_cpu,
        }
    }

    /// Whether every member saw each change of the others exactly once, in
    /// an order consistent with the room, and every `joined` reply came
    /// before the events that happened after the join.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.mismatches == 0 && self.overtaken_replies == 0
    }
}

impl fmt::Display for RoomsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "rooms @ {}", self.url)?;
        let size =
            format!("{} rooms x {} members, {} churning per room", self.rooms, self.members, self.churners_per_room);
        writeln!(f, "  {:<14}{size}", "load")?;
        writeln!(f, "  {:<14}{} in {:.2} s", "connections", self.connections, self.connect_secs)?;
        let first =
            format!("{:.0}/s ({} in {:.2} s)", self.initial_joins_per_sec, self.connections, self.initial_join_secs);
        writeln!(f, "  {:<14}{first}", "first joins")?;
        let churn = format!(
            "{:.0} joins/s ({} joins, {} leaves in {:.2} s)",
            self.churn_joins_per_sec,
            self.joins - self.connections,
            self.leaves,
            self.churn_secs
        );
        writeln!(f, "  {:<14}{churn}", "churn")?;
        writeln!(f, "  {:<14}{}", "join latency", self.join_latency)?;
        crate::probe::write_cpu(f, &self.server_cpu)?;
        writeln!(
            f,
            "  {:<14}{:.0}/s ({} delivered, {} expected)",
            "events", self.events_per_sec, self.events, self.expected_events
        )?;
        if self.mismatches == 0 {
            writeln!(f, "  {:<14}OK: every change seen exactly once by every member present", "check")?;
        } else {
            writeln!(f, "  {:<14}MISMATCH: {} wrong counts or broken guarantees", "check", self.mismatches)?;
            self.mismatch_examples.iter().try_for_each(|e| writeln!(f, "    {e}"))?;
        }
        if self.overtaken_replies == 0 {
            writeln!(f, "  {:<14}OK: no joined reply overtaken by a later event", "order")
        } else {
            let what = format!(
                "MISMATCH: {} joined replies came after {} events that happened after the join (PROTOCOL.md 2.3)",
                self.overtaken_replies, self.early_events
            );
            writeln!(f, "  {:<14}{what}", "order")?;
            self.overtaken_examples.iter().try_for_each(|e| writeln!(f, "    {e}"))
        }
    }
}
