//! Command-line flags: one subcommand per scenario.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Load generator for a running lingua-signal server (lingua-connect or
/// lingua-connect-warp).
#[derive(Debug, Clone, Parser)]
#[command(name = "loadgen", version, about)]
pub struct Cli {
    /// Print the report as one JSON object instead of a table.
    #[arg(long, global = true)]
    pub json: bool,

    /// The scenario to run.
    #[command(subcommand)]
    pub scenario: Scenario,
}

/// The scenarios.
#[derive(Debug, Clone, Subcommand)]
pub enum Scenario {
    /// Raw-websocket rooms (protocol v1): join, then churn leave/rejoin,
    /// counting user-connected / user-disconnected events.
    Rooms(RoomsArgs),
    /// PeerJS relay: pairs of peers exchanging OFFER / ANSWER round trips.
    Relay(RelayArgs),
    /// Rooms (Socket.IO, or raw websockets): clients join one after
    /// another; latency until every member already in the room heard each
    /// join, exact delivery counts.
    Fanout(FanoutArgs),
    /// Rooms (Socket.IO, or raw websockets): many joined connections held
    /// open; server RSS per connection.
    Hold(HoldArgs),
    /// PeerJS: many registered peers held open, heartbeating; server RSS per
    /// connection.
    PeerHold(PeerHoldArgs),
    /// Rooms: workers each repeat connect, join, disconnect next to members
    /// that stay; cycles/s, server CPU per cycle and its RSS slope.
    Churn(ChurnArgs),
}

/// How the rooms scenarios (`fanout`, `hold`, `churn`) talk to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Transport {
    /// Socket.IO 4 over Engine.IO v4's websocket transport (lingua-connect,
    /// the Node original); `--url http://HOST:PORT`.
    #[default]
    Socketio,
    /// The raw-websocket rooms protocol, version 1 (lingua-connect-warp's
    /// `/rooms`); `--url http://HOST:PORT` means `ws://HOST:PORT/rooms`.
    Ws,
}

/// Flags of the `fanout` scenario.
#[derive(Debug, Clone, Args)]
pub struct FanoutArgs {
    /// The server (`http://HOST:PORT`; the Engine.IO websocket path, or
    /// `/rooms` with `--transport ws`, is added).
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub url: String,

    /// Socket.IO, or the raw-websocket rooms protocol.
    #[arg(long, value_enum, default_value_t)]
    pub transport: Transport,

    /// More processes of the same cluster (sharing rooms through Redis):
    /// client `i` connects to the `i mod n`-th of `--url` and these, so the
    /// members of a room are spread over the processes. Repeat for several.
    #[arg(long = "also-url", value_name = "URL")]
    pub also_urls: Vec<String>,

    /// Number of Socket.IO clients.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub clients: u32,

    /// Members per room (the last room may be smaller).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub room_size: u32,

    /// Ask for an acknowledgement of each `join-room` and wait for it too
    /// (lingua-connect answers them, the Node original does not; with
    /// `--transport ws`: wait for each `joined` reply).
    #[arg(long)]
    pub acks: bool,

    /// How many websocket handshakes are in flight at once while connecting.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub connect_concurrency: u32,

    /// The server's process id: report its CPU time per operation. Repeat
    /// for each process of a cluster (`--also-url`, up to 4): their CPU
    /// time is summed.
    #[arg(long)]
    pub server_pid: Vec<u32>,
}

/// Flags of the `hold` scenario.
#[derive(Debug, Clone, Args)]
pub struct HoldArgs {
    /// The server (`http://HOST:PORT`, as for `fanout`).
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub url: String,

    /// Socket.IO, or the raw-websocket rooms protocol.
    #[arg(long, value_enum, default_value_t)]
    pub transport: Transport,

    /// Number of connections to hold.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub connections: u32,

    /// Members per room (the last room may be smaller).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub room_size: u32,

    /// How long to hold them once all have joined, e.g. `5s`.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub hold: Duration,

    /// Ask for an acknowledgement of each `join-room` (lingua-connect; with
    /// `--transport ws`, the `joined` replies).
    #[arg(long)]
    pub acks: bool,

    /// How many websocket handshakes are in flight at once while connecting.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub connect_concurrency: u32,

    /// The server's process id: report its RSS per connection and CPU time.
    #[arg(long)]
    pub server_pid: Option<u32>,
}

/// Flags of the `churn` scenario.
#[derive(Debug, Clone, Args)]
pub struct ChurnArgs {
    /// The server (`http://HOST:PORT`, as for `fanout`).
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub url: String,

    /// Socket.IO, or the raw-websocket rooms protocol.
    #[arg(long, value_enum, default_value_t)]
    pub transport: Transport,

    /// Concurrent workers, each cycling in its own room.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub workers: u32,

    /// Members per room: the worker's passing member plus `K - 1` that stay
    /// for the whole run and must hear each cycle's join and leave.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(2..))]
    pub room_size: u32,

    /// How long the workers cycle, e.g. `10s`.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,

    /// Stop after this many cycles in all (or at `--duration`, whichever
    /// comes first).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub cycles: Option<u64>,

    /// How many websocket handshakes are in flight at once while the
    /// staying members connect.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub connect_concurrency: u32,

    /// The server's process id: report its CPU time per cycle and how its
    /// RSS grows with the cycles.
    #[arg(long)]
    pub server_pid: Option<u32>,
}

/// Flags of the `peer-hold` scenario.
#[derive(Debug, Clone, Args)]
pub struct PeerHoldArgs {
    /// The PeerJS websocket URL, without query.
    #[arg(long, default_value = "ws://127.0.0.1:3000/peerjs/peerjs")]
    pub url: String,

    /// The PeerJS key the server expects.
    #[arg(long, default_value = "peerjs")]
    pub key: String,

    /// Number of PeerJS peers to register and hold.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub connections: u32,

    /// How long to hold them once all are registered (they send HEARTBEAT
    /// every 5 s), e.g. `6s`.
    #[arg(long, default_value = "6s", value_parser = parse_duration)]
    pub hold: Duration,

    /// How many websocket handshakes are in flight at once while connecting.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub connect_concurrency: u32,

    /// The server's process id: report its RSS per connection and CPU time.
    #[arg(long)]
    pub server_pid: Option<u32>,
}

/// Flags of the `rooms` scenario.
#[derive(Debug, Clone, Args)]
pub struct RoomsArgs {
    /// The rooms websocket URL (`?v=1` is added unless the URL has a query).
    #[arg(long, default_value = "ws://127.0.0.1:3000/rooms")]
    pub url: String,

    /// Number of rooms.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub rooms: u32,

    /// Members per room (the server's room size limit must allow it).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub members: u32,

    /// How long the churn lasts, e.g. `10s`, `500ms`, `2m`.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,

    /// Fraction of each room's members that leave and rejoin in a loop
    /// (0 to 1, rounded to a whole number of members).
    #[arg(long, default_value_t = 0.2, value_parser = parse_fraction)]
    pub churn: f64,

    /// Pause of each churning member between a rejoin and its next leave
    /// (`0ms`: as fast as replies come back).
    #[arg(long, default_value = "0ms", value_parser = parse_duration)]
    pub pause: Duration,

    /// How many websocket handshakes are in flight at once while connecting.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub connect_concurrency: u32,

    /// The server's process id: report its CPU time per join and leave.
    #[arg(long)]
    pub server_pid: Option<u32>,
}

/// Flags of the `relay` scenario.
#[derive(Debug, Clone, Args)]
pub struct RelayArgs {
    /// The PeerJS websocket URL, without query (`key`, `id` and `token` are
    /// added).
    #[arg(long, default_value = "ws://127.0.0.1:3000/peerjs/peerjs")]
    pub url: String,

    /// The PeerJS key the server expects.
    #[arg(long, default_value = "peerjs")]
    pub key: String,

    /// Number of peer pairs (`lg-a-N` sends to `lg-b-N`).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub pairs: u32,

    /// How long the senders keep sending, e.g. `10s`.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,

    /// Bytes of filler in each OFFER's payload.
    #[arg(long, default_value_t = 2048)]
    pub payload: usize,

    /// Most OFFERs a sender has in flight (sent, not yet answered). Keep it
    /// well below the server's outbound queue (256 frames by default).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..))]
    pub window: u32,

    /// How many websocket handshakes are in flight at once while connecting.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub connect_concurrency: u32,

    /// The server's process id: report its CPU time per relayed message.
    #[arg(long)]
    pub server_pid: Option<u32>,
}

/// Parses `250ms`, `10s`, `2m`, or a bare number of seconds (`1.5`).
///
/// # Errors
///
/// A message naming the accepted forms.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        _ => return Err(format!("unknown unit {unit:?} in {text:?}; use ms, s or m")),
    };
    let value: f64 = number.trim().parse().map_err(|_| format!("{text:?} is not a duration like 10s or 500ms"))?;
    Duration::try_from_secs_f64(value * scale).map_err(|e| format!("{text:?}: {e}"))
}

fn parse_fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!("{text:?} is not a fraction between 0 and 1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_the_usual_units() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("10h").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("abc").is_err());
    }

    #[test]
    fn the_churn_fraction_stays_between_zero_and_one() {
        assert_eq!(parse_fraction("0.25"), Ok(0.25));
        assert!(parse_fraction("1.5").is_err());
        assert!(parse_fraction("x").is_err());
    }

    #[test]
    fn the_flags_parse() {
        let cli = Cli::parse_from(["loadgen", "rooms", "--rooms", "3", "--json"]);
        assert!(cli.json);
        assert!(matches!(cli.scenario, Scenario::Rooms(RoomsArgs { rooms: 3, members: 10, .. })));
        let cli = Cli::parse_from(["loadgen", "fanout", "--clients", "20", "--room-size", "2", "--server-pid", "9"]);
        let Scenario::Fanout(args) = cli.scenario else { panic!("not fanout") };
        assert_eq!((args.clients, args.room_size, args.server_pid, args.acks), (20, 2, vec![9], false));
        let cli =
            Cli::parse_from(["loadgen", "fanout", "--also-url", "http://b", "--server-pid", "1", "--server-pid", "2"]);
        let Scenario::Fanout(args) = cli.scenario else { panic!("not fanout") };
        assert_eq!((args.also_urls, args.server_pid), (vec!["http://b".to_owned()], vec![1, 2]));
        let cli = Cli::parse_from(["loadgen", "hold", "--transport", "ws"]);
        assert!(matches!(cli.scenario, Scenario::Hold(HoldArgs { transport: Transport::Ws, .. })));
        let cli = Cli::parse_from(["loadgen", "churn", "--workers", "3", "--cycles", "40"]);
        let Scenario::Churn(args) = cli.scenario else { panic!("not churn") };
        assert_eq!((args.workers, args.room_size, args.cycles, args.transport), (3, 2, Some(40), Transport::Socketio));
        assert!(Cli::try_parse_from(["loadgen", "churn", "--room-size", "1"]).is_err());
        let cli = Cli::parse_from(["loadgen", "peer-hold", "--connections", "5", "--hold", "1s"]);
        assert!(matches!(cli.scenario, Scenario::PeerHold(PeerHoldArgs { connections: 5, .. })));
    }
}
