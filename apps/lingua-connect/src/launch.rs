//! The command-line front end that both apps' `main.rs` run: logs, flags,
//! start, the one line on stdout, and shutdown on Ctrl-C or SIGTERM.

use std::{io, process::ExitCode};

use clap::{CommandFactory, FromArgMatches};
use lingua_signal_serve::shutdown_signal;
use tracing_subscriber::EnvFilter;

use crate::{
    Options, PEERJS_PATH,
    serve::{Farewell, Running},
};

/// Parses the flags (with `name` and `about` in `--help`), starts the app
/// with `start`, prints `<name> listening on <url>` on stdout (scripts and
/// tests read the URL from it), and serves until Ctrl-C or SIGTERM.
pub async fn launch<A: Farewell>(
    name: &'static str,
    about: &'static str,
    start: impl AsyncFnOnce(&Options) -> io::Result<Running<A>>,
) -> ExitCode {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let matches = Options::command().name(name).bin_name(name).about(about).get_matches();
    let options = Options::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    let running = match start(&options).await {
        Ok(running) => running,
        Err(error) => {
            eprintln!("{name}: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("{name} listening on {}", running.url());
    log_peerjs(&options, &running);
    shutdown_signal().await;
    running.shutdown().await;
    ExitCode::SUCCESS
}

fn log_peerjs<A>(options: &Options, running: &Running<A>) {
    // The key is in every page, yet no secret belongs in logs at `info`.
    tracing::info!(
        peerjs_ws = %format!("{}{PEERJS_PATH}/peerjs", running.url().replacen("http", "ws", 1)),
        "PeerJS server: client options {{ path: \"{PEERJS_PATH}\" }}"
    );
    tracing::debug!(key = %options.peerjs_key, "PeerJS key");
    if let Some(addr) = running.peerjs_addr {
        tracing::info!(
            "PeerJS server alone on {}://{addr} (client options {{ port: {}, path: \"/\" }})",
            running.scheme,
            addr.port()
        );
    }
}
