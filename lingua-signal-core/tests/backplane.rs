//! The backplane seam: two hubs bridged through an in-process backplane
//! share a room's events and relay messages, as two server processes would
//! through Redis.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use lingua_signal_core::{
    Backplane, Config, Data, Event, Hub, PeerId, RoomId,
    peerjs::{ClientFrame, Message},
};

/// Records what a hub publishes, and knows which peers the other node has.
#[derive(Debug, Default, Clone)]
struct Wire {
    events: Arc<Mutex<Vec<Event>>>,
    messages: Arc<Mutex<Vec<Message>>>,
    remote_peers: Arc<Mutex<Vec<PeerId>>>,
}

impl Backplane for Wire {
    fn publish_event(&self, event: &Event) {
        self.events.lock().unwrap().push(event.clone());
    }

    fn forward(&self, message: &Message) -> bool {
        let known = self.remote_peers.lock().unwrap().contains(&message.dst);
        if known {
            self.messages.lock().unwrap().push(message.clone());
        }
        known
    }
}

impl Wire {
    /// Hands everything published so far to `other`, as a subscriber would.
    fn pump_into(&self, other: &Hub) {
        for event in self.events.lock().unwrap().drain(..) {
            other.deliver_remote_event(&event);
        }
        for message in self.messages.lock().unwrap().drain(..) {
            other.deliver_remote_message(message);
        }
    }
}

fn room() -> RoomId {
    "shared".parse().unwrap()
}

#[test]
fn membership_events_reach_members_on_the_other_node_once() {
    let (wire_a, wire_b) = (Wire::default(), Wire::default());
    let node_a = Hub::with_backplane(Config::default(), wire_a.clone());
    let node_b = Hub::with_backplane(Config::default(), wire_b.clone());
    let (alice, mut to_alice) = node_a.connect();
    let (bob, mut to_bob) = node_b.connect();
    alice.join(&room(), &"alice".parse().unwrap()).unwrap();
    wire_a.pump_into(&node_b);
    bob.join(&room(), &"bob".parse().unwrap()).unwrap();
    wire_b.pump_into(&node_a);
    // Bob was not a member yet when Alice joined, so he hears nothing of it;
    // Alice hears Bob's join through the backplane, once.
    assert_eq!(to_bob.try_recv(), None);
    let bob_joined = Event::UserConnected { room: room(), user: "bob".parse().unwrap() };
    assert_eq!(to_alice.try_recv(), Some(bob_joined));
    assert_eq!(to_alice.try_recv(), None);
    drop(alice);
    wire_a.pump_into(&node_b);
    let alice_left = Event::UserDisconnected { room: room(), user: "alice".parse().unwrap() };
    assert_eq!(to_bob.try_recv(), Some(alice_left));
    assert_eq!(to_bob.try_recv(), None);
}

#[test]
fn relay_messages_cross_to_the_node_that_has_the_peer() {
    let wire_a = Wire::default();
    wire_a.remote_peers.lock().unwrap().push("far".parse().unwrap());
    let node_a = Hub::with_backplane(Config::default(), wire_a.clone());
    let node_b = Hub::default();
    let (near, mut to_near) = node_a.register(&"near".parse().unwrap(), "t").unwrap();
    let (_far, mut to_far) = node_b.register(&"far".parse().unwrap(), "t").unwrap();
    let _ = (to_near.try_recv(), to_far.try_recv());
    near.handle(ClientFrame::parse(r#"{"type":"OFFER","dst":"far","payload":{"n":1}}"#, 1024).unwrap());
    // A peer nobody has is held here, as on a single node.
    near.handle(ClientFrame::parse(r#"{"type":"OFFER","dst":"nobody","payload":{"n":2}}"#, 1024).unwrap());
    wire_a.pump_into(&node_b);
    let relayed = to_far.try_recv().map(|f| f.to_json());
    assert_eq!(relayed.as_deref(), Some(r#"{"type":"OFFER","src":"near","dst":"far","payload":{"n":1}}"#));
    assert!(to_far.try_recv().is_none());
    assert_eq!(node_a.metrics().snapshot().queued, 1);
}

#[test]
fn room_messages_cross_to_the_members_on_the_other_node() {
    let (wire_a, wire_b) = (Wire::default(), Wire::default());
    let node_a = Hub::with_backplane(Config::default(), wire_a.clone());
    let node_b = Hub::with_backplane(Config::default(), wire_b.clone());
    let (alice, _to_alice) = node_a.connect();
    let (bob, mut to_bob) = node_b.connect();
    bob.join(&room(), &"bob".parse().unwrap()).unwrap();
    alice.join(&room(), &"alice".parse().unwrap()).unwrap();
    alice.send_message(&room(), Data::new(r#""hi""#).unwrap()).unwrap();
    node_a.send_to_room(&room(), Data::new("1").unwrap());
    wire_a.pump_into(&node_b);
    let received: Vec<Event> = std::iter::from_fn(|| to_bob.try_recv()).collect();
    assert_eq!(
        received,
        [
            Event::UserConnected { room: room(), user: "alice".parse().unwrap() },
            Event::Message { room: room(), from: Some("alice".parse().unwrap()), data: Data::new(r#""hi""#).unwrap() },
            Event::Message { room: room(), from: None, data: Data::new("1").unwrap() },
        ]
    );
}
