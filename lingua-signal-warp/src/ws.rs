//! The websocket upgrade, done here rather than by `warp::ws()`.
//!
//! Why: warp 0.4's `Ws` cannot set tungstenite's read buffer, whose
//! default (128 KiB, zero-filled on the first read) was most of every
//! websocket's memory and a tenth of the CPU of relaying PeerJS messages.
//! The handshake is RFC 6455's (method, `Connection: upgrade`,
//! `Upgrade: websocket`, version 13, `Sec-WebSocket-Accept` from the key);
//! the upgraded connection is hyper's, taken from the request's extensions
//! where hyper's server puts it.

use futures::future;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::{
    WebSocketStream,
    tungstenite::{
        self, Message,
        handshake::derive_accept_key,
        protocol::{CloseFrame, Role, WebSocketConfig, frame::coding::CloseCode},
    },
};
use warp::{
    Filter, Rejection,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    reply::Response,
};

/// Bytes read from the socket at a time. Signaling frames are small, so
/// this is what a connection holds while idle; a bigger frame grows the
/// buffer as needed (up to the message limit).
const READ_BUFFER: usize = 4096;

/// An upgraded websocket, server side.
pub(crate) type WebSocket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// What a read of a [`WebSocket`] fails with.
pub(crate) type Error = tungstenite::Error;

/// A valid websocket upgrade request, not answered yet.
pub(crate) struct Upgrade {
    accept: String,
    on_upgrade: OnUpgrade,
    max_message_bytes: usize,
    max_frame_bytes: Option<usize>,
}

/// Matches a `GET` that asks for a websocket (any other request is
/// rejected as not found, so that the filters after this one get it).
pub(crate) fn upgrade() -> impl Filter<Extract = (Upgrade,), Error = Rejection> + Clone + Send + Sync {
    warp::get().and(warp::header::headers_cloned()).and(warp::ext::optional::<OnUpgrade>()).and_then(
        |headers: HeaderMap, on_upgrade: Option<OnUpgrade>| {
            let upgrade = accept_key(&headers).zip(on_upgrade).map(|(accept, on_upgrade)| Upgrade {
                accept,
                on_upgrade,
                max_message_bytes: usize::MAX,
                max_frame_bytes: None,
            });
            future::ready(upgrade.ok_or_else(warp::reject::not_found))
        },
    )
}

/// The `Sec-WebSocket-Accept` value, if `headers` ask for a websocket.
fn accept_key(headers: &HeaderMap) -> Option<String> {
    let has = |name, wanted: &str| {
        let value = headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok()).unwrap_or("");
        value.split(',').any(|token| token.trim().eq_ignore_ascii_case(wanted))
    };
    let version_13 = headers.get(header::SEC_WEBSOCKET_VERSION).is_some_and(|v| v == "13");
    let key = headers.get(header::SEC_WEBSOCKET_KEY)?;
    (has(header::CONNECTION, "upgrade") && has(header::UPGRADE, "websocket") && version_13)
        .then(|| derive_accept_key(key.as_bytes()))
}

impl Upgrade {
    /// Refuses messages and frames over `bytes` (tungstenite checks before
    /// buffering a whole frame).
    pub(crate) fn max_message_bytes(mut self, bytes: usize) -> Self {
        self.max_message_bytes = bytes;
        self
    }

    /// Refuses single frames over `bytes` as soon as their header is read
    /// (default: the message limit). Larger than the message limit, a
    /// message over that limit fails only after its frame was read whole,
    /// so the connection stays framed and can close cleanly with 1009.
    pub(crate) fn max_frame_bytes(mut self, bytes: usize) -> Self {
        self.max_frame_bytes = Some(bytes);
        self
    }

    /// Answers `101 Switching Protocols` and runs `serve` on the websocket
    /// once hyper hands the connection over.
    pub(crate) fn reply<F, S>(self, serve: S) -> Response
    where
        S: FnOnce(WebSocket) -> F + Send + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let config = WebSocketConfig::default()
            .read_buffer_size(READ_BUFFER)
            .max_message_size(Some(self.max_message_bytes))
            .max_frame_size(Some(self.max_frame_bytes.unwrap_or(self.max_message_bytes)));
        tokio::spawn(async move {
            match self.on_upgrade.await {
                Ok(upgraded) => {
                    let socket = TokioIo::new(upgraded);
                    serve(WebSocketStream::from_raw_socket(socket, Role::Server, Some(config)).await).await;
                }
                Err(error) => tracing::debug!(%error, "websocket upgrade failed"),
            }
        });
        let mut response = Response::default();
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        if let Ok(accept) = HeaderValue::from_str(&self.accept) {
            headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
        }
        response
    }
}

/// A close frame with `code` and `reason`.
pub(crate) fn close_with(code: u16, reason: impl Into<String>) -> Message {
    Message::Close(Some(CloseFrame { code: CloseCode::from(code), reason: reason.into().into() }))
}

/// A text frame.
pub(crate) fn text(text: impl Into<String>) -> Message {
    Message::Text(text.into().into())
}
