//! The hold scenarios: many connections opened and then held open for a
//! while, to see what each costs the server in resident memory (with
//! `--server-pid`: `VmRSS` after the hold minus before the first
//! connection, shared out) and in CPU.
//!
//! `hold`: clients (Socket.IO, or the raw-websocket rooms protocol) that
//! each join a room of K at once, all concurrently; of each two members of a room exactly one (the earlier)
//! must hear the other's `user-connected`, once. They answer the server's
//! pings while held. `peer-hold` ([`peer`]): registered PeerJS peers that
//! send HEARTBEAT every 5 s while held and must hear nothing.

pub mod peer;
mod report;

use std::time::Duration;

use tokio::time::Instant;

pub use self::report::HoldReport;
use crate::{
    Error, HoldArgs, conn,
    crowd::{Crowd, Heard},
    delivery::Ledger,
    probe::{Meter, Probe, Rss},
    sio::Packet,
    ws::WAIT,
};

/// Runs `hold` against the server at `args.url`.
///
/// # Errors
///
/// [`Error::Connect`] when a client cannot connect; [`Error::Probe`] when
/// `--server-pid` cannot be read; the other variants when the server breaks
/// a connection or refuses a join. Lost or extra events are not an error:
/// see [`HoldReport::passed`].
pub async fn run(args: &HoldArgs) -> Result<HoldReport, Error> {
    let probe = Probe::maybe(args.server_pid)?;
    let rss_before = probe.map(|p| p.rss_kib()).transpose()?;
    let endpoint = conn::endpoint(args.transport, &args.url);
    let n = args.connections;
    let mut report = HoldReport::new("hold", &endpoint, n);
    report.room_size = Some(args.room_size);
    let meter = Meter::start(probe)?;
    let connecting = Instant::now();
    let whos = (0..n).map(|i| format!("client {i}")).collect();
    let concurrency = args.connect_concurrency as usize;
    let clients = conn::connect_spread(args.transport, std::slice::from_ref(&endpoint), whos, concurrency).await?;
    report.connect_secs = connecting.elapsed().as_secs_f64();
    meter.stop("connect", "connection", u64::from(n), &mut report.server_cpu)?;

    let mut held = Held { crowd: Crowd::spawn(clients), ledger: Ledger::new(&tag(), args.room_size), acked: 0 };
    let meter = Meter::start(probe)?;
    let joining = Instant::now();
    held.join_all(args)?;
    held.await_joins(args).await?;
    report.join_secs = joining.elapsed().as_secs_f64();
    meter.stop("join", "join", u64::from(n), &mut report.server_cpu)?;

    let meter = Meter::start(probe)?;
    let holding = Instant::now();
    held.listen_until(holding + args.hold).await?;
    report.held_secs = holding.elapsed().as_secs_f64();
    if let (Some(probe), Some(before)) = (probe, rss_before) {
        report.server_rss = Some(Rss::new(before, probe.rss_kib()?, u64::from(n)));
    }
    meter.stop("hold", "connection", u64::from(n), &mut report.server_cpu)?;
    report.delivery = Some(held.ledger.pairs_verdict(n));
    report.pongs = held.crowd.close().await?;
    Ok(report)
}

/// The held clients and what they heard.
#[derive(Debug)]
struct Held {
    crowd: Crowd,
    ledger: Ledger,
    acked: u32,
}

impl Held {
    /// Every client joins its room, all at once.
    fn join_all(&self, args: &HoldArgs) -> Result<(), Error> {
        (0..args.connections).try_for_each(|i| {
            self.crowd.join(i, self.ledger.room(i), self.ledger.user(i), args.acks.then_some(u64::from(i)))
        })
    }

    /// Until the joins have all been heard (and acknowledged, with acks);
    /// a few seconds at most, after which the verdict counts what is missing.
    async fn await_joins(&mut self, args: &HoldArgs) -> Result<(), Error> {
        let expected = pairs(args.connections, args.room_size);
        let acks = if args.acks { args.connections } else { 0 };
        let deadline = Instant::now() + WAIT + Duration::from_millis(u64::from(args.connections));
        let mut delivered = 0;
        while delivered < expected || self.acked < acks {
            let Some(heard) = self.crowd.next(deadline).await? else {
                tracing::warn!(delivered, expected, acked = self.acked, "joins not all heard in time");
                return Ok(());
            };
            if self.note(&heard)? {
                delivered += 1;
            }
        }
        Ok(())
    }

    /// Records what arrives until `until`.
    async fn listen_until(&mut self, until: Instant) -> Result<(), Error> {
        while let Some(heard) = self.crowd.next(until).await? {
            self.note(&heard)?;
        }
        Ok(())
    }

    /// Records `heard`; whether it was a `user-connected`.
    fn note(&mut self, heard: &Heard) -> Result<bool, Error> {
        match &heard.packet {
            Packet::Ack { id, args } => {
                crate::fanout::refused(heard.observer, args)?;
                if *id == u64::from(heard.observer) {
                    self.acked += 1;
                } else {
                    self.ledger.stray(format!("client {} got an unexpected ack {id}", heard.observer));
                }
                Ok(false)
            }
            Packet::Event { name, args } if name == "error" => {
                Err(Error::Protocol { who: format!("client {}", heard.observer), detail: crate::fanout::refusal(args) })
            }
            Packet::Event { .. } => Ok(self.ledger.record(heard).is_some()),
        }
    }
}

/// Pairs of members in the same room: what concurrent joins announce.
fn pairs(clients: u32, room_size: u32) -> u64 {
    let full = u64::from(clients / room_size);
    let rest = u64::from(clients % room_size);
    let k = u64::from(room_size);
    full * k * (k - 1) / 2 + rest * rest.saturating_sub(1) / 2
}

fn tag() -> String {
    format!("lg-{:08x}", crate::random_u64() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_count_the_last_smaller_room_too() {
        assert_eq!(pairs(10, 5), 20);
        assert_eq!(pairs(7, 3), 3 + 3);
        assert_eq!(pairs(4, 1), 0);
    }
}
