//! What both websockets share: reading tungstenite's errors and closing.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use warp::ws::{Message, WebSocket};

/// How long the server waits for the client's answer to its close frame.
pub(crate) const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// RFC 6455 "message too big".
pub(crate) const CLOSE_TOO_BIG: u16 = 1009;

/// What a read error means for the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// The message is larger than the limit: close with 1009.
    TooBig,
    /// A text frame is not UTF-8: close with 1007.
    InvalidUtf8,
    /// The framing is broken: close with 1002.
    Protocol,
    /// The transport failed: nothing more can be sent.
    Lost,
}

impl ReadError {
    /// The close code and reason to send, if any can be.
    pub(crate) fn close(self) -> Option<(u16, &'static str)> {
        match self {
            Self::TooBig => Some((CLOSE_TOO_BIG, "message too big")),
            Self::InvalidUtf8 => Some((1007, "invalid UTF-8")),
            Self::Protocol => Some((1002, "protocol error")),
            Self::Lost => None,
        }
    }
}

/// Classifies a read error. warp wraps the error of the tungstenite it runs
/// on (pinned to the same version in the workspace); the oversized-frame
/// tests guard the downcast.
pub(crate) fn read_error(error: &warp::Error) -> ReadError {
    use std::error::Error as _;
    use tungstenite::Error as E;
    let inner = error.source().and_then(|e| e.downcast_ref::<E>());
    tracing::debug!(%error, "websocket read error");
    match inner {
        Some(E::Capacity(_)) => ReadError::TooBig,
        Some(E::Utf8(_)) => ReadError::InvalidUtf8,
        Some(E::Protocol(_)) => ReadError::Protocol,
        _ => ReadError::Lost,
    }
}

/// Sends `close` (a close frame, with or without a code), then reads until
/// the client answers or [`CLOSE_GRACE`] ends, so the close handshake
/// completes when the client is alive. Also flushes tungstenite's answer to a
/// close the client started.
pub(crate) async fn finish(ws: &mut WebSocket, close: Option<Message>) {
    let handshake = async {
        let sent = match close {
            Some(close) => ws.send(close).await,
            None => ws.flush().await,
        };
        if sent.is_ok() {
            while let Some(Ok(_)) = ws.next().await {}
        }
    };
    drop(tokio::time::timeout(CLOSE_GRACE, handshake).await);
}
