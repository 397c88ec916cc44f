//! Counters and gauges a metrics exporter can read.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters of a hub; read them with [`Metrics::snapshot`].
#[derive(Debug, Default)]
pub struct Metrics {
    pub(crate) connections: AtomicU64,
    pub(crate) rooms: AtomicU64,
    pub(crate) members: AtomicU64,
    pub(crate) peers: AtomicU64,
    pub(crate) joins: AtomicU64,
    pub(crate) refused: AtomicU64,
    pub(crate) events: AtomicU64,
    pub(crate) slow_consumers: AtomicU64,
    pub(crate) relayed: AtomicU64,
    pub(crate) queued: AtomicU64,
    pub(crate) expired: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) messages: AtomicU64,
    pub(crate) rate_limited: AtomicU64,
}

/// A point-in-time copy of [`Metrics`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetricsSnapshot {
    /// Room connections open now (gauge).
    pub connections: u64,
    /// Rooms that exist now (gauge).
    pub rooms: u64,
    /// Room memberships now, summed over rooms (gauge).
    pub members: u64,
    /// Peers registered with the relay now (gauge).
    pub peers: u64,
    /// Joins accepted (counter).
    pub joins: u64,
    /// Joins and registrations refused (counter).
    pub refused: u64,
    /// Room events (joins, leaves, messages) queued for delivery (counter).
    pub events: u64,
    /// Connections dropped because their outbound queue (the hub's, or an
    /// adapter's transport buffer) was full (counter).
    pub slow_consumers: u64,
    /// Relay messages delivered to a connected peer (counter).
    pub relayed: u64,
    /// Relay messages held for an absent peer (counter).
    pub queued: u64,
    /// EXPIRE notices sent for held messages that timed out (counter).
    pub expired: u64,
    /// Relay messages dropped: no destination, holding limits, bad input
    /// (counter).
    pub dropped: u64,
    /// Application messages sent to rooms, by members or the server
    /// (counter).
    pub messages: u64,
    /// Connections and peers closed for staying over a rate limit
    /// (counter).
    pub rate_limited: u64,
}

impl Metrics {
    /// Reads every counter.
    #[must_use]
    pub fn snapshot(&self) -> MetricsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        MetricsSnapshot {
            connections: get(&self.connections),
            rooms: get(&self.rooms),
            members: get(&self.members),
            peers: get(&self.peers),
            joins: get(&self.joins),
            refused: get(&self.refused),
            events: get(&self.events),
            slow_consumers: get(&self.slow_consumers),
            relayed: get(&self.relayed),
            queued: get(&self.queued),
            expired: get(&self.expired),
            dropped: get(&self.dropped),
            messages: get(&self.messages),
            rate_limited: get(&self.rate_limited),
        }
    }
}

impl Metrics {
    /// Counts a connection an adapter dropped because its own transport
    /// buffer was full (e.g. socketioxide's per-socket channel), as the
    /// hub counts those whose outbound queue filled: both are slow readers
    /// in `slow_consumers`.
    pub fn record_slow_consumer(&self) {
        inc(&self.slow_consumers);
    }
}

pub(crate) fn inc(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}
