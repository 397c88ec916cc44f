//! An "existing" axum app, a small notes API with its own state, that also
//! serves lingua-signal's rooms (Socket.IO) and PeerJS server under `/rtc`.
//!
//! Everything lingua-signal needs is in [`app`]: one builder call, one
//! `merge`, one `layer`. Its own video page, `/call`, is in [`page`].

use std::sync::{Arc, Mutex, PoisonError};

use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use lingua_signal_axum::Signaling;
use lingua_signal_core::{Config, Hub, SharedSecret};

pub mod page;

/// Where the browser finds Socket.IO: `io(url, { path: SOCKETIO_PATH })`.
pub const SOCKETIO_PATH: &str = "/rtc/socket.io";
/// Where the browser finds the PeerJS server: `new Peer({ path: PEERJS_PATH })`.
pub const PEERJS_PATH: &str = "/rtc/peerjs";

/// The app's own state: notes kept in memory.
#[derive(Debug, Clone, Default)]
pub struct Notes(Arc<Mutex<Vec<String>>>);

impl Notes {
    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn add(&self, note: String) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(note);
    }
}

/// The whole app: its own routes and state, plus rooms and PeerJS. With a
/// `secret`, every Socket.IO connection must show it (`io(url, { auth: {
/// token } })`) and every PeerJS socket too (`?token=`): the others are
/// refused with `unauthorized`. Returns the hub too, to read its metrics or
/// shut it down.
pub fn app(secret: Option<&str>) -> (Router, Hub) {
    let config = Config::default().max_members_per_room(8);
    let hub = match secret {
        Some(secret) => Hub::builder().config(config).authorizer(SharedSecret::new(secret)).build(),
        None => Hub::new(config),
    };
    let signaling = Signaling::builder().hub(hub).rooms_path(SOCKETIO_PATH).peerjs_path(PEERJS_PATH).build();
    let app = Router::new()
        .route("/", get(|| async { "notes service: GET/POST /notes; video rooms under /rtc, a call at /call" }))
        .route("/notes", get(list).post(add))
        .with_state(Notes::default())
        .merge(page::router())
        .merge(signaling.router())
        // On the top-level router, so that it sees every request.
        .layer(signaling.layer());
    (app, signaling.hub().clone())
}

async fn list(State(notes): State<Notes>) -> Json<Vec<String>> {
    Json(notes.all())
}

async fn add(State(notes): State<Notes>, note: String) -> StatusCode {
    notes.add(note);
    StatusCode::CREATED
}
