//! What can go wrong on the wire.

use std::time::Duration;

/// A failure of a connection or of a frame; the caller adds who it was.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The websocket handshake failed (refused, wrong path, bad URL, …).
    Connect {
        /// The URL tried.
        url: String,
        /// What went wrong, for humans.
        reason: String,
    },
    /// The server did not answer in time.
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        wait: Duration,
    },
    /// The server closed the connection, or broke it.
    Closed {
        /// The close code and reason, or the transport error.
        reason: String,
    },
    /// The server sent something the protocol does not allow here.
    Unexpected {
        /// What arrived.
        detail: String,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connect { url, reason } => write!(f, "cannot connect to {url}: {reason}"),
            Self::Timeout { what, wait } => write!(f, "{what}: no answer within {wait:?}"),
            Self::Closed { reason } => write!(f, "connection lost: {reason}"),
            Self::Unexpected { detail } => write!(f, "unexpected frame from the server: {detail}"),
        }
    }
}

impl std::error::Error for Error {}
