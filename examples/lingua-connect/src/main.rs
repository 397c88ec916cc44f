//! Lingua Connect: video rooms in one binary.
//!
//! ```sh
//! cargo run -p lingua-connect                 # http://127.0.0.1:3000
//! cargo run -p lingua-connect -- --help       # every flag
//! ```

use clap::Parser;
use lingua_connect::{Options, PEERJS_PATH, start};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let options = Options::parse();
    let running = match start(&options).await {
        Ok(running) => running,
        Err(error) => {
            eprintln!("lingua-connect: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // The one line on stdout: scripts and tests read the URL from it.
    println!("lingua-connect listening on {}", running.url());
    let key = &options.peerjs_key;
    tracing::info!(
        peerjs_id = %format!("{}{PEERJS_PATH}/{key}/id", running.url()),
        peerjs_ws = %format!("{}{PEERJS_PATH}/peerjs", running.url().replacen("http", "ws", 1)),
        "PeerJS server: client options {{ path: \"{PEERJS_PATH}\", key: \"{key}\" }}"
    );
    if let Some(addr) = running.peerjs_addr {
        tracing::info!(
            "PeerJS server alone on {}://{addr} (client options {{ port: {}, path: \"/\" }})",
            running.scheme,
            addr.port()
        );
    }
    shutdown_signal().await;
    running.shutdown().await;
    std::process::ExitCode::SUCCESS
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => drop(term.recv().await),
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
