//! The check of fuzz target `peerjs_frame`, in one place for the fuzzer
//! (`fuzz/fuzz_targets/peerjs_frame.rs` includes this file) and for the
//! corpus replay in `tests/fuzz_corpus.rs`.

// A failed check panics: that is how both libFuzzer and the test see it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lingua_signal_core::{
    MAX_ID_LEN, PeerId, RoomId,
    peerjs::{ClientFrame, FrameError, Message, ServerFrame},
};

/// What the server does with one websocket frame from a PeerJS client
/// (a binary frame is read as UTF-8 text), and the invariants around it: no
/// panic; the size limit holds; a relayed frame, encoded as the server sends
/// it, reads back alike with its payload byte for byte. The input also goes
/// through the id parsers.
pub(crate) fn peerjs_frame(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    ids(text);
    if !text.is_empty() {
        let limited = ClientFrame::parse(text, text.len() - 1);
        assert!(matches!(limited, Err(FrameError::TooLarge { .. })), "{limited:?}");
    }
    if let Ok(ClientFrame::Relay { kind, dst, payload }) = ClientFrame::parse(text, text.len()) {
        let message = Message { kind, src: dst.clone(), dst: dst.clone(), payload: payload.clone() };
        let sent = ServerFrame::Message(message).to_json();
        let Ok(ClientFrame::Relay { kind: kind_again, dst: dst_again, payload: payload_again }) =
            ClientFrame::parse(&sent, sent.len())
        else {
            panic!("the server's own frame does not read back: {sent}")
        };
        assert_eq!((kind_again, dst_again), (kind, dst));
        assert_eq!(payload_again.map(|p| p.get().to_owned()), payload.map(|p| p.get().to_owned()));
    }
}

/// [`RoomId`] and [`PeerId`] accept exactly what their definitions say,
/// keep the text as given and read the same from a JSON string.
fn ids(text: &str) {
    let plain = |ch: char| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_';
    let sized = (1..=MAX_ID_LEN).contains(&text.len());
    let room = RoomId::new(text);
    let peer = PeerId::new(text);
    assert_eq!(room.is_ok(), sized && text.chars().all(plain), "RoomId {text:?}: {room:?}");
    let words = text.split(' ').all(|word| !word.is_empty() && word.chars().all(plain));
    assert_eq!(peer.is_ok(), sized && words, "PeerId {text:?}: {peer:?}");
    let quoted = serde_json::Value::from(text).to_string();
    assert_eq!(serde_json::from_str::<RoomId>(&quoted).ok(), room.clone().ok());
    assert_eq!(serde_json::from_str::<PeerId>(&quoted).ok(), peer.clone().ok());
    if let Ok(room) = room {
        assert_eq!((room.as_str(), room.to_string()), (text, text.to_owned()));
    }
    if let Ok(peer) = peer {
        assert_eq!((peer.as_str(), peer.to_string()), (text, text.to_owned()));
    }
}
