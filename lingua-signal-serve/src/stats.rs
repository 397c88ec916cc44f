//! What a server has refused and closed, for metrics and tests.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A snapshot of a [`Server`](crate::Server)'s counters, over all its
/// listeners since it was built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Connections accepted (refused ones included).
    pub accepted: u64,
    /// Connections open now, upgraded ones included.
    pub open: u64,
    /// Connections closed at once because their client was at its cap
    /// ([`Limits::max_connections_per_ip`](crate::Limits::max_connections_per_ip)).
    pub refused_per_ip: u64,
    /// Failed `accept` calls other than a client's own abort (e.g. out of
    /// file descriptors).
    pub accept_errors: u64,
    /// Connections closed by the header deadline.
    pub header_timeouts: u64,
    /// Kept-alive connections closed by the idle deadline.
    pub idle_timeouts: u64,
    /// Connections closed by the body deadline.
    pub body_timeouts: u64,
    /// TLS handshakes that failed or timed out.
    pub tls_failures: u64,
}

/// The live counters behind [`Stats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) accepted: AtomicU64,
    pub(crate) open: AtomicU64,
    pub(crate) refused_per_ip: AtomicU64,
    pub(crate) accept_errors: AtomicU64,
    pub(crate) header_timeouts: AtomicU64,
    pub(crate) idle_timeouts: AtomicU64,
    pub(crate) body_timeouts: AtomicU64,
    pub(crate) tls_failures: AtomicU64,
}

impl Counters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            accepted: self.accepted.load(Relaxed),
            open: self.open.load(Relaxed),
            refused_per_ip: self.refused_per_ip.load(Relaxed),
            accept_errors: self.accept_errors.load(Relaxed),
            header_timeouts: self.header_timeouts.load(Relaxed),
            idle_timeouts: self.idle_timeouts.load(Relaxed),
            body_timeouts: self.body_timeouts.load(Relaxed),
            tls_failures: self.tls_failures.load(Relaxed),
        }
    }
}
