//! [`PeerSession`]: one registered PeerJS peer's handle on the relay of a
//! [`Hub`], and the hub's relay operations.

use std::sync::Arc;

use serde_json::value::RawValue;

use crate::{
    Hub, Identity, Inbox, PeerId,
    frame::{ClientFrame, FrameError, Message, MessageKind, ServerFrame},
    metrics::inc,
    relay::{AdmitError, Departure, PeerParams, RegisterError, Session},
};

impl Hub {
    /// A fresh peer id (lowercase UUID v4) that no peer holds now, as the
    /// PeerJS `/id` endpoint hands out. It is not reserved.
    #[must_use]
    pub fn generate_peer_id(&self) -> PeerId {
        self.with_peers(|peers, env| peers.fresh_id(env))
    }

    /// The ids of every registered peer (for the optional peer list).
    #[must_use]
    pub fn peer_ids(&self) -> Vec<PeerId> {
        self.lock_peers().ids()
    }

    /// Registers `id` with `token`. On success the inbox's first item is
    /// [`ServerFrame::Open`], followed by the messages held for `id`.
    ///
    /// Registering an id again with the same token takes it over: the older
    /// session's inbox closes with
    /// [`CloseReason::Superseded`](crate::CloseReason::Superseded) and the
    /// new one gets OPEN (the reference server sends nothing here, which
    /// leaves a reconnecting client waiting for an `open` that never comes).
    ///
    /// # Errors
    ///
    /// [`RegisterError::IdTaken`] when another token holds `id`,
    /// [`RegisterError::ServerFull`] at the peer limit,
    /// [`RegisterError::BadToken`] for an empty or oversized token.
    pub fn register(&self, id: &PeerId, token: &str) -> Result<(PeerSession, Inbox<ServerFrame>), RegisterError> {
        self.register_owned(id, token, None)
    }

    fn register_owned(
        &self,
        id: &PeerId,
        token: &str,
        cookie: Option<Arc<str>>,
    ) -> Result<(PeerSession, Inbox<ServerFrame>), RegisterError> {
        match self.with_peers(|peers, env| peers.register(env, id, token, cookie)) {
            Ok((session, inbox)) => {
                tracing::debug!(peer = %id, "registered");
                Ok((PeerSession { hub: self.clone(), id: id.clone(), session, lost: false }, inbox))
            }
            Err(error) => {
                inc(&self.metrics().refused);
                tracing::debug!(peer = %id, %error, "registration refused");
                Err(error)
            }
        }
    }

    /// Checks `params` against `key` and registers the peer: the whole
    /// admission of a PeerJS websocket, in the reference's order.
    ///
    /// # Errors
    ///
    /// [`AdmitError`]; send its [`to_json`](AdmitError::to_json) frame, then
    /// close the socket.
    pub fn admit(&self, params: PeerParams, key: &str) -> Result<(PeerSession, Inbox<ServerFrame>), AdmitError> {
        let (id, token) = params.check(key)?;
        Ok(self.register(&id, &token)?)
    }

    /// [`Hub::admit`] for a websocket that [`Hub::authorize`] found to be
    /// `identity`: when the hub verifies user ids, the registration keeps
    /// the client cookie the upgrade carried, so that the same client's
    /// rooms connection may join under this id.
    ///
    /// # Errors
    ///
    /// As [`Hub::admit`].
    pub fn admit_as(
        &self,
        params: PeerParams,
        key: &str,
        identity: &Identity,
    ) -> Result<(PeerSession, Inbox<ServerFrame>), AdmitError> {
        let (id, token) = params.check(key)?;
        let cookie = identity.proof.as_ref().and_then(|proof| proof.cookie.clone());
        Ok(self.register_owned(&id, &token, cookie)?)
    }

    /// Hands a message that arrived from another node to its destination
    /// if registered here. Returns whether it was queued. For
    /// [`Backplane`](crate::Backplane) implementations.
    pub fn deliver_remote_message(&self, message: Message) -> bool {
        self.with_peers(|peers, env| peers.deliver_remote(env, message))
    }

    /// Routes the messages held for `id` again, through the backplane: call
    /// it when `id` has registered on another node, so that what was sent
    /// before it connected reaches it there, as on one process. Messages the
    /// backplane does not take stay held and expire as usual. Returns how
    /// many it took. For [`Backplane`](crate::Backplane) implementations.
    pub fn release_held(&self, id: &PeerId) -> usize {
        self.with_peers(|peers, env| peers.release_held(env, id))
    }
}

/// A registered peer. Dropping it unregisters the id (if this session still
/// holds it); nobody is told, as in the reference server. The id is free
/// for anyone at once, unless a rooms connection is in a room under it:
/// then only the same client (token or client cookie) may register it
/// while that lasts. [`PeerSession::lost`] keeps it for its client for
/// [`Config::resume_grace`](crate::Config::resume_grace) too.
#[derive(Debug)]
pub struct PeerSession {
    hub: Hub,
    id: PeerId,
    session: Session,
    lost: bool,
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
        self.hub.with_peers(|peers, env| peers.receive(env, &self.id, self.session, frame));
    }

    /// Parses one text frame (bounded by
    /// [`Config::max_relay_bytes`](crate::Config::max_relay_bytes)) and
    /// acts on it with [`PeerSession::handle`].
    ///
    /// # Errors
    ///
    /// The [`FrameError`] of a frame that cannot be used; it is counted as
    /// dropped and changes nothing. Servers ignore it: an ERROR frame would
    /// make the stock client give up its peer.
    pub fn handle_text(&self, text: &str) -> Result<(), FrameError> {
        match ClientFrame::parse(text, self.hub.config().relay_bytes()) {
            Ok(frame) => {
                self.handle(frame);
                Ok(())
            }
            Err(error) => {
                inc(&self.hub.metrics().dropped);
                Err(error)
            }
        }
    }

    /// Sends `payload` as a `kind` message to `dst`, as [`PeerSession::handle`]
    /// does for a parsed frame.
    pub fn send(&self, kind: MessageKind, dst: PeerId, payload: Option<Box<RawValue>>) {
        self.handle(ClientFrame::Relay { kind, dst, payload });
    }

    /// Whether this session still holds its id.
    #[must_use]
    pub fn is_registered(&self) -> bool {
        self.hub.lock_peers().is_registered(&self.id, self.session)
    }

    /// Ends the registration of a socket that was lost without a goodbye (no
    /// close frame: a network drop, a dead peer): the id stays reserved for
    /// the same client (its token or client cookie) for
    /// [`Config::resume_grace`](crate::Config::resume_grace), and longer
    /// while a room uses it, so that nobody else takes it while the client
    /// reconnects. Dropping the session instead is a clean close.
    pub fn lost(mut self) {
        self.lost = true;
    }
}

impl Drop for PeerSession {
    fn drop(&mut self) {
        let departure = if self.lost {
            Departure::Lost
        } else {
            // Asked before the relay's lock: the two locks are never held
            // together.
            Departure::Left { in_use: self.hub.lock_rooms().uses_user(&self.id) }
        };
        if self.hub.with_peers(|peers, env| peers.unregister(env, &self.id, self.session, departure)) {
            tracing::debug!(peer = %self.id, ?departure, "unregistered");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &[(&str, &str)]) -> PeerParams {
        PeerParams::from_pairs(query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
    }

    fn reconnect(hub: &Hub, id: &str, token: &str) -> Result<PeerSession, RegisterError> {
        hub.register(&id.parse().unwrap(), token).map(|(session, _)| session)
    }

    #[tokio::test(start_paused = true)]
    async fn a_lost_socket_keeps_its_id_for_its_own_token_during_the_grace() {
        let grace = std::time::Duration::from_secs(15);
        let hub = Hub::new(crate::Config::default().resume_grace(grace));
        reconnect(&hub, "alice", "alice-token").unwrap().lost();
        // A stranger's own token proves nothing about Alice's id.
        assert_eq!(reconnect(&hub, "alice", "mallory").unwrap_err(), RegisterError::IdTaken);
        assert!(!hub.peer_ids().iter().any(|id| id.as_str() == "alice"));
        // Alice's reconnect (same token) takes it back at once, and a clean
        // close then releases it.
        drop(reconnect(&hub, "alice", "alice-token").unwrap());
        drop(reconnect(&hub, "alice", "mallory").unwrap());
        // After the grace, a lost id is free again.
        reconnect(&hub, "bob", "bob-token").unwrap().lost();
        tokio::time::advance(grace - std::time::Duration::from_millis(1)).await;
        hub.sweep();
        assert_eq!(reconnect(&hub, "bob", "mallory").unwrap_err(), RegisterError::IdTaken);
        tokio::time::advance(std::time::Duration::from_millis(1)).await;
        hub.sweep();
        assert!(reconnect(&hub, "bob", "mallory").is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn an_id_a_room_uses_stays_its_clients_after_a_clean_close() {
        let hub = Hub::default();
        let (session, _inbox) = hub.register(&"alice".parse().unwrap(), "alice-token").unwrap();
        let (member, _events) = hub.connect();
        member.join(&"lesson".parse().unwrap(), &"alice".parse().unwrap()).unwrap();
        drop(session);
        tokio::time::advance(std::time::Duration::from_secs(60)).await;
        hub.sweep();
        assert_eq!(reconnect(&hub, "alice", "mallory").unwrap_err(), RegisterError::IdTaken);
        // The membership ends: the id is released at the next sweep.
        drop(member);
        hub.sweep();
        assert!(reconnect(&hub, "alice", "mallory").is_ok());
    }

    fn payload(len: usize) -> Option<Box<RawValue>> {
        RawValue::from_string(format!("\"{}\"", "x".repeat(len.saturating_sub(2)))).ok()
    }

    /// Drains `inbox`: the messages it got, and whether it was closed (and
    /// why).
    fn drain(inbox: &mut Inbox<ServerFrame>) -> Vec<Message> {
        std::iter::from_fn(|| inbox.try_recv())
            .filter_map(|frame| match frame {
                ServerFrame::Message(message) => Some(message),
                ServerFrame::Open => None,
            })
            .collect()
    }

    /// Issue 22, finding 2: five peers flood one receiver that is not
    /// reading. The receiver keeps its registration and its queue holds
    /// each sender's share; the senders get EXPIRE for it.
    #[test]
    fn many_senders_cannot_evict_a_receiver() {
        let hub = Hub::default();
        let (victim, mut victim_inbox) = hub.register(&"victim".parse().unwrap(), "v").unwrap();
        let senders: Vec<_> = (0..5).map(|i| hub.register(&format!("s{i}").parse().unwrap(), "t").unwrap()).collect();
        for (sender, _) in &senders {
            for _ in 0..400 {
                sender.send(MessageKind::Candidate, "victim".parse().unwrap(), payload(40));
            }
        }
        assert!(victim.is_registered(), "the receiver was closed");
        assert_eq!(victim_inbox.close_reason(), None);
        let received = drain(&mut victim_inbox);
        let share = hub.config().outbound() / 4;
        for (n, (sender, inbox)) in senders.into_iter().enumerate() {
            let from = received.iter().filter(|m| m.src == *sender.id()).count();
            assert!(from <= share, "s{n} has {from} messages queued, over its share of {share}");
            let mut inbox = inbox;
            let expired = drain(&mut inbox).iter().filter(|m| m.kind == MessageKind::Expire).count();
            assert!(expired > 0, "s{n} heard nothing of its dropped messages");
        }
        assert!(received.len() >= share, "the first sender's share was delivered");
    }

    /// One peer sending large messages cannot evict a receiver either, and
    /// its byte rate is bounded: past its burst it gets EXPIRE, then is
    /// closed.
    #[test]
    fn large_messages_pay_their_sender_not_their_receiver() {
        let hub = Hub::default();
        let (victim, mut victim_inbox) = hub.register(&"victim".parse().unwrap(), "v").unwrap();
        let (sender, mut sender_inbox) = hub.register(&"big".parse().unwrap(), "t").unwrap();
        let size = hub.config().relay_bytes() - 100;
        for _ in 0..300 {
            sender.send(MessageKind::Offer, "victim".parse().unwrap(), payload(size));
            // It reads what it is told (EXPIRE), as a live client does.
            drain(&mut sender_inbox);
        }
        assert!(victim.is_registered());
        let bytes: usize =
            drain(&mut victim_inbox).iter().map(|m| m.payload.as_ref().map_or(0, |p| p.get().len())).sum();
        assert!(bytes <= hub.config().relay_bytes() * 2, "{bytes} bytes queued from one sender");
        assert!(!sender.is_registered(), "a sender that kept going over its limits is closed");
        assert_eq!(sender_inbox.close_reason(), Some(crate::CloseReason::RateLimited));
    }

    #[test]
    fn admit_registers_after_the_checks() {
        let hub = Hub::default();
        let ok = params(&[("key", "k"), ("id", "a"), ("token", "t")]);
        let (_session, mut inbox) = hub.admit(ok.clone(), "k").unwrap();
        assert!(matches!(inbox.try_recv(), Some(ServerFrame::Open)));
        let other_token = params(&[("key", "k"), ("id", "a"), ("token", "u")]);
        assert_eq!(hub.admit(other_token, "k").unwrap_err(), AdmitError::Refused(RegisterError::IdTaken));
    }
}
