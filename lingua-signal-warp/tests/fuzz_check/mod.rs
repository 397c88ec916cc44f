//! The check of fuzz target `rooms_protocol`, in one place for the fuzzer
//! (`fuzz/fuzz_targets/rooms_protocol.rs` includes this file) and for the
//! corpus replay in `tests/fuzz_corpus.rs`.

// A failed check panics: that is how both libFuzzer and the test see it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lingua_signal_warp::protocol::{Incoming, Outgoing, Request, RequestError};

/// What the server does with one text frame of the rooms protocol, in
/// either version, and the invariants around it: no panic; the two versions
/// differ only on `message`; the `id` is read alike; an accepted request,
/// written again, reads back equal; a refusal has a parse-time code and its
/// error frame reads back equal.
pub(crate) fn rooms_protocol(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let v1 = Incoming::parse_version(text, 1);
    let v2 = Incoming::parse_version(text, 2);
    assert_eq!(Incoming::parse(text), v2);
    assert_eq!(v1.id, v2.id);
    if !matches!(&v1.request, Err(RequestError::UnknownType(t)) if t == "message") {
        assert_eq!(v1.request, v2.request);
    }
    for (parsed, version) in [(v1, 1), (v2, 2)] {
        match parsed.request {
            Ok(request) => reads_back(request, parsed.id, version),
            Err(error) => refusal(&error, parsed.id),
        }
    }
}

fn reads_back(request: Request, id: Option<u64>, version: u32) {
    // Ids are safe in a JSON string unescaped: writing them raw checks it.
    let body = match &request {
        Request::Join { room, user } => format!(r#""type":"join","room":"{room}","user":"{user}""#),
        Request::Leave { room } => format!(r#""type":"leave","room":"{room}""#),
        Request::Ping => r#""type":"ping""#.to_owned(),
        Request::Message { room, data } => format!(r#""type":"message","room":"{room}","data":{}"#, data.as_str()),
        other => panic!("a request the check does not know: {other:?}"),
    };
    let id_field = id.map(|id| format!(r#","id":{id}"#)).unwrap_or_default();
    let text = format!("{{{body}{id_field}}}");
    assert_eq!(Incoming::parse_version(&text, version), Incoming { id, request: Ok(request) }, "{text}");
}

fn refusal(error: &RequestError, id: Option<u64>) {
    let codes = ["bad-frame", "unknown-type", "invalid-room-id", "invalid-user-id"];
    assert!(codes.contains(&error.code()), "{error:?}");
    let frame = error.to_outgoing(id);
    let json = frame.to_json();
    assert_eq!(serde_json::from_str::<Outgoing>(&json).ok(), Some(frame), "{json}");
}
