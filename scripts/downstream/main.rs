//! A user's axum service with its own route, state type and runtime, which
//! adds lingua-signal's adapters. scripts/check-downstream.sh copies this file
//! into a scratch crate with older tokio, serde and axum than ours, builds it
//! and runs it: it serves itself on 127.0.0.1:0 and checks, as a client, that
//! the PeerJS server behaves on those versions too, down to the close code
//! of an oversized frame (which depends on reading the error of the
//! tungstenite that this older axum runs on).

use axum::{Json, Router, routing::get};
use futures_util::{SinkExt, StreamExt};
use lingua_signal_core::Hub;
use serde::Serialize;
use tokio_tungstenite::tungstenite::{Message, protocol::frame::coding::CloseCode};

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
// The adapters, one function each, written against their public API.
// ---------------------------------------------------------------------------

/// lingua-signal-axum: Socket.IO rooms and PeerJS on the app's router.
fn axum_part(app: Router, hub: Hub) -> Router {
    let signaling = lingua_signal_axum::Signaling::builder().hub(hub).build();
    // The Socket.IO layer goes on the top-level router, to see every request.
    app.merge(signaling.router()).layer(signaling.layer())
}

/// lingua-signal-warp: rooms and PeerJS as filters under `/rtc`.
fn warp_part(hub: Hub) {
    use warp::Filter as _;
    let signaling =
        lingua_signal_warp::Signaling::builder().hub(hub).rooms_path("/rtc/rooms").peerjs_path("/rtc/peerjs").build();
    let routes = warp::path("hello").map(|| "hello").or(signaling.filter());
    drop(routes);
}

// ---------------------------------------------------------------------------

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hub = Hub::default();
    warp_part(hub.clone());
    let app = axum_part(Router::new().route("/health", get(health)), hub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    let url = format!("ws://{addr}/peerjs/peerjs?key=peerjs&id=downstream&token=t");
    let (mut peer, _) = tokio_tungstenite::connect_async(url).await?;
    let open = peer.next().await.ok_or("no OPEN")??;
    assert_eq!(open.to_text()?, r#"{"type":"OPEN"}"#);
    let too_big = "x".repeat(hub.config().message_bytes() + 1);
    let _ = peer.send(Message::text(too_big)).await;
    let close = loop {
        match peer.next().await.ok_or("no close frame")?? {
            Message::Close(frame) => break frame,
            _ => continue,
        }
    };
    let code = close.map(|f| f.code);
    assert_eq!(code, Some(CloseCode::Size), "an oversized frame closes with 1009");
    println!("downstream: OPEN, then 1009 for an oversized frame");
    Ok(())
}
