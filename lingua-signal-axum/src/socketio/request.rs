//! `join-room` and `leave-room`: strict argument parsing, the core
//! operation, and the reply.

use std::{fmt, sync::Arc};

use lingua_signal_core::{Mark, PeerId, RoomId};
use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use serde_json::{Value as Json, json};
use socketioxide::{
    adapter::LocalAdapter,
    extract::{AckSender, TryData},
    handler::{FromMessageParts, MessageHandler, Value},
    socket::Socket,
};

use super::{Member, forward};
use crate::Refusal;

/// One client request: its event name, the arguments it takes and what it
/// does.
///
/// A hand-written [`MessageHandler`] rather than an async closure: socketioxide
/// spawns one task per call of an async handler, so a client's `join-room`
/// followed by `leave-room` could run in either order. This handler runs in
/// the socket's receive loop, in arrival order; the work is a short,
/// non-blocking hub call.
#[derive(Debug, Clone, Copy)]
pub(super) struct Request {
    pub(super) event: &'static str,
    expected: &'static str,
    /// The request's effect: its reply, and the inbox mark at the moment it
    /// took effect.
    run: fn(&Member, &[Json]) -> Outcome,
}

/// A request's reply body and the inbox [`Mark`] when it took effect, or
/// its refusal.
type Outcome = Result<(Json, Mark), Refusal>;

/// `join-room(roomId, userId)` → `{ ok: true, users: [...] }`.
pub(super) const JOIN_ROOM: Request =
    Request { event: "join-room", expected: "(roomId: string, userId: string)", run: join };

/// `leave-room(roomId)` → `{ ok: true }`.
pub(super) const LEAVE_ROOM: Request = Request { event: "leave-room", expected: "(roomId: string)", run: leave };

fn join(member: &Member, args: &[Json]) -> Outcome {
    let [Json::String(room), Json::String(user)] = args else { return Err(JOIN_ROOM.bad_arguments()) };
    let room = RoomId::new(room).map_err(Refusal::InvalidRoomId)?;
    let user = PeerId::new(user).map_err(Refusal::InvalidUserId)?;
    let (users, mark) = member.conn.join_marked(&room, &user)?;
    Ok((json!({ "ok": true, "users": users }), mark))
}

fn leave(member: &Member, args: &[Json]) -> Outcome {
    let [Json::String(room)] = args else { return Err(LEAVE_ROOM.bad_arguments()) };
    let room = RoomId::new(room).map_err(Refusal::InvalidRoomId)?;
    let mark = member.conn.leave_marked(&room)?;
    tracing::debug!(%room, "left");
    Ok((json!({ "ok": true }), mark))
}

impl Request {
    fn bad_arguments(&self) -> Refusal {
        Refusal::BadArguments { event: self.event, expected: self.expected }
    }
}

impl MessageHandler<LocalAdapter, ()> for Request {
    fn call(&self, socket: Arc<Socket>, mut data: Value, ack_id: Option<i64>) {
        // No member: the socket is already disconnecting.
        let Some(member) = socket.extensions.get::<Arc<Member>>() else { return };
        let _entered = member.span.enter();
        let ack = ack_id.map(|_| ack_sender(&socket, &mut data, &ack_id));
        // Held from before the hub call until the reply is written (see
        // `Member`): the events before the request's mark go out first, the
        // reply next, later events after it.
        let mut inbox = member.inbox();
        let outcome = match TryData::<Args>::from_message_parts(&socket, &mut data, &ack_id) {
            Ok(TryData(Ok(Args(args)))) => (self.run)(&member, &args),
            _ => Err(self.bad_arguments()),
        };
        let mark = outcome.as_ref().map_or_else(|_| member.conn.mark(), |(_, mark)| *mark);
        for event in inbox.take_until(mark) {
            if !forward::write(&socket, &member, &event) {
                return;
            }
        }
        reply(&socket, &member, ack, outcome.map(|(body, _)| body));
        drop(inbox);
    }
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
            if !matches!(refusal, Refusal::Join(_)) {
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

fn ack_sender(socket: &Arc<Socket>, data: &mut Value, ack_id: &Option<i64>) -> AckSender {
    // The extractor cannot fail: its error type is `Infallible`.
    match AckSender::from_message_parts(socket, data, ack_id) {
        Ok(ack) => ack,
        Err(never) => match never {},
    }
}

/// Every argument of an event, however many there are.
///
/// socketioxide hands a handler all arguments only when the target type
/// deserializes as a tuple (otherwise just the first one), so this asks for
/// a tuple of unbounded length and collects what is there. The count is
/// then checked by each request, strictly.
#[derive(Debug)]
struct Args(Vec<Json>);

impl<'de> Deserialize<'de> for Args {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_tuple(usize::MAX, ArgsVisitor)
    }
}

struct ArgsVisitor;

impl<'de> Visitor<'de> for ArgsVisitor {
    type Value = Args;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of event arguments")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Args, A::Error> {
        let mut args = Vec::new();
        while let Some(arg) = seq.next_element()? {
            args.push(arg);
        }
        Ok(Args(args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_collects_every_element_of_the_array() {
        let Args(args) = serde_json::from_str(r#"["room", 1, {"a": null}]"#).unwrap();
        assert_eq!(args, [json!("room"), json!(1), json!({"a": null})]);
        let Args(none) = serde_json::from_str("[]").unwrap();
        assert!(none.is_empty());
    }
}
