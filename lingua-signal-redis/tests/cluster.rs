//! Several hubs, each with its own backplane, sharing rooms and PeerJS peers
//! through a real `redis-server` started for each test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use lingua_signal_core::{
    Backplane, Config, Event, Hub, Inbox, JoinError, PeerId, RoomId,
    peerjs::{MessageKind, RegisterError, ServerFrame},
};
use lingua_signal_redis::RedisBackplane;
use lingua_signal_testing::redis::RedisServer;
use serde_json::value::RawValue;

const REFRESH: Duration = Duration::from_millis(100);
const TTL: Duration = Duration::from_millis(600);
/// Longest wait for something that should happen.
const PATIENCE: Duration = Duration::from_secs(5);

struct Node {
    hub: Hub,
    backplane: RedisBackplane,
}

fn node_with(url: &str, config: Config) -> Node {
    node_with_timers(url, config, REFRESH, TTL)
}

fn node_with_timers(url: &str, config: Config, refresh: Duration, ttl: Duration) -> Node {
    let backplane = RedisBackplane::builder(url).refresh(refresh).ttl(ttl).build().unwrap();
    let hub = Hub::builder().config(config).backplane(backplane.clone()).build();
    backplane.attach(&hub).unwrap();
    Node { hub, backplane }
}

/// `n` nodes that all know each other.
async fn cluster(url: &str, n: usize, config: Config) -> Vec<Node> {
    let nodes: Vec<Node> = (0..n).map(|_| node_with(url, config.clone())).collect();
    let ready = |node: &Node| node.backplane.stats().connected && node.backplane.stats().nodes == n - 1;
    until("every node is connected and knows the others", || nodes.iter().all(ready)).await;
    nodes
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn next<T: std::fmt::Debug>(inbox: &mut Inbox<T>) -> T {
    tokio::time::timeout(PATIENCE, inbox.recv()).await.expect("timed out waiting for an event").expect("inbox closed")
}

/// Nothing more arrives for a while: what was heard was heard once.
async fn silent<T: std::fmt::Debug>(inbox: &mut Inbox<T>) {
    tokio::time::sleep(TTL).await;
    if let Some(extra) = inbox.try_recv() {
        panic!("unexpected {extra:?}");
    }
}

fn room() -> RoomId {
    "lesson".parse().unwrap()
}

fn id(s: &str) -> PeerId {
    s.parse().unwrap()
}

fn connected(user: &str) -> Event {
    Event::UserConnected { room: room(), user: id(user) }
}

fn disconnected(user: &str) -> Event {
    Event::UserDisconnected { room: room(), user: id(user) }
}

#[tokio::test]
async fn members_on_three_nodes_hear_each_join_and_leave_once() {
    let redis = RedisServer::start();
    let nodes = cluster(&redis.url(), 3, Config::default()).await;
    let (alice, mut alice_events) = nodes[0].hub.connect();
    let (bob, mut bob_events) = nodes[1].hub.connect();
    let (carol, mut carol_events) = nodes[2].hub.connect();

    assert!(alice.join(&room(), &id("alice")).unwrap().is_empty());
    until("bob's node knows alice", || nodes[1].backplane.remote_members(&room()).len() == 1).await;
    assert_eq!(bob.join(&room(), &id("bob")).unwrap(), [id("alice")]);
    assert_eq!(next(&mut alice_events).await, connected("bob"));
    until("carol's node knows both", || nodes[2].backplane.remote_members(&room()).len() == 2).await;
    let mut there = carol.join(&room(), &id("carol")).unwrap();
    there.sort();
    assert_eq!(there, [id("alice"), id("bob")]);
    assert_eq!(next(&mut alice_events).await, connected("carol"));
    assert_eq!(next(&mut bob_events).await, connected("carol"));

    bob.leave(&room()).unwrap();
    assert_eq!(next(&mut alice_events).await, disconnected("bob"));
    assert_eq!(next(&mut carol_events).await, disconnected("bob"));
    drop(alice);
    assert_eq!(next(&mut carol_events).await, disconnected("alice"));

    silent(&mut carol_events).await;
    silent(&mut bob_events).await;
}

#[tokio::test]
async fn one_members_events_keep_their_order_across_nodes() {
    let redis = RedisServer::start();
    let nodes = cluster(&redis.url(), 2, Config::default().message_rate_limit(1000, 1000)).await;
    let (watcher, mut events) = nodes[1].hub.connect();
    watcher.join(&room(), &id("watcher")).unwrap();
    until("node 0 knows the watcher", || nodes[0].backplane.remote_members(&room()).len() == 1).await;
    let (talker, _talker_events) = nodes[0].hub.connect();
    talker.join(&room(), &id("talker")).unwrap();
    for i in 0..50 {
        talker.send_message(&room(), lingua_signal_core::Data::new(&i.to_string()).unwrap()).unwrap();
    }
    talker.leave(&room()).unwrap();
    assert_eq!(next(&mut events).await, connected("talker"));
    for i in 0..50 {
        let Event::Message { from, data, .. } = next(&mut events).await else { panic!("not a message") };
        assert_eq!((from, data.as_str()), (Some(id("talker")), i.to_string().as_str()));
    }
    assert_eq!(next(&mut events).await, disconnected("talker"));
    silent(&mut events).await;
}

#[tokio::test]
async fn user_ids_and_room_capacity_hold_across_nodes() {
    let redis = RedisServer::start();
    let nodes = cluster(&redis.url(), 3, Config::default().max_members_per_room(2)).await;
    let (alice, _a) = nodes[0].hub.connect();
    alice.join(&room(), &id("alice")).unwrap();
    until("node 1 knows alice", || nodes[1].backplane.remote_members(&room()).len() == 1).await;
    let (impostor, _i) = nodes[1].hub.connect();
    assert_eq!(impostor.join(&room(), &id("alice")), Err(JoinError::UserIdTaken(id("alice"))));
    let (bob, _b) = nodes[1].hub.connect();
    bob.join(&room(), &id("bob")).unwrap();
    until("node 2 knows both", || nodes[2].backplane.remote_members(&room()).len() == 2).await;
    let (carol, _c) = nodes[2].hub.connect();
    assert_eq!(carol.join(&room(), &id("carol")), Err(JoinError::RoomFull { max: 2 }));
    drop(bob);
    until("node 2 saw bob leave", || nodes[2].backplane.remote_members(&room()).len() == 1).await;
    assert!(carol.join(&room(), &id("carol")).is_ok());
}

fn payload(text: &str) -> Option<Box<RawValue>> {
    Some(RawValue::from_string(text.to_owned()).unwrap())
}

async fn message(inbox: &mut Inbox<ServerFrame>) -> lingua_signal_core::peerjs::Message {
    match next(inbox).await {
        ServerFrame::Message(message) => message,
        other => panic!("expected a message, got {other:?}"),
    }
}

#[tokio::test]
async fn an_offer_reaches_a_peer_on_another_node_and_its_id_is_taken_there() {
    let redis = RedisServer::start();
    let nodes = cluster(&redis.url(), 2, Config::default()).await;
    let (a, mut a_inbox) = nodes[0].hub.register(&id("peer-a"), "ta").unwrap();
    let (_b, mut b_inbox) = nodes[1].hub.register(&id("peer-b"), "tb").unwrap();
    assert!(matches!(next(&mut a_inbox).await, ServerFrame::Open));
    assert!(matches!(next(&mut b_inbox).await, ServerFrame::Open));
    until("node 0 knows peer-b", || nodes[0].backplane.peer_elsewhere(&id("peer-b"))).await;
    until("node 1 knows peer-a", || nodes[1].backplane.peer_elsewhere(&id("peer-a"))).await;

    a.send(MessageKind::Offer, id("peer-b"), payload(r#"{"sdp":"v=0"}"#));
    let offer = message(&mut b_inbox).await;
    assert_eq!((offer.kind, offer.src, offer.dst), (MessageKind::Offer, id("peer-a"), id("peer-b")));
    assert_eq!(offer.payload.unwrap().get(), r#"{"sdp":"v=0"}"#);
    a.send(MessageKind::Leave, id("peer-b"), None);
    assert_eq!(message(&mut b_inbox).await.kind, MessageKind::Leave);

    // ID-TAKEN across nodes, whatever the token; the id is free once gone.
    assert_eq!(nodes[1].hub.register(&id("peer-a"), "ta").unwrap_err(), RegisterError::IdTaken);
    drop(a);
    until("node 1 saw peer-a go", || !nodes[1].backplane.peer_elsewhere(&id("peer-a"))).await;
    assert!(nodes[1].hub.register(&id("peer-a"), "other").is_ok());
}

#[tokio::test]
async fn held_messages_reach_a_peer_that_registers_on_another_node() {
    let redis = RedisServer::start();
    let nodes = cluster(&redis.url(), 2, Config::default()).await;
    let (a, mut a_inbox) = nodes[0].hub.register(&id("early"), "t").unwrap();
    assert!(matches!(next(&mut a_inbox).await, ServerFrame::Open));
    a.send(MessageKind::Offer, id("late"), payload("1"));
    a.send(MessageKind::Candidate, id("late"), payload("2"));
    let (_late, mut late_inbox) = nodes[1].hub.register(&id("late"), "t").unwrap();
    assert!(matches!(next(&mut late_inbox).await, ServerFrame::Open));
    let first = message(&mut late_inbox).await;
    let second = message(&mut late_inbox).await;
    assert_eq!((first.kind, first.src), (MessageKind::Offer, id("early")));
    assert_eq!((second.kind, second.payload.unwrap().get()), (MessageKind::Candidate, "2"));
}

#[tokio::test]
async fn held_messages_for_a_peer_that_never_comes_expire() {
    let redis = RedisServer::start();
    let config = Config::default().expire_timeout(Duration::from_millis(300)).sweep_interval(Duration::from_millis(50));
    let nodes = cluster(&redis.url(), 2, config).await;
    let task = nodes[0].hub.take_sweeper().unwrap();
    let sweeper = tokio::spawn(task);
    let (a, mut a_inbox) = nodes[0].hub.register(&id("sender"), "t").unwrap();
    assert!(matches!(next(&mut a_inbox).await, ServerFrame::Open));
    a.send(MessageKind::Offer, id("ghost"), payload("1"));
    let expired = message(&mut a_inbox).await;
    assert_eq!((expired.kind, expired.src, expired.dst), (MessageKind::Expire, id("ghost"), id("sender")));
    sweeper.abort();
}

#[tokio::test]
async fn a_shut_down_node_is_announced_gone_at_once() {
    let redis = RedisServer::start();
    // A long TTL, so that only the goodbye can explain a quick announcement.
    let (refresh, ttl) = (Duration::from_secs(2), Duration::from_secs(20));
    let nodes: Vec<Node> = (0..2).map(|_| node_with_timers(&redis.url(), Config::default(), refresh, ttl)).collect();
    until("they know each other", || nodes.iter().all(|n| n.backplane.stats().nodes == 1)).await;
    let (alice, _a) = nodes[0].hub.connect();
    alice.join(&room(), &id("alice")).unwrap();
    until("node 1 knows alice", || nodes[1].backplane.remote_members(&room()).len() == 1).await;
    let (bob, mut bob_events) = nodes[1].hub.connect();
    bob.join(&room(), &id("bob")).unwrap();
    nodes[0].hub.shutdown();
    nodes[0].hub.flush_backplane().await;
    // Well before the TTL: the goodbye, not the silence, tells.
    let heard = tokio::time::timeout(PATIENCE, bob_events.recv()).await.expect("not at once").unwrap();
    assert_eq!(heard, disconnected("alice"));
    silent(&mut bob_events).await;
}

#[test]
fn a_node_that_dies_is_announced_gone_within_the_ttl_and_frees_its_peer_ids() {
    let redis = RedisServer::start();
    let url = redis.url();
    // The doomed node runs on a runtime of its own; shutting that runtime
    // down stops its driver mid-flight, without a goodbye, as a killed
    // process would.
    let doomed_runtime = tokio::runtime::Runtime::new().unwrap();
    let doomed = doomed_runtime.block_on(async { node_with(&url, Config::default()) });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let survivor = node_with(&url, Config::default());
        until("they know each other", || survivor.backplane.stats().nodes == 1 && doomed.backplane.stats().nodes == 1)
            .await;
        let (alice, _a) = doomed.hub.connect();
        alice.join(&room(), &id("alice")).unwrap();
        let _peer = doomed.hub.register(&id("alice"), "t").unwrap();
        until("the survivor knows alice", || survivor.backplane.peer_elsewhere(&id("alice"))).await;
        let (bob, mut bob_events) = survivor.hub.connect();
        bob.join(&room(), &id("bob")).unwrap();
        assert_eq!(survivor.hub.register(&id("alice"), "t").unwrap_err(), RegisterError::IdTaken);

        let killed_at = tokio::time::Instant::now();
        doomed_runtime.shutdown_background();
        assert_eq!(next(&mut bob_events).await, disconnected("alice"));
        let took = killed_at.elapsed();
        // The bound is TTL + REFRESH after the last heartbeat; one more
        // refresh of slack for a loaded machine.
        assert!(took <= TTL + REFRESH * 2, "took {took:?}");
        assert!(survivor.hub.register(&id("alice"), "t").is_ok());
        assert_eq!(survivor.backplane.stats().dead_nodes, 1);
        silent(&mut bob_events).await;
        // Its leftovers go nowhere.
        drop((alice, _peer));
    });
}

#[tokio::test]
async fn a_redis_restart_is_survived_without_false_announcements() {
    let mut redis = RedisServer::start();
    let nodes = cluster(&redis.url(), 2, Config::default()).await;
    let (alice, mut alice_events) = nodes[0].hub.connect();
    alice.join(&room(), &id("alice")).unwrap();
    until("node 1 knows alice", || nodes[1].backplane.remote_members(&room()).len() == 1).await;
    let (bob, mut bob_events) = nodes[1].hub.connect();
    bob.join(&room(), &id("bob")).unwrap();
    assert_eq!(next(&mut alice_events).await, connected("bob"));

    redis.restart();
    until("both reconnected", || nodes.iter().all(|n| n.backplane.stats().connects >= 2)).await;
    until("both know each other again", || nodes.iter().all(|n| n.backplane.stats().nodes == 1)).await;
    // Longer than the TTL: nobody was taken for dead.
    tokio::time::sleep(TTL * 2).await;
    assert_eq!(alice_events.try_recv(), None);
    assert_eq!(bob_events.try_recv(), None);
    assert_eq!(nodes[1].backplane.remote_members(&room()), [id("alice")]);

    let (carol, _c) = nodes[1].hub.connect();
    carol.join(&room(), &id("carol")).unwrap();
    assert_eq!(next(&mut alice_events).await, connected("carol"));
    assert_eq!(next(&mut bob_events).await, connected("carol"));
    drop(alice);
    assert_eq!(next(&mut bob_events).await, disconnected("alice"));
    silent(&mut bob_events).await;
}

#[tokio::test]
async fn a_node_without_redis_serves_its_own_members_and_catches_up() {
    let mut redis = RedisServer::start();
    let url = redis.url();
    redis.kill();
    let node = node_with(&url, Config::default());
    let (alice, _a) = node.hub.connect();
    let (bob, mut bob_events) = node.hub.connect();
    alice.join(&room(), &id("alice")).unwrap();
    bob.join(&room(), &id("bob")).unwrap();
    drop(alice);
    assert_eq!(next(&mut bob_events).await, disconnected("alice"));
    assert!(!node.backplane.stats().connected);

    redis.restart();
    until("connected", || node.backplane.stats().connected).await;
    let other = node_with(&url, Config::default());
    until("the newcomer learned bob from presence", || other.backplane.remote_members(&room()) == [id("bob")]).await;
}

#[tokio::test]
async fn malformed_messages_are_ignored_and_counted() {
    let redis = RedisServer::start();
    let nodes = cluster(&redis.url(), 1, Config::default()).await;
    let (bob, mut bob_events) = nodes[0].hub.connect();
    bob.join(&room(), &id("bob")).unwrap();
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let garbage = [
        "",
        "not json",
        r#"{"v":1,"node":"x","body":{"joined":{"room":"lesson","user":"a b!"}}}"#,
        r#"{"v":9,"node":"x","body":"heartbeat"}"#,
        r#"{"v":1,"node":"x","body":{"relay":{"kind":"OFFER","src":"a","dst":"bob","payload":null}}}"#,
    ];
    for text in garbage {
        redis::cmd("PUBLISH").arg("lingua-signal:bus").arg(text).query_async::<()>(&mut conn).await.unwrap();
    }
    until("all counted", || nodes[0].backplane.stats().malformed == garbage.len() as u64).await;
    silent(&mut bob_events).await;
}

#[tokio::test]
async fn a_long_redis_outage_converges_without_false_announcements() {
    let mut redis = RedisServer::start();
    let nodes = cluster(&redis.url(), 2, Config::default()).await;
    let (alice, _alice_events) = nodes[0].hub.connect();
    alice.join(&room(), &id("alice")).unwrap();
    until("node 1 knows alice", || nodes[1].backplane.remote_members(&room()).len() == 1).await;
    let (bob, mut bob_events) = nodes[1].hub.connect();
    bob.join(&room(), &id("bob")).unwrap();
    until("node 0 knows bob", || nodes[0].backplane.remote_members(&room()).len() == 1).await;

    redis.kill();
    until("both cut off", || nodes.iter().all(|n| !n.backplane.stats().connected)).await;
    // Islands: alice leaves and carol joins on node 0; node 1 cannot hear it.
    drop(alice);
    let (carol, mut carol_events) = nodes[0].hub.connect();
    assert_eq!(carol.join(&room(), &id("carol")).unwrap(), [id("bob")], "bob is not taken for dead");
    tokio::time::sleep(TTL * 2).await;
    assert_eq!(bob_events.try_recv(), None);

    redis.restart();
    // Once connected again, what truly changed is announced, once each.
    let mut heard = vec![next(&mut bob_events).await, next(&mut bob_events).await];
    heard.sort_by_key(|event| format!("{event:?}"));
    assert_eq!(heard, [connected("carol"), disconnected("alice")]);
    until("both know each other again", || nodes.iter().all(|n| n.backplane.stats().nodes == 1)).await;
    silent(&mut bob_events).await;
    silent(&mut carol_events).await;
}
