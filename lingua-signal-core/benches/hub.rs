//! Benchmarks: join with fan-out into rooms of 2, 10 and 50 members, the
//! same join into one room of 10 among 10 000 such rooms (its cost must not
//! depend on how many rooms exist), and relay throughput. Run with
//! `cargo bench -p lingua-signal-core`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lingua_signal_core::{
    Config, Event, Hub, Inbox, PeerId, RoomId,
    peerjs::{ClientFrame, ServerFrame},
};

/// A room of `size - 1` members; each iteration joins one more member (whose
/// event fans out to all of them), drains their inboxes, and leaves again
/// (a second fan-out), so the room is back to `size - 1` afterwards.
fn join_fan_out(c: &mut Criterion) {
    let mut group = c.benchmark_group("join_fan_out");
    for size in [2usize, 10, 50] {
        let hub = Hub::new(Config::default().max_members_per_room(size));
        let room: RoomId = "bench-room".parse().unwrap();
        let mut members: Vec<_> = (1..size)
            .map(|i| {
                let (conn, inbox) = hub.connect();
                conn.join(&room, &format!("member-{i}").parse().unwrap()).unwrap();
                (conn, inbox)
            })
            .collect();
        for (_, inbox) in &mut members {
            while inbox.try_recv().is_some() {}
        }
        let newcomer: PeerId = "newcomer".parse().unwrap();
        let (conn, _inbox) = hub.connect();
        group.throughput(Throughput::Elements(2 * (size as u64 - 1)));
        group.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, _| {
            b.iter(|| {
                let others = conn.join(&room, &newcomer).unwrap();
                black_box(others);
                conn.leave(&room).unwrap();
                drain_rooms(&mut members);
            });
        });
    }
    group.finish();
}

/// A join and leave into one room of 10 while `rooms` rooms of 10 exist:
/// compare with `join_fan_out/10`, which has that one room alone.
fn join_among_many_rooms(c: &mut Criterion) {
    let mut group = c.benchmark_group("join_among_rooms");
    group.sample_size(30);
    for rooms in [1usize, 10_000] {
        let hub = Hub::new(Config::default().max_rooms(rooms + 1));
        let mut members = Vec::with_capacity(rooms * 9);
        for r in 0..rooms {
            let room: RoomId = format!("room-{r}").parse().unwrap();
            for i in 0..9 {
                let (conn, inbox) = hub.connect();
                conn.join(&room, &format!("member-{i}").parse().unwrap()).unwrap();
                members.push((conn, inbox));
            }
        }
        drain_rooms(&mut members);
        let room: RoomId = "room-0".parse().unwrap();
        let newcomer: PeerId = "newcomer".parse().unwrap();
        let (conn, _inbox) = hub.connect();
        group.throughput(Throughput::Elements(18));
        group.bench_with_input(BenchmarkId::from_parameter(rooms), &rooms, |b, _| {
            b.iter(|| {
                black_box(conn.join(&room, &newcomer).unwrap());
                conn.leave(&room).unwrap();
                drain_rooms(&mut members[..9]);
            });
        });
    }
    group.finish();
}

fn drain_rooms(members: &mut [(lingua_signal_core::Connection, Inbox<Event>)]) {
    for (_, inbox) in members {
        while let Some(event) = inbox.try_recv() {
            black_box(event);
        }
    }
}

/// One sender relays OFFERs of a realistic size to one connected peer: parse
/// the client frame, route it, encode the server frame.
fn relay_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("relay");
    let hub = Hub::default();
    let (a, _to_a) = hub.register(&"a".parse().unwrap(), "ta").unwrap();
    let (_b, mut to_b) = hub.register(&"b".parse().unwrap(), "tb").unwrap();
    let _ = to_b.try_recv();
    let sdp = "a=candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host\\r\\n".repeat(40);
    let text = format!(
        r#"{{"type":"OFFER","dst":"b","payload":{{"sdp":{{"type":"offer","sdp":"{sdp}"}},"type":"media","connectionId":"mc_abc"}}}}"#
    );
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("offer_parse_route_encode", |bench| {
        bench.iter(|| {
            let frame = ClientFrame::parse(black_box(&text), 256 * 1024).unwrap();
            a.handle(frame);
            let out: Option<ServerFrame> = to_b.try_recv();
            black_box(out.map(|f| f.to_json()));
        });
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("heartbeat", |bench| {
        bench.iter(|| a.handle(ClientFrame::parse(black_box(r#"{"type":"HEARTBEAT"}"#), 1024).unwrap()));
    });
    group.finish();
}

criterion_group!(benches, join_fan_out, join_among_many_rooms, relay_throughput);
criterion_main!(benches);
