//! [`RedisBackplane`]: the [`Backplane`] methods, which run under the hub's
//! lock. They only read the cache and queue work for the driver task; they
//! never wait for Redis and never call the hub.

use std::{
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, AtomicU64, Ordering::Relaxed},
    },
    time::Duration,
};

use lingua_signal_core::{Backplane, BoxFuture, Event, Hub, PeerId, RoomId, peerjs::Message};
use tokio::sync::mpsc;

use crate::{
    Builder, Error, MAX_TTL, Stats, driver,
    shared::{Local, Out, Presence, Shared},
    stats::Counters,
    wire::{Body, member_field, peer_field},
};

/// The longest [`Backplane::flush`] waits for Redis.
const FLUSH_BOUND: Duration = Duration::from_secs(2);

impl Builder {
    /// The backplane. It does not connect yet:
    /// [`RedisBackplane::attach`] starts it.
    ///
    /// # Errors
    ///
    /// [`Error::Url`] for a URL the client refuses, [`Error::Prefix`] for an
    /// unusable prefix or node id, [`Error::Timers`] when the refresh
    /// interval is zero or more than half the TTL, or the TTL is over
    /// [`MAX_TTL`].
    pub fn build(self) -> Result<RedisBackplane, Error> {
        let client = redis::Client::open(self.url.as_str()).map_err(|e| Error::Url(e.to_string()))?;
        // No glob characters either: the prefix goes into a SCAN pattern.
        let usable = |s: &str| {
            !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_graphic() && !b"*?[]\\".contains(&b))
        };
        if !usable(&self.prefix) || !self.node_id.as_deref().is_none_or(usable) {
            return Err(Error::Prefix);
        }
        let refresh_fits = self.refresh.checked_mul(2).is_some_and(|twice| twice <= self.ttl);
        if self.refresh.is_zero() || !refresh_fits || self.ttl > MAX_TTL {
            return Err(Error::Timers { refresh: self.refresh, ttl: self.ttl });
        }
        Ok(RedisBackplane::new(client, self))
    }
}

/// Shares rooms and PeerJS peers between processes through Redis.
///
/// Cloning is cheap: clones are the same backplane. Give one clone to
/// [`HubBuilder::backplane`](lingua_signal_core::HubBuilder::backplane) and
/// call [`RedisBackplane::attach`] with the hub that was built.
#[derive(Debug, Clone)]
pub struct RedisBackplane {
    shared: Arc<Shared>,
}

impl RedisBackplane {
    /// Settings for a backplane on the Redis server at `url`
    /// (`redis://[user:password@]host[:port][/db]`, or `rediss://` when the
    /// client is built with TLS).
    #[must_use]
    pub fn builder(url: &str) -> Builder {
        Builder::new(url)
    }

    pub(crate) fn new(client: redis::Client, settings: Builder) -> Self {
        let (tx, rx) = mpsc::channel(settings.queue);
        let node = settings.node_id.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let shared = Shared {
            client,
            settings,
            node,
            cache: Mutex::default(),
            local: Mutex::default(),
            counters: Counters::default(),
            dirty: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            pending: AtomicU64::new(0),
            tx,
            rx: Mutex::new(Some(rx)),
        };
        Self { shared: Arc::new(shared) }
    }

    /// Starts the task that connects to Redis (retrying with backoff until it
    /// can) and delivers what the other nodes say to `hub`. The task holds
    /// the hub weakly and ends once the hub is dropped. Until it is
    /// connected, `hub` serves its own members alone.
    ///
    /// # Errors
    ///
    /// [`Error::AlreadyAttached`] on a second call, [`Error::NoRuntime`]
    /// outside a tokio runtime.
    pub fn attach(&self, hub: &Hub) -> Result<(), Error> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
        let rx = self.shared.rx.lock().unwrap_or_else(PoisonError::into_inner).take();
        let rx = rx.ok_or(Error::AlreadyAttached)?;
        runtime.spawn(driver::run(self.shared.clone(), hub.downgrade(), rx));
        Ok(())
    }

    /// This node's id in Redis.
    #[must_use]
    pub fn node_id(&self) -> &str {
        &self.shared.node
    }

    /// Counters and state, for logs and metrics.
    #[must_use]
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot(self.shared.cache().node_count())
    }
}

impl Backplane for RedisBackplane {
    fn publish_event(&self, event: &Event) {
        let Some(body) = Body::from_event(event) else { return };
        let presence = match event {
            Event::UserConnected { room, user } => {
                self.shared.local().members.insert((room.clone(), user.clone()));
                Some(Presence::Set(member_field(room, user)))
            }
            Event::UserDisconnected { room, user } => {
                self.shared.local().members.remove(&(room.clone(), user.clone()));
                Some(Presence::Del(member_field(room, user)))
            }
            _ => None,
        };
        self.shared.broadcast(body, presence);
    }

    fn forward(&self, message: &Message) -> bool {
        let Some(node) = self.shared.cache().node_of(&message.dst).map(str::to_owned) else { return false };
        // A full queue answers `false`: the message is held here and
        // expires as on one process, rather than vanish.
        self.shared.send(Out { to: Some(node), body: Body::relay(message), presence: None })
    }

    fn peer_registered(&self, id: &PeerId) {
        self.shared.local().peers.insert(id.clone());
        self.shared.broadcast(Body::PeerUp { id: id.clone() }, Some(Presence::Set(peer_field(id))));
    }

    fn peer_unregistered(&self, id: &PeerId) {
        self.shared.local().peers.remove(id);
        self.shared.broadcast(Body::PeerDown { id: id.clone() }, Some(Presence::Del(peer_field(id))));
    }

    fn peer_elsewhere(&self, id: &PeerId) -> bool {
        self.shared.cache().node_of(id).is_some()
    }

    fn remote_members(&self, room: &RoomId) -> Vec<PeerId> {
        self.shared.cache().members(room)
    }

    fn flush(&self) -> BoxFuture<'static, ()> {
        let shared = self.shared.clone();
        Box::pin(async move {
            let deadline = tokio::time::Instant::now() + FLUSH_BOUND;
            while shared.pending.load(Relaxed) > 0
                && shared.counters.connected.load(Relaxed)
                && tokio::time::Instant::now() < deadline
            {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    }

    fn shutdown(&self) {
        self.shared.closed.store(true, Relaxed);
        *self.shared.local() = Local::default();
        self.shared.broadcast(Body::Bye, Some(Presence::Clear));
    }
}
