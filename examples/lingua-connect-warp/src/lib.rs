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

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_debug<T: Send + Sync + std::fmt::Debug>() {}

    #[test]
    fn public_types_are_send_sync_and_debug() {
        assert_send_sync_debug::<App>();
        assert_send_sync_debug::<Running<App>>();
    }
}
