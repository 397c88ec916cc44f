//! A tokio-tungstenite client for the rooms protocol
//! (`lingua-signal-warp/PROTOCOL.md`), for tests against a real server: a
//! thin layer over [`wire`](crate::wire) that turns every failure into a
//! panic saying what was expected.
//!
//! Every wait is bounded by [`WAIT`], so a missing frame fails a test
//! instead of hanging it.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::time::{Instant, timeout};
use tokio_tungstenite::tungstenite::{Message, protocol::CloseFrame};

use crate::wire::{
    rooms::Request,
    socket::{self, ReadBuffer},
};

/// The longest any helper waits for a frame the test expects.
pub const WAIT: Duration = Duration::from_secs(5);

/// The websocket stream under a [`RoomsClient`].
pub type Stream = socket::Stream;

/// One client of the rooms protocol.
#[derive(Debug)]
pub struct RoomsClient {
    ws: Stream,
    next_id: u64,
}

impl RoomsClient {
    /// Connects to `url` (`ws://…`); panics if the upgrade fails.
    pub async fn connect(url: &str) -> Self {
        Self::connect_with(url, &[]).await
    }

    /// Connects to `url` with extra upgrade headers (`Cookie`, `Origin`,
    /// …), as a browser sends them; panics if the upgrade fails.
    pub async fn connect_with(url: &str, headers: &[(&str, &str)]) -> Self {
        let request = socket::request(url, headers).unwrap_or_else(|e| panic!("a ws:// URL and headers: {e}"));
        let connecting = timeout(WAIT, socket::connect(request, ReadBuffer::Standard));
        let ws = connecting.await.expect("connect timed out").expect("connect failed");
        Self { ws, next_id: 0 }
    }

    /// The raw stream, for tests that need to misbehave.
    pub fn stream(&mut self) -> &mut Stream {
        &mut self.ws
    }

    /// Takes the raw stream.
    pub fn into_stream(self) -> Stream {
        self.ws
    }

    /// Sends one websocket message.
    pub async fn send(&mut self, message: Message) {
        self.ws.send(message).await.expect("send failed");
    }

    /// Sends `text` as one text frame.
    pub async fn send_text(&mut self, text: &str) {
        self.send(Message::text(text)).await;
    }

    /// Sends `value` as one JSON text frame.
    pub async fn send_json(&mut self, value: &Value) {
        self.send_text(&value.to_string()).await;
    }

    /// The next message of any kind (Pings included); panics after [`WAIT`]
    /// or when the stream ends.
    pub async fn next_message(&mut self) -> Message {
        match timeout(WAIT, self.ws.next()).await {
            Ok(Some(Ok(message))) => message,
            Ok(other) => panic!("expected a message, the stream gave {other:?}"),
            Err(_) => panic!("no message within {WAIT:?}"),
        }
    }

    /// The next text frame as JSON, skipping Pings and Pongs; panics on
    /// anything else.
    pub async fn recv(&mut self) -> Value {
        match socket::next_text(&mut self.ws, Instant::now() + WAIT).await {
            Ok(Some(text)) => serde_json::from_str(&text).expect("server sent invalid JSON"),
            Ok(None) => panic!("no message within {WAIT:?}"),
            Err(e) => panic!("expected a text frame: {e}"),
        }
    }

    /// Sends `request` with a fresh `id` and returns the reply, checking
    /// that it echoes the id.
    pub async fn request(&mut self, mut request: Value) -> Value {
        self.next_id += 1;
        request["id"] = json!(self.next_id);
        self.send_json(&request).await;
        self.reply(&request).await
    }

    /// Sends a request of the protocol with a fresh `id` and returns the
    /// reply, checking that it echoes the id.
    async fn ask(&mut self, request: Request<'_>) -> Value {
        self.next_id += 1;
        let text = request.encode(Some(self.next_id));
        self.send_text(&text).await;
        self.reply(&text).await
    }

    async fn reply(&mut self, request: &dyn std::fmt::Display) -> Value {
        let reply = self.recv().await;
        assert_eq!(reply["id"], json!(self.next_id), "reply to {request} does not echo its id: {reply}");
        reply
    }

    /// Joins `room` as `user`; panics unless the reply is `joined`. Returns
    /// the users already there.
    pub async fn join(&mut self, room: &str, user: &str) -> Vec<String> {
        let reply = self.ask(Request::Join { room, user }).await;
        assert_eq!(reply["type"], "joined", "join {room} as {user}: {reply}");
        assert_eq!(reply["room"], room);
        serde_json::from_value(reply["users"].clone()).expect("users is not a list of strings")
    }

    /// Leaves `room`; panics unless the reply is `left`.
    pub async fn leave(&mut self, room: &str) {
        let reply = self.ask(Request::Leave { room }).await;
        assert_eq!(reply["type"], "left", "leave {room}: {reply}");
    }

    /// Sends `request` (with an id) and returns the `code` of the error
    /// reply; panics unless the reply is an error.
    pub async fn refused(&mut self, request: Value) -> String {
        let reply = self.request(request.clone()).await;
        assert_eq!(reply["type"], "error", "{request} should be refused: {reply}");
        assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()), "error without a message: {reply}");
        reply["code"].as_str().expect("error code is not a string").to_owned()
    }

    /// Waits for the close frame (skipping Pings, Pongs and text frames),
    /// returns its code and reason, and checks that the stream then ends.
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            match self.next_message().await {
                Message::Close(Some(CloseFrame { code, reason })) => {
                    let end = timeout(WAIT, async { while let Some(Ok(_)) = self.ws.next().await {} }).await;
                    assert!(end.is_ok(), "the stream did not end after the close frame");
                    return (code.into(), reason.to_string());
                }
                Message::Close(None) => panic!("close frame without a code"),
                _ => {}
            }
        }
    }

    /// Reads for `period` and panics if a text or close frame arrives.
    /// Pings are answered (by reading) and skipped.
    pub async fn assert_silent(&mut self, period: Duration) {
        let deadline = Instant::now() + period;
        while let Ok(next) = tokio::time::timeout_at(deadline, self.ws.next()).await {
            match next {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                other => panic!("expected silence, got {other:?}"),
            }
        }
    }
}

/// The `user-connected` frame.
pub fn user_connected(room: &str, user: &str) -> Value {
    json!({"type": "user-connected", "room": room, "user": user})
}

/// The `user-disconnected` frame.
pub fn user_disconnected(room: &str, user: &str) -> Value {
    json!({"type": "user-disconnected", "room": room, "user": user})
}
