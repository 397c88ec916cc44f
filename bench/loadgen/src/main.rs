//! loadgen: load for a running lingua-signal server, with a correctness
//! check. Start a server, then run a scenario against it:
//!
//! ```sh
//! cargo run --release -p lingua-connect --bin lingua-connect-warp -- --addr 127.0.0.1:3000 --max-room-size 1000 &
//! cargo run --release -p loadgen -- rooms --url ws://127.0.0.1:3000/rooms --rooms 50 --members 10 --duration 10s
//! cargo run --release -p loadgen -- relay --url ws://127.0.0.1:3000/peerjs/peerjs --pairs 100 --duration 10s --payload 2048
//! cargo run --release -p lingua-connect -- --addr 127.0.0.1:3001 --max-room-size 1000 &
//! cargo run --release -p loadgen -- fanout --url http://127.0.0.1:3001 --clients 2000 --room-size 10 --server-pid PID
//! cargo run --release -p loadgen -- hold --url http://127.0.0.1:3001 --connections 5000 --server-pid PID
//! cargo run --release -p loadgen -- peer-hold --url ws://127.0.0.1:3001/peerjs/peerjs --connections 3000 --server-pid PID
//! cargo run --release -p loadgen -- churn --url http://127.0.0.1:3001 --workers 50 --duration 10s --server-pid PID
//! cargo run --release -p loadgen -- fanout --url http://127.0.0.1:3000 --transport ws --clients 2000 --room-size 10
//! cargo run --release -p loadgen -- --help    # every flag; --json for machine-readable output
//! ```
//!
//! `rooms` needs the raw-websocket rooms of `lingua-connect-warp`
//! (`lingua-connect` serves rooms over Socket.IO); `fanout`, `hold` and
//! `churn` speak Socket.IO (`lingua-connect`, or the Node original), or with
//! `--transport ws` the raw-websocket rooms (`lingua-connect-warp`); `relay`
//! and `peer-hold` work with both. `--server-pid` adds the server's CPU per
//! operation and, for the holds, its RSS per connection.
//! Exit codes: 0 passed, 1 MISMATCH, 2 server unreachable (or bad flags, or
//! an unreadable --server-pid), 3 the run broke down.

use std::process::ExitCode;

use clap::Parser;
use loadgen::{Cli, MISMATCH_EXIT};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match loadgen::run(&cli.scenario).await {
        Ok(report) => {
            if cli.json {
                println!("{}", report.to_json());
            } else {
                print!("{report}");
            }
            if report.passed() { ExitCode::SUCCESS } else { ExitCode::from(MISMATCH_EXIT) }
        }
        Err(error) => {
            eprintln!("loadgen: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
