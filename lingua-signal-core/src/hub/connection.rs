//! [`Connection`]: one client's handle on the rooms of a [`Hub`].

use std::sync::Arc;

use crate::{
    ConnId, ConnectRequest, Denied, Event, Hub, Identity, Inbox, JoinError, LeaveError, Mark, PeerId, RoomEvent,
    RoomId,
    message::{Data, MessageError},
    metrics::inc,
};

impl Hub {
    /// Opens a connection. Its events arrive on the returned [`Inbox`] until
    /// the [`Connection`] is dropped or the hub closes it.
    #[must_use]
    pub fn connect(&self) -> (Connection, Inbox<Event>) {
        self.connect_as(Identity::anonymous())
    }

    /// Opens a connection for `identity` (what [`Hub::authorize`] returned),
    /// counted against its client address but never refused: see
    /// [`Hub::open`] for the connection of a client.
    #[must_use]
    pub fn connect_as(&self, identity: Identity) -> (Connection, Inbox<Event>) {
        match self.with_rooms(|rooms, env| rooms.connect(env, identity.clone(), false)) {
            Ok((id, inbox)) => (Connection { hub: self.clone(), id, identity }, inbox),
            // Not enforced, so never refused; an inbox that is already
            // closed keeps the signature infallible all the same.
            Err(_) => self.connect(),
        }
    }

    /// Opens a connection for `identity` (what [`Hub::authorize`] returned)
    /// unless its client address already holds
    /// [`Config::max_connections_per_address`](crate::Config::max_connections_per_address)
    /// connections. Adapters call this one.
    ///
    /// # Errors
    ///
    /// [`Denied`] with code `too-many-connections`: refuse the connection.
    pub fn open(&self, identity: Identity) -> Result<(Connection, Inbox<Event>), Denied> {
        match self.with_rooms(|rooms, env| rooms.connect(env, identity.clone(), true)) {
            Ok((id, inbox)) => Ok((Connection { hub: self.clone(), id, identity }, inbox)),
            Err(max) => {
                inc(&self.metrics().refused);
                tracing::debug!(address = ?identity.address, max, "connection refused: too many from this address");
                Err(Denied::new(
                    "too-many-connections",
                    format!("too many connections from this address ({max}); close some and retry"),
                ))
            }
        }
    }

    /// The client's address for `request`: the TCP peer, or behind one of
    /// the hub's [trusted proxies](crate::HubBuilder::trusted_proxies) the client
    /// they forwarded for. Per-address limits count clients under it.
    #[must_use]
    pub fn client_ip(&self, request: &ConnectRequest) -> Option<std::net::IpAddr> {
        self.trusted_proxies().client_ip(request)
    }

    /// Asks the host's [`Authorizer`](crate::Authorizer) who a connection
    /// request is. Adapters call it before they open a connection or
    /// register a peer.
    ///
    /// # Errors
    ///
    /// The host's [`Denied`]: refuse the connection with its code and reason.
    pub async fn authorize(&self, request: &ConnectRequest) -> Result<Identity, Denied> {
        let result = match self.origins().check(request) {
            Ok(()) => self.authorizer().connect(request).await,
            Err(denied) => Err(denied),
        };
        match result {
            Ok(mut identity) => {
                identity.proof = self.ownership().map(|o| Arc::new(o.proof(request)));
                let client = self.client_ip(request).filter(|&ip| self.config().limits_address(ip));
                identity.address = client.map(crate::address::address_key);
                Ok(identity)
            }
            Err(denied) => {
                inc(&self.metrics().refused);
                tracing::debug!(transport = request.transport(), code = denied.code(), %denied, "connection refused");
                Err(denied)
            }
        }
    }

    /// Checks the request's `Origin` against [`Hub::origins`], counting a
    /// refusal. Adapters call it before they upgrade a websocket or answer
    /// a PeerJS HTTP request, to answer 403; [`Hub::authorize`] checks it
    /// too.
    ///
    /// # Errors
    ///
    /// [`Denied`] with code `origin-not-allowed`.
    pub fn check_origin(&self, request: &ConnectRequest) -> Result<(), Denied> {
        let result = self.origins().check(request);
        if let Err(denied) = &result {
            inc(&self.metrics().refused);
            tracing::debug!(transport = request.transport(), %denied, "origin refused");
        }
        result
    }

    /// Every join, leave and disconnect on this hub from now on, for server
    /// code. The queue holds [`Config::outbound_capacity`](crate::Config::outbound_capacity)
    /// events; a subscriber that falls that far behind is dropped (its inbox
    /// ends with [`CloseReason::SlowConsumer`](crate::CloseReason::SlowConsumer)),
    /// as a slow member is.
    #[must_use]
    pub fn subscribe(&self) -> Inbox<RoomEvent> {
        self.with_rooms(|rooms, env| rooms.subscribe(env.config.outbound()))
    }

    /// Every room on this process, with its number of members.
    #[must_use]
    pub fn rooms(&self) -> Vec<(RoomId, usize)> {
        self.lock_rooms().room_sizes()
    }

    /// Sends an application message from the server to every member of
    /// `room` (as [`Event::Message`] with `from: None`), in order with the
    /// room's other events. Returns how many members it was queued to here.
    pub fn send_to_room(&self, room: &RoomId, data: Data) -> usize {
        self.with_rooms(|rooms, env| rooms.broadcast(env, room, data))
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
    identity: Identity,
}

impl Connection {
    /// Who this connection is, as the host's authorizer said.
    #[must_use]
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Asks the host's [`Authorizer`](crate::Authorizer) whether this
    /// connection may join `room` as `user`, then joins with the capacity it
    /// set, as [`Connection::join_marked`]. Adapters call this one.
    ///
    /// # Errors
    ///
    /// [`JoinError::Denied`] when the host refused (nothing changed), or as
    /// [`Connection::join`].
    pub async fn join_authorized(&self, room: &RoomId, user: &PeerId) -> Result<(Vec<PeerId>, Mark), JoinError> {
        // Count the request before the host's hook runs, so a flood of joins
        // never reaches it.
        self.limit_join()?;
        match self.hub.authorizer().join(&self.identity, room, user).await {
            Ok(grant) => self.join_within(room, user, grant.capacity()),
            Err(denied) => {
                inc(&self.hub.metrics().refused);
                tracing::debug!(conn = %self.id, %room, %user, code = denied.code(), "join denied by the host");
                Err(JoinError::Denied(denied))
            }
        }
    }

    /// Sends `data` to the other members of `room` ([`Event::Message`]), in
    /// order with the room's membership events. Returns the inbox [`Mark`]
    /// at the moment it was sent (see [`Connection::join_marked`]).
    ///
    /// # Errors
    ///
    /// [`MessageError`]: not a member of `room`, data over
    /// [`Config::max_app_message_bytes`](crate::Config::max_app_message_bytes),
    /// over the [rate limit](crate::Config::message_rate_limit), or the
    /// connection is closed. Nothing is delivered then.
    pub fn send_message(&self, room: &RoomId, data: Data) -> Result<Mark, MessageError> {
        self.hub.with_rooms(|rooms, env| {
            rooms.send_message(env, self.id, room, data)?;
            Ok(rooms.mark(self.id))
        })
    }

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
        self.limit_join()?;
        self.join_within(room, user, None)
    }

    fn limit_join(&self) -> Result<(), JoinError> {
        let result = self.hub.with_rooms(|rooms, env| rooms.limit_join(env, self.id));
        if let Err(error) = &result {
            inc(&self.hub.metrics().refused);
            tracing::debug!(conn = %self.id, %error, "join refused");
        }
        result
    }

    /// Whether this connection may use `user`: always, unless the hub
    /// verifies user ids; then `user` must be a PeerJS id its client
    /// registered.
    fn proven(&self, user: &PeerId) -> bool {
        if self.hub.ownership().is_none() {
            return true;
        }
        let Some(proof) = &self.identity.proof else { return false };
        self.hub.lock_peers().is_owned_by(user, proof)
    }

    fn join_within(
        &self,
        room: &RoomId,
        user: &PeerId,
        capacity: Option<usize>,
    ) -> Result<(Vec<PeerId>, Mark), JoinError> {
        if !self.proven(user) {
            inc(&self.hub.metrics().refused);
            tracing::debug!(conn = %self.id, %room, %user, "join refused: user id not proven");
            return Err(JoinError::UserIdNotProven(user.clone()));
        }
        let result = self.hub.with_rooms(|rooms, env| {
            let users = rooms.join(env, self.id, room, user, capacity)?;
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
