//! [`Shared`]: the state the backplane handle and its driver task share,
//! and the publications the handle queues for the driver.

use std::{
    collections::HashSet,
    sync::{
        Mutex, MutexGuard, PoisonError,
        atomic::{AtomicBool, AtomicU64, Ordering::Relaxed},
    },
};

use lingua_signal_core::{PeerId, RoomId};
use tokio::sync::mpsc;

use crate::{cache::Cache, settings::Builder, stats::Counters, wire::Body};

/// A change to this node's presence hash, made with the publication that
/// announces it.
#[derive(Debug)]
pub(crate) enum Presence {
    Set(String),
    Del(String),
    Clear,
}

/// One publication for the driver task.
#[derive(Debug)]
pub(crate) struct Out {
    /// The node it is for; `None` for every node (the bus).
    pub(crate) to: Option<String>,
    pub(crate) body: Body,
    pub(crate) presence: Option<Presence>,
}

/// What this node holds: the source of its presence hash and `Sync`
/// messages.
#[derive(Debug, Default)]
pub(crate) struct Local {
    pub(crate) members: HashSet<(RoomId, PeerId)>,
    pub(crate) peers: HashSet<PeerId>,
}

/// State shared by the backplane handle and its driver task.
pub(crate) struct Shared {
    pub(crate) client: redis::Client,
    pub(crate) settings: Builder,
    pub(crate) node: String,
    pub(crate) cache: Mutex<Cache>,
    pub(crate) local: Mutex<Local>,
    pub(crate) counters: Counters,
    /// Set when a publication was dropped: the next refresh rewrites this
    /// node's presence in full.
    pub(crate) dirty: AtomicBool,
    /// Set by [`Backplane::shutdown`](lingua_signal_core::Backplane::shutdown): the node has said goodbye and stops
    /// refreshing its presence.
    pub(crate) closed: AtomicBool,
    /// Publications queued and not yet sent (or dropped).
    pub(crate) pending: AtomicU64,
    pub(crate) tx: mpsc::Sender<Out>,
    /// Taken by the driver task when it starts.
    pub(crate) rx: Mutex<Option<mpsc::Receiver<Out>>>,
}

impl Shared {
    pub(crate) fn cache(&self) -> MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn local(&self) -> MutexGuard<'_, Local> {
        self.local.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a publication; `false` (counted) when the queue is full.
    pub(crate) fn send(&self, out: Out) -> bool {
        // Counted before it is queued, so the driver never counts it down
        // first.
        self.pending.fetch_add(1, Relaxed);
        if self.tx.try_send(out).is_ok() {
            return true;
        }
        self.pending.fetch_sub(1, Relaxed);
        self.counters.dropped.fetch_add(1, Relaxed);
        self.dirty.store(true, Relaxed);
        false
    }

    pub(crate) fn broadcast(&self, body: Body, presence: Option<Presence>) {
        self.send(Out { to: None, body, presence });
    }
}

impl std::fmt::Debug for Shared {
    // Not derived: the client holds the URL's password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBackplane")
            .field("node", &self.node)
            .field("settings", &self.settings)
            .field("stats", &self.counters.snapshot(self.cache().node_count()))
            .finish_non_exhaustive()
    }
}
