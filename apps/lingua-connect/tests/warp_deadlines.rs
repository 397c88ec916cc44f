//! lingua-connect-warp (warp routes behind the same listener as
//! lingua-connect) is served through lingua-signal-serve with its deadline
//! and limit flags wired (short deadlines:
//! `lingua_signal_testing::deadline::FLAGS`); its rooms websockets and
//! PeerJS websockets outlive every deadline. The server's own behaviour is
//! proven in `lingua-signal-serve/tests` against a tiny service. The app
//! has no route that reads a request body: `embed-warp`'s tests cover a
//! slow body through warp.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use clap::Parser;
use lingua_connect::warp_app::{App, Options, Running, start};
use lingua_signal_testing::{deadline, rooms::RoomsClient};

async fn app(args: &[&str]) -> Running<App> {
    let mut argv = vec!["lingua-connect-warp", "--addr", "127.0.0.1:0"];
    argv.extend_from_slice(args);
    start(&Options::parse_from(argv)).await.unwrap()
}

async fn short() -> Running<App> {
    // The members here announce made-up user ids: the deadlines are the point.
    let flags: Vec<&str> = deadline::FLAGS.iter().copied().chain(["--trust-client-ids"]).collect();
    app(&flags).await
}

#[tokio::test]
async fn the_app_is_served_with_its_deadline_and_limit_flags() {
    let short = short().await;
    tokio::join!(
        deadline::a_silent_connection_gets_408_at_the_header_deadline(short.addr),
        deadline::an_idle_kept_alive_connection_is_closed(short.addr),
        deadline::peerjs_websockets_outlive_every_deadline(short.addr),
        rooms_websockets_outlive_every_deadline(&short),
    );
    let stats = short.server.stats();
    assert_eq!((stats.header_timeouts, stats.idle_timeouts), (1, 1));
    let capped = app(&["--max-connections-per-ip", "1", "--limit-loopback"]).await;
    deadline::the_per_ip_cap_closes_connections_over_it(capped.addr, 1).await;
    assert!(capped.server.stats().refused_per_ip >= 1);
}

async fn rooms_websockets_outlive_every_deadline(app: &Running<App>) {
    let url = format!("ws://{}/rooms?v=1", app.addr);
    let mut a = RoomsClient::connect(&url).await;
    let mut b = RoomsClient::connect(&url).await;
    assert_eq!(a.join("r", "pa").await, Vec::<String>::new());
    tokio::time::sleep(deadline::HEADER + deadline::IDLE + deadline::BODY + Duration::from_millis(400)).await;
    assert_eq!(b.join("r", "pb").await, ["pa"]);
}
