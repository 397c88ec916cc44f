//! PeerJS wire frames: parsing what clients send, encoding what the server
//! sends. Shared by every adapter so they answer byte for byte alike;
//! re-exported by [`peerjs`](crate::peerjs).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::PeerId;

/// The relayed message types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum MessageKind {
    /// An SDP offer; opens a media or data connection.
    Offer,
    /// An SDP answer.
    Answer,
    /// An ICE candidate.
    Candidate,
    /// The sender closes every connection with the destination.
    Leave,
    /// Held messages to `src` expired; only the server sends it.
    Expire,
}

impl MessageKind {
    /// Whether a message of this kind is held for a destination that is not
    /// connected yet (LEAVE and EXPIRE are dropped instead).
    #[must_use]
    pub fn is_held(self) -> bool {
        matches!(self, Self::Offer | Self::Answer | Self::Candidate)
    }
}

/// A message passed from one peer to another, with `src` set by the server.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// What it is.
    #[serde(rename = "type")]
    pub kind: MessageKind,
    /// The sender's registered id (never what the client claimed).
    pub src: PeerId,
    /// The destination.
    pub dst: PeerId,
    /// The payload, byte for byte as the sender wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Box<RawValue>>,
}

/// What the server sends a registered peer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ServerFrame {
    /// Registration accepted: `{"type":"OPEN"}`.
    Open,
    /// A relayed message, or an EXPIRE notice.
    Message(Message),
}

impl ServerFrame {
    /// The JSON text of this frame.
    #[must_use]
    pub fn to_json(&self) -> String {
        match self {
            Self::Open => r#"{"type":"OPEN"}"#.to_owned(),
            // Serializing ids, an enum and a raw value cannot fail.
            Self::Message(m) => serde_json::to_string(m).unwrap_or_default(),
        }
    }
}

/// What a client sent, once parsed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ClientFrame {
    /// `{"type":"HEARTBEAT"}`: the client is alive.
    Heartbeat,
    /// A message to relay to `dst`.
    Relay {
        /// Its type.
        kind: MessageKind,
        /// The destination.
        dst: PeerId,
        /// The payload, untouched.
        payload: Option<Box<RawValue>>,
    },
    /// A well-formed frame the server does not act on (unknown `type`,
    /// `OPEN`, a LEAVE without `dst`, a client-sent EXPIRE, …).
    Ignored,
}

/// Why a client frame could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The frame is larger than the configured limit.
    #[error("frame of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The frame is not a JSON object.
    #[error("frame is not a JSON object: {0}")]
    NotAnObject(String),
    /// A relayed type without a usable `dst`.
    #[error("message has no valid dst: {0}")]
    BadDestination(String),
    /// The payload nests arrays and objects deeper than
    /// [`MAX_PAYLOAD_DEPTH`]: no signaling message does, and a receiver's
    /// JSON parser may choke on it.
    #[error("payload nests deeper than {max} levels")]
    TooDeep {
        /// The limit.
        max: usize,
    },
}

/// How deeply a relayed payload may nest arrays and objects. SDP offers,
/// answers and candidates nest three or four levels.
pub const MAX_PAYLOAD_DEPTH: usize = 32;

/// Whether `json` (valid JSON text) nests arrays and objects deeper than
/// `max`; brackets inside strings do not count.
fn deeper_than(json: &str, max: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for byte in json.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[derive(Deserialize)]
struct RawFrame<'a> {
    #[serde(rename = "type", default, borrow)]
    kind: Option<&'a RawValue>,
    #[serde(default, borrow)]
    dst: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "present")]
    payload: Option<Box<RawValue>>,
}

/// Keeps a present `null` payload as `Some("null")`, unlike `Option`'s own
/// deserializer, so it is relayed as sent.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Box<RawValue>>, D::Error> {
    Box::<RawValue>::deserialize(d).map(Some)
}

impl ClientFrame {
    /// Parses one text frame of at most `max` bytes.
    ///
    /// # Errors
    ///
    /// [`FrameError`] for an oversized frame, a frame that is not a JSON
    /// object, or a relayed type whose `dst` is missing or not a valid
    /// [`PeerId`].
    pub fn parse(text: &str, max: usize) -> Result<Self, FrameError> {
        if text.len() > max {
            return Err(FrameError::TooLarge { len: text.len(), max });
        }
        let raw: RawFrame<'_> = serde_json::from_str(text).map_err(|e| FrameError::NotAnObject(e.to_string()))?;
        let kind = match raw.kind.map(RawValue::get) {
            Some(r#""HEARTBEAT""#) => return Ok(Self::Heartbeat),
            Some(r#""OFFER""#) => MessageKind::Offer,
            Some(r#""ANSWER""#) => MessageKind::Answer,
            Some(r#""CANDIDATE""#) => MessageKind::Candidate,
            Some(r#""LEAVE""#) if raw.dst.is_some() => MessageKind::Leave,
            _ => return Ok(Self::Ignored),
        };
        let dst = raw.dst.ok_or_else(|| FrameError::BadDestination("missing".into()))?;
        let dst = serde_json::from_str::<PeerId>(dst.get()).map_err(|e| FrameError::BadDestination(e.to_string()))?;
        if raw.payload.as_ref().is_some_and(|p| deeper_than(p.get(), MAX_PAYLOAD_DEPTH)) {
            return Err(FrameError::TooDeep { max: MAX_PAYLOAD_DEPTH });
        }
        Ok(Self::Relay { kind, dst, payload: raw.payload })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ClientFrame, FrameError> {
        ClientFrame::parse(text, 1024)
    }

    #[test]
    fn relayed_types_keep_their_payload_untouched() {
        let f = parse(r#"{"type":"OFFER","dst":"b","payload":{"x": [1, 2.50]},"src":"forged"}"#).unwrap();
        let ClientFrame::Relay { kind, dst, payload } = f else { panic!("{f:?}") };
        assert_eq!(kind, MessageKind::Offer);
        assert_eq!(dst.as_str(), "b");
        assert_eq!(payload.unwrap().get(), r#"{"x": [1, 2.50]}"#);
    }

    #[test]
    fn deep_payloads_are_refused_and_brackets_in_strings_do_not_count() {
        let nested = |n: usize| format!(r#"{{"type":"OFFER","dst":"b","payload":{}{}}}"#, "[".repeat(n), "]".repeat(n));
        assert!(matches!(ClientFrame::parse(&nested(MAX_PAYLOAD_DEPTH), 4096), Ok(ClientFrame::Relay { .. })));
        let too_deep = ClientFrame::parse(&nested(MAX_PAYLOAD_DEPTH + 1), 4096);
        assert_eq!(too_deep.unwrap_err(), FrameError::TooDeep { max: MAX_PAYLOAD_DEPTH });
        let text = format!(r#"{{"type":"OFFER","dst":"b","payload":{{"sdp":"{}\"["}}}}"#, "[{".repeat(100));
        assert!(matches!(ClientFrame::parse(&text, 4096), Ok(ClientFrame::Relay { .. })), "{text}");
    }

    #[test]
    fn heartbeat_unknown_and_client_expire_are_not_relayed() {
        assert!(matches!(parse(r#"{"type":"HEARTBEAT","dst":5}"#), Ok(ClientFrame::Heartbeat)));
        for text in [
            r#"{"type":"BOGUS"}"#,
            r#"{"type":"EXPIRE","dst":"a"}"#,
            r#"{"type":"LEAVE"}"#,
            "{}",
            "[1]",
            r#"{"type":5}"#,
        ] {
            assert!(matches!(parse(text), Ok(ClientFrame::Ignored)), "{text}");
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for text in ["not json", "null", "42", "\"s\"", "{", r#"{"type":"OFFER","dst":"a"#, ""] {
            assert!(matches!(parse(text), Err(FrameError::NotAnObject(_))), "{text}");
        }
        assert!(matches!(parse(r#"{"type":"OFFER"}"#), Err(FrameError::BadDestination(_))));
        assert!(matches!(parse(r#"{"type":"OFFER","dst":7}"#), Err(FrameError::BadDestination(_))));
        assert!(matches!(parse(r#"{"type":"OFFER","dst":"a/b"}"#), Err(FrameError::BadDestination(_))));
        let big = format!(r#"{{"type":"OFFER","dst":"a","payload":"{}"}}"#, "x".repeat(2000));
        assert!(matches!(parse(&big), Err(FrameError::TooLarge { max: 1024, .. })));
    }

    #[test]
    fn deep_nesting_costs_no_recursion_and_is_refused() {
        // The payload is skipped over, not built into a tree, so depth costs
        // no stack; then its depth is counted and it is refused.
        let payload = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let deep = format!(r#"{{"type":"OFFER","dst":"a","payload":{payload}}}"#);
        let refused = ClientFrame::parse(&deep, usize::MAX);
        assert_eq!(refused.unwrap_err(), FrameError::TooDeep { max: MAX_PAYLOAD_DEPTH });
        let deep_type = format!(r#"{{"type":{}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(ClientFrame::parse(&deep_type, usize::MAX), Ok(ClientFrame::Ignored)));
    }

    #[test]
    fn frames_encode_as_the_reference_does() {
        assert_eq!(ServerFrame::Open.to_json(), r#"{"type":"OPEN"}"#);
        let m =
            Message { kind: MessageKind::Expire, src: "b".parse().unwrap(), dst: "a".parse().unwrap(), payload: None };
        assert_eq!(ServerFrame::Message(m).to_json(), r#"{"type":"EXPIRE","src":"b","dst":"a"}"#);
        let m = Message {
            kind: MessageKind::Answer,
            src: "b".parse().unwrap(),
            dst: "a".parse().unwrap(),
            payload: Some(RawValue::from_string("null".into()).unwrap()),
        };
        assert_eq!(ServerFrame::Message(m).to_json(), r#"{"type":"ANSWER","src":"b","dst":"a","payload":null}"#);
    }

    #[test]
    fn a_null_payload_is_kept() {
        let Ok(ClientFrame::Relay { payload, .. }) = parse(r#"{"type":"ANSWER","dst":"a","payload":null}"#) else {
            panic!()
        };
        assert_eq!(payload.unwrap().get(), "null");
    }
}
