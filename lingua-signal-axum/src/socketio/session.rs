//! The per-socket task: runs the socket's requests in arrival order and
//! writes the core connection's events, each reply in its place.
//!
//! Order of what the socket is sent: this one task writes everything. A
//! request's reply follows exactly the events queued before the request took
//! effect (the hub's [`Mark`]) and precedes every later one, as with the Node
//! original's single thread; per recipient, events go out in the order the
//! changes happened.

use std::sync::Arc;

use lingua_signal_core::{Event, Inbox, Mark};
use serde_json::{Value as Json, json};
use socketioxide::{SendError, SocketError, socket::Socket};
use tokio::sync::mpsc;

use super::{
    Member, reply,
    request::{Job, Op},
};
use crate::Refusal;

/// Event names, as the Node original emits them.
const USER_CONNECTED: &str = "user-connected";
const USER_DISCONNECTED: &str = "user-disconnected";
const ROOM_MESSAGE: &str = "room-message";

/// Serves one socket until its inbox or its requests end. When the hub ended
/// the inbox (slow consumer, shutdown) the socket is disconnected too, so
/// the client knows it is out of its rooms.
pub(super) async fn run(
    socket: Arc<Socket>,
    member: Arc<Member>,
    mut inbox: Inbox<Event>,
    mut jobs: mpsc::Receiver<Box<Job>>,
) {
    loop {
        let open = tokio::select! {
            job = jobs.recv() => match job {
                Some(job) => perform(&socket, &member, &mut inbox, *job).await,
                None => false,
            },
            event = inbox.recv() => match event {
                Some(event) => write(&socket, &member, &event),
                None => {
                    if let Some(reason) = inbox.close_reason() {
                        tracing::debug!(%reason, "hub closed the connection, disconnecting the socket");
                        disconnect(socket, &member);
                    }
                    return;
                }
            },
        };
        if !open {
            return;
        }
    }
}

/// Runs one request, then writes the events before its mark and its reply.
async fn perform(socket: &Arc<Socket>, member: &Member, inbox: &mut Inbox<Event>, job: Job) -> bool {
    let conn = &member.conn;
    let outcome: Result<(Json, Mark), Refusal> = match job.op {
        Op::Join(room, user) => {
            conn.join_authorized(&room, &user).await.map(|(users, mark)| (json!({ "ok": true, "users": users }), mark))
        }
        .map_err(Refusal::from),
        Op::Leave(room) => conn.leave_marked(&room).map(|mark| (json!({ "ok": true }), mark)).map_err(Refusal::from),
        Op::Message(room, data) => {
            conn.send_message(&room, data).map(|mark| (json!({ "ok": true }), mark)).map_err(Refusal::from)
        }
        Op::Refused(refusal) => Err(refusal),
    };
    let mark = outcome.as_ref().map_or_else(|_| conn.mark(), |(_, mark)| *mark);
    for event in inbox.take_until(mark) {
        if !write(socket, member, &event) {
            return false;
        }
    }
    reply(socket, member, job.ack, outcome.map(|(body, _)| body));
    true
}

/// Writes one event; `false` once the socket is closed or given up on.
fn write(socket: &Arc<Socket>, member: &Member, event: &Event) -> bool {
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
    match event {
        Event::UserConnected { user, .. } => socket.emit(USER_CONNECTED, user.as_str()),
        Event::UserDisconnected { user, .. } => socket.emit(USER_DISCONNECTED, user.as_str()),
        // A tuple is sent as that many arguments.
        Event::Message { room, from, data } => {
            socket.emit(ROOM_MESSAGE, &(room.as_str(), from.as_ref().map(|f| f.as_str()), data))
        }
        // A kind of event this adapter does not know has no wire form yet.
        _ => Ok(()),
    }
}

/// The client did not read fast enough for socketioxide's buffer, or the
/// event could not be encoded: it has missed an event, so it cannot be left
/// in its rooms believing it has the full picture. As with the hub's own
/// queue, the slow client is the one that pays.
fn send_failed(socket: Arc<Socket>, member: &Member, error: &SendError) {
    tracing::warn!(%error, "could not emit to the socket, disconnecting it");
    member.counters.send_failure();
    if matches!(error, SendError::Socket(SocketError::InternalChannelFull)) {
        // A slow reader, as when the hub's queue fills: counted alike.
        member.conn.hub().metrics().record_slow_consumer();
    }
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
