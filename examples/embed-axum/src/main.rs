//! An existing axum app (a notes API) that mounts lingua-signal's rooms and
//! PeerJS server under `/rtc`.
//!
//! ```text
//! cargo run -p embed-axum -- --addr 127.0.0.1:3001
//! ```
//!
//! The address also comes from `EMBED_AXUM_ADDR`; default `127.0.0.1:3001`.
//! Logs follow `RUST_LOG` (e.g. `RUST_LOG=lingua_signal_axum=debug`).

use std::net::SocketAddr;

use tracing_subscriber::EnvFilter;

fn address() -> Result<SocketAddr, Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let from_flag = match (args.next().as_deref(), args.next()) {
        (Some("--addr"), Some(addr)) => Some(addr),
        (None, _) => None,
        _ => return Err("usage: embed-axum [--addr HOST:PORT]".into()),
    };
    let addr = from_flag.or_else(|| std::env::var("EMBED_AXUM_ADDR").ok());
    Ok(addr.as_deref().unwrap_or("127.0.0.1:3001").parse()?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter(EnvFilter::from_default_env()).init();
    let addr = address()?;
    let (app, hub) = embed_axum::app();
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "listening");
    let shutdown = async move {
        let _ = tokio::signal::ctrl_c().await;
        // Disconnects every Socket.IO client, so the server can drain.
        hub.shutdown();
    };
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    Ok(())
}
