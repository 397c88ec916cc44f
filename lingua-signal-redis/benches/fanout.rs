//! Join fan-out latency through Redis next to one process: a room of 10
//! listeners, one joiner; the time from `join` to the last listener holding
//! the `UserConnected` event. On one hub, and with the joiner on one hub and
//! the listeners on another, both on a private `redis-server` (which must be
//! installed). Prints p50 and p99. Run with
//! `cargo bench -p lingua-signal-redis --bench fanout`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use lingua_signal_core::{Backplane, Config, Connection, Event, Hub, Inbox, RoomId};
use lingua_signal_redis::RedisBackplane;
use lingua_signal_testing::redis::RedisServer;

const LISTENERS: usize = 10;
const ROUNDS: usize = 2000;

fn redis_hub(url: &str) -> (Hub, RedisBackplane) {
    let backplane = RedisBackplane::builder(url).build().unwrap();
    let hub = Hub::builder().config(config()).backplane(backplane.clone()).build();
    backplane.attach(&hub).unwrap();
    (hub, backplane)
}

/// No join rate limit: one connection joins and leaves as fast as it can.
fn config() -> Config {
    Config::default().join_rate_limit(u32::MAX, u32::MAX)
}

/// Joins and leaves `ROUNDS` times; returns each join's fan-out latency.
async fn measure(joiner_hub: &Hub, listeners: &mut [(Connection, Inbox<Event>)], room: &RoomId) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(ROUNDS);
    let (joiner, _events) = joiner_hub.connect();
    let user = "joiner".parse().unwrap();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        joiner.join(room, &user).unwrap();
        for (_, inbox) in listeners.iter_mut() {
            let event = inbox.recv().await;
            assert!(matches!(event, Some(Event::UserConnected { .. })), "{event:?}");
        }
        samples.push(start.elapsed());
        joiner.leave(room).unwrap();
        for (_, inbox) in listeners.iter_mut() {
            let event = inbox.recv().await;
            assert!(matches!(event, Some(Event::UserDisconnected { .. })), "{event:?}");
        }
    }
    samples.sort();
    samples
}

fn listeners_on(hub: &Hub, room: &RoomId) -> Vec<(Connection, Inbox<Event>)> {
    let mut listeners: Vec<_> = (0..LISTENERS)
        .map(|i| {
            let (conn, inbox) = hub.connect();
            conn.join(room, &format!("listener-{i}").parse().unwrap()).unwrap();
            (conn, inbox)
        })
        .collect();
    // What they heard of each other's joins.
    for (_, inbox) in &mut listeners {
        while inbox.try_recv().is_some() {}
    }
    listeners
}

fn report(name: &str, samples: &[Duration]) {
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!("{name:<28} p50 {:>8.1?}  p99 {:>8.1?}  ({} joins)", at(0.5), at(0.99), samples.len());
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let room: RoomId = "bench".parse().unwrap();
    let one = Hub::new(config());
    let mut listeners = listeners_on(&one, &room);
    report("one process", &measure(&one, &mut listeners, &room).await);

    let redis = RedisServer::start();
    let (a, backplane_a) = redis_hub(&redis.url());
    let (b, backplane_b) = redis_hub(&redis.url());
    while !(backplane_a.stats().nodes == 1 && backplane_b.stats().nodes == 1) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut listeners = listeners_on(&b, &room);
    while backplane_a.remote_members(&room).len() < LISTENERS {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    report("two processes through Redis", &measure(&a, &mut listeners, &room).await);
}
