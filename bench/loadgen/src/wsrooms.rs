//! A client of the raw-websocket rooms protocol (PROTOCOL.md, version 1)
//! that speaks to the scenarios in Socket.IO's terms ([`Packet`]), so that
//! `fanout`, `hold` and `churn` run unchanged over either transport:
//!
//! - `join-room(room, user)` is `{"type":"join",…}`, with `id` when an
//!   acknowledgement is wanted;
//! - `user-connected` / `user-disconnected` of the joined room become the
//!   events of the same name with the user as the one argument; for another
//!   room the name says so (a misaddressed delivery, counted as such);
//! - `joined` with an id becomes the acknowledgement `{"ok":true}`, `error`
//!   with an id a refusal `{"ok":false,"code":…}`; replies without an id
//!   (nobody asked) and `pong` / `left` are dropped.

use serde::Deserialize;
use serde_json::{Value as Json, json};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::{
    Error,
    sio::Packet,
    ws::{self, Stream},
};

/// One connected rooms-protocol client.
#[derive(Debug)]
pub struct Client {
    ws: Stream,
    who: String,
    /// The room of the last `join` sent.
    room: String,
}

/// A frame from the server; unknown fields are ignored.
#[derive(Debug, Deserialize)]
struct Incoming {
    #[serde(rename = "type")]
    kind: String,
    room: Option<String>,
    user: Option<String>,
    id: Option<u64>,
    code: Option<String>,
    message: Option<String>,
}

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

impl Client {
    /// Opens the websocket at `endpoint` (see [`endpoint`]); the protocol
    /// sends nothing on connect.
    ///
    /// # Errors
    ///
    /// [`Error::Connect`] when the handshake fails (with a hint when the
    /// server answered with a page: lingua-connect's rooms speak Socket.IO).
    pub async fn connect(endpoint: &str, who: String) -> Result<Self, Error> {
        let ws = ws::connect_lean(endpoint).await.map_err(crate::rooms::hint)?;
        Ok(Self { ws, who, room: String::new() })
    }

    /// Sends `join`, with `ack` as its id when given.
    ///
    /// # Errors
    ///
    /// [`Error::Disconnected`] when the connection is gone.
    pub async fn join(&mut self, room: &str, user: &str, ack: Option<u64>) -> Result<(), Error> {
        room.clone_into(&mut self.room);
        ws::send_text(&mut self.ws, &self.who, encode_join(room, user, ack)).await
    }

    /// The next text frame, undecoded, or `None` at `deadline`. Cancel-safe.
    ///
    /// # Errors
    ///
    /// [`Error::Disconnected`] when the connection ends.
    pub async fn recv(&mut self, deadline: Instant) -> Result<Option<Utf8Bytes>, Error> {
        ws::next_text(&mut self.ws, &self.who, deadline).await
    }

    /// What a frame from [`Client::recv`] means for the scenario.
    ///
    /// # Errors
    ///
    /// [`Error::Protocol`] for a frame that is no JSON object with a `type`.
    pub fn packet(&self, text: &str) -> Result<Option<Packet>, Error> {
        let frame: Incoming = serde_json::from_str(text)
            .map_err(|e| Error::Protocol { who: self.who.clone(), detail: format!("{e}: {text}") })?;
        Ok(translate(frame, &self.room))
    }

    /// Closes the websocket (leaving every room).
    pub async fn close(self) {
        ws::close(self.ws).await;
    }
}

/// `{"type":"join","room":…,"user":…}`, with `"id"` when given.
fn encode_join(room: &str, user: &str, ack: Option<u64>) -> String {
    let mut frame = json!({"type": "join", "room": room, "user": user});
    if let Some(id) = ack {
        frame["id"] = id.into();
    }
    frame.to_string()
}

fn translate(frame: Incoming, joined: &str) -> Option<Packet> {
    let kind = frame.kind.as_str();
    match (kind, frame.id) {
        ("user-connected" | "user-disconnected", _) => {
            let name = match frame.room.as_deref() {
                Some(room) if room == joined => kind.to_owned(),
                other => format!("{kind} for room {other:?}"),
            };
            Some(Packet::Event { name, args: vec![frame.user.map_or(Json::Null, Json::from)] })
        }
        ("joined", Some(id)) => Some(Packet::Ack { id, args: vec![json!({"ok": true})] }),
        ("error", id) => {
            let refusal = json!({"ok": false, "code": frame.code, "message": frame.message});
            Some(match id {
                Some(id) => Packet::Ack { id, args: vec![refusal] },
                None => Packet::Event { name: "error".into(), args: vec![refusal] },
            })
        }
        ("joined" | "left" | "pong", _) => None,
        _ => Some(Packet::Event { name: kind.to_owned(), args: Vec::new() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_rooms_version_1_unless_the_url_says_otherwise() {
        assert_eq!(endpoint("http://127.0.0.1:3000"), "ws://127.0.0.1:3000/rooms?v=1");
        assert_eq!(endpoint("ws://127.0.0.1:3000/"), "ws://127.0.0.1:3000/rooms?v=1");
        assert_eq!(endpoint("ws://h:1/rtc/rooms"), "ws://h:1/rtc/rooms?v=1");
        assert_eq!(endpoint("ws://h:1/rooms?v=2"), "ws://h:1/rooms?v=2");
    }

    #[test]
    fn joins_carry_an_id_only_when_acknowledged() {
        let plain: Json = serde_json::from_str(&encode_join("r", "u", None)).unwrap();
        assert_eq!(plain, json!({"type": "join", "room": "r", "user": "u"}));
        let acked: Json = serde_json::from_str(&encode_join("r", "u", Some(7))).unwrap();
        assert_eq!(acked["id"], 7);
    }

    fn packet(text: &str) -> Option<Packet> {
        translate(serde_json::from_str(text).unwrap(), "r1")
    }

    #[test]
    fn frames_become_socket_io_packets() {
        let event = |name: &str| Some(Packet::Event { name: name.into(), args: vec![json!("u")] });
        assert_eq!(packet(r#"{"type":"user-connected","room":"r1","user":"u"}"#), event("user-connected"));
        assert_eq!(packet(r#"{"type":"user-disconnected","room":"r1","user":"u"}"#), event("user-disconnected"));
        assert_eq!(
            packet(r#"{"type":"user-connected","room":"r2","user":"u"}"#),
            event(r#"user-connected for room Some("r2")"#)
        );
        let ok = Some(Packet::Ack { id: 3, args: vec![json!({"ok": true})] });
        assert_eq!(packet(r#"{"type":"joined","room":"r1","users":[],"id":3}"#), ok);
        assert_eq!(packet(r#"{"type":"joined","room":"r1","users":["a"]}"#), None);
        assert_eq!(packet(r#"{"type":"pong"}"#), None);
        let Some(Packet::Ack { id: 4, args }) = packet(r#"{"type":"error","code":"room-full","message":"m","id":4}"#)
        else {
            panic!("not a refusal")
        };
        assert_eq!(args[0]["ok"], false);
        assert_eq!(args[0]["code"], "room-full");
        assert!(
            matches!(packet(r#"{"type":"error","code":"bad-frame","message":"m"}"#), Some(Packet::Event { name, .. }) if name == "error")
        );
    }
}
