//! Rooms and their members: [`Connection`], joins, leaves and disconnects.
//!
//! Invariants, kept under the hub's room lock:
//! - a connection is in a room at most once, under one user id;
//! - a user id is in a room at most once;
//! - a room exists only while it has members;
//! - each membership change is queued to every *other* member exactly once,
//!   while the lock is held, so every recipient sees changes in the order
//!   they happened.

use std::{collections::HashMap, sync::atomic::Ordering::Relaxed};

use crate::{
    CloseReason, Event, Hub, Inbox, PeerId, RoomId,
    metrics::{Metrics, inc},
    outbox::{Mark, Outbox, Push, pair},
};

/// Identifies a connection within its hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(u64);

impl std::fmt::Display for ConnId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "c{}", self.0)
    }
}

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
    /// The server holds its maximum number of rooms.
    #[error("server has reached its room limit ({max})")]
    ServerFull {
        /// The configured limit.
        max: usize,
    },
    /// The connection was closed by the hub (disconnected, evicted, shut down).
    #[error("connection is closed")]
    Closed,
}

impl JoinError {
    /// A stable machine-readable code, for wire replies.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::RoomFull { .. } => "room-full",
            Self::UserIdTaken(_) => "user-id-taken",
            Self::AlreadyJoined(_) => "already-joined",
            Self::TooManyRooms { .. } => "too-many-rooms",
            Self::ServerFull { .. } => "server-full",
            Self::Closed => "closed",
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
}

#[derive(Debug, Default)]
pub(crate) struct RoomState {
    next_id: u64,
    conns: HashMap<ConnId, Conn>,
    /// Members in join order.
    rooms: HashMap<RoomId, Vec<(ConnId, PeerId)>>,
}

/// What a change needs from the hub besides the state it changes.
pub(crate) struct Ctx<'a> {
    pub(crate) metrics: &'a Metrics,
    pub(crate) hub: &'a Hub,
}

impl RoomState {
    pub(crate) fn connection_count(&self) -> usize {
        self.conns.len()
    }

    pub(crate) fn room_count(&self) -> usize {
        self.rooms.len()
    }

    pub(crate) fn member_count(&self) -> usize {
        self.rooms.values().map(Vec::len).sum()
    }

    pub(crate) fn room_members(&self, room: &RoomId) -> Vec<PeerId> {
        self.rooms.get(room).map(|m| m.iter().map(|(_, u)| u.clone()).collect()).unwrap_or_default()
    }

    /// The inbox position of `id` now (the default for a closed connection,
    /// which has nothing more to hand out anyway).
    fn mark(&self, id: ConnId) -> Mark {
        self.conns.get(&id).map(|c| c.outbox.mark()).unwrap_or_default()
    }

    fn gauges(&self, m: &Metrics) {
        m.connections.store(self.conns.len() as u64, Relaxed);
        m.rooms.store(self.rooms.len() as u64, Relaxed);
        m.members.store(self.member_count() as u64, Relaxed);
    }

    fn connect(&mut self, capacity: usize, m: &Metrics) -> (ConnId, Inbox<Event>) {
        self.next_id += 1;
        let id = ConnId(self.next_id);
        let (outbox, inbox) = pair(capacity);
        self.conns.insert(id, Conn { outbox, joined: Vec::new() });
        self.gauges(m);
        (id, inbox)
    }

    fn join(&mut self, ctx: &Ctx<'_>, id: ConnId, room: &RoomId, user: &PeerId) -> Result<Vec<PeerId>, JoinError> {
        let config = &ctx.hub.inner.config;
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
        match self.rooms.get(room) {
            Some(members) if members.len() >= config.members_per_room() => {
                return Err(JoinError::RoomFull { max: config.members_per_room() });
            }
            Some(members) if members.iter().any(|(_, u)| u == user) => {
                return Err(JoinError::UserIdTaken(user.clone()));
            }
            None if self.rooms.len() >= config.rooms() => {
                return Err(JoinError::ServerFull { max: config.rooms() });
            }
            _ => {}
        }
        let members = self.rooms.entry(room.clone()).or_default();
        let others: Vec<PeerId> = members.iter().map(|(_, u)| u.clone()).collect();
        members.push((id, user.clone()));
        if let Some(conn) = self.conns.get_mut(&id) {
            conn.joined.push((room.clone(), user.clone()));
        }
        inc(&ctx.metrics.joins);
        let event = Event::UserConnected { room: room.clone(), user: user.clone() };
        self.announce(ctx, event, id);
        self.gauges(ctx.metrics);
        Ok(others)
    }

    fn leave(&mut self, ctx: &Ctx<'_>, id: ConnId, room: &RoomId) -> Result<(), LeaveError> {
        let conn = self.conns.get_mut(&id).ok_or(LeaveError::NotJoined)?;
        let at = conn.joined.iter().position(|(r, _)| r == room).ok_or(LeaveError::NotJoined)?;
        let (room, user) = conn.joined.remove(at);
        self.remove_member(ctx, id, room, user);
        self.gauges(ctx.metrics);
        Ok(())
    }

    /// Removes `id` from every room it joined, telling the others. Returns
    /// whether the connection existed.
    fn disconnect(&mut self, ctx: &Ctx<'_>, id: ConnId, reason: Option<CloseReason>) -> bool {
        let Some(conn) = self.conns.remove(&id) else { return false };
        if let Some(reason) = reason {
            conn.outbox.set_reason(reason);
        }
        for (room, user) in conn.joined {
            self.remove_member(ctx, id, room, user);
        }
        self.gauges(ctx.metrics);
        true
    }

    fn remove_member(&mut self, ctx: &Ctx<'_>, id: ConnId, room: RoomId, user: PeerId) {
        let Some(members) = self.rooms.get_mut(&room) else { return };
        members.retain(|(c, _)| *c != id);
        if members.is_empty() {
            self.rooms.remove(&room);
        }
        self.announce(ctx, Event::UserDisconnected { room, user }, id);
    }

    /// Queues `event` to every member of its room except `from`, then
    /// publishes it once to the backplane. A member whose queue is full is
    /// disconnected afterwards (it pays, nobody waits for it), which may
    /// announce further departures; the loop ends because each eviction
    /// removes a connection.
    fn announce(&mut self, ctx: &Ctx<'_>, event: Event, from: ConnId) {
        ctx.hub.inner.backplane.publish_event(&event);
        let evicted = self.deliver(ctx.metrics, &event, Some(from));
        for (id, reason) in evicted {
            if let Some(reason) = reason {
                inc(&ctx.metrics.slow_consumers);
                tracing::warn!(conn = %id, %reason, "closing connection");
            }
            self.disconnect(ctx, id, reason);
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
                Push::Full => evicted.push((*id, Some(CloseReason::SlowConsumer))),
                Push::Gone => evicted.push((*id, None)),
            }
        }
        evicted
    }

    pub(crate) fn close_all(&mut self) {
        for conn in self.conns.values() {
            conn.outbox.set_reason(CloseReason::Shutdown);
        }
        self.conns.clear();
        self.rooms.clear();
    }
}

impl Hub {
    /// Opens a connection. Its events arrive on the returned [`Inbox`] until
    /// the [`Connection`] is dropped or the hub closes it.
    #[must_use]
    pub fn connect(&self) -> (Connection, Inbox<Event>) {
        let (id, inbox) = self.lock_rooms().connect(self.inner.config.outbound(), &self.inner.metrics);
        (Connection { hub: self.clone(), id }, inbox)
    }

    /// The user ids in `room`, in join order (local members only).
    #[must_use]
    pub fn members(&self, room: &RoomId) -> Vec<PeerId> {
        self.lock_rooms().room_members(room)
    }

    /// Queues an event that happened on another node to this node's members
    /// of its room. For [`Backplane`](crate::Backplane) implementations.
    pub fn deliver_remote_event(&self, event: &Event) {
        let ctx = Ctx { metrics: &self.inner.metrics, hub: self };
        let mut rooms = self.lock_rooms();
        for (id, reason) in rooms.deliver(ctx.metrics, event, None) {
            rooms.disconnect(&ctx, id, reason);
        }
    }

    fn with_rooms<R>(&self, f: impl FnOnce(&mut RoomState, &Ctx<'_>) -> R) -> R {
        let ctx = Ctx { metrics: &self.inner.metrics, hub: self };
        f(&mut self.lock_rooms(), &ctx)
    }
}

/// One client's membership in rooms. Dropping it disconnects it.
///
/// ```
/// use lingua_signal_core::{Event, Hub, PeerId, RoomId};
///
/// let hub = Hub::default();
/// let room: RoomId = "lesson-1".parse()?;
/// let (alice, mut alice_events) = hub.connect();
/// let (bob, _bob_events) = hub.connect();
///
/// assert!(alice.join(&room, &"alice".parse()?)?.is_empty());
/// let already_there = bob.join(&room, &"bob".parse()?)?;
/// assert_eq!(already_there, ["alice".parse::<PeerId>()?]);
///
/// let joined = alice_events.try_recv();
/// assert_eq!(joined, Some(Event::UserConnected { room: room.clone(), user: "bob".parse()? }));
///
/// drop(bob);
/// let left = alice_events.try_recv();
/// assert_eq!(left, Some(Event::UserDisconnected { room, user: "bob".parse()? }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Connection {
    hub: Hub,
    id: ConnId,
}

impl Connection {
    /// This connection's id.
    #[must_use]
    pub fn id(&self) -> ConnId {
        self.id
    }

    /// The hub this connection belongs to.
    #[must_use]
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Joins `room` as `user`, tells the other members
    /// ([`Event::UserConnected`]) and returns who was already there, in join
    /// order. Joining a room again under the same user id returns the others
    /// and tells nobody.
    ///
    /// # Errors
    ///
    /// [`JoinError`]: the room is full, the user id is taken there, this
    /// connection is in the room under another id or in too many rooms, the
    /// server is at its room limit, or the connection is closed.
    pub fn join(&self, room: &RoomId, user: &PeerId) -> Result<Vec<PeerId>, JoinError> {
        self.join_marked(room, user).map(|(users, _)| users)
    }

    /// [`Connection::join`], also returning the [`Mark`] of this connection's
    /// inbox at the moment of the join: the events before it happened before
    /// the join, the ones after it happened after. An adapter writes
    /// [`Inbox::take_until`] the mark, then the join's reply, so the client
    /// never hears of a later change before the reply.
    ///
    /// # Errors
    ///
    /// As [`Connection::join`].
    pub fn join_marked(&self, room: &RoomId, user: &PeerId) -> Result<(Vec<PeerId>, Mark), JoinError> {
        let result = self.hub.with_rooms(|state, ctx| {
            let users = state.join(ctx, self.id, room, user)?;
            Ok((users, state.mark(self.id)))
        });
        match &result {
            Ok(_) => tracing::debug!(conn = %self.id, %room, %user, "joined"),
            Err(error) => {
                inc(&self.hub.inner.metrics.refused);
                tracing::debug!(conn = %self.id, %room, %user, %error, "join refused");
            }
        }
        result
    }

    /// Leaves `room` and tells the others ([`Event::UserDisconnected`]).
    ///
    /// # Errors
    ///
    /// [`LeaveError::NotJoined`] when this connection is not in `room`.
    pub fn leave(&self, room: &RoomId) -> Result<(), LeaveError> {
        self.leave_marked(room).map(drop)
    }

    /// [`Connection::leave`], also returning the inbox [`Mark`] at the
    /// moment of leaving (see [`Connection::join_marked`]).
    ///
    /// # Errors
    ///
    /// As [`Connection::leave`].
    pub fn leave_marked(&self, room: &RoomId) -> Result<Mark, LeaveError> {
        self.hub.with_rooms(|state, ctx| {
            state.leave(ctx, self.id, room)?;
            Ok(state.mark(self.id))
        })
    }

    /// The inbox [`Mark`] now: the position after every event queued to
    /// this connection so far.
    #[must_use]
    pub fn mark(&self) -> Mark {
        self.hub.lock_rooms().mark(self.id)
    }

    /// The rooms this connection is in, with the user id used in each.
    #[must_use]
    pub fn rooms(&self) -> Vec<(RoomId, PeerId)> {
        self.hub.lock_rooms().conns.get(&self.id).map(|c| c.joined.clone()).unwrap_or_default()
    }

    /// Leaves every room (telling the others) and closes the inbox. Returns
    /// `false` when the connection was already closed; a second call does
    /// nothing.
    pub fn disconnect(&self) -> bool {
        self.hub.with_rooms(|state, ctx| state.disconnect(ctx, self.id, None))
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.disconnect();
    }
}
