//! Both scenarios, tiny, against lingua-connect-warp started in-process on
//! 127.0.0.1:0: their correctness checks must pass, and an unreachable
//! server must be a clear connect error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use clap::Parser;
use lingua_connect_warp::{App, Options, Running, start};
use loadgen::{Error, RelayArgs, RoomsArgs, Scenario};

async fn server() -> Running<App> {
    start(&Options::parse_from(["lingua-connect-warp", "--addr", "127.0.0.1:0"])).await.unwrap()
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
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_churn_delivers_every_event_exactly_once() {
    let app = server().await;
    let report = loadgen::rooms::run(&rooms(format!("ws://{}/rooms", app.addr))).await.unwrap();
    // Counts and order: no `joined` reply after a later event.
    assert!(report.passed(), "{report}");
    assert_eq!(report.mismatches, 0, "{report}");
    assert_eq!(report.connections, 6);
    assert!(report.leaves > 0 && report.joins > report.leaves, "{report}");
    assert_eq!(report.events, report.expected_events);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_round_trips_arrive_once_from_their_sender() {
    let app = server().await;
    let report = loadgen::relay::run(&relay(format!("ws://{}/peerjs/peerjs", app.addr))).await.unwrap();
    assert!(report.passed(), "{report}");
    assert!(report.round_trips > 0, "{report}");
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
