//! What can stop a run, and the exit code each maps to.

use std::time::Duration;

use lingua_signal_testing::wire;

/// Why a scenario could not run to its end. A run that ends but finds wrong
/// counts is not an error: its report says MISMATCH.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The websocket handshake with the server failed (refused, wrong path,
    /// bad URL, …).
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// The URL tried.
        url: String,
        /// What went wrong, for humans.
        reason: String,
    },
    /// The server did not answer in time.
    #[error("{what}: no answer within {wait:?}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        wait: Duration,
    },
    /// The server closed the connection, or broke it, in the middle of the
    /// run.
    #[error("{who}: connection lost: {reason}")]
    Disconnected {
        /// Which client.
        who: String,
        /// The close code and reason, or the transport error.
        reason: String,
    },
    /// The server sent something the protocol does not allow here.
    #[error("{who}: unexpected frame from the server: {detail}")]
    Protocol {
        /// Which client.
        who: String,
        /// What arrived.
        detail: String,
    },
    /// The server process named by `--server-pid` cannot be read in
    /// `/proc` (no such process, or not Linux).
    #[error("server process {pid}: {reason}")]
    Probe {
        /// The process id given.
        pid: u32,
        /// What went wrong.
        reason: String,
    },
    /// A bug in loadgen itself.
    #[error("loadgen: {0}")]
    Internal(String),
}

impl Error {
    /// The process exit code: 2 when the server could not be reached at all
    /// (or its process could not be read), 3 when the run broke down later.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Connect { .. } | Self::Probe { .. } => 2,
            _ => 3,
        }
    }
}

impl Error {
    /// A failure on the wire of client `who`.
    pub(crate) fn wire(who: &str, error: wire::Error) -> Self {
        match error {
            wire::Error::Connect { url, reason } => Self::Connect { url, reason },
            wire::Error::Timeout { what, wait } => Self::Timeout { what, wait },
            wire::Error::Closed { reason } => Self::Disconnected { who: who.to_owned(), reason },
            wire::Error::Unexpected { detail } => Self::Protocol { who: who.to_owned(), detail },
            other => Self::Protocol { who: who.to_owned(), detail: other.to_string() },
        }
    }
}

/// Exit code of a run that ended but failed its correctness check.
pub const MISMATCH_EXIT: u8 = 1;
