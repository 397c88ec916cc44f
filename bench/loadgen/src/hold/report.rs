//! What a `hold` or `peer-hold` run measured, as a table or JSON.

use std::fmt;

use serde::Serialize;

use crate::{
    delivery::Delivery,
    fanout::write_delivery,
    probe::write_cpu,
    probe::{Cpu, Rss},
};

/// The figures and the verdict of a `hold` or `peer-hold` run.
#[derive(Debug, Clone, Serialize)]
pub struct HoldReport {
    /// `hold` or `peer-hold`.
    pub kind: &'static str,
    /// The websocket URL.
    pub url: String,
    /// Connections held.
    pub connections: u32,
    /// Members per room (`hold`).
    pub room_size: Option<u32>,
    /// Seconds to open them all (`hold`: websocket and CONNECT; `peer-hold`:
    /// until every peer had its OPEN).
    pub connect_secs: f64,
    /// Seconds from the first `join-room` until every join was heard
    /// (`hold`).
    pub join_secs: f64,
    /// Seconds they were held after that.
    pub held_secs: f64,
    /// `user-connected` deliveries of the concurrent joins (`hold`).
    pub delivery: Option<Delivery>,
    /// HEARTBEATs sent (`peer-hold`).
    pub heartbeats: u64,
    /// Frames a held peer should not have received (`peer-hold`).
    pub unexpected: u64,
    /// The first few, described.
    pub unexpected_examples: Vec<String>,
    /// Engine.IO pings answered (`hold`).
    pub pongs: u64,
    /// The server's resident memory, with `--server-pid`.
    pub server_rss: Option<Rss>,
    /// Server CPU time per phase, with `--server-pid`.
    pub server_cpu: Vec<Cpu>,
}

impl HoldReport {
    pub(super) fn new(kind: &'static str, url: &str, connections: u32) -> Self {
        Self {
            kind,
            url: url.to_owned(),
            connections,
            room_size: None,
            connect_secs: 0.0,
            join_secs: 0.0,
            held_secs: 0.0,
            delivery: None,
            heartbeats: 0,
            unexpected: 0,
            unexpected_examples: Vec::new(),
            pongs: 0,
            server_rss: None,
            server_cpu: Vec::new(),
        }
    }

    /// Whether the joins were delivered exactly (`hold`) and no peer heard
    /// anything (`peer-hold`).
    #[must_use]
    pub fn passed(&self) -> bool {
        self.delivery.as_ref().is_none_or(Delivery::exact) && self.unexpected == 0
    }
}

impl fmt::Display for HoldReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} @ {}", self.kind, self.url)?;
        writeln!(f, "  {:<14}{} in {:.2} s", "connections", self.connections, self.connect_secs)?;
        if let (Some(k), Some(delivery)) = (self.room_size, &self.delivery) {
            writeln!(f, "  {:<14}rooms of {k}, all at once, heard in {:.2} s", "joins", self.join_secs)?;
            write_delivery(f, delivery, "of each two members of a room exactly one heard the other, once")?;
        }
        writeln!(f, "  {:<14}{:.2} s", "held", self.held_secs)?;
        if self.kind == "peer-hold" {
            writeln!(f, "  {:<14}{}", "heartbeats", self.heartbeats)?;
            if self.unexpected == 0 {
                writeln!(f, "  {:<14}OK: every peer registered, nothing else received", "check")?;
            } else {
                writeln!(f, "  {:<14}MISMATCH: {} unexpected frames", "check", self.unexpected)?;
                self.unexpected_examples.iter().try_for_each(|e| writeln!(f, "    {e}"))?;
            }
        } else {
            writeln!(f, "  {:<14}{}", "pings", self.pongs)?;
        }
        if let Some(rss) = &self.server_rss {
            writeln!(f, "  {:<14}{rss}", "server rss")?;
        }
        write_cpu(f, &self.server_cpu)
    }
}
