//! Socket.IO on namespace `/`, wire-compatible with socket.io-client 4:
//! `join-room(roomId, userId)` and `leave-room(roomId)` in,
//! `user-connected(userId)` and `user-disconnected(userId)` out.
//!
//! Per socket the adapter keeps one core [`Connection`] (in the socket's
//! extensions, as a [`Member`]) and one task that forwards the connection's
//! inbox to the socket. The core is the only record of who is in which room:
//! socketioxide's own rooms are not used, so a room can mix Socket.IO members
//! with members of other transports.

mod forward;
mod metrics;
mod request;

use std::{fmt::Display, sync::Arc};

use lingua_signal_core::{Connection, Hub};
use socketioxide::{
    SocketIo,
    adapter::LocalAdapter,
    handler::{ConnectHandler, DisconnectHandler, Value},
    socket::{DisconnectReason, Socket},
};
use tracing::{Instrument, Span};

pub(crate) use metrics::Counters;
pub use metrics::SocketIoMetrics;

/// Puts the rooms protocol on namespace `/` of `io`, backed by `hub`.
pub(crate) fn serve(io: &SocketIo, hub: Hub, counters: Arc<Counters>) {
    io.ns("/", OnConnect { hub, counters });
}

/// What the adapter keeps per socket, in its extensions.
#[derive(Debug)]
pub(crate) struct Member {
    conn: Connection,
    span: Span,
    counters: Arc<Counters>,
}

/// Opens the socket's core connection and registers its handlers.
///
/// Implemented by hand rather than as an async closure: socketioxide spawns
/// async connect handlers, and the client, which already has its CONNECT
/// reply, could emit `join-room` before a spawned task registered the
/// handler. Here the handlers exist as soon as the namespace connect ends.
#[derive(Debug, Clone)]
struct OnConnect {
    hub: Hub,
    counters: Arc<Counters>,
}

impl ConnectHandler<LocalAdapter, ()> for OnConnect {
    fn call(&self, socket: Arc<Socket>, _auth: Option<Value>) {
        let (conn, inbox) = self.hub.connect();
        let span = tracing::debug_span!("socketio", sid = %socket.id, conn = %conn.id());
        tracing::debug!(parent: &span, transport = ?socket.transport_type(), "connected");
        self.counters.socket_opened();
        let member = Arc::new(Member { conn, span: span.clone(), counters: self.counters.clone() });
        socket.extensions.insert(member.clone());
        socket.on(request::JOIN_ROOM.event, request::JOIN_ROOM);
        socket.on(request::LEAVE_ROOM.event, request::LEAVE_ROOM);
        socket.on_disconnect(OnDisconnect);
        if !socket.connected() {
            // Closed before `on_disconnect` was in place: nobody else will.
            release(&socket, "closed while connecting");
        }
        tokio::spawn(forward::run(socket, inbox, member).instrument(span));
    }
}

/// Disconnects the socket's core connection, which tells the other members
/// of each of its rooms exactly once.
struct OnDisconnect;

impl DisconnectHandler<LocalAdapter, ()> for OnDisconnect {
    fn call_with_defer(&self, socket: Arc<Socket>, reason: DisconnectReason, defer: fn(Arc<Socket>)) {
        release(&socket, reason);
        defer(socket);
    }
}

/// Takes the [`Member`] out of the socket (at most once) and disconnects it.
fn release(socket: &Socket, reason: impl Display) {
    let Some(member) = socket.extensions.remove::<Arc<Member>>() else { return };
    member.counters.socket_closed();
    let _entered = member.span.enter();
    let rooms = member.conn.rooms().len();
    tracing::debug!(%reason, rooms, "disconnected");
    member.conn.disconnect();
}
