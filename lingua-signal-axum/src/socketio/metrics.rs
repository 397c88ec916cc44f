//! Counters of the Socket.IO adapter, beside the hub's own.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A point-in-time copy of the Socket.IO adapter's counters, from
/// [`Signaling::socketio_metrics`](crate::Signaling::socketio_metrics).
///
/// Rooms, members, accepted and refused joins are the hub's
/// ([`Hub::metrics`](lingua_signal_core::Hub::metrics)); these count what
/// never reaches the hub.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SocketIoMetrics {
    /// Sockets connected on namespace `/` now (gauge).
    pub sockets: u64,
    /// Requests refused by the adapter: wrong arguments, invalid ids,
    /// leaving a room not joined (counter). Joins refused by the hub are in
    /// the hub's `refused`.
    pub invalid_requests: u64,
    /// Events that could not be written to a socket, whose socket was then
    /// disconnected (counter).
    pub send_failures: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    invalid_requests: AtomicU64,
    send_failures: AtomicU64,
}

impl Counters {
    /// `sockets` is socketioxide's own count, always exact.
    pub(crate) fn snapshot(&self, sockets: usize) -> SocketIoMetrics {
        SocketIoMetrics {
            sockets: sockets as u64,
            invalid_requests: self.invalid_requests.load(Relaxed),
            send_failures: self.send_failures.load(Relaxed),
        }
    }

    pub(super) fn invalid_request(&self) {
        self.invalid_requests.fetch_add(1, Relaxed);
    }

    pub(super) fn send_failure(&self) {
        self.send_failures.fetch_add(1, Relaxed);
    }
}
