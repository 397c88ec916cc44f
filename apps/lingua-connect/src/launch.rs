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
    let matches = command(name, about).get_matches();
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

/// The flags of `name`, with `about` at the top of `--help` and a few
/// examples at its end.
fn command(name: &'static str, about: &'static str) -> clap::Command {
    Options::command().name(name).bin_name(name).about(about).after_help(examples(name))
}

/// Three ways people run the app, as `--help` shows them.
fn examples(name: &str) -> String {
    [
        ("", "http://127.0.0.1:3000; open it in two tabs"),
        ("--peerjs-port 3001", "PeerJS on its own port too, as the Node original ran"),
        (
            "--addr 0.0.0.0:3443 --tls-cert cert.pem --tls-key key.pem --ice-server turn:turn.example.org:3478 \\\n      --turn-secret S",
            "a LAN or the internet: HTTPS, TURN credentials from coturn's shared secret",
        ),
        ("--redis-url redis://127.0.0.1:6379", "one of several processes sharing rooms through Redis"),
    ]
    .iter()
    .fold(String::from("Examples:"), |mut text, (flags, what)| {
        text.push_str(format!("\n  # {what}\n  {name} {flags}").trim_end());
        text
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_ends_with_examples_that_parse() {
        let help = command("lingua-connect", "about").render_long_help().to_string();
        let examples = &help[help.find("Examples:").expect("examples in --help")..];
        let commands: Vec<String> = examples
            .replace("\\\n", " ")
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with("lingua-connect"))
            .map(str::to_owned)
            .collect();
        assert_eq!(commands.len(), 4, "{examples}");
        for line in commands {
            let args = line.split_whitespace();
            if let Err(error) = command("lingua-connect", "about").try_get_matches_from(args) {
                panic!("{line}: {error}");
            }
        }
    }
}
