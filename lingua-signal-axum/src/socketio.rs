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

use std::{
    fmt::Display,
    pin::Pin,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
};

use lingua_signal_core::{Connection, Event, Hub, Inbox};
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
///
/// Order of what the socket is sent: whoever writes to it (the forwarding
/// task with an event, a request handler with events and then its reply)
/// holds the `inbox` lock while taking and writing, and a request holds it
/// from before its hub call until its reply is written. So a reply follows
/// exactly the events that happened before the request took effect, and
/// precedes every later one, as with the Node original's single thread.
#[derive(Debug)]
pub(crate) struct Member {
    conn: Connection,
    inbox: Mutex<Inbox<Event>>,
    forwarding: AtomicBool,
    span: Span,
    counters: Arc<Counters>,
}

impl Member {
    /// The inbox, for taking and writing events (see the type's docs).
    fn inbox(&self) -> MutexGuard<'_, Inbox<Event>> {
        // Poisoning only means a writer panicked; the queue itself is intact.
        self.inbox.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Opens each socket's core connection, registers its handlers, and starts
/// forwarding its events.
///
/// Implemented by hand rather than as an async closure, which socketioxide
/// spawns after sending CONNECT: a client that has its CONNECT can emit
/// `join-room` at once, and a request that arrives before its handler exists
/// is silently dropped. Here the handlers are registered in the middleware
/// step, which socketioxide awaits before it sends CONNECT.
#[derive(Debug, Clone)]
struct OnConnect {
    hub: Hub,
    counters: Arc<Counters>,
}

/// What [`ConnectHandler::call_middleware`] returns.
type Admission<'a> = Pin<Box<dyn Future<Output = Result<(), Box<dyn Display + Send>>> + Send + 'a>>;

impl ConnectHandler<LocalAdapter, ()> for OnConnect {
    fn call_middleware<'a>(&'a self, socket: Arc<Socket>, _auth: &'a Option<Value>) -> Admission<'a> {
        self.admit(&socket);
        Box::pin(std::future::ready(Ok(())))
    }

    /// Runs once the client has been sent CONNECT.
    fn call(&self, socket: Arc<Socket>, _auth: Option<Value>) {
        let Some(member) = socket.extensions.get::<Arc<Member>>() else { return };
        if !socket.connected() {
            // Closed while connecting, after the disconnect handler's chance.
            return release(&socket, "closed while connecting");
        }
        if !member.forwarding.swap(true, Ordering::Relaxed) {
            let span = member.span.clone();
            tokio::spawn(forward::run(socket, member.clone()).instrument(span));
        }
    }
}

impl OnConnect {
    /// If the connect fails after this, the socket is dropped with its
    /// extensions, and dropping the [`Member`] disconnects its connection.
    fn admit(&self, socket: &Socket) {
        let (conn, inbox) = self.hub.connect();
        let span = conn.span("socket.io");
        tracing::debug!(parent: &span, sid = %socket.id, engine = ?socket.transport_type(), "connected");
        let member = Member {
            conn,
            inbox: Mutex::new(inbox),
            forwarding: AtomicBool::new(false),
            span,
            counters: self.counters.clone(),
        };
        socket.extensions.insert(Arc::new(member));
        socket.on(request::JOIN_ROOM.event, request::JOIN_ROOM);
        socket.on(request::LEAVE_ROOM.event, request::LEAVE_ROOM);
        socket.on_disconnect(OnDisconnect);
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
    let _entered = member.span.enter();
    let rooms = member.conn.rooms().len();
    tracing::debug!(%reason, rooms, "disconnected");
    member.conn.disconnect();
}
