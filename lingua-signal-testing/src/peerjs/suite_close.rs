//! How sockets end (the close table of `lingua_signal_core::peerjs`): the
//! close code of each cause, no reading on after a broken frame, and the
//! grace an unanswered close gets.

use std::time::Duration;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::{Instant, timeout},
};
use tokio_tungstenite::tungstenite::{
    Message,
    protocol::frame::{
        Frame as WsFrame,
        coding::{Data, OpCode},
    },
};

use super::{Frame, SHORT_GRACE, Target, suite_config};

/// A peer silent past `alive_timeout` is closed with 1000. Spec: standard.
pub async fn idle_timeout_closes_with_1000(t: &Target) {
    let mut idle = t.open("idle").await;
    assert_eq!(idle.next_frame().await, Frame::Closed(Some(1000)));
}

/// [`Hub::shutdown`](lingua_signal_core::Hub::shutdown) closes every peer
/// with 1001 ("going away"). Spec: standard.
pub async fn shutdown_closes_with_1001(t: &Target) {
    let mut a = t.open("a").await;
    let mut b = t.open("b").await;
    t.hub().shutdown();
    assert_eq!(a.next_frame().await, Frame::Closed(Some(1001)));
    assert_eq!(b.next_frame().await, Frame::Closed(Some(1001)));
}

/// A text frame that is not UTF-8 closes that socket with 1007; the others
/// carry on. Spec: standard.
pub async fn invalid_utf8_closes_with_1007(t: &Target) {
    let mut a = t.open("a").await;
    let mut b = t.open("b").await;
    a.send_message(Message::Frame(WsFrame::message(vec![0xff_u8, 0xfe, 0xfd], OpCode::Data(Data::Text), true))).await;
    assert_eq!(a.next_frame().await, Frame::Closed(Some(1007)));
    b.send_json(&serde_json::json!({"type": "HEARTBEAT"})).await;
    b.assert_no_frame_within(Duration::from_millis(100)).await;
}

/// A frame with a reserved opcode closes that socket with 1002. Spec:
/// standard.
pub async fn broken_framing_closes_with_1002(t: &Target) {
    let mut a = t.open("a").await;
    a.send_message(Message::Frame(WsFrame::message(vec![1_u8], OpCode::Data(Data::Reserved(3)), true))).await;
    assert_eq!(a.next_frame().await, Frame::Closed(Some(1002)));
}

/// After announcing a frame over the size limit, a client that never sends
/// its payload still gets 1009 and its connection dropped at once: the
/// server does not read on into the oversized frame (nor wait for the close
/// grace, 5 s here). Spec: standard (128 KiB limit, default grace).
pub async fn oversized_frame_is_not_read_on(t: &Target) {
    let mut raw = RawPeer::open(t, "big").await;
    let len = (suite_config().relay_bytes() as u64) * 2;
    let mut header = vec![0x81, 0x80 | 127];
    header.extend_from_slice(&len.to_be_bytes());
    header.extend_from_slice(&[1, 2, 3, 4]);
    header.extend_from_slice(b"only the start of the payload");
    raw.tcp.write_all(&header).await.expect("write the frame header");
    let (opcode, payload) = raw.frame_within(Duration::from_secs(3)).await.expect("a close frame");
    assert_eq!((opcode, payload.get(..2)), (0x8, Some(&1009_u16.to_be_bytes()[..])));
    let gone = raw.end_within(Duration::from_secs(2)).await;
    assert!(gone, "the connection stayed open after 1009, waiting for the rest of the frame");
}

/// A message over the size limit sent in fragments, each under it, closes
/// with 1009 as a single frame does, and the others carry on. (That the
/// client reads the 1009 rather than a reset while it is still writing is
/// checked with the npm `ws` client in `client-js/e2e/wire.mjs`.) Spec:
/// standard (128 KiB messages).
pub async fn oversized_fragmented_message_closes_with_1009(t: &Target) {
    let mut a = t.open("a").await;
    let mut b = t.open("b").await;
    // Four times the limit: the client is still writing when the server
    // refuses the message, as a browser sending a large message would be.
    let piece = 16 * 1024;
    let pieces = 4 * suite_config().relay_bytes() / piece;
    let mut sent = Ok(());
    for n in 0..pieces {
        let opcode = if n == 0 { OpCode::Data(Data::Text) } else { OpCode::Data(Data::Continue) };
        let frame = WsFrame::message(vec![b' '; piece], opcode, n + 1 == pieces);
        sent = a.try_send(Message::Frame(frame)).await;
        if sent.is_err() {
            break;
        }
    }
    // The server may close while fragments are still being written; only
    // the outcome matters.
    drop(sent);
    assert_eq!(a.next_frame().await, Frame::Closed(Some(1009)), "an oversized fragmented message closes with 1009");
    b.send_json(&serde_json::json!({"type": "HEARTBEAT"})).await;
    b.assert_no_frame_within(Duration::from_millis(100)).await;
}

/// A client that never answers the server's close frame is dropped once the
/// close grace has passed, not before. Spec: short grace ([`SHORT_GRACE`]).
pub async fn unanswered_close_is_dropped_after_the_grace(t: &Target) {
    let mut raw = RawPeer::open(t, "mute").await;
    t.hub().shutdown();
    let (opcode, _) = raw.frame_within(Duration::from_secs(3)).await.expect("a close frame");
    assert_eq!(opcode, 0x8);
    let closed_at = Instant::now();
    assert!(raw.end_within(SHORT_GRACE + Duration::from_secs(2)).await, "never dropped");
    let waited = closed_at.elapsed();
    assert!(waited >= SHORT_GRACE - Duration::from_millis(50), "dropped after {waited:?}, before the grace");
}

/// A PeerJS client on a bare TCP stream, for what a websocket library would
/// not do: leave a frame half sent, ignore a close frame.
struct RawPeer {
    tcp: TcpStream,
}

impl RawPeer {
    /// Upgrades and registers `id`, and reads OPEN.
    async fn open(t: &Target, id: &str) -> Self {
        let mut tcp = TcpStream::connect(t.addr).await.expect("connect");
        let path = format!("{}peerjs?key={}&id={id}&token=token-{id}", t.mount(), t.key);
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            t.addr
        );
        tcp.write_all(request.as_bytes()).await.expect("write the upgrade request");
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(tcp.read_u8().await.expect("read the upgrade response"));
        }
        assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
        let mut peer = Self { tcp };
        let open = peer.frame_within(Duration::from_secs(3)).await;
        assert_eq!(open, Some((0x1, br#"{"type":"OPEN"}"#.to_vec())));
        peer
    }

    /// The next frame from the server (opcode and payload; the server never
    /// masks), or `None` if the connection ends or `wait` passes first.
    async fn frame_within(&mut self, wait: Duration) -> Option<(u8, Vec<u8>)> {
        timeout(wait, self.frame()).await.ok().flatten()
    }

    async fn frame(&mut self) -> Option<(u8, Vec<u8>)> {
        let first = self.tcp.read_u8().await.ok()?;
        let len = match self.tcp.read_u8().await.ok()? & 0x7f {
            126 => u64::from(self.tcp.read_u16().await.ok()?),
            127 => self.tcp.read_u64().await.ok()?,
            short => u64::from(short),
        };
        let mut payload = vec![0; usize::try_from(len).ok()?];
        self.tcp.read_exact(&mut payload).await.ok()?;
        Some((first & 0x0f, payload))
    }

    /// Whether the server ends the connection within `wait`, reading and
    /// discarding anything else it sends meanwhile.
    async fn end_within(&mut self, wait: Duration) -> bool {
        let mut sink = [0_u8; 1024];
        let drained = async {
            loop {
                match self.tcp.read(&mut sink).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        };
        timeout(wait, drained).await.is_ok()
    }
}
