//! Socket.IO on namespace `/`, wire-compatible with socket.io-client 4:
//! `join-room(roomId, userId)`, `leave-room(roomId)` and
//! `room-message(roomId, data)` in; `user-connected(userId)`,
//! `user-disconnected(userId)` and `room-message(roomId, fromUserId, data)`
//! out.
//!
//! Per socket the adapter keeps one core [`Connection`] (in the socket's
//! extensions, as a [`Member`]) and one task ([`session`]) that runs the
//! socket's requests in arrival order and writes the connection's events.
//! The core is the only record of who is in which room: socketioxide's own
//! rooms are not used, so a room can mix Socket.IO members with members of
//! other transports.

mod metrics;
mod request;
mod session;

use std::{
    fmt::Display,
    pin::Pin,
    sync::{Arc, Mutex, PoisonError},
};

use lingua_signal_core::{ConnectRequest, Connection, Denied, Event, Hub, Identity, Inbox};
use serde_json::Value as Json;
use socketioxide::{
    SocketIo,
    adapter::LocalAdapter,
    extract::AckSender,
    handler::{ConnectHandler, DisconnectHandler, Value},
    socket::{DisconnectReason, Socket},
};
use tokio::sync::mpsc;
use tracing::{Instrument, Span};

use crate::Refusal;

pub(crate) use metrics::Counters;
pub use metrics::SocketIoMetrics;
pub use request::{Op, parse_event};

/// Requests a socket may have waiting for its task; past that it is
/// flooding, and further requests are refused at once.
const QUEUED_REQUESTS: usize = 64;

/// Puts the rooms protocol on namespace `/` of `io`, backed by `hub`.
pub(crate) fn serve(io: &SocketIo, hub: Hub, counters: Arc<Counters>) {
    io.ns("/", OnConnect { hub, counters });
}

/// The socket's queued requests, boxed: the channel allocates its slots
/// up front, per socket.
type Jobs = mpsc::Receiver<Box<request::Job>>;

/// What the adapter keeps per socket, in its extensions.
#[derive(Debug)]
pub(crate) struct Member {
    conn: Connection,
    /// Requests, in arrival order, for the socket's task.
    jobs: mpsc::Sender<Box<request::Job>>,
    /// The task's ends, until it starts.
    parts: Mutex<Option<(Inbox<Event>, Jobs)>>,
    span: Span,
    counters: Arc<Counters>,
}

/// Asks the host who the socket is, opens its core connection and
/// registers its handlers; starts its task once it is connected.
///
/// Implemented by hand rather than as an async closure, which socketioxide
/// spawns after sending CONNECT: a client that has its CONNECT can emit
/// `join-room` at once, and a request that arrives before its handler exists
/// is silently dropped. Here the handlers are registered in the middleware
/// step, which socketioxide awaits before it sends CONNECT (or
/// `connect_error` when the host refuses).
#[derive(Debug, Clone)]
struct OnConnect {
    hub: Hub,
    counters: Arc<Counters>,
}

/// What [`ConnectHandler::call_middleware`] returns.
type Admission<'a> = Pin<Box<dyn Future<Output = Result<(), Box<dyn Display + Send>>> + Send + 'a>>;

impl ConnectHandler<LocalAdapter, ()> for OnConnect {
    fn call_middleware<'a>(&'a self, socket: Arc<Socket>, auth: &'a Option<Value>) -> Admission<'a> {
        Box::pin(async move {
            let request = connect_request(&socket, auth);
            // A refusal (the host's, or the address at its connection cap)
            // reaches the client's `connect_error` as `err.message`.
            let admitted = self.hub.authorize(&request).await.and_then(|identity| self.admit(&socket, identity));
            admitted.map_err(|denied| Box::new(denied.wire_text()) as Box<dyn Display + Send>)
        })
    }

    /// Runs once the client has been sent CONNECT.
    fn call(&self, socket: Arc<Socket>, _auth: Option<Value>) {
        let Some(member) = socket.extensions.get::<Arc<Member>>() else { return };
        if !socket.connected() {
            // Closed while connecting, after the disconnect handler's chance.
            return release(&socket, "closed while connecting");
        }
        let parts = member.parts.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some((inbox, jobs)) = parts {
            let span = member.span.clone();
            tokio::spawn(session::run(socket, member, inbox, jobs).instrument(span));
        }
    }
}

/// The handshake as the host's authorizer sees it.
fn connect_request(socket: &Socket, auth: &Option<Value>) -> ConnectRequest {
    let parts = socket.req_parts();
    let auth = auth.as_ref().and_then(|value| match value {
        Value::Str(text, _) => serde_json::from_str(text).ok(),
        Value::Bytes(_) => None,
    });
    let mut request = ConnectRequest::new("socket.io", parts.method.as_str(), parts.uri.to_string())
        .auth(auth)
        .remote(crate::remote_ip(&parts.extensions));
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            request = request.header(name.as_str(), value);
        }
    }
    request
}

impl OnConnect {
    /// If the connect fails after this, the socket is dropped with its
    /// extensions, and dropping the [`Member`] disconnects its connection.
    ///
    /// The core connection is what counts the socket against its address
    /// ([`Config::max_connections_per_address`](lingua_signal_core::Config::max_connections_per_address)),
    /// for as long as the socket lives, whichever Engine.IO transport it
    /// uses: a long-polling session holds no TCP connection between its
    /// requests, so the serving layer's per-IP cap never sees it.
    fn admit(&self, socket: &Socket, identity: Identity) -> Result<(), Denied> {
        let (conn, inbox) = self.hub.open(identity)?;
        let span = conn.span("socket.io");
        tracing::debug!(parent: &span, sid = %socket.id, engine = ?socket.transport_type(), "connected");
        let (jobs, queued) = mpsc::channel(QUEUED_REQUESTS);
        let member =
            Member { conn, jobs, parts: Mutex::new(Some((inbox, queued))), span, counters: self.counters.clone() };
        socket.extensions.insert(Arc::new(member));
        for request in request::REQUESTS {
            socket.on(request.event, request);
        }
        socket.on_disconnect(OnDisconnect);
        Ok(())
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

/// The one place where an outcome becomes a wire reply: the acknowledgement
/// when the client asked for one; otherwise nothing on success, and an
/// `error` event carrying the same object on refusal (a client written for
/// the Node original sends no acknowledgement and would otherwise never
/// learn of it).
fn reply(socket: &Socket, member: &Member, ack: Option<AckSender>, outcome: Result<Json, Refusal>) {
    let (body, refused) = match outcome {
        Ok(body) => (body, false),
        Err(refusal) => {
            tracing::debug!(code = refusal.code(), %refusal, "refused");
            if refusal.is_invalid_request() {
                member.counters.invalid_request();
            }
            (refusal.to_json(), true)
        }
    };
    let sent = match ack {
        Some(ack) => ack.send(&body),
        None if refused => socket.emit("error", &body),
        None => Ok(()),
    };
    if let Err(error) = sent {
        tracing::debug!(%error, "could not reply");
    }
}
