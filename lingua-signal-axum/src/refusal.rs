//! [`Refusal`]: every way a Socket.IO request can be refused, and its one
//! wire form.

use lingua_signal_core::{IdError, JoinError, LeaveError, MessageError};
use serde_json::{Value, json};

/// Why a `join-room`, `leave-room` or `room-message` request was refused.
///
/// On the wire it is `{ ok: false, error: { code, message } }`
/// ([`Refusal::to_json`]): the acknowledgement when the client asked for
/// one, otherwise the argument of an `error` event. `code` is stable and
/// meant for programs; `message` is for people and never echoes the
/// client's input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The arguments have the wrong number or types.
    #[error("{event} expects {expected}")]
    BadArguments {
        /// The event that was refused.
        event: &'static str,
        /// The arguments it takes.
        expected: &'static str,
    },
    /// The room id is not a valid [`RoomId`](lingua_signal_core::RoomId).
    #[error("invalid room id: {0}")]
    InvalidRoomId(IdError),
    /// The user id is not a valid [`PeerId`](lingua_signal_core::PeerId).
    #[error("invalid user id: {0}")]
    InvalidUserId(IdError),
    /// The hub refused the join.
    #[error(transparent)]
    Join(#[from] JoinError),
    /// The hub refused the leave.
    #[error(transparent)]
    Leave(#[from] LeaveError),
    /// The hub refused the application message.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// The socket has more requests waiting than any client needs.
    #[error("too many requests in flight; slow down")]
    Busy,
}

impl Refusal {
    /// The stable machine-readable code: `bad-arguments`, `invalid-room-id`,
    /// `invalid-user-id`, `busy`, or the core's [`JoinError::code`] /
    /// [`LeaveError::code`] / [`MessageError::code`] (`room-full`,
    /// `user-id-taken`, `not-joined`, `rate-limited`, a code of the host's
    /// authorizer such as `unauthorized`, …).
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            Self::BadArguments { .. } => "bad-arguments",
            Self::InvalidRoomId(_) => "invalid-room-id",
            Self::InvalidUserId(_) => "invalid-user-id",
            Self::Busy => "busy",
            Self::Join(e) => e.code(),
            Self::Leave(e) => e.code(),
            Self::Message(e) => e.code(),
        }
    }

    /// Whether the request itself was at fault (bad arguments or ids, not
    /// joined), as counted in
    /// [`SocketIoMetrics::invalid_requests`](crate::SocketIoMetrics::invalid_requests);
    /// refusals by the hub's rules or the host are not.
    #[must_use]
    pub fn is_invalid_request(&self) -> bool {
        !matches!(
            self,
            Self::Join(_) | Self::Message(MessageError::RateLimited | MessageError::TooLarge { .. }) | Self::Busy
        )
    }

    /// The reply sent to the client: `{ ok: false, error: { code, message } }`.
    ///
    /// ```
    /// use lingua_signal_axum::Refusal;
    /// use lingua_signal_core::JoinError;
    ///
    /// let reply = Refusal::from(JoinError::RoomFull { max: 2 }).to_json();
    /// assert_eq!(reply["ok"], false);
    /// assert_eq!(reply["error"]["code"], "room-full");
    /// assert_eq!(reply["error"]["message"], "room is full (2 members)");
    /// ```
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({ "ok": false, "error": { "code": self.code(), "message": self.to_string() } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_its_own_code() {
        let id_error = lingua_signal_core::RoomId::new("").unwrap_err();
        let refusals = [
            Refusal::BadArguments { event: "join-room", expected: "(roomId: string, userId: string)" },
            Refusal::InvalidRoomId(id_error.clone()),
            Refusal::InvalidUserId(id_error),
            Refusal::Join(JoinError::RoomFull { max: 1 }),
            Refusal::Leave(LeaveError::NotJoined),
        ];
        let codes: Vec<_> = refusals.iter().map(Refusal::code).collect();
        assert_eq!(codes, ["bad-arguments", "invalid-room-id", "invalid-user-id", "room-full", "not-joined"]);
    }

    #[test]
    fn the_message_does_not_echo_the_input() {
        let error = lingua_signal_core::RoomId::new("<script>alert(1)</script>").unwrap_err();
        let reply = Refusal::InvalidRoomId(error).to_json();
        let message = reply["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.contains("script"), "{message}");
    }
}
