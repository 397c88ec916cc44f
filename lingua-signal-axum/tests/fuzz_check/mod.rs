//! The check of fuzz target `socketio_args`, in one place for the fuzzer
//! (`fuzz/fuzz_targets/socketio_args.rs` includes this file) and for the
//! corpus replay in `tests/fuzz_corpus.rs`.

// A failed check panics: that is how both libFuzzer and the test see it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lingua_signal_axum::{
    __fuzz::{Op, parse_event},
    PeerId, RoomId,
    core::Data,
};
use serde_json::Value as Json;

const EVENTS: [&str; 3] = ["join-room", "leave-room", "room-message"];

/// An input is an event name, a newline and the JSON array of the event's
/// arguments, as a client emits them (`socket.emit("join-room", room, user)`
/// sends `["join-room","r","u"]`). Checks what the server decodes against a
/// plain reading of the arguments: no panic; the right arguments are
/// accepted with their values kept, anything else refused with its code.
pub(crate) fn socketio_args(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (event, args) = text.split_once('\n').unwrap_or((text, ""));
    let Some(decoded) = parse_event(event, args) else {
        assert!(!EVENTS.contains(&event), "{event} has no handler");
        return;
    };
    let args: Option<Vec<Json>> = serde_json::from_str(args).ok();
    let expected = expected_code(event, args.as_deref());
    match decoded {
        Ok(op) => {
            assert_eq!(expected, None, "{op:?}");
            accepted(&op, &args.unwrap_or_default());
        }
        Err(refusal) => {
            assert_eq!(Some(refusal.code()), expected, "{refusal:?}");
            assert_eq!(refusal.to_json()["error"]["code"], refusal.code());
        }
    }
}

/// The refusal code the arguments deserve, by the event's definition.
fn expected_code(event: &str, args: Option<&[Json]>) -> Option<&'static str> {
    let room = |room: &str| RoomId::new(room).err().map(|_| "invalid-room-id");
    match (event, args) {
        ("join-room", Some([Json::String(r), Json::String(u)])) => {
            room(r).or_else(|| PeerId::new(u).err().map(|_| "invalid-user-id"))
        }
        ("leave-room", Some([Json::String(r)])) | ("room-message", Some([Json::String(r), _])) => room(r),
        _ => Some("bad-arguments"),
    }
}

/// An accepted request holds the arguments as sent.
fn accepted(op: &Op, args: &[Json]) {
    match op {
        Op::Join(room, user) => assert_eq!(args, [room.as_str(), user.as_str()]),
        Op::Leave(room) => assert_eq!(args, [room.as_str()]),
        Op::Message(room, data) => {
            assert_eq!(args[0], room.as_str());
            // Kept as decoded, and JSON to relay. Not compared as values:
            // serde_json (no `float_roundtrip`) reads a float back slightly off.
            assert_eq!(Some(data.as_str().to_owned()), serde_json::to_string(&args[1]).ok());
            assert!(Data::new(data.as_str()).is_ok(), "{data:?}");
        }
        Op::Refused(refusal) => panic!("refused as a request: {refusal:?}"),
    }
}
