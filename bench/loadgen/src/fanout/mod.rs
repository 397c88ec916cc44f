//! The `fanout` scenario: clients (Socket.IO, or the raw-websocket rooms
//! protocol: [`crate::conn`]) in rooms of K join one after another; each join waits until every member already in its room has
//! heard its `user-connected` (and for its acknowledgement with `--acks`),
//! which is the join's latency. Every delivery is counted ([`Ledger`]).
//!
//! Joins go round-robin over the rooms (the first member of every room, then
//! the second of every room, …), so consecutive joins are in different
//! rooms. Without acknowledgements (the Node original sends none) a room's
//! first join has nobody to confirm it: after that first round loadgen
//! pauses ([`settle`]) so that no second member overtakes it.

mod report;

pub(crate) use self::report::write_delivery;

use std::time::Duration;

use tokio::time::Instant;

pub use self::report::FanoutReport;
use crate::{
    Error, FanoutArgs, conn,
    crowd::{Crowd, Heard},
    delivery::Ledger,
    probe::{Meter, Probe},
    sio::Packet,
    stats::Samples,
    ws::WAIT,
};

/// Runs the scenario against the server at `args.url`.
///
/// # Errors
///
/// [`Error::Connect`] when a client cannot connect; [`Error::Probe`] when
/// `--server-pid` cannot be read; the other variants when the server breaks
/// a connection or refuses a join. Lost or extra events are not an error:
/// see [`FanoutReport::passed`].
pub async fn run(args: &FanoutArgs) -> Result<FanoutReport, Error> {
    let probe = Probe::maybe_cluster(&args.server_pid)?;
    let urls = std::iter::once(&args.url).chain(&args.also_urls);
    let endpoints: Vec<String> = urls.map(|url| conn::endpoint(args.transport, url)).collect();
    let ledger = Ledger::new(&format!("lg-{:08x}", crate::random_u64() as u32), args.room_size);
    let mut cpu = Vec::new();
    let meter = Meter::start(probe)?;
    let connecting = Instant::now();
    let whos = (0..args.clients).map(|i| format!("client {i}")).collect();
    let clients = conn::connect_spread(args.transport, &endpoints, whos, args.connect_concurrency as usize).await?;
    let connect = connecting.elapsed();
    meter.stop("connect", "connection", u64::from(args.clients), &mut cpu)?;
    let mut run = Run { args, crowd: Crowd::spawn(clients), ledger, latency: Samples::default(), joined: Vec::new() };
    let meter = Meter::start(probe)?;
    let (join, complete) = run.joins().await?;
    meter.stop("join", "join", run.joined.len() as u64, &mut cpu)?;
    run.drain().await?;
    let delivery = run.ledger.verdict(&run.joined, |o, u| run.ledger.same_room(o, u) && before(args, o, u));
    let pongs = run.crowd.close().await?;
    let times = Times { connect, join, joins: run.joined.len() as u64 };
    Ok(FanoutReport::new(args, endpoints.join(" + "), times, complete, run.latency, delivery, pongs, cpu))
}

/// How long the phases took.
#[derive(Debug, Clone, Copy)]
struct Times {
    connect: Duration,
    /// The joins, without the settling pause.
    join: Duration,
    /// Joins made.
    joins: u64,
}

/// The coordinator's state.
#[derive(Debug)]
struct Run<'a> {
    args: &'a FanoutArgs,
    crowd: Crowd,
    ledger: Ledger,
    latency: Samples,
    /// The clients that joined, in join order.
    joined: Vec<u32>,
}

impl Run<'_> {
    /// Every join in turn; the time they took, and whether all completed
    /// (a join that is not fully heard within [`WAIT`] ends the joins).
    async fn joins(&mut self) -> Result<(Duration, bool), Error> {
        let order = join_order(self.args.clients, self.args.room_size);
        let first_round = order.iter().take_while(|&&i| i % self.args.room_size == 0).count();
        let (started, mut paused) = (Instant::now(), Duration::ZERO);
        for (n, &i) in order.iter().enumerate() {
            if n == first_round && !self.args.acks {
                let pause = settle(first_round);
                tokio::time::sleep(pause).await;
                paused += pause;
            }
            if !self.join(n as u64, i).await? {
                return Ok((started.elapsed() - paused, false));
            }
        }
        Ok((started.elapsed() - paused, true))
    }

    /// Client `i` joins (join number `n`, its ack id); waits until it is
    /// heard by every earlier member of its room, and acknowledged.
    async fn join(&mut self, n: u64, i: u32) -> Result<bool, Error> {
        let (room, user) = (self.ledger.room(i), self.ledger.user(i));
        let ack = self.args.acks.then_some(n);
        let start = Instant::now();
        self.crowd.join(i, room, user, ack)?;
        self.joined.push(i);
        let mut awaited = (i % self.args.room_size) as usize + usize::from(self.args.acks);
        let (deadline, mut last) = (start + WAIT, start);
        let need = awaited;
        while awaited > 0 {
            let Some(heard) = self.crowd.next(deadline).await? else {
                tracing::warn!(
                    client = i,
                    missing = awaited,
                    "join not fully heard within {WAIT:?}; stopping the joins"
                );
                return Ok(false);
            };
            if self.completes(&heard, n, i)? {
                awaited -= 1;
                last = last.max(heard.at);
            }
        }
        if need > 0 {
            self.latency.record(last - start);
        }
        Ok(true)
    }

    /// Records `heard`; whether it is one of the deliveries (or the ack)
    /// join `n` of client `i` waits for.
    fn completes(&mut self, heard: &Heard, n: u64, i: u32) -> Result<bool, Error> {
        if let Packet::Ack { id, args } = &heard.packet {
            refused(heard.observer, args)?;
            if *id == n && heard.observer == i {
                return Ok(true);
            }
            self.ledger.stray(format!("client {} got an unexpected ack {id}", heard.observer));
            return Ok(false);
        }
        if let Packet::Event { name, args } = &heard.packet
            && name == "error"
        {
            return Err(Error::Protocol { who: format!("client {}", heard.observer), detail: refusal(args) });
        }
        Ok(match self.ledger.record(heard) {
            Some((user, 1)) => user == i && self.ledger.same_room(heard.observer, i) && heard.observer != i,
            _ => false,
        })
    }

    /// Reads what is still coming (duplicates, strays) until 200 ms pass
    /// quietly, 5 s at most.
    async fn drain(&mut self) -> Result<(), Error> {
        let end = Instant::now() + Duration::from_secs(5);
        while let Some(heard) = self.crowd.next((Instant::now() + Duration::from_millis(200)).min(end)).await? {
            if let Packet::Ack { id, .. } = heard.packet {
                self.ledger.stray(format!("client {} got a late ack {id}", heard.observer));
            } else {
                self.ledger.record(&heard);
            }
        }
        Ok(())
    }
}

/// Whether member `o` joined before member `u` (both in the same room).
fn before(args: &FanoutArgs, o: u32, u: u32) -> bool {
    o % args.room_size < u % args.room_size
}

/// Client indices in join order: position 0 of every room, then 1, ….
fn join_order(clients: u32, room_size: u32) -> Vec<u32> {
    let rooms = clients.div_ceil(room_size);
    (0..room_size).flat_map(|p| (0..rooms).map(move |r| r * room_size + p)).filter(|&i| i < clients).collect()
}

/// The pause after the unconfirmed first joins: 100 ms, plus 1 ms per join
/// (a slow server takes a few hundred µs for each).
fn settle(first_joins: usize) -> Duration {
    Duration::from_millis(100 + first_joins as u64)
}

/// An acknowledgement that refuses the join ends the run.
pub(crate) fn refused(observer: u32, args: &[serde_json::Value]) -> Result<(), Error> {
    match args.first().and_then(|a| a.get("ok")) {
        Some(serde_json::Value::Bool(false)) => {
            Err(Error::Protocol { who: format!("client {observer}"), detail: refusal(args) })
        }
        _ => Ok(()),
    }
}

pub(crate) fn refusal(args: &[serde_json::Value]) -> String {
    let code = args.first().and_then(|a| a.get("code")).and_then(|c| c.as_str()).unwrap_or_default();
    let hint =
        if code == "room-full" { " (start the server with a --max-room-size of at least --room-size)" } else { "" };
    format!("join refused: {}{hint}", serde_json::Value::from(args.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_go_round_robin_over_the_rooms() {
        assert_eq!(join_order(5, 2), vec![0, 2, 4, 1, 3]);
        assert_eq!(join_order(3, 3), vec![0, 1, 2]);
        assert_eq!(join_order(4, 1), vec![0, 1, 2, 3]);
    }
}
