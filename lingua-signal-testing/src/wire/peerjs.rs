//! The frames of the PeerJS signaling protocol and its websocket URL.
//!
//! A client connects to `ws://HOST/P/peerjs?key=…&id=…&token=…`; the
//! server answers `{"type":"OPEN"}` (or `ERROR` and a close), then relays
//! `{"type","dst","payload"}` frames as `{"type","src","dst","payload"}`,
//! `src` set by the server. Clients send `HEARTBEAT` to stay alive.

use serde::{Deserialize, Serialize};

use super::{Error, Text};

/// The frame a client sends to say it is alive.
pub const HEARTBEAT: &str = r#"{"type":"HEARTBEAT"}"#;

/// The query a client registers with (without `?`).
#[must_use]
pub fn query(key: &str, id: &str, token: &str) -> String {
    format!("key={key}&id={id}&token={token}")
}

/// The URL of peer `id` at the websocket endpoint `endpoint`
/// (`ws://HOST/P/peerjs`): `endpoint?key=…&id=…&token=…`.
#[must_use]
pub fn url(endpoint: &str, key: &str, id: &str, token: &str) -> String {
    format!("{endpoint}?{}", query(key, id, token))
}

/// A frame to relay, as a client writes it; `src` is optional (the server
/// overwrites it), and `payload` any serializable value: a
/// [`serde_json::value::RawValue`] goes out as it is, without escaping.
#[derive(Debug, Clone, Serialize)]
pub struct Outgoing<'a, P> {
    /// `type`: `OFFER`, `ANSWER`, `CANDIDATE`, …
    #[serde(rename = "type")]
    pub kind: &'a str,
    /// A claimed sender, which the server must replace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src: Option<&'a str>,
    /// The peer to relay to.
    pub dst: &'a str,
    /// What to relay.
    pub payload: P,
}

impl<P: Serialize> Outgoing<'_, P> {
    /// The frame's text.
    ///
    /// # Errors
    ///
    /// The payload's `Serialize` fails.
    pub fn encode(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// The frame as JSON.
    ///
    /// # Errors
    ///
    /// The payload's `Serialize` fails.
    pub fn to_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::to_value(self)
    }
}

/// A frame from the server, borrowing from its text, with the payload
/// parsed as `P`; unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Incoming<'a, P> {
    /// `type`: `OPEN`, `ERROR`, `EXPIRE`, `LEAVE`, or a relayed type.
    #[serde(rename = "type", borrow)]
    pub kind: Text<'a>,
    /// The sender of a relayed frame, as the server set it.
    #[serde(borrow, default)]
    pub src: Option<Text<'a>>,
    /// The recipient.
    #[serde(borrow, default)]
    pub dst: Option<Text<'a>>,
    /// The payload.
    #[serde(default = "none")]
    pub payload: Option<P>,
}

fn none<P>() -> Option<P> {
    None
}

/// The payload of an `ERROR` frame.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Refusal<'a> {
    /// Why.
    #[serde(borrow, default)]
    pub msg: Option<Text<'a>>,
}

impl<'a, P: Deserialize<'a>> Incoming<'a, P> {
    /// Parses one text frame.
    ///
    /// # Errors
    ///
    /// [`Error::Unexpected`] for a frame that is no JSON object with a
    /// string `type` and a payload of the shape `P`.
    pub fn parse(text: &'a str) -> Result<Self, Error> {
        serde_json::from_str(text).map_err(|e| Error::Unexpected { detail: format!("{e}: {}", shorten(text)) })
    }
}

/// Checks that `text` is the `OPEN` that registers a peer.
///
/// # Errors
///
/// [`Error::Unexpected`] with the server's `ERROR` message, or the frame.
pub fn expect_open(text: &str) -> Result<(), Error> {
    match Incoming::<Refusal<'_>>::parse(text) {
        Ok(frame) if frame.kind == "OPEN" => Ok(()),
        Ok(frame) if frame.kind == "ERROR" => {
            let msg = frame.payload.and_then(|p| p.msg).unwrap_or_default();
            Err(Error::Unexpected { detail: format!("ERROR {msg}") })
        }
        _ => Err(Error::Unexpected { detail: shorten(text) }),
    }
}

/// `text` cut to 120 characters, for messages.
#[must_use]
pub fn shorten(text: &str) -> String {
    let cut = text.char_indices().nth(120).map_or(text.len(), |(i, _)| i);
    if cut < text.len() { format!("{}…", &text[..cut]) } else { text.to_owned() }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, value::RawValue};

    use super::*;

    #[test]
    fn urls_carry_key_id_and_token() {
        assert_eq!(url("ws://h/peerjs", "k", "a", "t"), "ws://h/peerjs?key=k&id=a&token=t");
    }

    #[derive(Serialize)]
    struct Offer<'a> {
        seq: u64,
        data: &'a RawValue,
    }

    #[test]
    fn outgoing_frames_take_raw_payloads_as_they_are() {
        let data = RawValue::from_string(r#""abc""#.to_owned()).unwrap();
        let frame = Outgoing { kind: "OFFER", src: Some("x"), dst: "b", payload: Offer { seq: 3, data: &data } };
        assert_eq!(frame.encode().unwrap(), r#"{"type":"OFFER","src":"x","dst":"b","payload":{"seq":3,"data":"abc"}}"#);
        let plain = Outgoing { kind: "ANSWER", src: None, dst: "a", payload: json!({"sdp": 1}) };
        assert_eq!(plain.to_value().unwrap(), json!({"type": "ANSWER", "dst": "a", "payload": {"sdp": 1}}));
    }

    #[derive(Debug, Deserialize)]
    struct Seq<'a> {
        seq: Option<u64>,
        #[serde(borrow, default)]
        data: Option<Text<'a>>,
    }

    #[test]
    fn incoming_frames_borrow_their_strings() {
        let text = r#"{"type":"OFFER","src":"a","dst":"b","payload":{"seq":4,"data":"xyz"}}"#;
        let frame = Incoming::<Seq<'_>>::parse(text).unwrap();
        assert_eq!((frame.kind.as_str(), frame.src.as_deref()), ("OFFER", Some("a")));
        let payload = frame.payload.unwrap();
        assert_eq!(payload.seq, Some(4));
        assert!(payload.data.unwrap().is_borrowed());
        let bare = Incoming::<Seq<'_>>::parse(r#"{"type":"LEAVE"}"#).unwrap();
        assert!(bare.payload.is_none() && bare.src.is_none());
    }

    #[test]
    fn open_registers_and_error_says_why() {
        assert_eq!(expect_open(r#"{"type":"OPEN"}"#), Ok(()));
        let refused = expect_open(r#"{"type":"ERROR","payload":{"msg":"ID is taken"}}"#);
        assert_eq!(refused, Err(Error::Unexpected { detail: "ERROR ID is taken".into() }));
        assert!(expect_open("nope").is_err());
    }
}
