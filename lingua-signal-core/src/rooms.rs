//! Rooms and their members, as a state machine: joins, leaves, disconnects
//! and the [`Event`]s they produce. The hub owns it behind its room lock and
//! hands out [`Connection`](crate::Connection)s to drive it.
//!
//! Invariants, kept by every operation:
//! - a connection is in a room at most once, under one user id;
//! - a user id is in a room at most once;
//! - a room exists only while it has members;
//! - each membership change is queued to every *other* member exactly once,
//!   while the lock is held, so every recipient sees changes in the order
//!   they happened.

use std::{collections::HashMap, sync::atomic::Ordering::Relaxed};

use crate::{
    CloseReason, ConnId, Event, Identity, Inbox, PeerId, RoomId,
    env::Env,
    event::{Activity, RoomEvent},
    message::{Data, Limiter, MessageError, Verdict},
    metrics::{Metrics, inc},
    outbox::{Mark, Outbox, Push, pair},
    quota::AddressQuota,
};

/// Why a join was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoinError {
    /// The room already holds its maximum of members.
    #[error("room is full ({max} members)")]
    RoomFull {
        /// The configured limit.
        max: usize,
    },
    /// Another member of the room uses this user id.
    #[error("user id {0} is already in this room")]
    UserIdTaken(PeerId),
    /// This connection is in the room already, under another user id.
    #[error("already in this room as {0}")]
    AlreadyJoined(PeerId),
    /// This connection is in its maximum number of rooms.
    #[error("connection is in too many rooms ({max})")]
    TooManyRooms {
        /// The configured limit.
        max: usize,
    },
    /// The rooms created from this client address that still exist are at
    /// [`Config::max_rooms_per_address`](crate::Config::max_rooms_per_address);
    /// rooms that exist can still be joined.
    #[error("too many rooms created from this address ({max}); join an existing room or close one")]
    TooManyRoomsFromAddress {
        /// The configured limit.
        max: usize,
    },
    /// The server holds its maximum number of rooms.
    #[error("server has reached its room limit ({max})")]
    ServerFull {
        /// The configured limit.
        max: usize,
    },
    /// The connection was closed by the hub (disconnected, evicted, shut down).
    #[error("connection is closed")]
    Closed,
    /// The host's [`Authorizer`](crate::Authorizer) refused the join; its
    /// code is the wire code.
    #[error("{0}")]
    Denied(crate::Denied),
    /// The connection asked to join too often
    /// ([`Config::join_rate_limit`](crate::Config::join_rate_limit)).
    #[error("too many joins; slow down")]
    RateLimited,
    /// The hub verifies user ids ([`HubBuilder::verify_user_ids`](crate::HubBuilder::verify_user_ids))
    /// and this user id is not a PeerJS id that this client registered.
    #[error(
        "user id {0} is not a PeerJS id registered by this client: open the PeerJS peer on this server first, from the same browser"
    )]
    UserIdNotProven(PeerId),
}

impl JoinError {
    /// A stable machine-readable code, for wire replies.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            Self::RoomFull { .. } => "room-full",
            Self::UserIdTaken(_) => "user-id-taken",
            Self::AlreadyJoined(_) => "already-joined",
            Self::TooManyRooms { .. } => "too-many-rooms",
            Self::TooManyRoomsFromAddress { .. } => "too-many-rooms-from-address",
            Self::ServerFull { .. } => "server-full",
            Self::Closed => "closed",
            Self::Denied(denied) => denied.code(),
            Self::RateLimited => "rate-limited",
            Self::UserIdNotProven(_) => "user-id-not-proven",
        }
    }
}

/// Why a leave did nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LeaveError {
    /// The connection is not in that room.
    #[error("not in this room")]
    NotJoined,
}

impl LeaveError {
    /// A stable machine-readable code, for wire replies.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotJoined => "not-joined",
        }
    }
}

#[derive(Debug)]
struct Conn {
    outbox: Outbox<Event>,
    joined: Vec<(RoomId, PeerId)>,
    identity: Identity,
    /// The rate limits of its application messages and joins.
    messages: Limiter,
    joins: Limiter,
}

#[derive(Debug, Default)]
pub(crate) struct RoomState {
    next_id: u64,
    conns: HashMap<ConnId, Conn>,
    /// Members in join order.
    rooms: HashMap<RoomId, Vec<(ConnId, PeerId)>>,
    /// Server code's subscriptions to [`RoomEvent`]s.
    observers: Vec<Outbox<RoomEvent>>,
    /// Memberships summed over rooms, kept with every change so that the
    /// gauges cost the same however many rooms exist.
    members: usize,
    /// How many memberships use each user id, so that the relay can tell
    /// whether an id is still in use by a room (reservations).
    users: HashMap<PeerId, usize>,
    /// Connections and created rooms per client address.
    quota: AddressQuota,
}

impl RoomState {
    /// Whether a member of some room here uses `user` as its user id.
    pub(crate) fn uses_user(&self, user: &PeerId) -> bool {
        self.users.contains_key(user)
    }

    pub(crate) fn room_members(&self, room: &RoomId) -> Vec<PeerId> {
        self.rooms.get(room).map(|m| m.iter().map(|(_, u)| u.clone()).collect()).unwrap_or_default()
    }

    /// The inbox position of `id` now (the default for a closed connection,
    /// which has nothing more to hand out anyway).
    pub(crate) fn mark(&self, id: ConnId) -> Mark {
        self.conns.get(&id).map(|c| c.outbox.mark()).unwrap_or_default()
    }

    fn gauges(&self, m: &Metrics) {
        m.connections.store(self.conns.len() as u64, Relaxed);
        m.rooms.store(self.rooms.len() as u64, Relaxed);
        m.members.store(self.members as u64, Relaxed);
    }

    /// Opens a connection for `identity`, counted against its address;
    /// `Err(max)` when `enforce` and the address holds
    /// [`Config::max_connections_per_address`](crate::Config::max_connections_per_address).
    pub(crate) fn connect(
        &mut self,
        env: &Env<'_>,
        identity: Identity,
        enforce: bool,
    ) -> Result<(ConnId, Inbox<Event>), usize> {
        if let Some(address) = identity.address {
            let max = env.config.connections_per_address().filter(|_| enforce);
            if !self.quota.connect(address, max) {
                return Err(max.unwrap_or_default());
            }
        }
        self.next_id += 1;
        let id = ConnId(self.next_id);
        let (outbox, inbox) = pair(env.config.outbound());
        let messages = Limiter::new(env.config.app_message_rate());
        let joins = Limiter::new(env.config.join_rate());
        self.conns.insert(id, Conn { outbox, joined: Vec::new(), identity, messages, joins });
        self.gauges(env.metrics);
        Ok((id, inbox))
    }

    /// A new subscription to every [`RoomEvent`], bounded by `capacity`.
    pub(crate) fn subscribe(&mut self, capacity: usize) -> Inbox<RoomEvent> {
        let (outbox, inbox) = pair(capacity);
        self.observers.push(outbox);
        inbox
    }

    /// The rooms with their member counts.
    pub(crate) fn room_sizes(&self) -> Vec<(RoomId, usize)> {
        self.rooms.iter().map(|(room, members)| (room.clone(), members.len())).collect()
    }

    /// Tells every subscriber; one that is full is dropped (it pays, as a
    /// slow member does), one whose inbox is gone is forgotten.
    fn observe(&mut self, activity: Activity, id: ConnId, room: &RoomId, user: &PeerId, identity: &Identity) {
        if self.observers.is_empty() {
            return;
        }
        let event =
            RoomEvent { activity, room: room.clone(), user: user.clone(), conn: id, identity: identity.clone() };
        self.observers.retain(|observer| match observer.push(event.clone()) {
            Push::Sent => true,
            Push::Full | Push::Refused => {
                tracing::warn!("dropping a room event subscriber: its queue is full");
                observer.set_reason(CloseReason::SlowConsumer);
                false
            }
            Push::Gone => false,
        });
    }

    /// Counts a join request of `id` against its rate limit; a connection
    /// that keeps going over it is closed.
    pub(crate) fn limit_join(&mut self, env: &Env<'_>, id: ConnId) -> Result<(), JoinError> {
        let conn = self.conns.get_mut(&id).ok_or(JoinError::Closed)?;
        match conn.joins.check(env.config.join_rate()) {
            Verdict::Allowed => Ok(()),
            Verdict::Refused => Err(JoinError::RateLimited),
            Verdict::Abusive => {
                self.close_abusive(env, id);
                Err(JoinError::RateLimited)
            }
        }
    }

    fn close_abusive(&mut self, env: &Env<'_>, id: ConnId) {
        inc(&env.metrics.rate_limited);
        tracing::warn!(conn = %id, "closing connection: persistently over its rate limit");
        self.disconnect(env, id, Some(CloseReason::RateLimited));
    }

    pub(crate) fn join(
        &mut self,
        env: &Env<'_>,
        id: ConnId,
        room: &RoomId,
        user: &PeerId,
        capacity: Option<usize>,
    ) -> Result<Vec<PeerId>, JoinError> {
        let config = env.config;
        let limit = capacity.map_or(config.members_per_room(), |c| c.min(config.members_per_room()));
        let conn = self.conns.get(&id).ok_or(JoinError::Closed)?;
        if let Some((_, as_user)) = conn.joined.iter().find(|(r, _)| r == room) {
            if as_user != user {
                return Err(JoinError::AlreadyJoined(as_user.clone()));
            }
            // Joining again under the same id changes nothing and tells nobody.
            let others = self.rooms.get(room).into_iter().flatten();
            return Ok(others.filter(|(c, _)| *c != id).map(|(_, u)| u.clone()).collect());
        }
        if conn.joined.len() >= config.rooms_per_connection() {
            return Err(JoinError::TooManyRooms { max: config.rooms_per_connection() });
        }
        // Members on other nodes count as members here (a cache the
        // backplane keeps; none on one process).
        let remote = env.backplane.remote_members(room);
        let local = self.rooms.get(room).map_or(0, Vec::len);
        if local + remote.len() >= limit {
            return Err(JoinError::RoomFull { max: limit });
        }
        let taken_here = self.rooms.get(room).is_some_and(|m| m.iter().any(|(_, u)| u == user));
        if taken_here || remote.contains(user) {
            return Err(JoinError::UserIdTaken(user.clone()));
        }
        let creator = conn.identity.address.filter(|_| local == 0);
        if let (Some(address), Some(max)) = (creator, config.rooms_per_address())
            && !self.quota.may_create(address, max)
        {
            return Err(JoinError::TooManyRoomsFromAddress { max });
        }
        if local == 0 && self.rooms.len() >= config.rooms() {
            return Err(JoinError::ServerFull { max: config.rooms() });
        }
        if let Some(address) = creator {
            self.quota.created(room, address);
        }
        let members = self.rooms.entry(room.clone()).or_default();
        let mut others: Vec<PeerId> = members.iter().map(|(_, u)| u.clone()).collect();
        others.extend(remote);
        members.push((id, user.clone()));
        self.members += 1;
        *self.users.entry(user.clone()).or_default() += 1;
        let identity = match self.conns.get_mut(&id) {
            Some(conn) => {
                conn.joined.push((room.clone(), user.clone()));
                conn.identity.clone()
            }
            None => Identity::anonymous(),
        };
        self.observe(Activity::Joined, id, room, user, &identity);
        inc(&env.metrics.joins);
        let event = Event::UserConnected { room: room.clone(), user: user.clone() };
        self.announce(env, event, id);
        self.gauges(env.metrics);
        Ok(others)
    }

    pub(crate) fn leave(&mut self, env: &Env<'_>, id: ConnId, room: &RoomId) -> Result<(), LeaveError> {
        let conn = self.conns.get_mut(&id).ok_or(LeaveError::NotJoined)?;
        let at = conn.joined.iter().position(|(r, _)| r == room).ok_or(LeaveError::NotJoined)?;
        let (room, user) = conn.joined.remove(at);
        let identity = conn.identity.clone();
        self.observe(Activity::Left, id, &room, &user, &identity);
        self.remove_member(env, id, room, user);
        self.gauges(env.metrics);
        Ok(())
    }

    /// Removes `id` from every room it joined, telling the others. Returns
    /// whether the connection existed.
    pub(crate) fn disconnect(&mut self, env: &Env<'_>, id: ConnId, reason: Option<CloseReason>) -> bool {
        let Some(conn) = self.conns.remove(&id) else { return false };
        if let Some(address) = conn.identity.address {
            self.quota.disconnect(address);
        }
        if let Some(reason) = reason {
            conn.outbox.set_reason(reason);
        }
        for (room, user) in conn.joined {
            self.observe(Activity::Disconnected(reason), id, &room, &user, &conn.identity);
            self.remove_member(env, id, room, user);
        }
        self.gauges(env.metrics);
        true
    }

    fn remove_member(&mut self, env: &Env<'_>, id: ConnId, room: RoomId, user: PeerId) {
        let Some(members) = self.rooms.get_mut(&room) else { return };
        let before = members.len();
        members.retain(|(c, _)| *c != id);
        let removed = before - members.len();
        self.members -= removed;
        if members.is_empty() {
            self.rooms.remove(&room);
            self.quota.emptied(&room);
        }
        if removed > 0
            && let Some(n) = self.users.get_mut(&user)
        {
            *n -= 1;
            if *n == 0 {
                self.users.remove(&user);
            }
        }
        self.announce(env, Event::UserDisconnected { room, user }, id);
    }

    /// Queues `event` to every member of its room except `from`, then
    /// publishes it once to the backplane. A member whose queue is full is
    /// disconnected afterwards (it pays, nobody waits for it), which may
    /// announce further departures; the loop ends because each eviction
    /// removes a connection.
    fn announce(&mut self, env: &Env<'_>, event: Event, from: ConnId) {
        env.backplane.publish_event(&event);
        let evicted = self.deliver(env.metrics, &event, Some(from));
        for (id, reason) in evicted {
            if let Some(reason) = reason {
                inc(&env.metrics.slow_consumers);
                tracing::warn!(conn = %id, %reason, "closing connection");
            }
            self.disconnect(env, id, reason);
        }
    }

    /// Queues `event` to the room's members except `skip`; returns the
    /// connections to evict (with a reason when they are slow, without one
    /// when their receiver is already gone).
    fn deliver(&self, m: &Metrics, event: &Event, skip: Option<ConnId>) -> Vec<(ConnId, Option<CloseReason>)> {
        let mut evicted = Vec::new();
        let Some(members) = self.rooms.get(event.room()) else { return evicted };
        for (id, _) in members.iter().filter(|(c, _)| Some(*c) != skip) {
            let Some(conn) = self.conns.get(id) else { continue };
            match conn.outbox.push(event.clone()) {
                Push::Sent => inc(&m.events),
                Push::Full | Push::Refused => evicted.push((*id, Some(CloseReason::SlowConsumer))),
                Push::Gone => evicted.push((*id, None)),
            }
        }
        evicted
    }

    /// Sends `data` from `id` to the other members of `room`.
    pub(crate) fn send_message(
        &mut self,
        env: &Env<'_>,
        id: ConnId,
        room: &RoomId,
        data: Data,
    ) -> Result<(), MessageError> {
        let config = env.config;
        let conn = self.conns.get_mut(&id).ok_or(MessageError::Closed)?;
        let (_, user) = conn.joined.iter().find(|(r, _)| r == room).ok_or(MessageError::NotJoined)?;
        if data.len() > config.app_message_bytes() {
            return Err(MessageError::TooLarge { len: data.len(), max: config.app_message_bytes() });
        }
        match conn.messages.check(config.app_message_rate()) {
            Verdict::Allowed => {}
            Verdict::Refused => return Err(MessageError::RateLimited),
            Verdict::Abusive => {
                self.close_abusive(env, id);
                return Err(MessageError::RateLimited);
            }
        }
        let event = Event::Message { room: room.clone(), from: Some(user.clone()), data };
        inc(&env.metrics.messages);
        self.announce(env, event, id);
        Ok(())
    }

    /// Sends `data` from the server to every member of `room`; returns how
    /// many local members it was queued to.
    pub(crate) fn broadcast(&mut self, env: &Env<'_>, room: &RoomId, data: Data) -> usize {
        let event = Event::Message { room: room.clone(), from: None, data };
        env.backplane.publish_event(&event);
        let recipients = self.rooms.get(room).map_or(0, Vec::len);
        inc(&env.metrics.messages);
        self.deliver_remote(env, &event);
        recipients
    }

    /// The rooms `id` is in, with the user id used in each.
    pub(crate) fn joined(&self, id: ConnId) -> Vec<(RoomId, PeerId)> {
        self.conns.get(&id).map(|c| c.joined.clone()).unwrap_or_default()
    }

    /// Queues an event that happened on another node to this node's members
    /// of its room; evicts those that cannot take it.
    pub(crate) fn deliver_remote(&mut self, env: &Env<'_>, event: &Event) {
        for (id, reason) in self.deliver(env.metrics, event, None) {
            self.disconnect(env, id, reason);
        }
    }

    pub(crate) fn close_all(&mut self, m: &Metrics) {
        for conn in self.conns.values() {
            conn.outbox.set_reason(CloseReason::Shutdown);
        }
        self.conns.clear();
        self.rooms.clear();
        self.quota.clear();
        self.members = 0;
        self.users.clear();
        self.gauges(m);
    }
}
