//! The seam between server processes.
//!
//! Every membership event and every relay message whose destination is not
//! connected to this process passes through one [`Backplane`]. The default,
//! [`LocalBackplane`], serves a single process: it publishes nothing and
//! owns no peer, so held messages stay here and expire here.
//!
//! # What a Redis implementation must do
//!
//! A backplane that lets several processes share rooms (for example on Redis
//! pub/sub) must:
//!
//! 1. **Publish room events.** [`Backplane::publish_event`] is called once
//!    per membership change and per application message
//!    ([`Event::Message`](crate::Event::Message)), in the order they happened
//!    on this node.
//!    Publish it on a channel per room (or one channel with the room inside)
//!    tagged with this node's id; every *other* node subscribes and hands
//!    what it receives to [`Hub::deliver_remote_event`](crate::Hub::deliver_remote_event),
//!    which queues it for that node's local members of the room. Skip
//!    messages tagged with the own node id.
//! 2. **Keep presence with expiry.** Record each member (`room`, `user`,
//!    node) and each registered peer id in keys that expire unless the node
//!    refreshes them, so that when a node dies its members are announced as
//!    gone (`UserDisconnected`) by a surviving node and its peer ids become
//!    free again. Refuse duplicate user ids across nodes by checking presence.
//! 3. **Forward relay messages.** [`Backplane::forward`] is called for a
//!    message whose destination is not registered on this node. Return
//!    `true` only when another node has that peer (from a presence cache kept
//!    current by subscriptions, never by a blocking round trip: this method
//!    runs under the hub's lock), and publish the message to that node, which
//!    delivers it with [`Hub::deliver_remote_message`](crate::Hub::deliver_remote_message).
//!    Return `false` and this node holds the message and later sends EXPIRE,
//!    exactly as a single process does.
//! 4. **Never block and never call back into the hub** from these methods:
//!    hand the work to a task through a channel. The task reaches the hub
//!    through a [`WeakHub`](crate::WeakHub) ([`Hub::downgrade`](crate::Hub::downgrade)),
//!    so that the backplane does not keep its own hub alive.
//!
//! The provided methods let a backplane enforce cluster-wide rules from its
//! cache of the other nodes: [`Backplane::peer_elsewhere`] (a PeerJS id held
//! on another node is taken), [`Backplane::remote_members`] (a user id is
//! unique in a room, capacity counts every node), and the notifications
//! [`Backplane::peer_registered`], [`Backplane::peer_unregistered`] and
//! [`Backplane::shutdown`] that keep the presence of this node's peers. Their
//! defaults suit a single process.

use crate::{BoxFuture, PeerId, RoomId, event::Event, frame::Message};

/// Carries room events and relay messages between server processes.
///
/// Methods run while the hub holds its lock, in the order of the changes
/// they report; they must return quickly and must not call the hub.
pub trait Backplane: Send + Sync + std::fmt::Debug + 'static {
    /// A membership change or an application message happened on this
    /// node; tell the other nodes.
    fn publish_event(&self, event: &Event);

    /// `message` is for a peer not registered on this node. Return `true`
    /// if another node took it; `false` makes this node hold it.
    fn forward(&self, message: &Message) -> bool;

    /// `id` was registered on this node (also after a takeover with the same
    /// token). Default: nothing.
    fn peer_registered(&self, id: &PeerId) {
        let _ = id;
    }

    /// `id` is no longer registered on this node (closed, idle, evicted or
    /// superseded). Default: nothing.
    fn peer_unregistered(&self, id: &PeerId) {
        let _ = id;
    }

    /// Whether another node holds the PeerJS id `id` now, as far as this node
    /// knows; registering it here is then refused with
    /// [`RegisterError::IdTaken`](crate::peerjs::RegisterError::IdTaken).
    /// Default `false`.
    fn peer_elsewhere(&self, id: &PeerId) -> bool {
        let _ = id;
        false
    }

    /// The user ids in `room` on the other nodes, as far as this node knows.
    /// A join counts them against the room's capacity, refuses their user
    /// ids, and reports them among those already there. Default: none.
    fn remote_members(&self, room: &RoomId) -> Vec<PeerId> {
        let _ = room;
        Vec::new()
    }

    /// The hub is shutting down ([`Hub::shutdown`](crate::Hub::shutdown)):
    /// every member and peer of this node is gone, without an event each.
    /// Default: nothing.
    fn shutdown(&self) {}

    /// Resolves once what this node handed the backplane so far has left
    /// the process (or cannot: the backplane gives up after a bound of its
    /// own), so that a process about to exit can wait for its goodbye
    /// ([`Hub::flush_backplane`](crate::Hub::flush_backplane)). Not called
    /// under the hub's lock. Default: at once.
    fn flush(&self) -> BoxFuture<'static, ()> {
        Box::pin(std::future::ready(()))
    }
}

/// The single-process backplane: publishes nothing, forwards nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalBackplane;

impl Backplane for LocalBackplane {
    fn publish_event(&self, _event: &Event) {}

    fn forward(&self, _message: &Message) -> bool {
        false
    }
}
