//! An existing axum app (a notes API) that mounts lingua-signal's rooms and
//! PeerJS server under `/rtc`.
//!
//! ```text
//! cargo run -p embed-axum -- --addr 127.0.0.1:3001 --secret s3cret
//! ```
//!
//! The address also comes from `EMBED_AXUM_ADDR`; default `127.0.0.1:3001`.
//! With `--secret S` (or `EMBED_SECRET`), a Socket.IO client must connect
//! with `auth: { token: S }` and a PeerJS client with the token `S`.
//! Logs follow `RUST_LOG` (e.g. `RUST_LOG=lingua_signal_axum=debug`).

use std::net::SocketAddr;

use tracing_subscriber::EnvFilter;

/// `--addr` and `--secret`, each also from the environment.
fn flags() -> Result<(SocketAddr, Option<String>), Box<dyn std::error::Error>> {
    let (mut addr, mut secret) = (std::env::var("EMBED_AXUM_ADDR").ok(), std::env::var("EMBED_SECRET").ok());
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next()) {
            ("--addr", Some(value)) => addr = Some(value),
            ("--secret", Some(value)) => secret = Some(value),
            _ => return Err("usage: embed-axum [--addr HOST:PORT] [--secret S]".into()),
        }
    }
    Ok((addr.as_deref().unwrap_or("127.0.0.1:3001").parse()?, secret))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter(EnvFilter::from_default_env()).init();
    let (addr, secret) = flags()?;
    let (app, hub) = embed_axum::app(secret.as_deref());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    // On stdout for scripts (the end-to-end test reads it).
    println!("embed-axum listening on http://{} (a call at {})", listener.local_addr()?, embed_axum::page::PAGE_PATH);
    let shutdown = async move {
        let _ = tokio::signal::ctrl_c().await;
        // Disconnects every Socket.IO client, so the server can drain.
        hub.shutdown();
    };
    // lingua-signal-serve rather than `axum::serve`: deadlines on every
    // connection state (slowloris, idle keep-alive) and a per-IP cap.
    lingua_signal_serve::Server::default().run(listener, app, shutdown).await?;
    Ok(())
}
