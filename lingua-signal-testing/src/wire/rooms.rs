//! The frames of the rooms protocol (`lingua-signal-warp/PROTOCOL.md`,
//! version 1) and its endpoint URL.

use serde::{Deserialize, Serialize};

use super::{Error, Text};

/// The rooms endpoint for a server URL: `http://HOST:PORT` (or
/// `ws://HOST:PORT`) becomes `ws://HOST:PORT/rooms?v=1`; a URL with a path
/// keeps it (`ws://HOST/rtc/rooms` → `…/rtc/rooms?v=1`), one with a query
/// is taken as it is.
#[must_use]
pub fn endpoint(url: &str) -> String {
    let rest = ["http://", "ws://"].iter().find_map(|s| url.strip_prefix(s)).unwrap_or(url);
    if rest.contains('?') {
        return format!("ws://{rest}");
    }
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.trim_end_matches('/').is_empty() { "/rooms" } else { path };
    format!("ws://{host}{path}?v=1")
}

/// A websocket URL of the endpoint itself, with `?v=1` unless it already
/// has a query.
#[must_use]
pub fn versioned(url: &str) -> String {
    if url.contains('?') { url.to_owned() } else { format!("{url}?v=1") }
}

/// A request of the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    /// `join`: enter `room` as `user`.
    Join {
        /// The room.
        room: &'a str,
        /// The user id announced.
        user: &'a str,
    },
    /// `leave`: leave `room`.
    Leave {
        /// The room.
        room: &'a str,
    },
    /// `ping`: answered with `pong` after everything sent before it.
    Ping,
}

/// A request as it goes on the wire.
#[derive(Serialize)]
struct Outgoing<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    room: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u64>,
}

impl Request<'_> {
    /// The frame, with `"id"` when given (the server then answers with a
    /// reply carrying it).
    #[must_use]
    pub fn encode(self, id: Option<u64>) -> String {
        let (kind, room, user) = match self {
            Self::Join { room, user } => ("join", Some(room), Some(user)),
            Self::Leave { room } => ("leave", Some(room), None),
            Self::Ping => ("ping", None, None),
        };
        // Strings and a number only, so serialization cannot fail.
        serde_json::to_string(&Outgoing { kind, room, user, id }).unwrap_or_default()
    }
}

/// A frame from the server, borrowing from its text; unknown fields are
/// ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Frame<'a> {
    /// `type`: `joined`, `left`, `pong`, `error`, `user-connected`, …
    #[serde(rename = "type", borrow)]
    pub kind: Text<'a>,
    /// The room of a reply or event.
    #[serde(borrow, default)]
    pub room: Option<Text<'a>>,
    /// The user of an event.
    #[serde(borrow, default)]
    pub user: Option<Text<'a>>,
    /// The users already in the room (`joined`).
    #[serde(borrow, default)]
    pub users: Option<Vec<Text<'a>>>,
    /// The id of the request a reply answers.
    #[serde(default)]
    pub id: Option<u64>,
    /// The code of an `error`.
    #[serde(borrow, default)]
    pub code: Option<Text<'a>>,
    /// The message of an `error`.
    #[serde(borrow, default)]
    pub message: Option<Text<'a>>,
}

impl<'a> Frame<'a> {
    /// Parses one text frame.
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] for a frame that is no JSON object with a
    /// string `type`.
    pub fn parse(text: &'a str) -> Result<Self, Error> {
        serde_json::from_str(text).map_err(|e| Error::Unexpected { detail: format!("{e}: {text}") })
    }

    /// `"joined frame"`, or `"error CODE: MESSAGE"`, for messages.
    #[must_use]
    pub fn describe(&self) -> String {
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => format!("{} {code}: {message}", self.kind),
            _ => format!("{} frame", self.kind),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn the_endpoint_is_rooms_version_1_unless_the_url_says_otherwise() {
        assert_eq!(endpoint("http://127.0.0.1:3000"), "ws://127.0.0.1:3000/rooms?v=1");
        assert_eq!(endpoint("ws://127.0.0.1:3000/"), "ws://127.0.0.1:3000/rooms?v=1");
        assert_eq!(endpoint("ws://h:1/rtc/rooms"), "ws://h:1/rtc/rooms?v=1");
        assert_eq!(endpoint("ws://h:1/rooms?v=2"), "ws://h:1/rooms?v=2");
        assert_eq!(versioned("ws://h:1/rooms"), "ws://h:1/rooms?v=1");
        assert_eq!(versioned("ws://h:1/rooms?v=2"), "ws://h:1/rooms?v=2");
    }

    fn encoded(request: Request<'_>, id: Option<u64>) -> Value {
        serde_json::from_str(&request.encode(id)).unwrap()
    }

    #[test]
    fn requests_carry_an_id_only_when_given() {
        let join = Request::Join { room: "r", user: "u\"1" };
        assert_eq!(encoded(join, None), json!({"type": "join", "room": "r", "user": "u\"1"}));
        assert_eq!(encoded(join, Some(7))["id"], 7);
        assert_eq!(encoded(Request::Leave { room: "r" }, Some(2)), json!({"type": "leave", "room": "r", "id": 2}));
        assert_eq!(encoded(Request::Ping, None), json!({"type": "ping"}));
    }

    #[test]
    fn frames_parse_without_copies() {
        let text = r#"{"type":"joined","room":"r1","users":["a","b"],"id":3,"extra":1}"#;
        let frame = Frame::parse(text).unwrap();
        assert_eq!(frame.kind, "joined");
        assert_eq!(frame.id, Some(3));
        assert!(frame.kind.is_borrowed() && frame.room.as_ref().unwrap().is_borrowed());
        assert_eq!(frame.users.unwrap(), [Text("a".into()), Text("b".into())]);
        let error = Frame::parse(r#"{"type":"error","code":"room-full","message":"full"}"#).unwrap();
        assert_eq!(error.describe(), "error room-full: full");
        assert!(matches!(Frame::parse("[]"), Err(Error::Unexpected { .. })));
        assert!(Frame::parse(r#"{"room":"r"}"#).is_err());
    }
}
