//! The PeerJS-style relay: registration with a token, routing with `src`
//! filled in, holding messages for peers not connected yet, EXPIRE, and
//! the idle timeout.
//!
//! Invariants, kept under the hub's peer lock:
//! - an id is registered at most once; only its current [`PeerSession`] can
//!   send as it or unregister it;
//! - held messages are flushed right after OPEN, before any live message,
//!   because both happen under the same lock;
//! - held messages are bounded per destination and in total; over a bound,
//!   the message is dropped and its sender gets EXPIRE at once.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Weak, atomic::Ordering::Relaxed};

use serde_json::value::RawValue;
use tokio::time::Instant;

use crate::{
    ClientFrame, CloseReason, Hub, Inbox, Message, MessageKind, PeerId, ServerFrame,
    hub::Inner,
    metrics::{Metrics, inc},
    outbox::{Outbox, Push, pair},
};

/// Longest token, in bytes, a peer may register with.
pub const MAX_TOKEN_LEN: usize = 256;

/// Why a registration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// The id is registered with another token.
    #[error("ID is taken")]
    IdTaken,
    /// The relay holds its maximum number of peers.
    #[error("Server has reached its concurrent user limit")]
    ServerFull,
    /// The token is empty or longer than [`MAX_TOKEN_LEN`].
    #[error("token must be 1 to {MAX_TOKEN_LEN} bytes")]
    BadToken,
}

impl RegisterError {
    /// The frame the PeerJS server sends before closing the socket.
    #[must_use]
    pub fn to_json(&self) -> String {
        match self {
            Self::IdTaken => r#"{"type":"ID-TAKEN","payload":{"msg":"ID is taken"}}"#.to_owned(),
            Self::ServerFull => error_frame("Server has reached its concurrent user limit"),
            Self::BadToken => error_frame("No id, token, or key supplied to websocket server"),
        }
    }
}

/// A PeerJS `ERROR` frame carrying `msg`.
#[must_use]
pub fn error_frame(msg: &str) -> String {
    let msg = serde_json::Value::from(msg);
    format!(r#"{{"type":"ERROR","payload":{{"msg":{msg}}}}}"#)
}

#[derive(Debug)]
struct Peer {
    token: Arc<str>,
    session: u64,
    outbox: Outbox<ServerFrame>,
    last_seen: Instant,
}

#[derive(Debug)]
struct Held {
    since: Instant,
    messages: VecDeque<Message>,
}

#[derive(Debug, Default)]
pub(crate) struct PeerState {
    next_session: u64,
    peers: HashMap<PeerId, Peer>,
    held: HashMap<PeerId, Held>,
    held_total: usize,
}

impl PeerState {
    pub(crate) fn peer_count(&self) -> usize {
        self.peers.len()
    }

    pub(crate) fn close_all(&mut self) {
        for peer in self.peers.values() {
            peer.outbox.set_reason(CloseReason::Shutdown);
        }
        self.peers.clear();
        self.held.clear();
        self.held_total = 0;
    }

    fn gauges(&self, m: &Metrics) {
        m.peers.store(self.peers.len() as u64, Relaxed);
    }

    fn remove(&mut self, id: &PeerId, reason: Option<CloseReason>, m: &Metrics) {
        if let Some(peer) = self.peers.remove(id)
            && let Some(reason) = reason
        {
            peer.outbox.set_reason(reason);
        }
        self.gauges(m);
    }

    fn is_current(&self, id: &PeerId, session: u64) -> bool {
        self.peers.get(id).is_some_and(|p| p.session == session)
    }

    /// Queues `frame` to a registered peer; a full queue evicts the peer.
    fn push(&mut self, id: &PeerId, frame: ServerFrame, m: &Metrics) -> bool {
        let Some(peer) = self.peers.get(id) else { return false };
        match peer.outbox.push(frame) {
            Push::Sent => true,
            Push::Full => {
                inc(&m.slow_consumers);
                tracing::warn!(peer = %id, "closing peer: outbound queue full");
                self.remove(id, Some(CloseReason::SlowConsumer), m);
                false
            }
            Push::Gone => {
                self.remove(id, None, m);
                false
            }
        }
    }

    fn expire_to(&mut self, sender: &PeerId, absent: &PeerId, m: &Metrics) {
        let notice = Message { kind: MessageKind::Expire, src: absent.clone(), dst: sender.clone(), payload: None };
        if self.push(sender, ServerFrame::Message(notice), m) {
            inc(&m.expired);
        }
    }

    fn hold(&mut self, message: Message, inner: &Inner, now: Instant) {
        let config = &inner.config;
        let m = &inner.metrics;
        let queue_len = self.held.get(&message.dst).map_or(0, |h| h.messages.len());
        if queue_len >= config.queued_per_peer() || self.held_total >= config.queued_total() {
            inc(&m.dropped);
            tracing::debug!(src = %message.src, dst = %message.dst, "hold limit reached, message dropped");
            self.expire_to(&message.src, &message.dst, m);
            return;
        }
        let held =
            self.held.entry(message.dst.clone()).or_insert_with(|| Held { since: now, messages: VecDeque::new() });
        held.messages.push_back(message);
        self.held_total += 1;
        inc(&m.queued);
    }

    fn expire_held(&mut self, inner: &Inner, now: Instant) {
        let timeout = inner.config.expire();
        let due: Vec<PeerId> = self
            .held
            .iter()
            .filter(|(_, h)| now.duration_since(h.since) >= timeout)
            .map(|(id, _)| id.clone())
            .collect();
        for absent in due {
            let Some(held) = self.held.remove(&absent) else { continue };
            self.held_total -= held.messages.len();
            let mut told: Vec<&PeerId> = Vec::new();
            for message in &held.messages {
                if !told.contains(&&message.src) {
                    told.push(&message.src);
                    self.expire_to(&message.src, &absent, &inner.metrics);
                }
            }
        }
    }

    fn drop_silent(&mut self, inner: &Inner, now: Instant) {
        let timeout = inner.config.alive();
        let silent: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|(_, p)| now.duration_since(p.last_seen) >= timeout)
            .map(|(id, _)| id.clone())
            .collect();
        for id in silent {
            tracing::debug!(peer = %id, "closing peer: idle timeout");
            self.remove(&id, Some(CloseReason::IdleTimeout), &inner.metrics);
        }
    }
}

impl Hub {
    /// A fresh peer id (lowercase UUID v4) that no peer holds now, as the
    /// PeerJS `/id` endpoint hands out. It is not reserved.
    #[must_use]
    pub fn generate_peer_id(&self) -> PeerId {
        let state = self.lock_peers();
        loop {
            let id = PeerId::random();
            if !state.peers.contains_key(&id) {
                return id;
            }
        }
    }

    /// The ids of every registered peer (for the optional peer list).
    #[must_use]
    pub fn peer_ids(&self) -> Vec<PeerId> {
        self.lock_peers().peers.keys().cloned().collect()
    }

    /// Registers `id` with `token`. On success the inbox's first item is
    /// [`ServerFrame::Open`], followed by the messages held for `id`.
    ///
    /// Registering an id again with the same token takes it over: the older
    /// session's inbox closes with [`CloseReason::Superseded`] and the new
    /// one gets OPEN (the reference server sends nothing here, which leaves
    /// a reconnecting client waiting for an `open` that never comes).
    ///
    /// # Errors
    ///
    /// [`RegisterError::IdTaken`] when another token holds `id`,
    /// [`RegisterError::ServerFull`] at the peer limit,
    /// [`RegisterError::BadToken`] for an empty or oversized token.
    pub fn register(&self, id: &PeerId, token: &str) -> Result<(PeerSession, Inbox<ServerFrame>), RegisterError> {
        let result = self.try_register(id, token);
        if let Err(error) = &result {
            inc(&self.inner.metrics.refused);
            tracing::debug!(peer = %id, %error, "registration refused");
        }
        result
    }

    fn try_register(&self, id: &PeerId, token: &str) -> Result<(PeerSession, Inbox<ServerFrame>), RegisterError> {
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(RegisterError::BadToken);
        }
        let inner = &*self.inner;
        let mut state = self.lock_peers();
        match state.peers.get(id) {
            Some(peer) if *peer.token != *token => return Err(RegisterError::IdTaken),
            Some(_) => state.remove(id, Some(CloseReason::Superseded), &inner.metrics),
            None if state.peers.len() >= inner.config.peers() => return Err(RegisterError::ServerFull),
            None => {}
        }
        state.next_session += 1;
        let session = state.next_session;
        let (outbox, inbox) = pair(inner.config.outbound());
        // Capacity exceeds the hold limit by one, so OPEN and every held
        // message fit.
        outbox.push(ServerFrame::Open);
        if let Some(held) = state.held.remove(id) {
            state.held_total -= held.messages.len();
            for message in held.messages {
                outbox.push(ServerFrame::Message(message));
                inc(&inner.metrics.relayed);
            }
        }
        let peer = Peer { token: Arc::from(token), session, outbox, last_seen: Instant::now() };
        state.peers.insert(id.clone(), peer);
        state.gauges(&inner.metrics);
        drop(state);
        tracing::debug!(peer = %id, "registered");
        Ok((PeerSession { hub: self.clone(), id: id.clone(), session }, inbox))
    }

    /// Hands a message that arrived from another node to its destination
    /// if registered here. Returns whether it was queued. For
    /// [`Backplane`](crate::Backplane) implementations.
    pub fn deliver_remote_message(&self, message: Message) -> bool {
        let dst = message.dst.clone();
        let delivered = self.lock_peers().push(&dst, ServerFrame::Message(message), &self.inner.metrics);
        if delivered {
            inc(&self.inner.metrics.relayed);
        }
        delivered
    }

    /// Expires held messages (sending EXPIRE to their senders) and drops
    /// peers silent for longer than the idle timeout, as of now. The
    /// [`Hub::take_sweeper`] task calls it periodically.
    pub fn sweep(&self) {
        let now = Instant::now();
        let mut state = self.lock_peers();
        state.expire_held(&self.inner, now);
        state.drop_silent(&self.inner, now);
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
        let weak: Weak<Inner> = self.downgrade();
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
}

/// A registered peer. Dropping it unregisters the id (if this session still
/// holds it); nobody is told, as in the reference server.
#[derive(Debug)]
pub struct PeerSession {
    hub: Hub,
    id: PeerId,
    session: u64,
}

impl PeerSession {
    /// The registered id.
    #[must_use]
    pub fn id(&self) -> &PeerId {
        &self.id
    }

    /// Acts on one frame from the client: any frame counts as a sign of
    /// life; relayed types are routed.
    pub fn handle(&self, frame: ClientFrame) {
        let mut state = self.hub.lock_peers();
        let Some(peer) = state.peers.get_mut(&self.id).filter(|p| p.session == self.session) else { return };
        peer.last_seen = Instant::now();
        if let ClientFrame::Relay { kind, dst, payload } = frame {
            let message = Message { kind, src: self.id.clone(), dst, payload };
            self.route(&mut state, message);
        }
    }

    /// Parses one text frame (bounded by
    /// [`Config::max_message_bytes`](crate::Config::max_message_bytes)) and
    /// acts on it with [`PeerSession::handle`].
    ///
    /// # Errors
    ///
    /// The [`FrameError`](crate::FrameError) of a frame that cannot be used;
    /// it is counted as dropped and changes nothing. Adapters ignore it: an
    /// ERROR frame would make the stock client give up its peer.
    pub fn handle_text(&self, text: &str) -> Result<(), crate::FrameError> {
        match ClientFrame::parse(text, self.hub.inner.config.message_bytes()) {
            Ok(frame) => {
                self.handle(frame);
                Ok(())
            }
            Err(error) => {
                inc(&self.hub.inner.metrics.dropped);
                Err(error)
            }
        }
    }

    /// Sends `payload` as a `kind` message to `dst`, as [`PeerSession::handle`]
    /// does for a parsed frame.
    pub fn send(&self, kind: MessageKind, dst: PeerId, payload: Option<Box<RawValue>>) {
        self.handle(ClientFrame::Relay { kind, dst, payload });
    }

    fn route(&self, state: &mut PeerState, message: Message) {
        let inner = &*self.hub.inner;
        let m = &inner.metrics;
        if state.peers.contains_key(&message.dst) {
            let dst = message.dst.clone();
            if state.push(&dst, ServerFrame::Message(message), m) {
                inc(&m.relayed);
            } else {
                inc(&m.dropped);
            }
        } else if !message.kind.is_held() {
            inc(&m.dropped);
        } else if inner.backplane.forward(&message) {
            inc(&m.relayed);
        } else {
            state.hold(message, inner, Instant::now());
        }
    }

    /// Whether this session still holds its id.
    #[must_use]
    pub fn is_registered(&self) -> bool {
        self.hub.lock_peers().is_current(&self.id, self.session)
    }
}

impl Drop for PeerSession {
    fn drop(&mut self) {
        let mut state = self.hub.lock_peers();
        if state.is_current(&self.id, self.session) {
            state.remove(&self.id, None, &self.hub.inner.metrics);
            tracing::debug!(peer = %self.id, "unregistered");
        }
    }
}
