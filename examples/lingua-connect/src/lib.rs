//! Lingua Connect: the video-room app on axum, as a library so tests can
//! start it in-process. `main.rs` is the command-line front end.
//!
//! The framework-neutral parts are shared with the warp twin
//! (`examples/lingua-connect-warp`): the flags ([`cli`]), the pages
//! ([`pages`]), the ICE servers and TURN credentials ([`ice`]) and embedded files ([`assets`]) as [`http::Response`]s, the
//! listeners with HTTPS and graceful shutdown for any hyper-compatible
//! service ([`serve`], [`tls`]), and the front end ([`launch`]). Only
//! [`app`] knows axum.

pub mod app;
pub mod assets;
pub mod cli;
pub mod ice;
pub mod launch;
pub mod pages;
pub mod serve;
pub mod tls;

pub use app::{App, start};
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
    }
}
