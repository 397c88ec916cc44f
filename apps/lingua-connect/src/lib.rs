//! Lingua Connect, the video-room app, as a library so tests can start it
//! in-process. Two front ends share it: `src/main.rs` (`lingua-connect`, on
//! axum, rooms over Socket.IO) and `src/bin/lingua-connect-warp.rs` (on warp,
//! rooms over the raw-websocket protocol).
//!
//! Everything but [`axum_app`] and [`warp_app`] is framework-neutral: the
//! flags ([`cli`]), the pages ([`pages`]), the ICE servers and TURN
//! credentials ([`ice`]) and embedded files ([`assets`]) as
//! [`http::Response`]s, the listeners with HTTPS and graceful shutdown for any
//! hyper-compatible service ([`serve`], [`tls`]), and the front end
//! ([`launch`]).

pub mod assets;
pub mod axum_app;
pub mod cli;
pub mod ice;
pub mod launch;
pub mod pages;
pub mod request;
pub mod serve;
pub mod tls;
pub mod warp_app;

pub use axum_app::{App, start};
pub use cli::Options;
pub use pages::PEERJS_PATH;
pub use serve::{Farewell, Running};

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_debug<T: Send + Sync + std::fmt::Debug>() {}

    #[test]
    fn public_types_are_send_sync_and_debug() {
        assert_send_sync_debug::<App>();
        assert_send_sync_debug::<Running<App>>();
        assert_send_sync_debug::<Options>();
        assert_send_sync_debug::<pages::PageConfig>();
        assert_send_sync_debug::<assets::Asset>();
        assert_send_sync_debug::<ice::IceServers>();
        assert_send_sync_debug::<warp_app::App>();
        assert_send_sync_debug::<Running<warp_app::App>>();
    }
}
