//! Lingua Connect on warp: video rooms over a plain WebSocket in one binary,
//! with the same flags as `lingua-connect`.
//!
//! ```sh
//! cargo run -p lingua-connect --bin lingua-connect-warp             # http://127.0.0.1:3000
//! cargo run -p lingua-connect --bin lingua-connect-warp -- --help   # every flag
//! ```

use lingua_connect::{launch::launch, warp_app::start};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    launch(
        "lingua-connect-warp",
        "Serve Lingua Connect video rooms on warp: the room pages, rooms over a plain WebSocket and a \
         PeerJS-compatible server, all on one port.",
        start,
    )
    .await
}
