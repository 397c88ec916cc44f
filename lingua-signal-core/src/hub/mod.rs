//! The [`Hub`]: the one owner of the rooms and relay state machines, their
//! locks, limits, counters, backplane and sweeper. [`Connection`] and
//! [`PeerSession`] are handles on it.
//!
//! Layers point one way: handles → hub → state machines
//! ([`rooms`](crate::rooms), [`relay`](crate::relay)), which get an [`Env`]
//! and never see the hub.

mod connection;
mod info;
mod peer;

use std::sync::{
    Arc, Mutex, MutexGuard, PoisonError, Weak,
    atomic::{AtomicBool, Ordering::Relaxed},
};

use tokio::time::Instant;

pub use connection::Connection;
pub use peer::PeerSession;

use crate::{
    AddressLimiter, AllowAll, Authorizer, Backplane, Config, LocalBackplane, Metrics, Origins, Ownership,
    TrustedProxies, env::Env, relay::PeerState, rooms::RoomState,
};

/// The shared state of one signaling server: rooms, the peer relay, limits,
/// counters and the backplane. Cloning is cheap; all clones are the same hub.
#[derive(Debug, Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    metrics: Metrics,
    backplane: Box<dyn Backplane>,
    authorizer: Hook,
    origins: Origins,
    ownership: Option<Ownership>,
    proxies: TrustedProxies,
    /// Room-info lookups per client address ([`Config::room_info_rate_limit`]).
    lookups: AddressLimiter,
    rooms: Mutex<RoomState>,
    peers: Mutex<PeerState>,
    sweeper_taken: AtomicBool,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(Config::default())
    }
}

impl Hub {
    /// A single-process hub with `config`, open to everyone.
    #[must_use]
    pub fn new(config: Config) -> Self {
        Self::builder().config(config).build()
    }

    /// A hub that shares events with other processes through `backplane`.
    #[must_use]
    pub fn with_backplane(config: Config, backplane: impl Backplane) -> Self {
        Self::builder().config(config).backplane(backplane).build()
    }

    /// A builder for a hub with an [`Authorizer`] or a [`Backplane`].
    #[must_use]
    pub fn builder() -> HubBuilder {
        HubBuilder::default()
    }

    fn authorizer(&self) -> &dyn Authorizer {
        &*self.inner.authorizer.0
    }

    /// The origins whose pages may connect ([`HubBuilder::origins`]).
    #[must_use]
    pub fn origins(&self) -> &Origins {
        &self.inner.origins
    }

    /// How joins prove their user ids, when they must
    /// ([`HubBuilder::verify_user_ids`]).
    #[must_use]
    pub fn ownership(&self) -> Option<&Ownership> {
        self.inner.ownership.as_ref()
    }

    /// The reverse proxies whose forwarding headers this hub believes
    /// ([`HubBuilder::trusted_proxies`]).
    #[must_use]
    pub fn trusted_proxies(&self) -> &TrustedProxies {
        &self.inner.proxies
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
    /// The backplane hears of it ([`Backplane::shutdown`]), so that other
    /// processes may announce this one's members as gone at once.
    pub fn shutdown(&self) {
        let m = &self.inner.metrics;
        self.lock_rooms().close_all(m);
        self.lock_peers().close_all(m);
        self.inner.backplane.shutdown();
    }

    /// Waits until the backplane has sent on what it was given, as far as it
    /// can ([`Backplane::flush`]): a process about to exit calls it after
    /// [`Hub::shutdown`], so the other processes hear its goodbye instead of
    /// waiting for its presence to expire. At once with [`LocalBackplane`].
    pub async fn flush_backplane(&self) {
        self.inner.backplane.flush().await;
    }

    /// A handle that does not keep the hub alive, for tasks that serve it
    /// (a [`Backplane`]'s subscriber): they stop once [`WeakHub::upgrade`]
    /// returns `None`.
    #[must_use]
    pub fn downgrade(&self) -> WeakHub {
        WeakHub(Arc::downgrade(&self.inner))
    }

    /// Expires held messages (sending EXPIRE to their senders), drops peers
    /// silent for longer than the idle timeout, and releases reserved PeerJS
    /// ids whose grace is over and that no room uses, as of now. The
    /// [`Hub::take_sweeper`] task calls it periodically.
    pub fn sweep(&self) {
        let now = Instant::now();
        // Reserved PeerJS ids whose time is up are released unless a room
        // still uses them. The two locks are taken one after the other.
        let due = self.with_peers(|peers, env| {
            peers.sweep(env, now);
            peers.reservations_due(now)
        });
        if !due.is_empty() {
            let free: Vec<_> = {
                let rooms = self.lock_rooms();
                due.into_iter().filter(|id| !rooms.uses_user(id)).collect()
            };
            self.with_peers(|peers, env| free.iter().for_each(|id| peers.release(env, id, now)));
        }
    }

    /// The task that calls [`Hub::sweep`] every
    /// [`Config::sweep_interval`](crate::Config::sweep_interval) until the
    /// last clone of the hub is dropped. Returns it to the first caller only,
    /// so several adapters sharing a hub can each ask and spawn what they
    /// get: `if let Some(task) = hub.take_sweeper() { tokio::spawn(task); }`.
    pub fn take_sweeper(&self) -> Option<impl Future<Output = ()> + Send + 'static> {
        if self.inner.sweeper_taken.swap(true, Relaxed) {
            return None;
        }
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let period = self.inner.config.sweep();
        Some(async move {
            let mut ticker = tokio::time::interval(period);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                Hub { inner }.sweep();
            }
        })
    }

    fn env(&self) -> Env<'_> {
        let inner = &*self.inner;
        Env { config: &inner.config, metrics: &inner.metrics, backplane: &*inner.backplane }
    }

    fn lock_rooms(&self) -> MutexGuard<'_, RoomState> {
        // A panic while the lock was held cannot leave the maps half-updated
        // in a way that matters more than stopping the whole server would.
        self.inner.rooms.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_peers(&self) -> MutexGuard<'_, PeerState> {
        self.inner.peers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the rooms state machine, under the room lock.
    fn with_rooms<R>(&self, f: impl FnOnce(&mut RoomState, &Env<'_>) -> R) -> R {
        f(&mut self.lock_rooms(), &self.env())
    }

    /// Runs `f` on the relay state machine, under the peer lock.
    fn with_peers<R>(&self, f: impl FnOnce(&mut PeerState, &Env<'_>) -> R) -> R {
        f(&mut self.lock_peers(), &self.env())
    }
}

/// A [`Hub`] that may have been dropped ([`Hub::downgrade`]).
#[derive(Debug, Clone)]
pub struct WeakHub(Weak<Inner>);

impl WeakHub {
    /// The hub, while any clone of it is alive.
    #[must_use]
    pub fn upgrade(&self) -> Option<Hub> {
        self.0.upgrade().map(|inner| Hub { inner })
    }
}

/// The host's authorizer, which need not be `Debug`.
struct Hook(Box<dyn Authorizer>);

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Authorizer")
    }
}

/// Builds a [`Hub`]; each setter documents its default.
pub struct HubBuilder {
    config: Config,
    backplane: Box<dyn Backplane>,
    authorizer: Box<dyn Authorizer>,
    origins: Origins,
    ownership: Option<Ownership>,
    proxies: TrustedProxies,
}

impl Default for HubBuilder {
    fn default() -> Self {
        Self {
            config: Config::default(),
            backplane: Box::new(LocalBackplane),
            authorizer: Box::new(AllowAll),
            origins: Origins::any(),
            ownership: None,
            proxies: TrustedProxies::none(),
        }
    }
}

impl std::fmt::Debug for HubBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubBuilder")
            .field("config", &self.config)
            .field("backplane", &self.backplane)
            .field("origins", &self.origins)
            .field("ownership", &self.ownership)
            .field("proxies", &self.proxies)
            .finish_non_exhaustive()
    }
}

impl HubBuilder {
    /// Limits and timers. Default [`Config::default`].
    #[must_use]
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// How events and relay messages reach other processes. Default
    /// [`LocalBackplane`]: one process.
    #[must_use]
    pub fn backplane(mut self, backplane: impl Backplane) -> Self {
        self.backplane = Box::new(backplane);
        self
    }

    /// The host's say over who connects and joins. Default
    /// [`AllowAll`](crate::AllowAll).
    #[must_use]
    pub fn authorizer(mut self, authorizer: impl Authorizer) -> Self {
        self.authorizer = Box::new(authorizer);
        self
    }

    /// The pages allowed to open websockets and call the PeerJS HTTP
    /// endpoints. Default [`Origins::any`]; a server with pages of its own
    /// wants [`Origins::same_origin`].
    #[must_use]
    pub fn origins(mut self, origins: Origins) -> Self {
        self.origins = origins;
        self
    }

    /// Refuse joins whose user id is not a PeerJS id registered, on this
    /// hub, by the same client, as `ownership` proves it
    /// ([`JoinError::UserIdNotProven`](crate::JoinError::UserIdNotProven)).
    /// Default off: user ids are trusted, as in the Node original (right for
    /// pages that use another PeerJS server).
    #[must_use]
    pub fn verify_user_ids(mut self, ownership: Ownership) -> Self {
        self.ownership = Some(ownership);
        self
    }

    /// The reverse proxies whose `Forwarded` / `X-Forwarded-For` headers
    /// name the client ([`Hub::client_ip`]), for every per-address limit
    /// (connections, rooms created, PeerJS peers, room-info lookups).
    /// Default none: the client is the TCP peer, and behind a proxy every
    /// client looks like the proxy.
    #[must_use]
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.proxies = proxies;
        self
    }

    /// The hub.
    #[must_use]
    pub fn build(self) -> Hub {
        let lookups = AddressLimiter::new(self.config.room_info_rate()).limit_loopback(self.config.limits_loopback());
        let inner = Inner {
            config: self.config,
            metrics: Metrics::default(),
            backplane: self.backplane,
            authorizer: Hook(self.authorizer),
            origins: self.origins,
            ownership: self.ownership,
            proxies: self.proxies,
            lookups,
            rooms: Mutex::new(RoomState::default()),
            peers: Mutex::new(PeerState::default()),
            sweeper_taken: AtomicBool::new(false),
        };
        Hub { inner: Arc::new(inner) }
    }
}
