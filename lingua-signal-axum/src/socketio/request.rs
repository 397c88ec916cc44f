//! `join-room`, `leave-room` and `room-message`: strict argument parsing
//! into a [`Job`] for the socket's task, which runs it in arrival order.

use std::{fmt, sync::Arc};

use lingua_signal_core::{Data, PeerId, RoomId};
use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use serde_json::Value as Json;
use socketioxide::{
    adapter::LocalAdapter,
    extract::{AckSender, TryData},
    handler::{FromMessageParts, MessageHandler, Value},
    socket::Socket,
};
use tokio::sync::mpsc::error::TrySendError;

use super::{Member, reply};
use crate::Refusal;

/// One client request, parsed: what to do, and where to acknowledge.
pub(super) struct Job {
    pub(super) op: Op,
    pub(super) ack: Option<AckSender>,
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `AckSender` is not `Debug`.
        f.debug_struct("Job").field("op", &self.op).field("ack", &self.ack.is_some()).finish()
    }
}

/// What a request asks for (or why it cannot be done).
#[derive(Debug)]
pub enum Op {
    /// `join-room(roomId, userId)`.
    Join(RoomId, PeerId),
    /// `leave-room(roomId)`.
    Leave(RoomId),
    /// `room-message(roomId, data)`.
    Message(RoomId, Data),
    /// A request that is refused whatever the hub says.
    Refused(Refusal),
}

/// One kind of client request: its event name, the arguments it takes and
/// how they become an [`Op`].
///
/// A hand-written [`MessageHandler`] rather than an async closure: socketioxide
/// spawns one task per call of an async handler, so a client's `join-room`
/// followed by `leave-room` could run in either order. This handler runs in
/// the socket's receive loop and only queues the request for the socket's
/// task, which runs them one after the other.
#[derive(Debug, Clone, Copy)]
pub(super) struct Request {
    pub(super) event: &'static str,
    expected: &'static str,
    parse: fn(&[Json]) -> Option<Result<Op, Refusal>>,
}

/// Every request the adapter handles.
pub(super) const REQUESTS: [Request; 3] = [
    Request { event: "join-room", expected: "(roomId: string, userId: string)", parse: join },
    Request { event: "leave-room", expected: "(roomId: string)", parse: leave },
    Request { event: "room-message", expected: "(roomId: string, data: any JSON value)", parse: message },
];

fn join(args: &[Json]) -> Option<Result<Op, Refusal>> {
    let [Json::String(room), Json::String(user)] = args else { return None };
    Some(room_id(room).and_then(|room| Ok(Op::Join(room, PeerId::new(user).map_err(Refusal::InvalidUserId)?))))
}

fn leave(args: &[Json]) -> Option<Result<Op, Refusal>> {
    let [Json::String(room)] = args else { return None };
    Some(room_id(room).map(Op::Leave))
}

fn message(args: &[Json]) -> Option<Result<Op, Refusal>> {
    let [Json::String(room), data] = args else { return None };
    Some(room_id(room).map(|room| Op::Message(room, Data::from_value(data))))
}

fn room_id(text: &str) -> Result<RoomId, Refusal> {
    RoomId::new(text).map_err(Refusal::InvalidRoomId)
}

impl Request {
    fn bad_arguments(&self) -> Refusal {
        Refusal::BadArguments { event: self.event, expected: self.expected }
    }

    /// The request the arguments make, `None` when they did not decode.
    fn decide(&self, args: Option<&[Json]>) -> Result<Op, Refusal> {
        args.and_then(self.parse).unwrap_or_else(|| Err(self.bad_arguments()))
    }
}

/// Not part of the API: decodes `args`, the JSON array of arguments a
/// client sent after the event name, as the handler of `event` does once
/// socketioxide has read the packet (`None` when no handler takes `event`).
/// Public only for the fuzz targets in `fuzz/` and their regression test.
#[doc(hidden)]
pub fn parse_event(event: &str, args: &str) -> Option<Result<Op, Refusal>> {
    let request = REQUESTS.iter().find(|request| request.event == event)?;
    let args = serde_json::from_str::<Args>(args).ok();
    Some(request.decide(args.as_ref().map(|Args(args)| args.as_slice())))
}

impl MessageHandler<LocalAdapter, ()> for Request {
    fn call(&self, socket: Arc<Socket>, mut data: Value, ack_id: Option<i64>) {
        // No member: the socket is already disconnecting.
        let Some(member) = socket.extensions.get::<Arc<Member>>() else { return };
        let ack = ack_id.map(|_| ack_sender(&socket, &mut data, &ack_id));
        let args = match TryData::<Args>::from_message_parts(&socket, &mut data, &ack_id) {
            Ok(TryData(Ok(Args(args)))) => Some(args),
            _ => None,
        };
        let op = self.decide(args.as_deref()).unwrap_or_else(Op::Refused);
        // Boxed: the channel allocates its slots up front, per socket.
        match member.jobs.try_send(Box::new(Job { op, ack })) {
            Ok(()) => {}
            // More requests in flight than any client needs: refused at
            // once, out of turn, as a flood.
            Err(TrySendError::Full(job)) => {
                let _entered = member.span.enter();
                reply(&socket, &member, job.ack, Err(Refusal::Busy));
            }
            Err(TrySendError::Closed(_)) => {}
        }
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
    use serde_json::json;

    use super::*;

    #[test]
    fn args_collects_every_element_of_the_array() {
        let Args(args) = serde_json::from_str(r#"["room", 1, {"a": null}]"#).unwrap();
        assert_eq!(args, [json!("room"), json!(1), json!({"a": null})]);
        let Args(none) = serde_json::from_str("[]").unwrap();
        assert!(none.is_empty());
    }
}
