//! [`Connection`]: one client's handle on the rooms of a [`Hub`].

use crate::{ConnId, Event, Hub, Inbox, JoinError, LeaveError, Mark, PeerId, RoomId, metrics::inc};

impl Hub {
    /// Opens a connection. Its events arrive on the returned [`Inbox`] until
    /// the [`Connection`] is dropped or the hub closes it.
    #[must_use]
    pub fn connect(&self) -> (Connection, Inbox<Event>) {
        let (id, inbox) = self.with_rooms(|rooms, env| rooms.connect(env.config.outbound(), env.metrics));
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
        self.with_rooms(|rooms, env| rooms.deliver_remote(env, event));
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

    /// A tracing span for this connection's events, with the fields every
    /// adapter gives it: `transport` (e.g. `"socket.io"`, `"websocket"`)
    /// and `conn`. At `info` level, so that `warn` events about the
    /// connection carry its ids under the usual filters.
    #[must_use]
    pub fn span(&self, transport: &'static str) -> tracing::Span {
        tracing::info_span!("rooms", transport, conn = %self.id)
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
        let result = self.hub.with_rooms(|rooms, env| {
            let users = rooms.join(env, self.id, room, user)?;
            Ok((users, rooms.mark(self.id)))
        });
        match &result {
            Ok(_) => tracing::debug!(conn = %self.id, %room, %user, "joined"),
            Err(error) => {
                inc(&self.hub.metrics().refused);
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
        self.hub.with_rooms(|rooms, env| {
            rooms.leave(env, self.id, room)?;
            Ok(rooms.mark(self.id))
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
        self.hub.lock_rooms().joined(self.id)
    }

    /// Leaves every room (telling the others) and closes the inbox. Returns
    /// `false` when the connection was already closed; a second call does
    /// nothing.
    pub fn disconnect(&self) -> bool {
        self.hub.with_rooms(|rooms, env| rooms.disconnect(env, self.id, None))
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.disconnect();
    }
}
