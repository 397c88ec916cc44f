//! An "existing" warp service, a small notes API with its own state, that
//! also serves lingua-signal's rooms (raw websocket) and PeerJS server under
//! `/rtc`: the twin of `embed-axum`.
//!
//! Everything lingua-signal needs is in [`routes`]: one builder call and one
//! `.or(…)`. Its own video page, `/call`, is in [`page`].

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use lingua_signal_warp::{Config, Hub, Signaling, core::SharedSecret};
use warp::{Filter, Rejection, Reply, filters::BoxedFilter, http::StatusCode, reply::Response};

pub mod page;

/// Where the browser finds the rooms: `new WebSocket("ws://host" + ROOMS_PATH)`.
pub const ROOMS_PATH: &str = "/rtc/rooms";
/// Where the browser finds the PeerJS server: `new Peer({ path: PEERJS_PATH })`.
pub const PEERJS_PATH: &str = "/rtc/peerjs";

/// The service's own state: notes kept in memory.
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

/// The whole service: its own routes and state, plus rooms and PeerJS. With
/// a `secret`, every rooms and PeerJS websocket must show it (`?token=`):
/// the others are refused with `unauthorized`. Returns the hub too, to read
/// its metrics or shut it down.
#[must_use]
pub fn routes(secret: Option<&str>) -> (BoxedFilter<(Response,)>, Hub) {
    let config = Config::default().max_members_per_room(8);
    let hub = match secret {
        Some(secret) => Hub::builder().config(config).authorizer(SharedSecret::new(secret)).build(),
        None => Hub::new(config),
    };
    let signaling = Signaling::builder().hub(hub).rooms_path(ROOMS_PATH).peerjs_path(PEERJS_PATH).build();
    let routes = own_routes(Notes::default())
        .or(page::filter())
        .unify()
        // Absolute paths: combined at the top level, next to the own routes.
        .or(signaling.filter())
        .unify()
        .boxed();
    (routes, signaling.hub().clone())
}

fn own_routes(notes: Notes) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let home = warp::path::end()
        .and(warp::get())
        .map(|| "notes service: GET/POST /notes; video rooms under /rtc, a call at /call".into_response());
    let list_notes = notes.clone();
    let list = warp::path!("notes").and(warp::get()).map(move || warp::reply::json(&list_notes.all()).into_response());
    let add = warp::path!("notes")
        .and(warp::post())
        .and(warp::body::content_length_limit(4096))
        .and(warp::body::bytes())
        .map(move |body: Bytes| {
            notes.add(String::from_utf8_lossy(&body).into_owned());
            StatusCode::CREATED.into_response()
        });
    home.or(list).unify().or(add).unify()
}
