//! A minimal Socket.IO 4 client over Engine.IO v4's websocket transport,
//! enough for the rooms events: the handshake (`0{…}` open, `40` CONNECT on
//! namespace `/`, `40{"sid":…}` back), events out (`42[…]`, or `42<id>[…]`
//! asking for an acknowledgement), events and acknowledgements in (`42[…]`,
//! `43<id>[…]`), and the server's pings (`2`, Engine.IO v4: the server
//! pings) answered with pongs (`3`). No polling, no binary packets, no
//! other namespaces.

use std::time::Duration;

use serde_json::Value as Json;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::{
    Error,
    ws::{self, Stream, WAIT},
};

/// A Socket.IO packet from the server that the scenario acts on.
#[derive(Debug, Clone, PartialEq)]
pub enum Packet {
    /// `42["name",args…]`.
    Event {
        /// The event name.
        name: String,
        /// Its arguments.
        args: Vec<Json>,
    },
    /// `43<id>[args…]`: the acknowledgement of our packet `id`.
    Ack {
        /// The id we sent.
        id: u64,
        /// The arguments of the acknowledgement.
        args: Vec<Json>,
    },
}

/// One connected Socket.IO client.
#[derive(Debug)]
pub struct Client {
    ws: Stream,
    who: String,
    /// The Socket.IO session id the server gave in CONNECT's reply.
    pub sid: String,
    /// The Engine.IO ping interval the server announced.
    pub ping_interval: Duration,
    /// Pings answered so far.
    pub pongs: u64,
}

/// The Engine.IO websocket endpoint for a server URL: `http://HOST:PORT`
/// (or `ws://…`, with or without the `/socket.io/` path) becomes
/// `ws://HOST:PORT/socket.io/?EIO=4&transport=websocket`.
#[must_use]
pub fn endpoint(url: &str) -> String {
    let rest = ["http://", "ws://"].iter().find_map(|s| url.strip_prefix(s)).unwrap_or(url);
    let host = rest.split(['/', '?']).next().unwrap_or(rest);
    format!("ws://{host}/socket.io/?EIO=4&transport=websocket")
}

impl Client {
    /// Opens the websocket at `endpoint` (see [`endpoint`]) and connects to
    /// namespace `/`.
    ///
    /// # Errors
    ///
    /// [`Error::Connect`] when the handshake fails or the server refuses the
    /// CONNECT (`44`); [`Error::Timeout`] or [`Error::Protocol`] otherwise.
    pub async fn connect(endpoint: &str, who: String) -> Result<Self, Error> {
        let ws = ws::connect_lean(endpoint).await?;
        let mut client = Self { ws, who, sid: String::new(), ping_interval: Duration::ZERO, pongs: 0 };
        let deadline = Instant::now() + WAIT;
        let open = client.recv_before(deadline, "the Engine.IO open packet").await?;
        let Some(Frame::Open(handshake)) = client.decode(&open)? else {
            return Err(client.protocol(format!("expected the open packet, got {open}")));
        };
        let interval = handshake.get("pingInterval").and_then(Json::as_u64).unwrap_or(25_000);
        client.ping_interval = Duration::from_millis(interval);
        client.send("40".to_owned()).await?;
        client.sid = client.await_connect(endpoint, deadline).await?;
        Ok(client)
    }

    async fn await_connect(&mut self, endpoint: &str, deadline: Instant) -> Result<String, Error> {
        loop {
            let text = self.recv_before(deadline, "the Socket.IO CONNECT reply").await?;
            match self.handle(&text).await? {
                Some(Frame::Connected(reply)) => {
                    return Ok(reply.get("sid").and_then(Json::as_str).unwrap_or_default().to_owned());
                }
                Some(Frame::ConnectError(why)) => {
                    return Err(Error::Connect { url: endpoint.to_owned(), reason: format!("CONNECT refused: {why}") });
                }
                None => {}
                Some(_) => return Err(self.protocol(format!("expected the CONNECT reply, got {text}"))),
            }
        }
    }

    async fn recv_before(&mut self, deadline: Instant, what: &str) -> Result<Utf8Bytes, Error> {
        let wait = deadline.saturating_duration_since(Instant::now());
        self.recv(deadline).await?.ok_or_else(|| Error::Timeout { what: format!("{}: {what}", self.who), wait })
    }

    /// Emits `name(args…)`, asking for an acknowledgement with `ack` id.
    ///
    /// # Errors
    ///
    /// [`Error::Disconnected`] when the connection is gone.
    pub async fn emit(&mut self, name: &str, args: &[&str], ack: Option<u64>) -> Result<(), Error> {
        self.send(encode_event(name, args, ack)).await
    }

    /// The next websocket text frame, undecoded, or `None` at `deadline`.
    /// Cancel-safe: pass what it returns to [`Client::handle`].
    ///
    /// # Errors
    ///
    /// [`Error::Disconnected`] when the connection ends.
    pub async fn recv(&mut self, deadline: Instant) -> Result<Option<Utf8Bytes>, Error> {
        ws::next_text(&mut self.ws, &self.who, deadline).await
    }

    /// Acts on one frame from [`Client::recv`]: answers a ping, and returns
    /// an event or acknowledgement for the caller.
    ///
    /// # Errors
    ///
    /// [`Error::Disconnected`] when the server closes the session;
    /// [`Error::Protocol`] for a packet this client does not speak.
    pub async fn packet(&mut self, text: &str) -> Result<Option<Packet>, Error> {
        match self.handle(text).await? {
            None => Ok(None),
            Some(Frame::Packet(packet)) => Ok(Some(packet)),
            Some(_) => Err(self.protocol(format!("unexpected {}", shorten(text)))),
        }
    }

    /// The next event or acknowledgement before `deadline`, answering pings
    /// meanwhile.
    ///
    /// # Errors
    ///
    /// As [`Client::recv`] and [`Client::packet`].
    pub async fn next(&mut self, deadline: Instant) -> Result<Option<Packet>, Error> {
        while let Some(text) = self.recv(deadline).await? {
            if let Some(packet) = self.packet(&text).await? {
                return Ok(Some(packet));
            }
        }
        Ok(None)
    }

    /// Ends the Socket.IO session (`41`) and closes the websocket.
    pub async fn close(mut self) {
        let _ = self.send("41".to_owned()).await;
        ws::close(self.ws).await;
    }

    /// Answers pings; returns what else the frame carried.
    async fn handle(&mut self, text: &str) -> Result<Option<Frame>, Error> {
        match self.decode(text)? {
            Some(Frame::Ping(data)) => {
                self.send(format!("3{data}")).await?;
                self.pongs += 1;
                Ok(None)
            }
            other => Ok(other),
        }
    }

    fn decode(&self, text: &str) -> Result<Option<Frame>, Error> {
        match decode(text) {
            Ok(Some(Frame::Closed(why))) => Err(Error::Disconnected { who: self.who.clone(), reason: why.into() }),
            Ok(frame) => Ok(frame),
            Err(detail) => Err(self.protocol(format!("{detail}: {}", shorten(text)))),
        }
    }

    async fn send(&mut self, text: String) -> Result<(), Error> {
        ws::send_text(&mut self.ws, &self.who, text).await
    }

    fn protocol(&self, detail: String) -> Error {
        Error::Protocol { who: self.who.clone(), detail }
    }
}

/// One Engine.IO frame, decoded.
#[derive(Debug, Clone, PartialEq)]
enum Frame {
    /// `0{…}`: the handshake.
    Open(Json),
    /// `1`, or Socket.IO `41`: the server ended the session.
    Closed(&'static str),
    /// `2…`: a ping, with its data.
    Ping(String),
    /// `40{…}`: CONNECT accepted.
    Connected(Json),
    /// `44{…}`: CONNECT refused.
    ConnectError(Json),
    /// An event or acknowledgement.
    Packet(Packet),
}

/// Decodes one Engine.IO text frame; `None` for frames with nothing to do
/// (`6` noop, `3` pong).
fn decode(text: &str) -> Result<Option<Frame>, &'static str> {
    let mut chars = text.chars();
    let frame = match chars.next() {
        Some('0') => Frame::Open(serde_json::from_str(chars.as_str()).map_err(|_| "bad open packet")?),
        Some('1') => Frame::Closed("Engine.IO close packet"),
        Some('2') => Frame::Ping(chars.as_str().to_owned()),
        Some('3' | '6') => return Ok(None),
        Some('4') => decode_socket_io(chars.as_str())?,
        _ => return Err("not an Engine.IO packet"),
    };
    Ok(Some(frame))
}

/// Decodes a Socket.IO packet on namespace `/` (no `/nsp,` prefix).
fn decode_socket_io(text: &str) -> Result<Frame, &'static str> {
    let (kind, rest) = text.split_at_checked(1).ok_or("empty Socket.IO packet")?;
    let json = |s: &str| serde_json::from_str::<Json>(s).map_err(|_| "bad JSON in a Socket.IO packet");
    let (id, body) = rest.split_at(rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len()));
    match kind {
        "0" => Ok(Frame::Connected(json(rest)?)),
        "1" => Ok(Frame::Closed("Socket.IO DISCONNECT")),
        "4" => Ok(Frame::ConnectError(json(rest)?)),
        "2" => {
            let Json::Array(mut args) = json(body)? else { return Err("event without an array") };
            let Some(Json::String(name)) = (!args.is_empty()).then(|| args.remove(0)) else {
                return Err("event without a name");
            };
            Ok(Frame::Packet(Packet::Event { name, args }))
        }
        "3" => {
            let id = id.parse().map_err(|_| "acknowledgement without an id")?;
            let Json::Array(args) = json(body)? else { return Err("acknowledgement without an array") };
            Ok(Frame::Packet(Packet::Ack { id, args }))
        }
        _ => Err("a Socket.IO packet this client does not speak (binary, or another namespace)"),
    }
}

/// `42["name","arg",…]`, with the ack id between `42` and the array.
fn encode_event(name: &str, args: &[&str], ack: Option<u64>) -> String {
    let array: Vec<&str> = std::iter::once(name).chain(args.iter().copied()).collect();
    let id = ack.map(|id| id.to_string()).unwrap_or_default();
    // Strings only, so serialization cannot fail.
    format!("42{id}{}", serde_json::to_string(&array).unwrap_or_default())
}

fn shorten(text: &str) -> String {
    let cut = text.char_indices().nth(120).map_or(text.len(), |(i, _)| i);
    if cut < text.len() { format!("{}…", &text[..cut]) } else { text.to_owned() }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_endpoint_is_the_engine_io_websocket() {
        let want = "ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket";
        assert_eq!(endpoint("http://127.0.0.1:3000"), want);
        assert_eq!(endpoint("http://127.0.0.1:3000/"), want);
        assert_eq!(endpoint("ws://127.0.0.1:3000/socket.io/?EIO=4"), want);
        assert_eq!(endpoint("127.0.0.1:3000"), want);
    }

    #[test]
    fn events_are_encoded_with_an_optional_ack_id() {
        assert_eq!(encode_event("join-room", &["r", "u\"1"], None), r#"42["join-room","r","u\"1"]"#);
        assert_eq!(encode_event("join-room", &["r"], Some(7)), r#"427["join-room","r"]"#);
    }

    #[test]
    fn engine_io_frames_decode() {
        assert_eq!(decode("2"), Ok(Some(Frame::Ping(String::new()))));
        assert_eq!(decode("6"), Ok(None));
        assert_eq!(
            decode(r#"0{"sid":"a","pingInterval":25000}"#),
            Ok(Some(Frame::Open(json!({"sid":"a","pingInterval":25000}))))
        );
        assert_eq!(decode(r#"40{"sid":"x"}"#), Ok(Some(Frame::Connected(json!({"sid":"x"})))));
        assert_eq!(decode("41"), Ok(Some(Frame::Closed("Socket.IO DISCONNECT"))));
        assert!(matches!(decode(r#"44{"message":"no"}"#), Ok(Some(Frame::ConnectError(_)))));
        assert!(decode("x").is_err());
    }

    #[test]
    fn events_and_acks_decode() {
        let event = Packet::Event { name: "user-connected".into(), args: vec![json!("u1")] };
        assert_eq!(decode(r#"42["user-connected","u1"]"#), Ok(Some(Frame::Packet(event))));
        let ack = Packet::Ack { id: 12, args: vec![json!({"ok": true})] };
        assert_eq!(decode(r#"4312[{"ok":true}]"#), Ok(Some(Frame::Packet(ack))));
        assert!(decode("42[]").is_err());
        assert!(decode(r#"451-["x",{"_placeholder":true,"num":0}]"#).is_err());
        assert!(decode(r#"42/admin,["x"]"#).is_err());
    }
}
