//! The per-socket task that writes the core connection's events to the
//! socket.

use std::{future::poll_fn, sync::Arc, task::Poll};

use lingua_signal_core::Event;
use socketioxide::{SendError, SocketError, socket::Socket};

use super::Member;

/// Event names, as the Node original emits them.
const USER_CONNECTED: &str = "user-connected";
const USER_DISCONNECTED: &str = "user-disconnected";

/// Emits each event of `inbox` to `socket`, one at a time and in inbox
/// order, which is the order the hub produced them in: per recipient, events
/// arrive in the order the changes happened.
///
/// Ends when the inbox ends. When the hub ended it (slow consumer, shutdown)
/// the socket is disconnected too, so the client knows it is out of its
/// rooms.
pub(super) async fn run(socket: Arc<Socket>, member: Arc<Member>) {
    // Each event is taken and written under the member's inbox lock, so a
    // request's reply cannot slip between them (see `Member`).
    let next = || {
        poll_fn(|cx| match member.inbox().poll_recv(cx) {
            Poll::Ready(Some(event)) => Poll::Ready(Some(write(&socket, &member, &event))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        })
    };
    while let Some(open) = next().await {
        if !open {
            return;
        }
    }
    let reason = member.inbox().close_reason();
    if let Some(reason) = reason {
        tracing::debug!(%reason, "hub closed the connection, disconnecting the socket");
        disconnect(socket, &member);
    }
}

/// Writes one event; `false` once the socket is closed or given up on.
pub(super) fn write(socket: &Arc<Socket>, member: &Member, event: &Event) -> bool {
    match emit(socket, event) {
        Ok(()) => true,
        Err(SendError::Socket(SocketError::Closed)) => false,
        Err(error) => {
            send_failed(socket.clone(), member, &error);
            false
        }
    }
}

fn emit(socket: &Socket, event: &Event) -> Result<(), SendError> {
    let name = match event {
        Event::UserConnected { .. } => USER_CONNECTED,
        Event::UserDisconnected { .. } => USER_DISCONNECTED,
        // A kind of event this adapter does not know has no wire form yet.
        _ => return Ok(()),
    };
    socket.emit(name, event.user().as_str())
}

/// The client did not read fast enough for socketioxide's buffer, or the
/// event could not be encoded: it has missed an event, so it cannot be left
/// in its rooms believing it has the full picture. As with the hub's own
/// queue, the slow client is the one that pays.
fn send_failed(socket: Arc<Socket>, member: &Member, error: &SendError) {
    tracing::warn!(%error, "could not emit to the socket, disconnecting it");
    member.counters.send_failure();
    disconnect(socket, member);
}

fn disconnect(socket: Arc<Socket>, member: &Member) {
    if let Err(error) = socket.disconnect() {
        // Full buffer: socketioxide cannot even queue the DISCONNECT packet.
        // Leave the rooms anyway; later requests get the `closed` refusal.
        tracing::warn!(%error, "could not disconnect the socket, closing its rooms");
        member.conn.disconnect();
    }
}
