//! [`Event`]: what the members of a room hear.

use crate::{PeerId, RoomId};

/// A membership change, delivered to the *other* members of the room.
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
}

impl Event {
    /// The room this event happened in.
    #[must_use]
    pub fn room(&self) -> &RoomId {
        match self {
            Self::UserConnected { room, .. } | Self::UserDisconnected { room, .. } => room,
        }
    }

    /// The user who joined or left.
    #[must_use]
    pub fn user(&self) -> &PeerId {
        match self {
            Self::UserConnected { user, .. } | Self::UserDisconnected { user, .. } => user,
        }
    }
}
