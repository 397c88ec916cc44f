//! Lingua Connect: video rooms in one binary.
//!
//! ```sh
//! cargo run -p lingua-connect                 # http://127.0.0.1:3000
//! cargo run -p lingua-connect -- --help       # every flag
//! ```

use lingua_connect::{launch::launch, start};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    launch(
        "lingua-connect",
        "Serve Lingua Connect video rooms: the room pages, Socket.IO rooms and a PeerJS-compatible server, all on one port.",
        start,
    )
    .await
}
