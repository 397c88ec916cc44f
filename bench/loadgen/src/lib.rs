//! loadgen: a load generator for a running lingua-signal server, used by the
//! benchmarks. A library so tests can run the scenarios in-process;
//! `main.rs` is the command-line front end.
//!
//! | scenario | what it drives | checks |
//! |---|---|---|
//! | [`rooms`] | rooms × members raw-websocket clients (`PROTOCOL.md`, v1) joining, then leaving and rejoining in a loop | every `user-connected` / `user-disconnected` reaches each member present exactly once |
//! | [`relay`] | PeerJS peer pairs exchanging OFFER / ANSWER round trips | every OFFER arrives once, in order, with `src` set by the server, and is answered |
//! | [`fanout`] | Socket.IO clients ([`sio`]) in rooms of K joining one after another | every member hears each later joiner's `user-connected` exactly once, nothing misaddressed |
//! | [`hold`] | many joined Socket.IO connections, or registered PeerJS peers, held open | the same exact delivery of the concurrent joins; every peer registered and left alone |
//! | [`churn`] | workers each repeating connect, join, disconnect in a room whose other members stay | every staying member hears each cycle's join and leave exactly once, nothing misaddressed |
//!
//! `fanout`, `hold` and `churn` speak Socket.IO or, with `--transport ws`,
//! the raw-websocket rooms protocol ([`wsrooms`]), through [`conn`].
//!
//! With `--server-pid`, every scenario reports the server's CPU time per
//! operation and the hold scenarios its resident memory per connection
//! ([`probe`]).

pub mod churn;
pub mod cli;
pub mod conn;
mod crowd;
pub mod delivery;
pub mod error;
pub mod fanout;
pub mod hold;
mod phase;
pub mod probe;
pub mod relay;
pub mod rooms;
pub mod sio;
pub mod stats;
pub mod ws;
pub mod wsrooms;

pub use churn::ChurnReport;
pub use cli::{ChurnArgs, Cli, FanoutArgs, HoldArgs, PeerHoldArgs, RelayArgs, RoomsArgs, Scenario, Transport};
pub use error::{Error, MISMATCH_EXIT};
pub use fanout::FanoutReport;
pub use hold::HoldReport;
pub use relay::RelayReport;
pub use rooms::RoomsReport;

/// A report of any scenario.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Report {
    /// From [`rooms::run`].
    Rooms(RoomsReport),
    /// From [`relay::run`].
    Relay(RelayReport),
    /// From [`fanout::run`].
    Fanout(FanoutReport),
    /// From [`hold::run`] or [`hold::peer::run`].
    Hold(HoldReport),
    /// From [`churn::run`].
    Churn(ChurnReport),
}

impl Report {
    /// Whether the run's correctness check passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        match self {
            Self::Rooms(r) => r.passed(),
            Self::Relay(r) => r.passed(),
            Self::Fanout(r) => r.passed(),
            Self::Hold(r) => r.passed(),
            Self::Churn(r) => r.passed(),
        }
    }

    /// The report as one JSON object, with the scenario's name under
    /// `scenario`.
    #[must_use]
    pub fn to_json(&self) -> String {
        let (name, mut value) = match self {
            Self::Rooms(r) => ("rooms", serde_json::to_value(r)),
            Self::Relay(r) => ("relay", serde_json::to_value(r)),
            Self::Fanout(r) => ("fanout", serde_json::to_value(r)),
            Self::Hold(r) => (r.kind, serde_json::to_value(r)),
            Self::Churn(r) => ("churn", serde_json::to_value(r)),
        };
        // The reports hold only numbers and strings, so they always serialize.
        if let Ok(serde_json::Value::Object(fields)) = &mut value {
            fields.insert("scenario".into(), name.into());
            fields.insert("passed".into(), self.passed().into());
        }
        value.map(|v| v.to_string()).unwrap_or_default()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rooms(r) => r.fmt(f),
            Self::Relay(r) => r.fmt(f),
            Self::Fanout(r) => r.fmt(f),
            Self::Hold(r) => r.fmt(f),
            Self::Churn(r) => r.fmt(f),
        }
    }
}

/// Runs the scenario `scenario` names.
///
/// # Errors
///
/// See each scenario's `run`.
pub async fn run(scenario: &Scenario) -> Result<Report, Error> {
    match scenario {
        Scenario::Rooms(args) => rooms::run(args).await.map(Report::Rooms),
        Scenario::Relay(args) => relay::run(args).await.map(Report::Relay),
        Scenario::Fanout(args) => fanout::run(args).await.map(Report::Fanout),
        Scenario::Hold(args) => hold::run(args).await.map(Report::Hold),
        Scenario::PeerHold(args) => hold::peer::run(args).await.map(Report::Hold),
        Scenario::Churn(args) => churn::run(args).await.map(Report::Churn),
    }
}

/// A random number, for room names and PeerJS tokens (not for secrets).
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_debug<T: Send + Sync + std::fmt::Debug>() {}

    #[test]
    fn public_types_are_send_sync_and_debug() {
        assert_send_sync_debug::<Report>();
        assert_send_sync_debug::<Error>();
        assert_send_sync_debug::<Cli>();
    }

    #[test]
    fn random_numbers_differ() {
        assert_ne!(random_u64(), random_u64());
    }
}
