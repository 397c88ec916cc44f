//! The PeerJS websocket (protocol §4): admission, then one loop per
//! connection moving frames between the socket and the hub.
//!
//! Invariants:
//! - registration happens before the first read, because the stock client
//!   sends as soon as the socket is open, without waiting for OPEN;
//! - the id is released before the close handshake, so a client that saw
//!   its socket close can register again at once;
//! - malformed frames are ignored, never answered: an ERROR frame would make
//!   the stock client give up its peer.

use futures::{SinkExt, StreamExt};
use lingua_signal_core::{CloseReason, Inbox, PeerSession, ServerFrame};
use tokio::time::{Instant, Interval, interval_at};
use warp::ws::{Message, WebSocket};

use lingua_signal_core::PeerParams;

use super::Shared;
use crate::socket::{ReadError, finish, read_error};

/// How a registered connection ends.
#[derive(Debug)]
enum End {
    /// The client closed, or the transport failed.
    Peer,
    /// The hub ended this peer (idle, superseded, slow, shutdown).
    Hub(Option<CloseReason>),
    /// A read error that has a close code (oversized message, bad framing).
    Read(ReadError),
}

type Step = Result<(), End>;

/// Serves one upgraded websocket until it ends.
pub(crate) async fn run(mut ws: WebSocket, params: PeerParams, shared: Shared) {
    let admitted = shared.hub.admit(params, shared.options.key_str()).map_err(|e| e.to_json());
    match admitted {
        Ok((session, inbox)) => serve(ws, session, inbox, &shared).await,
        Err(frame) => {
            tracing::debug!(%frame, "peerjs websocket refused");
            // The reference closes without a status code (client sees 1005).
            if ws.send(Message::text(frame)).await.is_ok() {
                finish(&mut ws, Some(Message::close())).await;
            }
        }
    }
}

async fn serve(mut ws: WebSocket, session: PeerSession, mut inbox: Inbox<ServerFrame>, shared: &Shared) {
    let mut pings = shared.options.pings().map(|p| interval_at(Instant::now() + p, p));
    let end = loop {
        let step = tokio::select! {
            frame = inbox.recv() => deliver(&mut ws, frame, &inbox).await,
            message = ws.next() => receive(&session, message),
            () = next_ping(&mut pings) => send(&mut ws, Message::ping(Vec::new())).await,
        };
        if let Err(end) = step {
            break end;
        }
    };
    tracing::debug!(peer = %session.id(), ?end, "peerjs websocket ends");
    drop(session);
    let close = match end {
        End::Peer => None,
        End::Hub(reason) => Some(hub_close(reason)),
        End::Read(error) => error.close().map(|(code, reason)| Message::close_with(code, reason)),
    };
    finish(&mut ws, close).await;
}

/// Writes what the hub queued; `None` means the hub closed this peer.
async fn deliver(ws: &mut WebSocket, frame: Option<ServerFrame>, inbox: &Inbox<ServerFrame>) -> Step {
    match frame {
        Some(frame) => send(ws, Message::text(frame.to_json())).await,
        None => Err(End::Hub(inbox.close_reason())),
    }
}

async fn send(ws: &mut WebSocket, message: Message) -> Step {
    ws.send(message).await.map_err(|_| End::Peer)
}

/// Acts on what the client sent; binary frames are read as text, as the
/// reference does.
fn receive(session: &PeerSession, message: Option<Result<Message, warp::Error>>) -> Step {
    let message = match message {
        None => return Err(End::Peer),
        Some(Err(error)) => return Err(End::Read(read_error(&error))),
        Some(Ok(message)) => message,
    };
    if message.is_close() {
        return Err(End::Peer);
    }
    if message.is_text() || message.is_binary() {
        match std::str::from_utf8(message.as_bytes()) {
            Ok(text) => relay(session, text),
            Err(error) => tracing::debug!(%error, "ignored a binary frame that is not UTF-8"),
        }
    }
    Ok(())
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

/// The close frame when the hub ends a peer: 1001 on shutdown, else 1000
/// with the reason (the stock client treats every close alike).
fn hub_close(reason: Option<CloseReason>) -> Message {
    let code: u16 = if reason == Some(CloseReason::Shutdown) { 1001 } else { 1000 };
    Message::close_with(code, reason.map_or("closed", CloseReason::as_str))
}
