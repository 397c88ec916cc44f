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
    CloseReason, Event, Inbox, PeerId, RoomId,
    env::Env,
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

impl RoomState {
    pub(crate) fn member_count(&self) -> usize {
        self.rooms.values().map(Vec::len).sum()
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
        m.members.store(self.member_count() as u64, Relaxed);
    }

    pub(crate) fn connect(&mut self, capacity: usize, m: &Metrics) -> (ConnId, Inbox<Event>) {
        self.next_id += 1;
        let id = ConnId(self.next_id);
        let (outbox, inbox) = pair(capacity);
        self.conns.insert(id, Conn { outbox, joined: Vec::new() });
        self.gauges(m);
        (id, inbox)
    }

    pub(crate) fn join(
        &mut self,
        env: &Env<'_>,
        id: ConnId,
        room: &RoomId,
        user: &PeerId,
    ) -> Result<Vec<PeerId>, JoinError> {
        let config = env.config;
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
        self.remove_member(env, id, room, user);
        self.gauges(env.metrics);
        Ok(())
    }

    /// Removes `id` from every room it joined, telling the others. Returns
    /// whether the connection existed.
    pub(crate) fn disconnect(&mut self, env: &Env<'_>, id: ConnId, reason: Option<CloseReason>) -> bool {
        let Some(conn) = self.conns.remove(&id) else { return false };
        if let Some(reason) = reason {
            conn.outbox.set_reason(reason);
        }
        for (room, user) in conn.joined {
            self.remove_member(env, id, room, user);
        }
        self.gauges(env.metrics);
        true
    }

    fn remove_member(&mut self, env: &Env<'_>, id: ConnId, room: RoomId, user: PeerId) {
        let Some(members) = self.rooms.get_mut(&room) else { return };
        members.retain(|(c, _)| *c != id);
        if members.is_empty() {
            self.rooms.remove(&room);
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
                Push::Full => evicted.push((*id, Some(CloseReason::SlowConsumer))),
                Push::Gone => evicted.push((*id, None)),
            }
        }
        evicted
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
        self.gauges(m);
    }
}
