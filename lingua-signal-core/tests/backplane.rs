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

/// A backplane that knows a fixed view of the other nodes and logs the
/// notifications it gets.
#[derive(Debug, Default, Clone)]
struct View {
    log: Arc<Mutex<Vec<String>>>,
    peers_elsewhere: Arc<Mutex<Vec<PeerId>>>,
    members_elsewhere: Arc<Mutex<Vec<PeerId>>>,
}

impl Backplane for View {
    fn publish_event(&self, _event: &Event) {}

    fn forward(&self, message: &Message) -> bool {
        let known = self.peers_elsewhere.lock().unwrap().contains(&message.dst);
        if known {
            self.log.lock().unwrap().push(format!("forward {:?} {}", message.kind, message.dst));
        }
        known
    }

    fn peer_registered(&self, id: &PeerId) {
        self.log.lock().unwrap().push(format!("up {id}"));
    }

    fn peer_unregistered(&self, id: &PeerId) {
        self.log.lock().unwrap().push(format!("down {id}"));
    }

    fn peer_elsewhere(&self, id: &PeerId) -> bool {
        self.peers_elsewhere.lock().unwrap().contains(id)
    }

    fn remote_members(&self, _room: &RoomId) -> Vec<PeerId> {
        self.members_elsewhere.lock().unwrap().clone()
    }

    fn shutdown(&self) {
        self.log.lock().unwrap().push("shutdown".to_owned());
    }
}

impl View {
    fn take_log(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

fn id(s: &str) -> PeerId {
    s.parse().unwrap()
}

#[test]
fn the_backplane_hears_of_every_registration_and_departure() {
    let view = View::default();
    let hub = Hub::with_backplane(Config::default(), view.clone());
    let (first, _inbox) = hub.register(&id("p"), "t").unwrap();
    // Taken over with the same token: down, then up again.
    let (second, _inbox2) = hub.register(&id("p"), "t").unwrap();
    drop(first);
    drop(second);
    hub.shutdown();
    assert_eq!(view.take_log(), ["up p", "down p", "up p", "down p", "shutdown"]);
}

#[test]
fn an_id_held_on_another_node_is_taken_whatever_the_token() {
    let view = View::default();
    view.peers_elsewhere.lock().unwrap().push(id("far"));
    let hub = Hub::with_backplane(Config::default(), view.clone());
    assert_eq!(hub.register(&id("far"), "t").unwrap_err(), lingua_signal_core::peerjs::RegisterError::IdTaken);
    assert!(view.take_log().is_empty());
}

#[test]
fn members_on_other_nodes_count_for_ids_capacity_and_the_join_reply() {
    let view = View::default();
    view.members_elsewhere.lock().unwrap().push(id("far"));
    let hub = Hub::with_backplane(Config::default().max_members_per_room(2), view);
    let (a, _a) = hub.connect();
    assert_eq!(a.join(&room(), &id("far")), Err(lingua_signal_core::JoinError::UserIdTaken(id("far"))));
    assert_eq!(a.join(&room(), &id("near")).unwrap(), [id("far")]);
    let (b, _b) = hub.connect();
    assert_eq!(b.join(&room(), &id("late")), Err(lingua_signal_core::JoinError::RoomFull { max: 2 }));
}

#[test]
fn held_messages_are_released_to_a_peer_that_appeared_elsewhere() {
    let view = View::default();
    let hub = Hub::with_backplane(Config::default(), view.clone());
    let (near, _inbox) = hub.register(&id("near"), "t").unwrap();
    near.handle(ClientFrame::parse(r#"{"type":"OFFER","dst":"far","payload":1}"#, 1024).unwrap());
    near.handle(ClientFrame::parse(r#"{"type":"LEAVE","dst":"gone"}"#, 1024).unwrap());
    assert_eq!(hub.metrics().snapshot().queued, 1);
    assert_eq!(hub.release_held(&id("far")), 0, "nobody has it yet: still held");
    view.peers_elsewhere.lock().unwrap().extend([id("far"), id("gone")]);
    assert_eq!(hub.release_held(&id("far")), 1);
    assert_eq!(hub.release_held(&id("far")), 0, "released once");
    // A LEAVE for a peer elsewhere is forwarded, not dropped.
    near.handle(ClientFrame::parse(r#"{"type":"LEAVE","dst":"gone"}"#, 1024).unwrap());
    assert_eq!(view.take_log(), ["up near", "forward Offer far", "forward Leave gone"]);
}
