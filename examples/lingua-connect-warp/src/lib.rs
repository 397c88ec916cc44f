//! Lingua Connect on warp: the same app as `lingua-connect` (same flags,
//! pages, assets and PeerJS server), with rooms over the raw-websocket
//! protocol of `lingua-signal-warp` instead of Socket.IO. A library so tests
//! can start it in-process; `main.rs` is the command-line front end.
//!
//! Only the routes are warp's ([`routes`]); pages, assets, flags, listeners,
//! HTTPS and graceful shutdown are `lingua-connect`'s framework-neutral
//! parts, served through hyper around [`warp::service`].

pub mod app;
pub mod routes;

pub use app::{App, start};
pub use lingua_connect::{Options, Running};
