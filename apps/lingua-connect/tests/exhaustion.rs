//! The built `lingua-connect` binary as a child process, against PeerJS
//! peers that flood the relay: each is closed with 1008, and memory and
//! descriptors come back. What exhausts the server itself (out of file
//! descriptors, stalled connections) is proven in
//! `lingua-signal-serve/tests/exhaustion.rs` against a tiny service.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use lingua_signal_testing::process::Watched;
use tokio::task::JoinSet;

/// Starts the binary with `args` under `ulimit -n nofile`, with `envs`
/// added.
async fn start(nofile: u32, args: &[&str], envs: &[(&str, &str)]) -> Watched {
    let mut all = vec!["--addr", "127.0.0.1:0"];
    all.extend_from_slice(args);
    let mut envs = envs.to_vec();
    envs.push(("RUST_LOG", "info"));
    // `lingua-connect listening on http://ADDR`
    let listening = |line: &str| line.split_once("listening on http://").map(|(_, addr)| addr.trim().parse().unwrap());
    Watched::start(env!("CARGO_BIN_EXE_lingua-connect"), &all, nofile, &envs, listening).await
}

#[tokio::test]
async fn relay_floods_are_closed_and_give_back_their_memory_and_descriptors() {
    const FLOODERS: usize = 100;
    const ROUNDS: usize = 5;
    let rate = ["--relay-rate", "20/20"];
    let mut server = start(4096, &rate, &[("MALLOC_ARENA_MAX", "1")]).await;
    let target = lingua_signal_testing::peerjs::Target::new(server.addr, "/peerjs", "peerjs");
    // Warm up: one peer that behaves.
    drop(target.open("warm").await);
    let (fds_before, rss_before) = (server.fds(), server.rss_kib());
    let mut rounds = Vec::new();
    for round in 0..ROUNDS {
        let mut floods = JoinSet::new();
        for n in 0..FLOODERS {
            let target = target.clone();
            floods.spawn(async move {
                let id = format!("f{round}-{n}");
                let mut peer = target.open(&id).await;
                // The burst (20), as many refusals, and more: to itself, so
                // the relayed ones and the EXPIREs come back to this socket.
                let offer = serde_json::json!({"type": "OFFER", "dst": id, "payload": "x".repeat(512)});
                for _ in 0..60 {
                    let text = offer.to_string();
                    if peer.try_send(tokio_tungstenite::tungstenite::Message::text(text)).await.is_err() {
                        break;
                    }
                }
                loop {
                    match peer.next_frame().await {
                        lingua_signal_testing::peerjs::Frame::Json(_) => {}
                        lingua_signal_testing::peerjs::Frame::Closed(code) => return code,
                    }
                }
            });
        }
        while let Some(code) = floods.join_next().await {
            assert_eq!(code.unwrap(), Some(1008), "a flooding peer is closed with 1008");
        }
        assert!(server.wait(Duration::from_secs(5), |s| s.fds() <= fds_before).await, "{} fds left", server.fds());
        rounds.push(server.rss_kib());
    }
    println!("{FLOODERS} flooding peers, {ROUNDS} rounds: before VmRSS {rss_before} KiB, after each {rounds:?} KiB");
    // Nothing of a closed flooder is kept: once the allocator has settled
    // (after the first round), the last three rounds together add less than
    // the first one took (at least 2 MiB: VmRSS moves by a MiB or so either
    // way between two rounds). Kept state of 7 KiB or more per closed
    // flooder would add more.
    let cost = rounds[0].saturating_sub(rss_before).max(2048);
    let growth = rounds[ROUNDS - 1].saturating_sub(rounds[1]);
    assert!(growth < cost, "VmRSS grows {growth} KiB over the last three rounds; the first round took {cost} KiB");
    assert!(server.healthy_within(Duration::from_secs(5)).await);
    assert!(server.alive());
    assert!(server.log_count("persistently over its relay limits") >= ROUNDS * FLOODERS, "each close is logged");
}
