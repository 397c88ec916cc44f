//! [`Event`]: what the members of a room hear; [`RoomEvent`]: what server
//! code observing the hub hears.

use crate::{CloseReason, ConnId, Identity, PeerId, RoomId, message::Data};

/// What a member hears about its room: the *other* members' joins and
/// departures, and their application messages, in the order they happened.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Event {
    /// `user` joined `room`.
    UserConnected {
        /// The room.
        room: RoomId,
        /// Who joined.
        user: PeerId,
    },
    /// `user` left `room`, by leaving or by disconnecting.
    UserDisconnected {
        /// The room.
        room: RoomId,
        /// Who left.
        user: PeerId,
    },
    /// An application message to everyone else in `room`.
    Message {
        /// The room.
        room: RoomId,
        /// The member who sent it, or `None` for server code
        /// ([`Hub::send_to_room`](crate::Hub::send_to_room)).
        from: Option<PeerId>,
        /// What was sent.
        data: Data,
    },
}

impl Event {
    /// The room this event happened in.
    #[must_use]
    pub fn room(&self) -> &RoomId {
        match self {
            Self::UserConnected { room, .. } | Self::UserDisconnected { room, .. } | Self::Message { room, .. } => room,
        }
    }

    /// The user who joined, left or sent the message (`None` for a message
    /// from the server).
    #[must_use]
    pub fn user(&self) -> Option<&PeerId> {
        match self {
            Self::UserConnected { user, .. } | Self::UserDisconnected { user, .. } => Some(user),
            Self::Message { from, .. } => from.as_ref(),
        }
    }
}

/// What happened, in a [`RoomEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Activity {
    /// The member joined.
    Joined,
    /// The member left the room and stays connected.
    Left,
    /// The member's connection ended: closed by the client (`None`) or by
    /// the hub for this reason.
    Disconnected(Option<CloseReason>),
}

/// A membership change, for server code observing the hub
/// ([`Hub::subscribe`](crate::Hub::subscribe)): every join, leave and
/// disconnect on this process, with who did it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RoomEvent {
    /// What happened.
    pub activity: Activity,
    /// The room.
    pub room: RoomId,
    /// The user id in the room.
    pub user: PeerId,
    /// The member's connection.
    pub conn: ConnId,
    /// The identity the host's authorizer gave the connection.
    pub identity: Identity,
}
