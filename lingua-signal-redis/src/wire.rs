//! What nodes say to each other on Redis: one JSON object per pub/sub
//! message, and the fields of a node's presence hash.
//!
//! Every message carries the sender's node id, so a node skips its own, and
//! a version, so a node ignores what a newer release says instead of
//! misreading it.

use lingua_signal_core::{
    Data, Event, PeerId, RoomId,
    peerjs::{Message, MessageKind},
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The wire version this release speaks.
pub(crate) const VERSION: u8 = 1;

/// One message between nodes.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Envelope {
    pub(crate) v: u8,
    /// The sending node's id.
    pub(crate) node: String,
    pub(crate) body: Body,
}

/// What happened on the sending node. Externally tagged: raw JSON payloads
/// do not survive serde's buffering of internally tagged enums.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Body {
    /// A member joined a room there.
    Joined { room: RoomId, user: PeerId },
    /// A member left a room there (leave or disconnect).
    Left { room: RoomId, user: PeerId },
    /// An application message from a member there (or its server code).
    Message { room: RoomId, from: Option<PeerId>, data: Data },
    /// A PeerJS id was registered there.
    PeerUp { id: PeerId },
    /// A PeerJS id is no longer registered there.
    PeerDown { id: PeerId },
    /// The sender is alive.
    Heartbeat,
    /// The sender's whole presence, after it (re)connected to Redis.
    Sync { members: Vec<(RoomId, PeerId)>, peers: Vec<PeerId> },
    /// The sender is shutting down: its members and peers are gone.
    Bye,
    /// A relayed PeerJS message for a peer registered on the receiving node.
    Relay { kind: MessageKind, src: PeerId, dst: PeerId, payload: Option<Box<RawValue>> },
}

impl Body {
    /// The body announcing a local room event.
    pub(crate) fn from_event(event: &Event) -> Option<Self> {
        Some(match event {
            Event::UserConnected { room, user } => Self::Joined { room: room.clone(), user: user.clone() },
            Event::UserDisconnected { room, user } => Self::Left { room: room.clone(), user: user.clone() },
            Event::Message { room, from, data } => {
                Self::Message { room: room.clone(), from: from.clone(), data: data.clone() }
            }
            // A newer core's event this release does not know: not shared.
            _ => return None,
        })
    }

    /// The body carrying a relayed message.
    pub(crate) fn relay(message: &Message) -> Self {
        Self::Relay {
            kind: message.kind,
            src: message.src.clone(),
            dst: message.dst.clone(),
            payload: message.payload.clone(),
        }
    }
}

impl Envelope {
    /// The JSON text of `body` sent by `node`.
    pub(crate) fn encode(node: &str, body: Body) -> String {
        let envelope = Self { v: VERSION, node: node.to_owned(), body };
        // Every field serializes: ids are strings, raw values are JSON.
        serde_json::to_string(&envelope).unwrap_or_default()
    }

    /// Parses a message; `None` for anything malformed or of another
    /// version.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let envelope: Self = serde_json::from_slice(bytes).ok()?;
        (envelope.v == VERSION && !envelope.node.is_empty()).then_some(envelope)
    }
}

/// The presence hash field of a member: `m/<room>/<user>` (`/` is in
/// neither id's character set).
pub(crate) fn member_field(room: &RoomId, user: &PeerId) -> String {
    format!("m/{room}/{user}")
}

/// The presence hash field of a PeerJS id: `p/<id>`.
pub(crate) fn peer_field(id: &PeerId) -> String {
    format!("p/{id}")
}

/// The field that every presence hash has, so that a node without members
/// still has one.
pub(crate) const ALIVE_FIELD: &str = "alive";

/// A presence hash field, read back.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Member(RoomId, PeerId),
    Peer(PeerId),
    Alive,
}

/// Parses a presence hash field; `None` when malformed.
pub(crate) fn parse_field(field: &str) -> Option<Field> {
    if field == ALIVE_FIELD {
        return Some(Field::Alive);
    }
    if let Some(id) = field.strip_prefix("p/") {
        return id.parse().ok().map(Field::Peer);
    }
    let (room, user) = field.strip_prefix("m/")?.split_once('/')?;
    Some(Field::Member(room.parse().ok()?, user.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_round_trip_with_raw_payloads() {
        let room: RoomId = "lesson-1".parse().unwrap();
        let data = Data::new(r#"{"text": "hi"}"#).unwrap();
        let text = Envelope::encode(
            "n1",
            Body::Message { room: room.clone(), from: Some("a".parse().unwrap()), data: data.clone() },
        );
        let back = Envelope::decode(text.as_bytes()).unwrap();
        assert_eq!(back.node, "n1");
        let Body::Message { room: r, data: d, .. } = back.body else { panic!("{text}") };
        assert_eq!((r, d.as_str()), (room, r#"{"text": "hi"}"#));

        let payload = RawValue::from_string(r#"{"sdp":"x"}"#.to_owned()).unwrap();
        let message = Message {
            kind: MessageKind::Offer,
            src: "a".parse().unwrap(),
            dst: "b".parse().unwrap(),
            payload: Some(payload),
        };
        let text = Envelope::encode("n1", Body::relay(&message));
        let Body::Relay { kind, payload, .. } = Envelope::decode(text.as_bytes()).unwrap().body else { panic!() };
        assert_eq!((kind, payload.unwrap().get()), (MessageKind::Offer, r#"{"sdp":"x"}"#));
    }

    #[test]
    fn malformed_messages_are_refused() {
        for bad in [
            &b""[..],
            b"null",
            b"{}",
            br#"{"v":2,"node":"n","body":"heartbeat"}"#,
            br#"{"v":1,"node":"","body":"heartbeat"}"#,
            br#"{"v":1,"node":"n","body":{"joined":{"room":"r","user":"bad id!"}}}"#,
            br#"{"v":1,"node":"n","body":{"relay":{"kind":"NOPE","src":"a","dst":"b","payload":null}}}"#,
            b"\xff\xfe",
        ] {
            assert!(Envelope::decode(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
        assert!(Envelope::decode(br#"{"v":1,"node":"n","body":"heartbeat"}"#).is_some());
    }

    #[test]
    fn fields_round_trip() {
        let room: RoomId = "a-room".parse().unwrap();
        let user: PeerId = "u-1".parse().unwrap();
        assert_eq!(parse_field(&member_field(&room, &user)), Some(Field::Member(room, user.clone())));
        assert_eq!(parse_field(&peer_field(&user)), Some(Field::Peer(user)));
        assert_eq!(parse_field(ALIVE_FIELD), Some(Field::Alive));
        for bad in ["", "m/", "m/r", "m/r/bad!id", "m/r/a/b", "p/", "x/y", "p/a/b"] {
            assert_eq!(parse_field(bad), None, "{bad}");
        }
    }
}
