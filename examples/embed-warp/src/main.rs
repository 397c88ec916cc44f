//! An existing warp service (a notes API) that mounts lingua-signal's rooms
//! and PeerJS server under `/rtc`.
//!
//! ```text
//! cargo run -p embed-warp -- --addr 127.0.0.1:3002 --secret s3cret
//! ```
//!
//! The address also comes from `EMBED_WARP_ADDR`; default `127.0.0.1:3002`.
//! With `--secret S` (or `EMBED_SECRET`), rooms and PeerJS websockets must
//! carry `?token=S`.
//! Logs follow `RUST_LOG` (e.g. `RUST_LOG=lingua_signal_warp=debug`).

use std::net::SocketAddr;

use tracing_subscriber::EnvFilter;

/// `--addr` and `--secret`, each also from the environment.
fn flags() -> Result<(SocketAddr, Option<String>), Box<dyn std::error::Error>> {
    let (mut addr, mut secret) = (std::env::var("EMBED_WARP_ADDR").ok(), std::env::var("EMBED_SECRET").ok());
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next()) {
            ("--addr", Some(value)) => addr = Some(value),
            ("--secret", Some(value)) => secret = Some(value),
            _ => return Err("usage: embed-warp [--addr HOST:PORT] [--secret S]".into()),
        }
    }
    Ok((addr.as_deref().unwrap_or("127.0.0.1:3002").parse()?, secret))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter(EnvFilter::from_default_env()).init();
    let (addr, secret) = flags()?;
    let (routes, hub) = embed_warp::routes(secret.as_deref());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    // On stdout for scripts (the end-to-end test reads it).
    println!("embed-warp listening on http://{} (a call at {})", listener.local_addr()?, embed_warp::page::PAGE_PATH);
    let shutdown = async move {
        let _ = tokio::signal::ctrl_c().await;
        // Closes every rooms and PeerJS socket with 1001, so the server can drain.
        hub.shutdown();
    };
    // lingua-signal-serve rather than `warp::serve`: deadlines on every
    // connection state (slowloris, idle keep-alive) and a per-IP cap.
    lingua_signal_serve::Server::default().run(listener, warp::service(routes), shutdown).await?;
    Ok(())
}
