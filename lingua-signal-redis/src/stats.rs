//! [`Stats`]: what the backplane counted.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

/// The backplane's counters, as of one moment
/// ([`RedisBackplane::stats`](crate::RedisBackplane::stats)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Whether the driver is connected to Redis now.
    pub connected: bool,
    /// Other nodes this one knows of now.
    pub nodes: usize,
    /// Messages published to Redis.
    pub published: u64,
    /// Messages received from other nodes and acted on.
    pub received: u64,
    /// Messages from Redis that were malformed or of another wire version,
    /// ignored.
    pub malformed: u64,
    /// Publications dropped: queue full, or Redis unreachable.
    pub dropped: u64,
    /// Connections to Redis made, the first one included.
    pub connects: u64,
    /// Other nodes taken for dead (not heard of for the TTL).
    pub dead_nodes: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) connected: AtomicBool,
    pub(crate) published: AtomicU64,
    pub(crate) received: AtomicU64,
    pub(crate) malformed: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) connects: AtomicU64,
    pub(crate) dead_nodes: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self, nodes: usize) -> Stats {
        Stats {
            connected: self.connected.load(Relaxed),
            nodes,
            published: self.published.load(Relaxed),
            received: self.received.load(Relaxed),
            malformed: self.malformed.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            connects: self.connects.load(Relaxed),
            dead_nodes: self.dead_nodes.load(Relaxed),
        }
    }
}

/// Adds one to `counter`.
pub(crate) fn inc(counter: &AtomicU64) {
    counter.fetch_add(1, Relaxed);
}
