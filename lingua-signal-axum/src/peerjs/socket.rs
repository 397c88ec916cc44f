//! The websocket endpoint (protocol §4): admission, then one loop per
//! connection moving frames between the socket and the hub.

use std::time::Duration;

use axum::{
    body::Bytes,
    extract::{
        Query, State,
        rejection::QueryRejection,
        ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade},
    },
    response::Response,
};
use lingua_signal_core::{CloseReason, Inbox, PeerSession, ServerFrame};
use tokio::time::{Instant, Interval, interval_at};
use tracing::Instrument;

use lingua_signal_core::PeerParams;

use super::Shared;

/// How long a closing socket waits for the client's close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// RFC 6455 "message too big".
const CLOSE_TOO_BIG: u16 = 1009;

/// `GET P + "peerjs"`: the upgrade is always accepted; refusals are frames.
pub(crate) async fn upgrade(
    State(shared): State<Shared>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    ws: WebSocketUpgrade,
) -> Response {
    // Percent-decoding is lossy, never fails: a rejection is impossible in
    // practice, and would mean "no parameters" anyway.
    let params = PeerParams::from_pairs(query.map(|Query(pairs)| pairs).unwrap_or_default());
    let max = shared.hub.config().message_bytes();
    // tungstenite enforces the size limit before buffering a whole frame.
    ws.max_message_size(max).max_frame_size(max).on_upgrade(move |socket| {
        let span = tracing::debug_span!("peerjs", peer = tracing::field::Empty);
        connection(socket, params, shared).instrument(span)
    })
}

async fn connection(mut socket: WebSocket, params: PeerParams, shared: Shared) {
    tracing::debug!("websocket connected");
    // Registering before the first read: the stock client sends as soon as
    // the socket is open, without waiting for OPEN.
    let admitted = shared.hub.admit(params, shared.options.key_str()).map_err(|e| e.to_json());
    if let Ok((session, _)) = &admitted {
        tracing::Span::current().record("peer", session.id().as_str());
    }
    match admitted {
        Ok((session, inbox)) => {
            tracing::debug!("registered");
            serve(socket, session, inbox, &shared).await;
        }
        Err(frame) => {
            tracing::debug!(%frame, "refused");
            // The reference closes without a status code (client sees 1005).
            if socket.send(Message::text(frame)).await.is_ok() {
                finish(socket, Some(Message::Close(None))).await;
            }
        }
    }
}

/// How a registered connection ends.
#[derive(Debug)]
enum End {
    /// The client closed, or the transport failed: nothing more to send.
    Peer,
    /// The hub ended this peer (idle, superseded, slow, shutdown).
    Hub(Option<CloseReason>),
    /// The client sent a frame over the size limit.
    TooBig,
}

type Step = Result<(), End>;

async fn serve(mut socket: WebSocket, session: PeerSession, mut inbox: Inbox<ServerFrame>, shared: &Shared) {
    let mut pings = shared.options.pings().map(|p| interval_at(Instant::now() + p, p));
    let end = loop {
        let step = tokio::select! {
            frame = inbox.recv() => deliver(&mut socket, frame, &inbox).await,
            message = socket.recv() => receive(&session, message),
            () = next_ping(&mut pings) => send(&mut socket, Message::Ping(Bytes::new())).await,
        };
        if let Err(end) = step {
            break end;
        }
    };
    // Free the id before the close handshake completes, so a client that
    // saw its socket close can register again at once.
    drop(session);
    tracing::debug!(?end, "disconnected");
    let close = match end {
        End::Peer => None,
        End::Hub(reason) => Some(hub_close(reason)),
        End::TooBig => Some(close_frame(CLOSE_TOO_BIG, "message too big")),
    };
    finish(socket, close).await;
}

/// Writes what the hub queued; `None` means the hub closed this peer.
async fn deliver(socket: &mut WebSocket, frame: Option<ServerFrame>, inbox: &Inbox<ServerFrame>) -> Step {
    match frame {
        Some(frame) => send(socket, Message::text(frame.to_json())).await,
        None => Err(End::Hub(inbox.close_reason())),
    }
}

async fn send(socket: &mut WebSocket, message: Message) -> Step {
    socket.send(message).await.map_err(|_| End::Peer)
}

/// Acts on what the client sent. Malformed frames are ignored: an ERROR
/// frame would make the stock client give up its peer.
fn receive(session: &PeerSession, message: Option<Result<Message, axum::Error>>) -> Step {
    match message {
        Some(Ok(Message::Text(text))) => relay(session, text.as_str()),
        Some(Ok(Message::Binary(bytes))) => match std::str::from_utf8(&bytes) {
            Ok(text) => relay(session, text),
            Err(error) => tracing::debug!(%error, "ignored a binary frame that is not UTF-8"),
        },
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
        Some(Ok(Message::Close(_))) | None => return Err(End::Peer),
        Some(Err(error)) => return Err(read_error(error)),
    }
    Ok(())
}

fn relay(session: &PeerSession, text: &str) {
    if let Err(error) = session.handle_text(text) {
        tracing::debug!(%error, "ignored a malformed frame");
    }
}

fn read_error(error: axum::Error) -> End {
    let error = error.into_inner();
    if let Some(tungstenite::Error::Capacity(capacity)) = error.downcast_ref::<tungstenite::Error>() {
        tracing::debug!(%capacity, "closing: frame too large");
        return End::TooBig;
    }
    tracing::debug!(%error, "websocket error");
    End::Peer
}

async fn next_ping(pings: &mut Option<Interval>) {
    match pings {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

fn hub_close(reason: Option<CloseReason>) -> Message {
    let code = if reason == Some(CloseReason::Shutdown) { 1001 } else { 1000 };
    close_frame(code, reason.map_or("closed", CloseReason::as_str))
}

fn close_frame(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: reason.into() }))
}

/// Sends `close` if any, then reads until the client's close frame (which
/// also flushes tungstenite's reply to a client-initiated close) or
/// [`CLOSE_GRACE`].
async fn finish(mut socket: WebSocket, close: Option<Message>) {
    let too_big = matches!(&close, Some(Message::Close(Some(f))) if f.code == CLOSE_TOO_BIG);
    if let Some(close) = close
        && socket.send(close).await.is_err()
    {
        return;
    }
    // After a size error the reader sits inside the oversized frame: reading
    // on would buffer it whole, which is what the limit is there to prevent.
    if too_big {
        return;
    }
    let drain = async { while let Some(Ok(_)) = socket.recv().await {} };
    let _ = tokio::time::timeout(CLOSE_GRACE, drain).await;
}
