//! The PeerJS websocket (protocol §4), generic over the framework's socket:
//! admission, then one loop per connection moving frames between the socket
//! and the hub, then the close.
//!
//! Invariants:
//! - registration happens before the first read, because the stock client
//!   sends as soon as the socket is open, without waiting for OPEN;
//! - the id is released before the close handshake, so a client that saw
//!   its socket close can register again at once; a socket lost without a
//!   close frame leaves the id reserved for the same client
//!   ([`PeerSession::lost`]);
//! - malformed frames are ignored, never answered: an ERROR frame would make
//!   the stock client give up its peer.

use std::{borrow::Cow, time::Duration};

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::time::{Instant, Interval, interval_at, timeout};
use tracing::Instrument;

use super::{PeerJsServer, PeerParams, PeerSession, ServerFrame, error_frame};
use crate::{CloseReason, ConnectRequest, Inbox};

/// A websocket message, as the server loop sees it. Adapters convert their
/// framework's message type to and from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsMessage {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Vec<u8>),
    /// A Ping.
    Ping(Vec<u8>),
    /// A Pong.
    Pong(Vec<u8>),
    /// A close frame, with a code and reason or without.
    Close(Option<CloseFrame>),
}

/// The code and reason of a close frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    /// The RFC 6455 status code.
    pub code: u16,
    /// The reason, for people.
    pub reason: Cow<'static, str>,
}

/// What a failed read means for the connection. Adapters classify their
/// framework's read error with [`ReadError::classify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadError {
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
    /// The close frame to send, if one can be.
    #[must_use]
    pub fn close_frame(self) -> Option<CloseFrame> {
        let (code, reason) = match self {
            Self::TooBig => (1009, "message too big"),
            Self::InvalidUtf8 => (1007, "invalid UTF-8"),
            Self::Protocol => (1002, "protocol error"),
            Self::Lost => return None,
        };
        Some(CloseFrame { code, reason: Cow::Borrowed(reason) })
    }

    /// Classifies a read error of a websocket built on tungstenite (axum,
    /// warp, tokio-tungstenite) by the messages of the error and its
    /// sources. Matching the text rather than downcasting keeps adapters
    /// independent of which tungstenite version their framework runs on;
    /// these messages have not changed across its releases, and the shared
    /// test suite checks each case on every adapter.
    #[must_use]
    pub fn classify(error: &(dyn std::error::Error + 'static)) -> Self {
        let mut cause = Some(error);
        while let Some(error) = cause {
            let text = error.to_string();
            if text.starts_with("Space limit exceeded") {
                return Self::TooBig;
            }
            if text.starts_with("UTF-8 encoding error") {
                return Self::InvalidUtf8;
            }
            // The peer went away without a close frame: lost, not broken.
            if text.contains("without closing handshake") {
                return Self::Lost;
            }
            if text.starts_with("WebSocket protocol error") {
                return Self::Protocol;
            }
            cause = error.source();
        }
        Self::Lost
    }
}

/// The ERROR frame's `msg` for a socket over
/// [`PeerJsOptions::max_peers_per_ip`](super::PeerJsOptions::max_peers_per_ip).
pub(crate) const TOO_MANY_FROM_ADDRESS: &str = "Too many peers from this address";

/// How a registered connection ends.
#[derive(Debug)]
enum End {
    /// The client sent a close frame: answer it.
    ClientClosed,
    /// The transport is gone: nothing more can be sent.
    Lost,
    /// The hub ended this peer (idle, superseded, slow, shutdown).
    Hub(Option<CloseReason>),
    /// A read error that has a close code (oversized message, bad framing).
    Read(ReadError),
}

type Step = Result<(), End>;

impl PeerJsServer {
    /// Serves one upgraded PeerJS websocket until it ends: asks the hub's
    /// [`Authorizer`](crate::Authorizer) about `request` (the upgrade
    /// request), admits the peer with `params` (its query), relays, pings,
    /// and closes with the documented code. The upgrade is always accepted:
    /// a refusal is an ERROR (or ID-TAKEN) frame followed by a close without
    /// status, as in the reference; the host's refusal is an ERROR frame
    /// whose `msg` is `"{code}: {reason}"`.
    ///
    /// `socket` is the framework's websocket with its messages converted to
    /// [`WsMessage`] and its read errors to [`ReadError`]. Runs inside a
    /// `peerjs` tracing span whose `peer` field is the registered id.
    pub async fn serve_socket<S>(&self, socket: S, params: PeerParams, request: ConnectRequest)
    where
        S: Stream<Item = Result<WsMessage, ReadError>> + Sink<WsMessage> + Unpin,
    {
        let span = tracing::info_span!("peerjs", peer = tracing::field::Empty);
        self.admit_and_serve(socket, params, request, span.clone()).instrument(span).await;
    }

    async fn admit_and_serve<S>(&self, mut socket: S, params: PeerParams, request: ConnectRequest, span: tracing::Span)
    where
        S: Stream<Item = Result<WsMessage, ReadError>> + Sink<WsMessage> + Unpin,
    {
        let grace = self.options().grace();
        let slot = match self.take_ip_slot(&request) {
            Ok(slot) => slot,
            Err(()) => {
                tracing::debug!(ip = ?request.remote_ip(), "refused: too many peers from this address");
                crate::metrics::inc(&self.hub().metrics().refused);
                let frame = error_frame(TOO_MANY_FROM_ADDRESS);
                if socket.send(WsMessage::Text(frame)).await.is_ok() {
                    finish(&mut socket, Some(None), grace).await;
                }
                return;
            }
        };
        let admitted = match self.hub().authorize(&request).await {
            Ok(identity) => self.hub().admit_as(params, self.options().key_str(), &identity).map_err(|e| e.to_json()),
            Err(denied) => Err(error_frame(&denied.wire_text())),
        };
        // Held until this function returns: the socket's whole life.
        let _slot = slot;
        match admitted {
            Ok((session, inbox)) => {
                span.record("peer", session.id().as_str());
                tracing::debug!("registered");
                let end = self.serve(&mut socket, session, inbox).await;
                tracing::debug!(?end, "disconnected");
                let close = match end {
                    End::ClientClosed => None,
                    End::Lost => return,
                    End::Hub(reason) => Some(hub_close(reason)),
                    End::Read(error) => {
                        // The reader may sit inside a broken or oversized
                        // frame: what it reads on is never acted on.
                        let _ = timeout(grace, socket.send(WsMessage::Close(error.close_frame()))).await;
                        if error == ReadError::TooBig {
                            linger(&mut socket, grace.min(LINGER)).await;
                        }
                        return;
                    }
                };
                finish(&mut socket, close.map(Some), grace).await;
            }
            Err(frame) => {
                tracing::debug!(%frame, "refused");
                // The reference closes without a status code (client sees 1005).
                if socket.send(WsMessage::Text(frame)).await.is_ok() {
                    finish(&mut socket, Some(None), grace).await;
                }
            }
        }
    }

    async fn serve<S>(&self, socket: &mut S, session: PeerSession, mut inbox: Inbox<ServerFrame>) -> End
    where
        S: Stream<Item = Result<WsMessage, ReadError>> + Sink<WsMessage> + Unpin,
    {
        let mut pings = self.options().pings().map(|p| interval_at(Instant::now() + p, p));
        // A client that does not take a frame for this long is gone: waiting
        // longer would let one stalled reader hold its socket forever.
        let write_limit = self.hub().config().alive();
        let end = loop {
            let step = tokio::select! {
                frame = inbox.recv() => match frame {
                    Some(frame) => send(socket, WsMessage::Text(frame.to_json()), write_limit).await,
                    None => Err(End::Hub(inbox.close_reason())),
                },
                message = socket.next() => receive(&session, message),
                () = next_ping(&mut pings) => send(socket, WsMessage::Ping(Vec::new()), write_limit).await,
            };
            if let Err(end) = step {
                break end;
            }
        };
        // Free the id before the close handshake (see the module's
        // invariants); a socket lost without a goodbye keeps it reserved for
        // its client, which is about to reconnect.
        match end {
            End::Lost => session.lost(),
            _ => drop(session),
        }
        end
    }
}

async fn send<S: Sink<WsMessage> + Unpin>(socket: &mut S, message: WsMessage, limit: Duration) -> Step {
    match timeout(limit, socket.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) | Err(_) => Err(End::Lost),
    }
}

/// Acts on what the client sent; binary frames are read as text, as the
/// reference does.
fn receive(session: &PeerSession, message: Option<Result<WsMessage, ReadError>>) -> Step {
    match message {
        None | Some(Err(ReadError::Lost)) => Err(End::Lost),
        Some(Err(error)) => Err(End::Read(error)),
        Some(Ok(WsMessage::Close(_))) => Err(End::ClientClosed),
        Some(Ok(WsMessage::Text(text))) => {
            relay(session, &text);
            Ok(())
        }
        Some(Ok(WsMessage::Binary(bytes))) => {
            match std::str::from_utf8(&bytes) {
                Ok(text) => relay(session, text),
                Err(error) => tracing::debug!(%error, "ignored a binary frame that is not UTF-8"),
            }
            Ok(())
        }
        Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => Ok(()),
    }
}

fn relay(session: &PeerSession, text: &str) {
    if let Err(error) = session.handle_text(text) {
        tracing::debug!(%error, "ignored a malformed frame");
    }
}

async fn next_ping(pings: &mut Option<Interval>) {
    match pings {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// The close frame when the hub ends a peer: 1001 on shutdown, 1008 (policy)
/// when it kept going over its rate limit, else 1000 with the reason (the
/// stock client treats every close alike).
fn hub_close(reason: Option<CloseReason>) -> CloseFrame {
    let code = match reason {
        Some(CloseReason::Shutdown) => 1001,
        Some(CloseReason::RateLimited) => 1008,
        _ => 1000,
    };
    CloseFrame { code, reason: Cow::Borrowed(reason.map_or("closed", CloseReason::as_str)) }
}

/// How long a socket closed for an oversized message lingers, its writing
/// side shut, before it is dropped.
const LINGER: Duration = Duration::from_secs(1);

/// After a 1009: shuts the writing side (the close frame, then a FIN) and
/// waits up to `limit` before the socket is dropped. The reader cannot go
/// on (it may sit inside the oversized frame), and dropping a connection
/// with unread bytes resets it at once: a client still sending the rest of
/// its message would lose the 1009 to the reset and see 1006.
async fn linger<S>(socket: &mut S, limit: Duration)
where
    S: Sink<WsMessage> + Unpin,
{
    let start = Instant::now();
    let _ = timeout(limit, socket.close()).await;
    tokio::time::sleep_until(start + limit).await;
}

/// Sends `close` if any (`Some(None)` is a close frame without status),
/// flushes, then reads until the client's close frame or the end of the
/// stream, for at most `grace`: the close handshake completes when the
/// client is alive, and the framework's answer to a close the client started
/// goes out.
async fn finish<S>(socket: &mut S, close: Option<Option<CloseFrame>>, grace: Duration)
where
    S: Stream<Item = Result<WsMessage, ReadError>> + Sink<WsMessage> + Unpin,
{
    let handshake = async {
        let sent = match close {
            Some(frame) => socket.send(WsMessage::Close(frame)).await,
            None => socket.flush().await,
        };
        if sent.is_ok() {
            // Reading on after the client's close frame is what makes the
            // framework write its answer and end the stream.
            while let Some(Ok(_)) = socket.next().await {}
        }
    };
    let _ = timeout(grace, handshake).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapped(&'static str, Option<Box<dyn std::error::Error + 'static>>);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref()
        }
    }

    #[test]
    fn read_errors_are_classified_through_their_sources() {
        let inner = |text| Wrapped("outer", Some(Box::new(Wrapped(text, None))));
        assert_eq!(ReadError::classify(&inner("Space limit exceeded: Message too long: 9 > 8")), ReadError::TooBig);
        assert_eq!(ReadError::classify(&inner("UTF-8 encoding error")), ReadError::InvalidUtf8);
        assert_eq!(
            ReadError::classify(&inner("WebSocket protocol error: Reserved bits are non-zero")),
            ReadError::Protocol
        );
        assert_eq!(ReadError::classify(&inner("IO error: reset")), ReadError::Lost);
        assert_eq!(
            ReadError::classify(&inner("WebSocket protocol error: Connection reset without closing handshake")),
            ReadError::Lost
        );
        assert_eq!(ReadError::TooBig.close_frame().map(|f| f.code), Some(1009));
        assert_eq!(ReadError::Lost.close_frame(), None);
    }
}
