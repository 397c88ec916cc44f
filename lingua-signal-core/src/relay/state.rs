//! The relay as a state machine: registration with a token, routing with
//! `src` filled in, holding messages for peers not connected yet, EXPIRE, and
//! the idle timeout. The hub owns it behind its peer lock and hands out
//! [`PeerSession`](crate::peerjs::PeerSession)s to drive it.
//!
//! Invariants, kept by every operation:
//! - an id is registered at most once; only its current session can
//!   send as it or unregister it;
//! - an id whose socket was lost (or that a room still uses) is reserved
//!   for the client that registered it: only the same token or client
//!   cookie may register it until the reservation ends;
//! - held messages are flushed right after OPEN, before any live message,
//!   because both happen under the same lock;
//! - held messages are bounded per destination and in total; over a bound,
//!   the message is dropped and its sender gets EXPIRE at once;
//! - a relayed message never closes its receiver: each sender has a share
//!   of the receiver's queue (messages and bytes); over it, the message is
//!   dropped and the sender gets EXPIRE, then a close if it keeps going.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, atomic::Ordering::Relaxed};

use tokio::time::Instant;

use crate::frame::{ClientFrame, Message, MessageKind, ServerFrame};
use crate::{
    CloseReason, Inbox, PeerId,
    env::Env,
    identity::Proof,
    message::{Limiter, Verdict},
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
    /// The client cookie its websocket carried, when the hub verifies user
    /// ids.
    cookie: Option<Arc<str>>,
    session: u64,
    outbox: Outbox<ServerFrame>,
    last_seen: Instant,
    /// The rate limit of its relayed messages.
    relays: Limiter,
    /// The byte rate limit of its relayed messages.
    relay_bytes: Limiter,
}

/// An id kept for the client that registered it, after its socket ended.
#[derive(Debug)]
struct Reservation {
    token: Arc<str>,
    cookie: Option<Arc<str>>,
    /// Not released before this, and not while a room uses the id.
    until: Instant,
}

impl Reservation {
    fn of(peer: &Peer, until: Instant) -> Self {
        Self { token: peer.token.clone(), cookie: peer.cookie.clone(), until }
    }

    /// Whether `token` or `cookie` shows the client that registered the id.
    fn owned_by(&self, token: Option<&str>, cookie: Option<&Arc<str>>) -> bool {
        same_client(&self.token, self.cookie.as_ref(), token, cookie)
    }
}

/// Whether a client showing `token` or `cookie` is the one that registered
/// with `held_token` and `held_cookie`: the same PeerJS token, or the same
/// (verified) client cookie.
fn same_client(
    held_token: &str,
    held_cookie: Option<&Arc<str>>,
    token: Option<&str>,
    cookie: Option<&Arc<str>>,
) -> bool {
    token.is_some_and(|t| held_token == t) || cookie.zip(held_cookie).is_some_and(|(a, b)| a == b)
}

/// How a registration ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Departure {
    /// The client closed its socket (a close frame) or misbehaved: the id
    /// is released at once, unless `in_use` (a room uses it).
    Left { in_use: bool },
    /// The socket was lost without a goodbye: the id is reserved for the
    /// grace period.
    Lost,
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
    reserved: HashMap<PeerId, Reservation>,
    held: HashMap<PeerId, Held>,
    held_total: usize,
}

impl PeerState {
    pub(crate) fn close_all(&mut self, m: &Metrics) {
        for peer in self.peers.values() {
            peer.outbox.set_reason(CloseReason::Shutdown);
        }
        self.peers.clear();
        self.reserved.clear();
        self.held.clear();
        self.held_total = 0;
        self.gauges(m);
    }

    fn gauges(&self, m: &Metrics) {
        m.peers.store(self.peers.len() as u64, Relaxed);
    }

    /// Ends the registration of `id`, for `reason` when the hub ends it. A
    /// peer that went silent or could not keep up did not say goodbye: its
    /// id is reserved for the grace period, as for a lost socket.
    fn remove(&mut self, id: &PeerId, reason: Option<CloseReason>, env: &Env<'_>) {
        let departure = match reason {
            Some(CloseReason::IdleTimeout | CloseReason::SlowConsumer) => Departure::Lost,
            _ => Departure::Left { in_use: false },
        };
        self.end(id, reason, departure, env);
    }

    fn end(&mut self, id: &PeerId, reason: Option<CloseReason>, departure: Departure, env: &Env<'_>) {
        if let Some(peer) = self.peers.remove(id) {
            if let Some(reason) = reason {
                peer.outbox.set_reason(reason);
            }
            let now = Instant::now();
            match departure {
                Departure::Lost => {
                    self.reserved.insert(id.clone(), Reservation::of(&peer, now + env.config.grace()));
                }
                Departure::Left { in_use: true } => {
                    self.reserved.insert(id.clone(), Reservation::of(&peer, now));
                }
                // Other nodes hear of it once the reservation ends.
                Departure::Left { in_use: false } => env.backplane.peer_unregistered(id),
            }
        }
        self.gauges(env.metrics);
    }

    /// The reserved ids whose time is up, to release unless a room uses
    /// them ([`PeerState::release`]).
    pub(crate) fn reservations_due(&self, now: Instant) -> Vec<PeerId> {
        self.reserved.iter().filter(|(_, r)| now >= r.until).map(|(id, _)| id.clone()).collect()
    }

    /// Releases the reservation of `id` (if its time is still up: the owner
    /// may have registered it again meanwhile).
    pub(crate) fn release(&mut self, env: &Env<'_>, id: &PeerId, now: Instant) {
        if self.reserved.get(id).is_some_and(|r| now >= r.until) {
            self.reserved.remove(id);
            env.backplane.peer_unregistered(id);
            tracing::debug!(peer = %id, "reservation released");
        }
    }

    fn is_current(&self, id: &PeerId, session: u64) -> bool {
        self.peers.get(id).is_some_and(|p| p.session == session)
    }

    /// Queues `frame` to a registered peer; a full queue evicts the peer.
    fn push(&mut self, id: &PeerId, frame: ServerFrame, env: &Env<'_>) -> bool {
        let m = env.metrics;
        let Some(peer) = self.peers.get(id) else { return false };
        match peer.outbox.push(frame) {
            Push::Sent => true,
            Push::Full => {
                inc(&m.slow_consumers);
                tracing::warn!(peer = %id, "closing peer: outbound queue full");
                self.remove(id, Some(CloseReason::SlowConsumer), env);
                false
            }
            // Only relayed messages are tested (`push_relayed`).
            Push::Refused => false,
            Push::Gone => {
                self.remove(id, None, env);
                false
            }
        }
    }

    /// Queues a message from another peer to `message.dst` within the
    /// sender's share of the receiver's queue ([`Config::max_relay_bytes`]).
    /// Returns whether it was queued; a message over the share is not, and
    /// the receiver is left alone: the caller tells the sender.
    ///
    /// [`Config::max_relay_bytes`]: crate::Config::max_relay_bytes
    fn push_relayed(&mut self, message: Message, env: &Env<'_>) -> Relayed {
        let Some(peer) = self.peers.get(&message.dst) else { return Relayed::Absent };
        let config = env.config;
        let share_items = (config.outbound() / 4).max(1);
        let share_bytes = config.relay_bytes() * 2;
        let all_bytes = config.relay_bytes() * 8;
        let size = payload_len(&message);
        let src = message.src.clone();
        let admit = |queue: &std::collections::VecDeque<ServerFrame>| {
            let (mut items, mut bytes, mut all) = (0, 0, 0);
            for frame in queue {
                if let ServerFrame::Message(queued) = frame {
                    let len = payload_len(queued);
                    all += len;
                    if queued.src == src {
                        items += 1;
                        bytes += len;
                    }
                }
            }
            items < share_items && bytes + size <= share_bytes && all + size <= all_bytes
        };
        match peer.outbox.push_if(ServerFrame::Message(message), admit) {
            Push::Sent => Relayed::Queued,
            // Full counts as over the share too: the receiver's queue is
            // taken by others, and it is not the receiver's fault.
            Push::Full | Push::Refused => Relayed::OverShare,
            Push::Gone => Relayed::Gone,
        }
    }

    fn expire_to(&mut self, sender: &PeerId, absent: &PeerId, env: &Env<'_>) {
        let notice = Message { kind: MessageKind::Expire, src: absent.clone(), dst: sender.clone(), payload: None };
        if self.push(sender, ServerFrame::Message(notice), env) {
            inc(&env.metrics.expired);
        }
    }

    fn hold(&mut self, message: Message, env: &Env<'_>, now: Instant) {
        let config = env.config;
        let m = env.metrics;
        let queue_len = self.held.get(&message.dst).map_or(0, |h| h.messages.len());
        if queue_len >= config.queued_per_peer() || self.held_total >= config.queued_total() {
            inc(&m.dropped);
            tracing::debug!(src = %message.src, dst = %message.dst, "hold limit reached, message dropped");
            self.expire_to(&message.src, &message.dst, env);
            return;
        }
        let held =
            self.held.entry(message.dst.clone()).or_insert_with(|| Held { since: now, messages: VecDeque::new() });
        held.messages.push_back(message);
        self.held_total += 1;
        inc(&m.queued);
    }

    fn expire_held(&mut self, env: &Env<'_>, now: Instant) {
        let timeout = env.config.expire();
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
                    self.expire_to(&message.src, &absent, env);
                }
            }
        }
    }

    fn drop_silent(&mut self, env: &Env<'_>, now: Instant) {
        let timeout = env.config.alive();
        let silent: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|(_, p)| now.duration_since(p.last_seen) >= timeout)
            .map(|(id, _)| id.clone())
            .collect();
        for id in silent {
            tracing::debug!(peer = %id, "closing peer: idle timeout");
            self.remove(&id, Some(CloseReason::IdleTimeout), env);
        }
    }
}

/// What became of a relayed message ([`PeerState::push_relayed`]).
enum Relayed {
    Queued,
    /// Over its sender's share of the receiver's queue.
    OverShare,
    /// The receiver's socket is gone.
    Gone,
    /// No such peer here.
    Absent,
}

/// The bytes of a message's payload, what the relay's byte budgets count.
fn payload_len(message: &Message) -> usize {
    message.payload.as_ref().map_or(0, |p| p.get().len())
}

/// A registration: which session of an id is current.
pub(crate) type Session = u64;

impl PeerState {
    /// A fresh id (lowercase UUID v4) that no peer holds now.
    pub(crate) fn fresh_id(&self, env: &Env<'_>) -> PeerId {
        loop {
            let id = PeerId::random();
            let free = !self.peers.contains_key(&id) && !self.reserved.contains_key(&id);
            if free && !env.backplane.peer_elsewhere(&id) {
                return id;
            }
        }
    }

    pub(crate) fn ids(&self) -> Vec<PeerId> {
        self.peers.keys().cloned().collect()
    }

    /// Registers `id` with `token` (see [`Hub::register`](crate::Hub::register)).
    pub(crate) fn register(
        &mut self,
        env: &Env<'_>,
        id: &PeerId,
        token: &str,
        cookie: Option<Arc<str>>,
    ) -> Result<(Session, Inbox<ServerFrame>), RegisterError> {
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(RegisterError::BadToken);
        }
        if let Some(reservation) = self.reserved.get(id) {
            // Only the client that held the id may take it back; a token a
            // stranger chose proves nothing.
            if !reservation.owned_by(Some(token), cookie.as_ref()) {
                return Err(RegisterError::IdTaken);
            }
            self.reserved.remove(id);
        }
        match self.peers.get(id) {
            Some(peer) if *peer.token != *token => return Err(RegisterError::IdTaken),
            Some(_) => self.remove(id, Some(CloseReason::Superseded), env),
            // Held on another node: taken there, whatever the token.
            None if env.backplane.peer_elsewhere(id) => return Err(RegisterError::IdTaken),
            None if self.peers.len() >= env.config.peers() => return Err(RegisterError::ServerFull),
            None => {}
        }
        self.next_session += 1;
        let session = self.next_session;
        let (outbox, inbox) = pair(env.config.outbound());
        // Capacity exceeds the hold limit by one, so OPEN and every held
        // message fit.
        outbox.push(ServerFrame::Open);
        if let Some(held) = self.held.remove(id) {
            self.held_total -= held.messages.len();
            for message in held.messages {
                outbox.push(ServerFrame::Message(message));
                inc(&env.metrics.relayed);
            }
        }
        let relays = Limiter::new(env.config.relay_rate());
        let relay_bytes = Limiter::new(env.config.relay_byte_rate());
        let peer =
            Peer { token: Arc::from(token), cookie, session, outbox, last_seen: Instant::now(), relays, relay_bytes };
        self.peers.insert(id.clone(), peer);
        env.backplane.peer_registered(id);
        self.gauges(env.metrics);
        Ok((session, inbox))
    }

    /// Ends the registration of `id` if `session` still holds it, releasing
    /// or reserving the id as `departure` says. Returns whether it did.
    pub(crate) fn unregister(&mut self, env: &Env<'_>, id: &PeerId, session: Session, departure: Departure) -> bool {
        let current = self.is_current(id, session);
        if current {
            self.end(id, None, departure, env);
        }
        current
    }

    pub(crate) fn is_registered(&self, id: &PeerId, session: Session) -> bool {
        self.is_current(id, session)
    }

    /// Whether `id` is registered by the client that showed `proof`: the
    /// same PeerJS token, or the same client cookie.
    /// A reserved id (its socket is reconnecting) is still its client's.
    pub(crate) fn is_owned_by(&self, id: &PeerId, proof: &Proof) -> bool {
        if let Some(reservation) = self.reserved.get(id) {
            return reservation.owned_by(proof.token.as_deref(), proof.cookie.as_ref());
        }
        let Some(peer) = self.peers.get(id) else { return false };
        same_client(&peer.token, peer.cookie.as_ref(), proof.token.as_deref(), proof.cookie.as_ref())
    }

    /// Acts on one parsed frame from `src`'s `session`: a sign of life, and a
    /// message to route for relayed types. Frames of a superseded session
    /// change nothing.
    pub(crate) fn receive(&mut self, env: &Env<'_>, src: &PeerId, session: Session, frame: ClientFrame) {
        let Some(peer) = self.peers.get_mut(src).filter(|p| p.session == session) else { return };
        peer.last_seen = Instant::now();
        let ClientFrame::Relay { kind, dst, payload } = frame else { return };
        let rate = env.config.relay_rate();
        let size = payload.as_ref().map_or(0, |p| p.get().len());
        let byte_rate = env.config.relay_byte_rate();
        let verdict = match peer.relays.check(rate) {
            Verdict::Allowed => peer.relay_bytes.check_amount(size, byte_rate),
            verdict => verdict,
        };
        if verdict == Verdict::Allowed {
            let message = Message { kind, src: src.clone(), dst, payload };
            if let Some(dst) = self.route(env, message) {
                // Over its share of the receiver's queue: the sender pays.
                let verdict = self.peers.get_mut(src).map_or(Verdict::Refused, |p| p.relays.strike(rate));
                self.refuse_relay(env, src, &dst, verdict);
            }
        } else {
            self.refuse_relay(env, src, &dst, verdict);
        }
    }

    /// A message from `src` to `dst` that is not delivered for a limit of
    /// the sender's: EXPIRE for that destination (the stock client reports
    /// `peer-unavailable`), or a close when the sender keeps going.
    fn refuse_relay(&mut self, env: &Env<'_>, src: &PeerId, dst: &PeerId, verdict: Verdict) {
        inc(&env.metrics.dropped);
        if verdict == Verdict::Abusive {
            inc(&env.metrics.rate_limited);
            tracing::warn!(peer = %src, "closing peer: persistently over its relay limits");
            self.remove(src, Some(CloseReason::RateLimited), env);
        } else {
            self.expire_to(src, dst, env);
        }
    }

    /// Delivers, forwards or holds `message`; returns its destination when
    /// the message is over its sender's share of the receiver's queue.
    fn route(&mut self, env: &Env<'_>, message: Message) -> Option<PeerId> {
        let m = env.metrics;
        if self.peers.contains_key(&message.dst) {
            let dst = message.dst.clone();
            match self.push_relayed(message, env) {
                Relayed::Queued => inc(&m.relayed),
                Relayed::OverShare => return Some(dst),
                Relayed::Gone => {
                    self.remove(&dst, None, env);
                    inc(&m.dropped);
                }
                Relayed::Absent => inc(&m.dropped),
            }
        } else if env.backplane.forward(&message) {
            // Any kind: a LEAVE reaches a peer on another node as it would
            // reach one here.
            inc(&m.relayed);
        } else if !message.kind.is_held() {
            inc(&m.dropped);
        } else {
            self.hold(message, env, Instant::now());
        }
        None
    }

    /// Queues a message that arrived from another node to its destination
    /// if registered here, within its sender's share. Returns whether it
    /// was queued.
    pub(crate) fn deliver_remote(&mut self, env: &Env<'_>, message: Message) -> bool {
        let dst = message.dst.clone();
        match self.push_relayed(message, env) {
            Relayed::Queued => {
                inc(&env.metrics.relayed);
                true
            }
            Relayed::Gone => {
                self.remove(&dst, None, env);
                false
            }
            Relayed::OverShare | Relayed::Absent => false,
        }
    }

    /// Routes the messages held for `id` again, through the backplane: `id`
    /// has appeared on another node. Those the backplane does not take stay
    /// held, with their original age. Returns how many it took.
    pub(crate) fn release_held(&mut self, env: &Env<'_>, id: &PeerId) -> usize {
        let Some(mut held) = self.held.remove(id) else { return 0 };
        let before = held.messages.len();
        held.messages.retain(|message| !env.backplane.forward(message));
        let taken = before - held.messages.len();
        self.held_total -= taken;
        for _ in 0..taken {
            inc(&env.metrics.relayed);
        }
        if !held.messages.is_empty() {
            self.held.insert(id.clone(), held);
        }
        taken
    }

    /// Expires held messages and drops silent peers, as of `now`.
    pub(crate) fn sweep(&mut self, env: &Env<'_>, now: Instant) {
        self.expire_held(env, now);
        self.drop_silent(env, now);
    }
}
