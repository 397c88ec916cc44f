//! A PeerJS client over tokio-tungstenite, speaking raw frames so tests can
//! send anything a browser (or an attacker) could; it connects through
//! [`wire::socket`](crate::wire::socket) and panics where a test expects.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::wire::socket::{self, ReadBuffer, Stream};

/// How long [`PeerClient::next_frame`] waits before failing the test.
pub const FRAME_WAIT: Duration = Duration::from_secs(3);

/// What the server sent, as a test sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// A text frame holding JSON.
    Json(Value),
    /// The connection ended: a close frame with its status code (`None` for
    /// a close frame without status, seen by browsers as 1005), or the
    /// connection dropped without one.
    Closed(Option<u16>),
}

/// One websocket connection to the PeerJS endpoint.
#[derive(Debug)]
pub struct PeerClient {
    ws: Stream,
}

impl PeerClient {
    /// Connects to a full `ws://` URL.
    ///
    /// # Errors
    ///
    /// The handshake's error, e.g. an HTTP status other than 101.
    pub async fn connect(url: &str) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        Self::connect_with(url, &[]).await
    }

    /// Connects to a full `ws://` URL with extra request headers (`Cookie`,
    /// `Origin`, …), as a browser's upgrade would carry them.
    ///
    /// # Errors
    ///
    /// The handshake's error, e.g. an HTTP status other than 101.
    pub async fn connect_with(
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        let request = socket::request(url, headers)?;
        let ws = socket::connect(request, ReadBuffer::Standard).await?;
        Ok(Self { ws })
    }

    /// Sends a JSON value as a text frame.
    pub async fn send_json(&mut self, value: &Value) {
        self.send_text(&value.to_string()).await;
    }

    /// Sends `text` as a text frame, whatever it holds.
    pub async fn send_text(&mut self, text: &str) {
        self.send_message(Message::text(text)).await;
    }

    /// Sends a binary frame.
    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        self.send_message(Message::binary(bytes)).await;
    }

    /// Sends any websocket message (ping, raw frame, …).
    pub async fn send_message(&mut self, message: Message) {
        self.try_send(message).await.expect("send a websocket message");
    }

    /// Sends a message the server may cut short (an oversized frame).
    ///
    /// # Errors
    ///
    /// The transport's error, e.g. the server reset the connection.
    pub async fn try_send(&mut self, message: Message) -> Result<(), tokio_tungstenite::tungstenite::Error> {
        self.ws.send(message).await
    }

    /// The next text frame's raw text; panics on anything else or after
    /// [`FRAME_WAIT`].
    pub async fn next_text(&mut self) -> String {
        match self.next_message(FRAME_WAIT).await {
            Some(Message::Text(text)) => text.as_str().to_owned(),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// The next frame; panics after [`FRAME_WAIT`] without one.
    pub async fn next_frame(&mut self) -> Frame {
        self.next_frame_within(FRAME_WAIT).await.unwrap_or_else(|| panic!("no frame within {FRAME_WAIT:?}"))
    }

    /// The next frame, or `None` if none arrives within `wait`. Pings and
    /// pongs are skipped; a binary frame or non-JSON text fails the test
    /// (the server sends only JSON text).
    pub async fn next_frame_within(&mut self, wait: Duration) -> Option<Frame> {
        let message = self.next_message(wait).await?;
        Some(match message {
            Message::Text(text) => {
                Frame::Json(serde_json::from_str(text.as_str()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")))
            }
            Message::Close(close) => Frame::Closed(close.map(|c| u16::from(c.code))),
            other => panic!("unexpected websocket message from the server: {other:?}"),
        })
    }

    /// The next message other than ping or pong, within `wait`. A dropped
    /// connection is reported as `Message::Close(None)`.
    pub async fn next_message(&mut self, wait: Duration) -> Option<Message> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match self.next_message_raw(deadline - tokio::time::Instant::now()).await? {
                Message::Pong(_) | Message::Ping(_) => {}
                message => return Some(message),
            }
        }
    }

    /// The next message of any kind (pings included; tungstenite answers
    /// them by itself), within `wait`. A dropped connection is reported as
    /// `Message::Close(None)`.
    pub async fn next_message_raw(&mut self, wait: Duration) -> Option<Message> {
        match tokio::time::timeout(wait, self.ws.next()).await.ok()? {
            Some(Ok(message)) => Some(message),
            None | Some(Err(_)) => Some(Message::Close(None)),
        }
    }

    /// The next frame, which must be JSON; returns it.
    pub async fn expect_json(&mut self) -> Value {
        match self.next_frame().await {
            Frame::Json(value) => value,
            Frame::Closed(code) => panic!("expected a JSON frame, the connection closed ({code:?})"),
        }
    }

    /// The next frame must be exactly `{"type":"OPEN"}`.
    pub async fn expect_open(&mut self) {
        assert_eq!(self.expect_json().await, serde_json::json!({"type": "OPEN"}), "expected OPEN");
    }

    /// The next frame must be the end of the connection; returns its code.
    pub async fn expect_closed(&mut self) -> Option<u16> {
        match self.next_frame().await {
            Frame::Closed(code) => code,
            Frame::Json(value) => panic!("expected the connection to close, got {value}"),
        }
    }

    /// Fails the test if any frame (or the close) arrives within `wait`.
    pub async fn assert_no_frame_within(&mut self, wait: Duration) {
        if let Some(frame) = self.next_frame_within(wait).await {
            panic!("expected no frame within {wait:?}, got {frame:?}");
        }
    }

    /// Closes with a close frame and waits for the server's reply (or the
    /// end of the connection), ignoring frames still in flight.
    pub async fn close(mut self) {
        assert!(socket::close(&mut self.ws, FRAME_WAIT).await, "the server did not complete the close handshake");
    }

    /// Drops the TCP connection without a close frame (a crashed browser).
    pub fn drop_connection(self) {
        drop(self);
    }
}
