//! The rooms wire protocol, version 1 (`PROTOCOL.md`): what clients send,
//! what the server sends, the error codes and the close codes.
//!
//! This module is the one place where core errors become error frames
//! ([`RequestError::code`]).

use std::collections::BTreeMap;

use lingua_signal_core::{Data, Denied, Event, IdError, JoinError, LeaveError, MessageError, PeerId, RoomId};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The newest protocol version this crate speaks: 2 added application
/// messages (`message` in, `sent` and `message` out).
pub const VERSION: u32 = 2;

/// The versions a client may ask for with `v`; none means 1.
pub const SUPPORTED_VERSIONS: [u32; 2] = [1, 2];

/// Close code after the host's authorizer refused the connection with
/// `unauthorized`.
pub const CLOSE_UNAUTHORIZED: u16 = 4401;

/// Close code after the host's authorizer refused the connection with any
/// other code.
pub const CLOSE_FORBIDDEN: u16 = 4403;

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
    /// `{"type":"message","room":…,"data":…}` (version 2): `data`, any JSON
    /// value, to the other members of `room`; answered by `sent`.
    Message {
        /// The room.
        room: RoomId,
        /// What to send.
        data: Data,
    },
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
    #[error("unknown frame type {0:?}; expected join, leave, ping or (from version 2) message")]
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
    #[error("unsupported protocol version {0:?}; this server speaks 1 and 2")]
    UnsupportedVersion(String),
    /// The hub refused the join (`room-full`, `user-id-taken`, …).
    #[error(transparent)]
    Join(#[from] JoinError),
    /// The hub refused the leave (`not-joined`).
    #[error(transparent)]
    Leave(#[from] LeaveError),
    /// The hub refused the message (`not-joined`, `message-too-large`,
    /// `rate-limited`).
    #[error(transparent)]
    Message(#[from] MessageError),
    /// The host's authorizer refused the connection (its code, e.g.
    /// `unauthorized`).
    #[error("{0}")]
    Denied(Denied),
}

impl RequestError {
    /// The stable machine-readable code sent in the error frame.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            Self::BadFrame(_) => "bad-frame",
            Self::UnknownType(_) => "unknown-type",
            Self::InvalidRoomId(_) => "invalid-room-id",
            Self::InvalidUserId(_) => "invalid-user-id",
            Self::BinaryNotSupported => "binary-not-supported",
            Self::UnsupportedVersion(_) => "unsupported-version",
            Self::Join(e) => e.code(),
            Self::Leave(e) => e.code(),
            Self::Message(e) => e.code(),
            Self::Denied(denied) => denied.code(),
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
    /// A message was sent to the room's other members (version 2).
    Sent {
        /// The room.
        room: RoomId,
        /// The request's id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
    },
    /// An application message from another member, or from the server when
    /// `from` is `null` (version 2).
    Message {
        /// The room.
        room: RoomId,
        /// Who sent it; `null` for the server.
        from: Option<PeerId>,
        /// What was sent, as sent.
        data: Data,
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
    /// The frame telling a member of protocol `version` about `event`, if
    /// that version has one (version 1 has no `message`).
    #[must_use]
    pub fn from_event(event: Event, version: u32) -> Option<Self> {
        match event {
            Event::UserConnected { room, user } => Some(Self::UserConnected { room, user }),
            Event::UserDisconnected { room, user } => Some(Self::UserDisconnected { room, user }),
            Event::Message { room, from, data } if version >= 2 => Some(Self::Message { room, from, data }),
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
    /// Parses one text frame of the newest version. Never fails: problems
    /// become [`Incoming::request`] errors.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        Self::parse_version(text, VERSION)
    }

    /// Parses one text frame of protocol `version` (a `message` is an
    /// unknown type in version 1).
    #[must_use]
    pub fn parse_version(text: &str, version: u32) -> Self {
        // Values stay raw (not built into trees): only the fields read are
        // decoded, so nesting depth elsewhere costs nothing. A map, unlike a
        // derived struct, refuses a JSON array.
        let fields = match serde_json::from_str::<BTreeMap<String, &RawValue>>(text) {
            Ok(fields) => fields,
            Err(e) => return Self { id: None, request: Err(RequestError::BadFrame(e.to_string())) },
        };
        match fields.get("id").map(|raw| serde_json::from_str::<u64>(raw.get())).transpose() {
            Ok(id) => Self { id, request: request(&fields, version) },
            Err(_) => Self { id: None, request: Err(bad("`id` must be a non-negative integer")) },
        }
    }
}

type Fields<'a> = BTreeMap<String, &'a RawValue>;

fn request(fields: &Fields<'_>, version: u32) -> Result<Request, RequestError> {
    match string(fields, "type")?.as_str() {
        "join" => Ok(Request::Join {
            room: string(fields, "room")?.parse().map_err(RequestError::InvalidRoomId)?,
            user: string(fields, "user")?.parse().map_err(RequestError::InvalidUserId)?,
        }),
        "leave" => Ok(Request::Leave { room: string(fields, "room")?.parse().map_err(RequestError::InvalidRoomId)? }),
        "ping" => Ok(Request::Ping),
        "message" if version >= 2 => {
            let room = string(fields, "room")?.parse().map_err(RequestError::InvalidRoomId)?;
            let data = fields.get("data").ok_or_else(|| bad("missing field `data`"))?;
            Ok(Request::Message { room, data: Data::new(data.get())? })
        }
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

    fn error_code(text: &str) -> (String, Option<u64>) {
        let parsed = Incoming::parse(text);
        (parsed.request.expect_err(text).code().to_owned(), parsed.id)
    }

    #[test]
    fn a_join_is_read_with_its_id() {
        let parsed = Incoming::parse(r#"{"user":"al ice","type":"join","room":"r-1","id":7,"extra":[[]]}"#);
        assert_eq!(parsed.id, Some(7));
        assert_eq!(parsed.request, Ok(Request::Join { room: "r-1".parse().unwrap(), user: "al ice".parse().unwrap() }));
    }

    #[test]
    fn broken_requests_get_their_code_and_keep_the_id() {
        assert_eq!(error_code("not json"), ("bad-frame".to_owned(), None));
        assert_eq!(error_code(r#"["join"]"#), ("bad-frame".to_owned(), None));
        assert_eq!(error_code("null"), ("bad-frame".to_owned(), None));
        assert_eq!(error_code(r#"{"id":1}"#), ("bad-frame".to_owned(), Some(1)));
        assert_eq!(error_code(r#"{"type":7,"id":2}"#), ("bad-frame".to_owned(), Some(2)));
        assert_eq!(error_code(r#"{"type":"join","room":"r","id":3}"#), ("bad-frame".to_owned(), Some(3)));
        assert_eq!(error_code(r#"{"type":"join","room":5,"user":"u"}"#), ("bad-frame".to_owned(), None));
        assert_eq!(error_code(r#"{"type":"ping","id":-1}"#), ("bad-frame".to_owned(), None));
        assert_eq!(error_code(r#"{"type":"ping","id":1.5}"#), ("bad-frame".to_owned(), None));
        assert_eq!(error_code(r#"{"type":"JOIN","id":4}"#), ("unknown-type".to_owned(), Some(4)));
        assert_eq!(
            error_code(r#"{"type":"join","room":"a/b","user":"u","id":5}"#),
            ("invalid-room-id".to_owned(), Some(5))
        );
        assert_eq!(error_code(r#"{"type":"join","room":"r","user":" u"}"#), ("invalid-user-id".to_owned(), None));
        assert_eq!(error_code(r#"{"type":"leave","room":""}"#), ("invalid-room-id".to_owned(), None));
    }

    #[test]
    fn deep_nesting_in_an_unread_field_is_an_error_not_a_crash() {
        let deep = format!(r#"{{"type":"ping","x":{}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(Incoming::parse(&deep).request, Ok(Request::Ping));
        let deep_id = format!(r#"{{"type":"ping","id":{}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
        assert!(Incoming::parse(&deep_id).request.is_err());
    }

    #[test]
    fn messages_are_version_two() {
        let text = r#"{"type":"message","room":"r","data":{"chat":"hi"},"id":3}"#;
        let parsed = Incoming::parse(text);
        assert_eq!(
            parsed.request,
            Ok(Request::Message { room: "r".parse().unwrap(), data: Data::new(r#"{"chat":"hi"}"#).unwrap() })
        );
        assert_eq!(Incoming::parse_version(text, 1).request.unwrap_err().code(), "unknown-type");
        assert_eq!(Incoming::parse(r#"{"type":"message","room":"r"}"#).request.unwrap_err().code(), "bad-frame");
        let event = Event::Message { room: "r".parse().unwrap(), from: None, data: Data::new("[1]").unwrap() };
        assert_eq!(Outgoing::from_event(event.clone(), 1), None);
        let frame = Outgoing::from_event(event, 2).unwrap().to_json();
        assert_eq!(frame, r#"{"type":"message","room":"r","from":null,"data":[1]}"#);
    }

    #[test]
    fn frames_encode_as_documented() {
        let joined = Outgoing::Joined { room: "r".parse().unwrap(), users: vec!["a".parse().unwrap()], id: Some(1) };
        assert_eq!(joined.to_json(), r#"{"type":"joined","room":"r","users":["a"],"id":1}"#);
        assert_eq!(Outgoing::Pong { id: None }.to_json(), r#"{"type":"pong"}"#);
        let event = Event::UserDisconnected { room: "r".parse().unwrap(), user: "b".parse().unwrap() };
        let frame = Outgoing::from_event(event, VERSION).unwrap().to_json();
        assert_eq!(frame, r#"{"type":"user-disconnected","room":"r","user":"b"}"#);
        let refused = RequestError::from(LeaveError::NotJoined).to_outgoing(Some(9)).to_json();
        assert_eq!(refused, r#"{"type":"error","code":"not-joined","message":"not in this room","id":9}"#);
    }
}
