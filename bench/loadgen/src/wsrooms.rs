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

use lingua_signal_testing::wire::rooms::{Frame, Request};
use serde_json::{Value as Json, json};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::{
    Error,
    sio::Packet,
    ws::{self, Stream},
};

pub use lingua_signal_testing::wire::rooms::endpoint;

/// One connected rooms-protocol client.
#[derive(Debug)]
pub struct Client {
    ws: Stream,
    who: String,
    /// The room of the last `join` sent.
    room: String,
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
        let ws = ws::connect_lean(endpoint).await.map_err(hint)?;
        Ok(Self { ws, who, room: String::new() })
    }

    /// Sends `join`, with `ack` as its id when given.
    ///
    /// # Errors
    ///
    /// [`Error::Disconnected`] when the connection is gone.
    pub async fn join(&mut self, room: &str, user: &str, ack: Option<u64>) -> Result<(), Error> {
        room.clone_into(&mut self.room);
        ws::send_text(&mut self.ws, &self.who, Request::Join { room, user }.encode(ack)).await
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
        let frame = Frame::parse(text).map_err(|e| Error::wire(&self.who, e))?;
        Ok(translate(frame, &self.room))
    }

    /// Closes the websocket (leaving every room).
    pub async fn close(self) {
        ws::close(self.ws).await;
    }
}

fn translate(frame: Frame<'_>, joined: &str) -> Option<Packet> {
    let kind = frame.kind.as_str();
    match (kind, frame.id) {
        ("user-connected" | "user-disconnected", _) => {
            let name = match frame.room.as_deref() {
                Some(room) if room == joined => kind.to_owned(),
                other => format!("{kind} for room {other:?}"),
            };
            Some(Packet::Event { name, args: vec![frame.user.map_or(Json::Null, |u| Json::from(u.as_str()))] })
        }
        ("joined", Some(id)) => Some(Packet::Ack { id, args: vec![json!({"ok": true})] }),
        ("error", id) => {
            let (code, message) = (frame.code.as_deref(), frame.message.as_deref());
            let refusal = json!({"ok": false, "code": code, "message": message});
            Some(match id {
                Some(id) => Packet::Ack { id, args: vec![refusal] },
                None => Packet::Event { name: "error".into(), args: vec![refusal] },
            })
        }
        ("joined" | "left" | "pong", _) => None,
        _ => Some(Packet::Event { name: kind.to_owned(), args: Vec::new() }),
    }
}

/// A page instead of an upgrade most likely means `lingua-connect`, whose
/// `/rooms` is a room page: its rooms speak Socket.IO.
pub(crate) fn hint(error: Error) -> Error {
    match error {
        Error::Connect { url, reason } if reason.starts_with("HTTP 200") => Error::Connect {
            url,
            reason: format!(
                "{reason}; the rooms scenario needs lingua-connect-warp (lingua-connect serves rooms over Socket.IO)"
            ),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(text: &str) -> Option<Packet> {
        translate(Frame::parse(text).unwrap(), "r1")
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
