//! Closing a rooms websocket: the close grace and the handshake.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::ws::WebSocket;

/// Sends `close` (a close frame, with or without a code), then reads until
/// the client answers or `grace` ends, so the close handshake completes
/// when the client is alive. Also flushes warp's answer to a close the
/// client started.
pub(crate) async fn finish(ws: &mut WebSocket, close: Option<Message>, grace: Duration) {
    let handshake = async {
        let sent = match close {
            Some(close) => ws.send(close).await,
            None => ws.flush().await,
        };
        if sent.is_ok() {
            while let Some(Ok(_)) = ws.next().await {}
        }
    };
    drop(tokio::time::timeout(grace, handshake).await);
}
