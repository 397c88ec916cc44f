//! The [`Hub`]: one shared handle to rooms, the peer relay and their limits.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use crate::{Backplane, Config, LocalBackplane, Metrics, PeerId, RoomId, relay::PeerState, room::RoomState};

/// A membership change, delivered to the *other* members of the room.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Event {
    /// `user` joined `room`.
    UserConnected {
        /// The room.
        room: RoomId,
        /// Who joined.
        user: PeerId,
    },
    /// `user` left `room`, by leaving or by disconnecting.
    UserDisconnected {
        /// The room.
        room: RoomId,
        /// Who left.
        user: PeerId,
    },
}

impl Event {
    /// The room this event happened in.
    #[must_use]
    pub fn room(&self) -> &RoomId {
        match self {
            Self::UserConnected { room, .. } | Self::UserDisconnected { room, .. } => room,
        }
    }

    /// The user who joined or left.
    #[must_use]
    pub fn user(&self) -> &PeerId {
        match self {
            Self::UserConnected { user, .. } | Self::UserDisconnected { user, .. } => user,
        }
    }
}

/// The shared state of one signaling server: rooms, the peer relay, limits,
/// counters and the backplane. Cloning is cheap; all clones are the same hub.
#[derive(Debug, Clone)]
pub struct Hub {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) metrics: Metrics,
    pub(crate) backplane: Box<dyn Backplane>,
    pub(crate) rooms: Mutex<RoomState>,
    pub(crate) peers: Mutex<PeerState>,
    pub(crate) sweeper_taken: std::sync::atomic::AtomicBool,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(Config::default())
    }
}

impl Hub {
    /// A single-process hub with `config`.
    #[must_use]
    pub fn new(config: Config) -> Self {
        Self::with_backplane(config, LocalBackplane)
    }

    /// A hub that shares events with other processes through `backplane`.
    #[must_use]
    pub fn with_backplane(config: Config, backplane: impl Backplane) -> Self {
        let inner = Inner {
            config,
            metrics: Metrics::default(),
            backplane: Box::new(backplane),
            rooms: Mutex::new(RoomState::default()),
            peers: Mutex::new(PeerState::default()),
            sweeper_taken: std::sync::atomic::AtomicBool::new(false),
        };
        Self { inner: Arc::new(inner) }
    }

    /// The limits and timers this hub runs with.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Live counters.
    #[must_use]
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Ends every connection and peer with
    /// [`CloseReason::Shutdown`](crate::CloseReason::Shutdown): their inboxes drain and then return
    /// `None`, which tells each adapter to close its socket. No membership
    /// events are sent, since everyone is leaving at once.
    pub fn shutdown(&self) {
        self.lock_rooms().close_all();
        self.lock_peers().close_all();
        self.refresh_gauges();
    }

    pub(crate) fn downgrade(&self) -> Weak<Inner> {
        Arc::downgrade(&self.inner)
    }

    pub(crate) fn lock_rooms(&self) -> MutexGuard<'_, RoomState> {
        // A panic while the lock was held cannot leave the maps half-updated
        // in a way that matters more than stopping the whole server would.
        self.inner.rooms.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn lock_peers(&self) -> MutexGuard<'_, PeerState> {
        self.inner.peers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn refresh_gauges(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        let m = &self.inner.metrics;
        {
            let rooms = self.lock_rooms();
            m.connections.store(rooms.connection_count() as u64, Relaxed);
            m.rooms.store(rooms.room_count() as u64, Relaxed);
            m.members.store(rooms.member_count() as u64, Relaxed);
        }
        m.peers.store(self.lock_peers().peer_count() as u64, Relaxed);
    }
}
