//! Every scenario, tiny, against lingua-connect-warp (raw-websocket rooms,
//! PeerJS) or lingua-connect (Socket.IO) started in-process on 127.0.0.1:0:
//! their correctness checks must pass, and an unreachable server must be a
//! clear connect error. The server runs in this process, so this process's
//! pid stands for the server's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use clap::Parser;
use lingua_connect::warp_app::{App, Options, Running, start};
use loadgen::{ChurnArgs, Error, FanoutArgs, HoldArgs, PeerHoldArgs, RelayArgs, RoomsArgs, Scenario, Transport};

/// A load generator announces made-up user ids and goes as fast as it can:
/// the servers run as `bench/compare.sh` starts them.
const LOAD_FLAGS: &[&str] = &[
    "--trust-client-ids",
    "--join-rate",
    "1000000/1000000",
    "--relay-rate",
    "1000000/1000000",
    "--relay-byte-rate",
    "1000000000/1000000000",
];

async fn server() -> Running<App> {
    start(&Options::parse_from(["lingua-connect-warp", "--addr", "127.0.0.1:0"].iter().chain(LOAD_FLAGS)))
        .await
        .unwrap()
}

/// lingua-connect: rooms over Socket.IO.
async fn sio_server() -> lingua_connect::Running<lingua_connect::App> {
    let argv = ["lingua-connect", "--addr", "127.0.0.1:0"].iter().chain(LOAD_FLAGS);
    lingua_connect::start(&lingua_connect::Options::parse_from(argv)).await.unwrap()
}

fn fanout(url: String) -> FanoutArgs {
    FanoutArgs {
        url,
        transport: Transport::Socketio,
        also_urls: Vec::new(),
        clients: 6,
        room_size: 3,
        acks: false,
        connect_concurrency: 4,
        server_pid: Vec::new(),
    }
}

fn churn(url: String, transport: Transport) -> ChurnArgs {
    ChurnArgs {
        url,
        transport,
        workers: 2,
        room_size: 3,
        duration: Duration::from_secs(10),
        cycles: Some(12),
        connect_concurrency: 4,
        server_pid: None,
    }
}

fn rooms(url: String) -> RoomsArgs {
    RoomsArgs {
        url,
        rooms: 2,
        members: 3,
        duration: Duration::from_secs(1),
        churn: 0.5,
        pause: Duration::from_millis(5),
        connect_concurrency: 4,
        server_pid: None,
    }
}

fn relay(url: String) -> RelayArgs {
    RelayArgs {
        url,
        key: "peerjs".into(),
        pairs: 2,
        duration: Duration::from_secs(1),
        payload: 512,
        window: 4,
        connect_concurrency: 4,
        server_pid: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_churn_delivers_every_event_exactly_once() {
    let app = server().await;
    let mut args = rooms(format!("ws://{}/rooms", app.addr));
    args.server_pid = Some(std::process::id());
    let report = loadgen::rooms::run(&args).await.unwrap();
    // Counts and order: no `joined` reply after a later event.
    assert!(report.passed(), "{report}");
    assert_eq!(report.mismatches, 0, "{report}");
    assert_eq!(report.connections, 6);
    assert!(report.leaves > 0 && report.joins > report.leaves, "{report}");
    assert_eq!(report.events, report.expected_events);
    assert_eq!(report.server_cpu[0].ops, report.joins - 6 + report.leaves, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_round_trips_arrive_once_from_their_sender() {
    let app = server().await;
    let mut args = relay(format!("ws://{}/peerjs/peerjs", app.addr));
    args.server_pid = Some(std::process::id());
    let report = loadgen::relay::run(&args).await.unwrap();
    assert!(report.passed(), "{report}");
    assert!(report.round_trips > 0, "{report}");
    assert_eq!(report.server_cpu[0].ops, 2 * report.round_trips, "{report}");
}

#[tokio::test]
async fn an_unreachable_server_is_a_connect_error_naming_the_url() {
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let url = format!("ws://{addr}/rooms");
    let error = loadgen::run(&Scenario::Rooms(rooms(url.clone()))).await.unwrap_err();
    assert!(matches!(&error, Error::Connect { .. }), "{error}");
    assert!(error.to_string().contains(&url), "{error}");
    assert_eq!(error.exit_code(), 2);
}

#[tokio::test]
async fn a_wrong_peerjs_key_is_a_connect_error() {
    let app = server().await;
    let mut args = relay(format!("ws://{}/peerjs/peerjs", app.addr));
    args.key = "wrong".into();
    let error = loadgen::relay::run(&args).await.unwrap_err();
    assert!(matches!(&error, Error::Connect { .. }), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_delivers_each_join_to_the_earlier_members_exactly_once() {
    let app = sio_server().await;
    let mut args = fanout(format!("http://{}", app.addr));
    args.server_pid = vec![std::process::id()];
    let report = loadgen::fanout::run(&args).await.unwrap();
    assert!(report.passed(), "{report}");
    let delivery = &report.delivery;
    // Rooms of 3 joined in order: 0 + 1 + 2 deliveries each, two rooms.
    assert_eq!((delivery.expected, delivery.delivered), (6, 6), "{report}");
    assert_eq!((delivery.lost, delivery.duplicated, delivery.misaddressed), (0, 0, 0), "{report}");
    assert_eq!(report.joins, 6);
    assert_eq!(report.join_latency.samples, 4, "{report}");
    let phases: Vec<_> = report.server_cpu.iter().map(|c| (c.phase, c.ops)).collect();
    assert_eq!(phases, [("connect", 6), ("join", 6)], "{report}");
    let json: serde_json::Value = serde_json::from_str(&loadgen::Report::Fanout(report).to_json()).unwrap();
    assert_eq!(json["scenario"], "fanout");
    assert!(json["server_cpu"][1]["per_op_us"].is_number(), "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_with_acks_waits_for_them_and_still_counts_exactly() {
    let app = sio_server().await;
    let mut args = fanout(format!("http://{}", app.addr));
    args.acks = true;
    let report = loadgen::fanout::run(&args).await.unwrap();
    assert!(report.passed(), "{report}");
    // With acks, every join has a sample, the first of a room too.
    assert_eq!(report.join_latency.samples, 6, "{report}");
    assert!(report.server_cpu.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_keeps_joined_connections_and_reports_rss_per_connection() {
    let app = sio_server().await;
    let args = HoldArgs {
        url: format!("http://{}", app.addr),
        transport: Transport::Socketio,
        connections: 10,
        room_size: 4,
        hold: Duration::from_millis(300),
        acks: false,
        connect_concurrency: 4,
        server_pid: Some(std::process::id()),
    };
    let report = loadgen::hold::run(&args).await.unwrap();
    assert!(report.passed(), "{report}");
    let delivery = report.delivery.as_ref().unwrap();
    // Rooms of 4, 4 and 2: 6 + 6 + 1 pairs, each heard in one direction.
    assert_eq!((delivery.expected, delivery.delivered), (13, 13), "{report}");
    assert_eq!((delivery.lost, delivery.duplicated, delivery.misaddressed), (0, 0, 0), "{report}");
    let rss = report.server_rss.unwrap();
    assert!(rss.before_kib > 0 && rss.after_kib > 0, "{report}");
    let phases: Vec<_> = report.server_cpu.iter().map(|c| (c.phase, c.ops)).collect();
    assert_eq!(phases, [("connect", 10), ("join", 10), ("hold", 10)], "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_hold_registers_every_peer_and_hears_nothing_else() {
    let app = server().await;
    let args = PeerHoldArgs {
        url: format!("ws://{}/peerjs/peerjs", app.addr),
        key: "peerjs".into(),
        connections: 5,
        hold: Duration::from_millis(200),
        connect_concurrency: 4,
        server_pid: Some(std::process::id()),
    };
    let report = loadgen::hold::peer::run(&args).await.unwrap();
    assert!(report.passed(), "{report}");
    assert_eq!((report.connections, report.unexpected), (5, 0));
    assert!(report.server_rss.is_some(), "{report}");
    assert_eq!(report.server_cpu.len(), 2, "{report}");
    let json: serde_json::Value = serde_json::from_str(&loadgen::Report::Hold(report).to_json()).unwrap();
    assert_eq!(json["scenario"], "peer-hold");
    assert!(json["server_rss"]["per_connection_kib"].is_number(), "{json}");
}

#[tokio::test]
async fn an_unreachable_socket_io_server_is_a_connect_error() {
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let error = loadgen::run(&Scenario::Fanout(fanout(format!("http://{addr}")))).await.unwrap_err();
    assert!(matches!(&error, Error::Connect { .. }), "{error}");
    assert_eq!(error.exit_code(), 2);
}

/// Two app processes (here: two servers in this process, each with its own
/// Redis backplane) sharing rooms through a real redis-server: the clients
/// alternate between them, so every room has members on both, and every
/// join is still heard exactly once by the earlier members.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_across_two_processes_through_redis_delivers_exactly_once() {
    let redis = lingua_signal_testing::redis::RedisServer::start();
    let url = redis.url();
    let shared = || {
        let argv = ["lingua-connect", "--addr", "127.0.0.1:0", "--redis-url", &url].into_iter();
        lingua_connect::Options::parse_from(argv.chain(LOAD_FLAGS.iter().copied()))
    };
    let one = lingua_connect::start(&shared()).await.unwrap();
    let two = lingua_connect::start(&shared()).await.unwrap();
    let mut args = fanout(format!("http://{}", one.addr));
    args.also_urls = vec![format!("http://{}", two.addr)];
    args.acks = true;
    // The backplanes connect in the background: until both are subscribed,
    // a join on one process may go unheard on the other; a few tries, in
    // fresh rooms each time.
    let mut report = loadgen::fanout::run(&args).await.unwrap();
    for _ in 0..10 {
        if report.passed() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        report = loadgen::fanout::run(&args).await.unwrap();
    }
    assert!(report.passed(), "{report}");
    let delivery = &report.delivery;
    assert_eq!((delivery.expected, delivery.delivered), (6, 6), "{report}");
    assert_eq!((delivery.lost, delivery.duplicated, delivery.misaddressed), (0, 0, 0), "{report}");
    assert!(report.url.contains(" + "), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_over_raw_websockets_delivers_each_join_exactly_once() {
    let app = server().await;
    let mut args = fanout(format!("http://{}", app.addr));
    args.transport = Transport::Ws;
    args.server_pid = vec![std::process::id()];
    let report = loadgen::fanout::run(&args).await.unwrap();
    assert!(report.passed(), "{report}");
    assert!(report.url.ends_with("/rooms?v=1"), "{report}");
    let delivery = &report.delivery;
    assert_eq!((delivery.expected, delivery.delivered), (6, 6), "{report}");
    assert_eq!((delivery.lost, delivery.duplicated, delivery.misaddressed), (0, 0, 0), "{report}");
    assert_eq!(report.join_latency.samples, 4, "{report}");
    // With acks, each join also waits for its `joined` reply.
    args.acks = true;
    let report = loadgen::fanout::run(&args).await.unwrap();
    assert!(report.passed(), "{report}");
    assert_eq!(report.join_latency.samples, 6, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_over_raw_websockets_reports_rss_per_connection() {
    let app = server().await;
    let args = HoldArgs {
        url: format!("http://{}", app.addr),
        transport: Transport::Ws,
        connections: 10,
        room_size: 4,
        hold: Duration::from_millis(300),
        acks: true,
        connect_concurrency: 4,
        server_pid: Some(std::process::id()),
    };
    let report = loadgen::hold::run(&args).await.unwrap();
    assert!(report.passed(), "{report}");
    let delivery = report.delivery.as_ref().unwrap();
    assert_eq!((delivery.expected, delivery.delivered), (13, 13), "{report}");
    assert!(report.server_rss.is_some(), "{report}");
}

/// Rooms of 3: two staying members hear each other once (one pair per
/// room), then each cycle's join and leave once each.
fn assert_churn_exact(report: &loadgen::ChurnReport) {
    assert!(report.passed(), "{report}");
    let delivery = &report.delivery;
    assert_eq!(delivery.expected, 2 + report.cycles * 2 * 2, "{report}");
    assert_eq!(delivery.delivered, delivery.expected, "{report}");
    assert_eq!((delivery.lost, delivery.duplicated, delivery.misaddressed), (0, 0, 0), "{report}");
    assert_eq!(report.cycle_latency.samples as u64, report.cycles, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn churn_over_socket_io_is_heard_exactly_and_measured() {
    let app = sio_server().await;
    let mut args = churn(format!("http://{}", app.addr), Transport::Socketio);
    args.cycles = None;
    args.duration = Duration::from_millis(800);
    args.server_pid = Some(std::process::id());
    let report = loadgen::churn::run(&args).await.unwrap();
    assert_churn_exact(&report);
    assert!(report.cycles > 2, "{report}");
    assert_eq!(report.server_cpu[0].ops, report.cycles, "{report}");
    let rss = report.server_rss.unwrap();
    assert!(rss.samples >= 3 && rss.first_kib > 0, "{report}");
    let json: serde_json::Value = serde_json::from_str(&loadgen::Report::Churn(report).to_json()).unwrap();
    assert_eq!(json["scenario"], "churn");
    assert!(json["server_rss"]["kib_per_1000_cycles"].is_number(), "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn churn_over_raw_websockets_stops_at_the_cycles_asked() {
    let app = server().await;
    let report = loadgen::churn::run(&churn(format!("http://{}", app.addr), Transport::Ws)).await.unwrap();
    assert_churn_exact(&report);
    assert_eq!(report.cycles, 12, "{report}");
    assert_eq!(report.transport, "ws");
}

#[tokio::test]
async fn socket_io_scenarios_over_ws_against_lingua_connect_say_which_app_they_need() {
    let app = sio_server().await;
    let args = churn(format!("http://{}", app.addr), Transport::Ws);
    let error = loadgen::churn::run(&args).await.unwrap_err();
    assert!(matches!(&error, Error::Connect { .. }), "{error}");
    assert!(error.to_string().contains("lingua-connect-warp"), "{error}");
}
