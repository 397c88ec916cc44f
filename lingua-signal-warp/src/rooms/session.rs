//! One rooms websocket connection: read requests, write replies and events,
//! keep it alive, and close it with the documented code.
//!
//! Invariants:
//! - everything is written by this one task, so frames leave in the order
//!   they are produced;
//! - a reply is written after the events queued before its request took
//!   effect (up to the hub's [`Mark`]) and before those queued after, so it
//!   neither overtakes an earlier change nor trails a later one;
//! - the connection leaves its rooms before any close handshake, so the
//!   others never wait for a dead client.

use std::ops::ControlFlow;

use futures::{SinkExt, StreamExt};
use lingua_signal_core::{CloseReason, ConnectRequest, Connection, Event, Hub, Inbox, Mark, peerjs::ReadError};
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep_until, timeout};
use tokio_tungstenite::tungstenite::Message;
use tracing::Instrument;

use super::RoomsSettings;
use crate::{
    protocol::{
        CLOSE_FORBIDDEN, CLOSE_IDLE_TIMEOUT, CLOSE_UNAUTHORIZED, CLOSE_UNSUPPORTED_VERSION, Incoming, Outgoing,
        Request, RequestError,
    },
    socket::finish,
    ws::{self, WebSocket, close_with, text},
};

/// How a session ends.
#[derive(Debug)]
enum End {
    /// The client sent a close frame (tungstenite queued the reply).
    ClientClosed,
    /// The TCP connection is gone or unusable: nothing more to send.
    Lost,
    /// The server closes with this code and reason.
    Close(u16, &'static str),
    /// A read failed inside a frame: close with this code, read no more.
    Broken(Message),
}

type Step = ControlFlow<End>;

struct Session {
    ws: WebSocket,
    conn: Connection,
    inbox: Inbox<Event>,
    options: RoomsSettings,
    /// The protocol version the client asked for.
    version: u32,
    last_heard: Instant,
}

/// Serves one upgraded websocket until it ends.
pub(crate) async fn run(
    ws: WebSocket,
    hub: Hub,
    options: RoomsSettings,
    version: Result<u32, RequestError>,
    request: ConnectRequest,
) {
    let admitted = match version {
        Ok(version) => hub.authorize(&request).await.map(|identity| (version, identity)).map_err(RequestError::Denied),
        Err(refusal) => Err(refusal),
    };
    let opened =
        admitted.and_then(|(version, identity)| Ok((version, hub.open(identity).map_err(RequestError::Denied)?)));
    let (version, (conn, inbox)) = match opened {
        Ok(opened) => opened,
        Err(refusal) => return refuse(ws, refusal, options.close_grace).await,
    };
    let span = conn.span("websocket");
    let grace = options.close_grace;
    let mut session = Session { ws, conn, inbox, options, version, last_heard: Instant::now() };
    async move {
        let end = session.serve().await;
        tracing::debug!(?end, "disconnected");
        session.conn.disconnect();
        match end {
            End::ClientClosed => finish(&mut session.ws, None, grace).await,
            End::Lost => {}
            End::Close(code, reason) => finish(&mut session.ws, Some(close_with(code, reason)), grace).await,
            // The reader may sit inside a broken or oversized frame: reading
            // on would take its rest as frames.
            End::Broken(close) => drop(timeout(grace, session.ws.send(close)).await),
        }
    }
    .instrument(span)
    .await;
}

/// Sends the refusal's error frame, then closes with its code: 4400 for an
/// unsupported version, 4401 or 4403 for the host's refusal.
async fn refuse(mut ws: WebSocket, refusal: RequestError, grace: std::time::Duration) {
    let close = match &refusal {
        RequestError::Denied(denied) if denied.code() == "unauthorized" => (CLOSE_UNAUTHORIZED, "unauthorized"),
        RequestError::Denied(_) => (CLOSE_FORBIDDEN, "forbidden"),
        _ => (CLOSE_UNSUPPORTED_VERSION, "unsupported version"),
    };
    tracing::debug!(code = refusal.code(), %refusal, "rooms websocket refused");
    if ws.send(text(refusal.to_outgoing(None).to_json())).await.is_ok() {
        finish(&mut ws, Some(close_with(close.0, close.1)), grace).await;
    }
}

impl Session {
    async fn serve(&mut self) -> End {
        let period = self.options.ping_interval;
        let mut pings = interval_at(Instant::now() + period, period);
        pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            let idle = sleep_until(self.last_heard + self.options.idle());
            let step = tokio::select! {
                incoming = self.ws.next() => self.on_incoming(incoming).await,
                event = self.inbox.recv() => self.on_event(event).await,
                _ = pings.tick() => self.send(Message::Ping(Default::default())).await,
                () = idle => ControlFlow::Break(End::Close(CLOSE_IDLE_TIMEOUT, "idle timeout")),
            };
            if let ControlFlow::Break(end) = step {
                return end;
            }
        }
    }

    async fn on_incoming(&mut self, incoming: Option<Result<Message, ws::Error>>) -> Step {
        let message = match incoming {
            None => return ControlFlow::Break(End::Lost),
            Some(Err(error)) => {
                tracing::debug!(%error, "websocket read error");
                let close = ReadError::classify(&error).close_frame();
                let end = close.map_or(End::Lost, |f| End::Broken(close_with(f.code, f.reason)));
                return ControlFlow::Break(end);
            }
            Some(Ok(message)) => message,
        };
        // Any frame, Pings and Pongs included, proves the client is alive.
        self.last_heard = Instant::now();
        match message {
            Message::Close(_) => ControlFlow::Break(End::ClientClosed),
            Message::Binary(_) => self.reply(RequestError::BinaryNotSupported.to_outgoing(None)).await,
            Message::Text(text) => self.on_text(text.as_str()).await,
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => ControlFlow::Continue(()),
        }
    }

    async fn on_text(&mut self, text: &str) -> Step {
        let Incoming { id, request } = Incoming::parse_version(text, self.version);
        let outcome = match request {
            Ok(request) => perform(&self.conn, request, id).await,
            Err(error) => Err(error),
        };
        match outcome {
            Ok((reply, mark)) => self.reply_at(reply, mark).await,
            Err(error) => self.reply(error.to_outgoing(id)).await,
        }
    }

    /// Writes `reply` after the events queued so far (for requests that
    /// change nothing).
    async fn reply(&mut self, reply: Outgoing) -> Step {
        let mark = self.conn.mark();
        self.reply_at(reply, mark).await
    }

    /// Writes the events queued before `mark`, then `reply`; events queued
    /// after it stay in the inbox for later (see the module's invariants).
    async fn reply_at(&mut self, reply: Outgoing, mark: Mark) -> Step {
        for event in self.inbox.take_until(mark) {
            self.write_event(event).await?;
        }
        self.send(text(reply.to_json())).await
    }

    async fn on_event(&mut self, event: Option<Event>) -> Step {
        match event {
            Some(event) => self.write_event(event).await,
            // The hub ended this connection; say why.
            None => ControlFlow::Break(hub_closed(self.inbox.close_reason())),
        }
    }

    async fn write_event(&mut self, event: Event) -> Step {
        match Outgoing::from_event(event, self.version) {
            Some(frame) => self.send(text(frame.to_json())).await,
            None => ControlFlow::Continue(()),
        }
    }

    /// Writes one frame. A client that takes longer than the idle timeout to
    /// accept it is treated as gone: waiting longer would let one stalled
    /// reader hold its memberships (and the others' events) hostage.
    async fn send(&mut self, message: Message) -> Step {
        match timeout(self.options.idle(), self.ws.send(message)).await {
            Ok(Ok(())) => ControlFlow::Continue(()),
            Ok(Err(_)) | Err(_) => ControlFlow::Break(End::Lost),
        }
    }
}

/// Runs a request; the [`Mark`] is the inbox position at the moment it
/// took effect.
async fn perform(conn: &Connection, request: Request, id: Option<u64>) -> Result<(Outgoing, Mark), RequestError> {
    Ok(match request {
        Request::Join { room, user } => {
            let (users, mark) = conn.join_authorized(&room, &user).await?;
            (Outgoing::Joined { users, room, id }, mark)
        }
        Request::Message { room, data } => {
            let mark = conn.send_message(&room, data)?;
            (Outgoing::Sent { room, id }, mark)
        }
        Request::Leave { room } => {
            let mark = conn.leave_marked(&room)?;
            (Outgoing::Left { room, id }, mark)
        }
        Request::Ping => (Outgoing::Pong { id }, conn.mark()),
    })
}

/// The close code when the hub ends the connection.
fn hub_closed(reason: Option<CloseReason>) -> End {
    match reason {
        Some(CloseReason::SlowConsumer) => End::Close(1013, "outbound queue full"),
        Some(CloseReason::Shutdown) => End::Close(1001, "server shutting down"),
        Some(CloseReason::RateLimited) => End::Close(1008, "too many requests"),
        _ => End::Close(1011, "internal error"),
    }
}
