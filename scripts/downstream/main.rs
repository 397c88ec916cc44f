//! A user's axum service with its own route, state type and runtime, which
//! adds lingua-signal's adapters. scripts/check-downstream.sh copies this file
//! into a scratch crate and runs `cargo check` on it; it is never run.

use axum::{Json, Router, routing::get};
use lingua_signal_core::Hub;
use serde::Serialize;

/// The user's own JSON type.
#[derive(Debug, Serialize)]
struct Health {
    ok: bool,
    service: &'static str,
}

async fn health() -> Json<Health> {
    Json(Health { ok: true, service: "downstream" })
}

// ---------------------------------------------------------------------------
// The adapters, one function each, written against their current public API.
// When an adapter's API changes, only its function here changes.
// ---------------------------------------------------------------------------

/// lingua-signal-axum: Socket.IO rooms and PeerJS on the app's router.
fn axum_part(app: Router, hub: Hub) -> Router {
    let signaling = lingua_signal_axum::Signaling::builder().hub(hub).build();
    // The Socket.IO layer goes on the top-level router, to see every request.
    app.merge(signaling.router()).layer(signaling.layer())
}

/// lingua-signal-warp: rooms and PeerJS as filters under `/rtc`.
fn warp_part(hub: Hub) {
    use lingua_signal_warp::{PeerJsOptions, RoomsOptions, peerjs, rooms};
    use warp::Filter as _;
    let rooms = warp::path("rooms").and(rooms(hub.clone(), RoomsOptions::default()));
    let peerjs = warp::path("peerjs").and(peerjs(hub, PeerJsOptions::default()));
    let routes = warp::path("rtc").and(rooms.or(peerjs));
    drop(routes);
}

// ---------------------------------------------------------------------------

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hub = Hub::default();
    warp_part(hub.clone());
    let app = axum_part(Router::new().route("/health", get(health)), hub);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    axum::serve(listener, app).await?;
    Ok(())
}
