//! The rooms wire protocol, version 1 (`PROTOCOL.md`): what clients send,
//! what the server sends, the error codes and the close codes.
//!
//! This module is the one place where core errors become error frames
//! ([`RequestError::code`]).

use std::collections::BTreeMap;

use lingua_signal_core::{Event, IdError, JoinError, LeaveError, PeerId, RoomId};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The protocol version this crate speaks.
pub const VERSION: u32 = 1;

/// Close code after an `unsupported-version` error frame.
pub const CLOSE_UNSUPPORTED_VERSION: u16 = 4400;

/// Close code when nothing arrived from the client within the idle timeout.
pub const CLOSE_IDLE_TIMEOUT: u16 = 4408;

/// A request a client sends.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// `{"type":"join","room":…,"user":…}`.
    Join {
        /// The room to join.
        room: RoomId,
        /// The user id to join as.
        user: PeerId,
    },
    /// `{"type":"leave","room":…}`.
    Leave {
        /// The room to leave.
        room: RoomId,
    },
    /// `{"type":"ping"}`: an application-level keep-alive, answered by `pong`.
    Ping,
}

/// One text frame from a client, parsed: the request id (when readable) and
/// the request or why it cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// The optional `id` the reply echoes. Read first, so that even a
    /// refusal of a broken request carries it.
    pub id: Option<u64>,
    /// The request, or the error to answer with.
    pub request: Result<Request, RequestError>,
}

/// Why a request was refused; each variant has a stable [`code`](Self::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Not JSON, not an object, no string `type`, or a field missing or of the
    /// wrong type: `bad-frame`.
    #[error("{0}")]
    BadFrame(String),
    /// A `type` this version does not know: `unknown-type`.
    #[error("unknown frame type {0:?}; expected join, leave or ping")]
    UnknownType(String),
    /// `room` is not a valid room id: `invalid-room-id`.
    #[error("{0}")]
    InvalidRoomId(IdError),
    /// `user` is not a valid user id: `invalid-user-id`.
    #[error("{0}")]
    InvalidUserId(IdError),
    /// A binary frame: `binary-not-supported`.
    #[error("binary frames are not supported; send JSON text frames")]
    BinaryNotSupported,
    /// The `v` query parameter names a version this server does not speak:
    /// `unsupported-version`.
    #[error("unsupported protocol version {0:?}; this server speaks {VERSION}")]
    UnsupportedVersion(String),
    /// The hub refused the join (`room-full`, `user-id-taken`, …).
    #[error(transparent)]
    Join(#[from] JoinError),
    /// The hub refused the leave (`not-joined`).
    #[error(transparent)]
    Leave(#[from] LeaveError),
}

impl RequestError {
    /// The stable machine-readable code sent in the error frame.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadFrame(_) => "bad-frame",
            Self::UnknownType(_) => "unknown-type",
            Self::InvalidRoomId(_) => "invalid-room-id",
            Self::InvalidUserId(_) => "invalid-user-id",
            Self::BinaryNotSupported => "binary-not-supported",
            Self::UnsupportedVersion(_) => "unsupported-version",
            Self::Join(e) => e.code(),
            Self::Leave(e) => e.code(),
        }
    }

    /// The error frame answering a request with `id`.
    #[must_use]
    pub fn to_outgoing(&self, id: Option<u64>) -> Outgoing {
        Outgoing::Error { code: self.code().to_owned(), message: self.to_string(), id }
    }
}

/// A frame the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Outgoing {
    /// A join succeeded; `users` were already in the room, in join order.
    Joined {
        /// The room.
        room: RoomId,
        /// Who was there before.
        users: Vec<PeerId>,
        /// The request's id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
    },
    /// A leave succeeded.
    Left {
        /// The room.
        room: RoomId,
        /// The request's id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
    },
    /// The answer to `ping`.
    Pong {
        /// The request's id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
    },
    /// Someone else joined a room this connection is in.
    UserConnected {
        /// The room.
        room: RoomId,
        /// Who joined.
        user: PeerId,
    },
    /// Someone else left a room this connection is in.
    UserDisconnected {
        /// The room.
        room: RoomId,
        /// Who left.
        user: PeerId,
    },
    /// A request was refused or unreadable.
    Error {
        /// Stable code, see [`RequestError::code`].
        code: String,
        /// Human-readable explanation.
        message: String,
        /// The request's id, when it could be read.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
    },
}

impl Outgoing {
    /// The frame telling a member about `event`, if this version has one.
    #[must_use]
    pub fn from_event(event: Event) -> Option<Self> {
        match event {
            Event::UserConnected { room, user } => Some(Self::UserConnected { room, user }),
            Event::UserDisconnected { room, user } => Some(Self::UserDisconnected { room, user }),
            _ => None,
        }
    }

    /// The JSON text of this frame.
    #[must_use]
    pub fn to_json(&self) -> String {
        // Ids, numbers and strings always serialize.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Incoming {
    /// Parses one text frame. Never fails: problems become
    /// [`Incoming::request`] errors.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        // Values stay raw (not built into trees): only the fields read are
        // decoded, so nesting depth elsewhere costs nothing. A map, unlike a
        // derived struct, refuses a JSON array.
        let fields = match serde_json::from_str::<BTreeMap<String, &RawValue>>(text) {
            Ok(fields) => fields,
            Err(e) => return Self { id: None, request: Err(RequestError::BadFrame(e.to_string())) },
        };
        match fields.get("id").map(|raw| serde_json::from_str::<u64>(raw.get())).transpose() {
            Ok(id) => Self { id, request: request(&fields) },
            Err(_) => Self { id: None, request: Err(bad("`id` must be a non-negative integer")) },
        }
    }
}

type Fields<'a> = BTreeMap<String, &'a RawValue>;

fn request(fields: &Fields<'_>) -> Result<Request, RequestError> {
    match string(fields, "type")?.as_str() {
        "join" => Ok(Request::Join {
            room: string(fields, "room")?.parse().map_err(RequestError::InvalidRoomId)?,
            user: string(fields, "user")?.parse().map_err(RequestError::InvalidUserId)?,
        }),
        "leave" => Ok(Request::Leave { room: string(fields, "room")?.parse().map_err(RequestError::InvalidRoomId)? }),
        "ping" => Ok(Request::Ping),
        other => Err(RequestError::UnknownType(other.to_owned())),
    }
}

fn string(fields: &Fields<'_>, name: &str) -> Result<String, RequestError> {
    let raw = fields.get(name).ok_or_else(|| bad(&format!("missing field `{name}`")))?;
    serde_json::from_str(raw.get()).map_err(|_| bad(&format!("`{name}` must be a string")))
}

fn bad(message: &str) -> RequestError {
    RequestError::BadFrame(message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_code(text: &str) -> (&'static str, Option<u64>) {
        let parsed = Incoming::parse(text);
        (parsed.request.expect_err(text).code(), parsed.id)
    }

    #[test]
    fn a_join_is_read_with_its_id() {
        let parsed = Incoming::parse(r#"{"user":"al ice","type":"join","room":"r-1","id":7,"extra":[[]]}"#);
        assert_eq!(parsed.id, Some(7));
        assert_eq!(parsed.request, Ok(Request::Join { room: "r-1".parse().unwrap(), user: "al ice".parse().unwrap() }));
    }

    #[test]
    fn broken_requests_get_their_code_and_keep_the_id() {
        assert_eq!(error_code("not json"), ("bad-frame", None));
        assert_eq!(error_code(r#"["join"]"#), ("bad-frame", None));
        assert_eq!(error_code("null"), ("bad-frame", None));
        assert_eq!(error_code(r#"{"id":1}"#), ("bad-frame", Some(1)));
        assert_eq!(error_code(r#"{"type":7,"id":2}"#), ("bad-frame", Some(2)));
        assert_eq!(error_code(r#"{"type":"join","room":"r","id":3}"#), ("bad-frame", Some(3)));
        assert_eq!(error_code(r#"{"type":"join","room":5,"user":"u"}"#), ("bad-frame", None));
        assert_eq!(error_code(r#"{"type":"ping","id":-1}"#), ("bad-frame", None));
        assert_eq!(error_code(r#"{"type":"ping","id":1.5}"#), ("bad-frame", None));
        assert_eq!(error_code(r#"{"type":"JOIN","id":4}"#), ("unknown-type", Some(4)));
        assert_eq!(error_code(r#"{"type":"join","room":"a/b","user":"u","id":5}"#), ("invalid-room-id", Some(5)));
        assert_eq!(error_code(r#"{"type":"join","room":"r","user":" u"}"#), ("invalid-user-id", None));
        assert_eq!(error_code(r#"{"type":"leave","room":""}"#), ("invalid-room-id", None));
    }

    #[test]
    fn deep_nesting_in_an_unread_field_is_an_error_not_a_crash() {
        let deep = format!(r#"{{"type":"ping","x":{}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(Incoming::parse(&deep).request, Ok(Request::Ping));
        let deep_id = format!(r#"{{"type":"ping","id":{}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
        assert!(Incoming::parse(&deep_id).request.is_err());
    }

    #[test]
    fn frames_encode_as_documented() {
        let joined = Outgoing::Joined { room: "r".parse().unwrap(), users: vec!["a".parse().unwrap()], id: Some(1) };
        assert_eq!(joined.to_json(), r#"{"type":"joined","room":"r","users":["a"],"id":1}"#);
        assert_eq!(Outgoing::Pong { id: None }.to_json(), r#"{"type":"pong"}"#);
        let event = Event::UserDisconnected { room: "r".parse().unwrap(), user: "b".parse().unwrap() };
        let frame = Outgoing::from_event(event).unwrap().to_json();
        assert_eq!(frame, r#"{"type":"user-disconnected","room":"r","user":"b"}"#);
        let refused = RequestError::from(LeaveError::NotJoined).to_outgoing(Some(9)).to_json();
        assert_eq!(refused, r#"{"type":"error","code":"not-joined","message":"not in this room","id":9}"#);
    }
}
