//! An existing warp service (a notes API) that mounts lingua-signal's rooms
//! and PeerJS server under `/rtc`.
//!
//! ```text
//! cargo run -p embed-warp -- --addr 127.0.0.1:3002
//! ```
//!
//! The address also comes from `EMBED_WARP_ADDR`; default `127.0.0.1:3002`.
//! Logs follow `RUST_LOG` (e.g. `RUST_LOG=lingua_signal_warp=debug`).

use std::net::SocketAddr;

use tracing_subscriber::EnvFilter;

fn address() -> Result<SocketAddr, Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let from_flag = match (args.next().as_deref(), args.next()) {
        (Some("--addr"), Some(addr)) => Some(addr),
        (None, _) => None,
        _ => return Err("usage: embed-warp [--addr HOST:PORT]".into()),
    };
    let addr = from_flag.or_else(|| std::env::var("EMBED_WARP_ADDR").ok());
    Ok(addr.as_deref().unwrap_or("127.0.0.1:3002").parse()?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter(EnvFilter::from_default_env()).init();
    let addr = address()?;
    let (routes, hub) = embed_warp::routes();
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "listening");
    let shutdown = async move {
        let _ = tokio::signal::ctrl_c().await;
        // Closes every rooms and PeerJS socket with 1001, so the server can drain.
        hub.shutdown();
    };
    warp::serve(routes).incoming(listener).graceful(shutdown).run().await;
    Ok(())
}
