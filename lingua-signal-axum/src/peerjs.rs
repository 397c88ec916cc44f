//! TEMPORARY STUB on branch `wip-sio`, NOT the PeerJS server.
//!
//! The real PeerJS server lives on the peerjs branch and replaces this whole
//! file when the branches are merged. The stub has exactly the public
//! signature the builder relies on: `PeerJsOptions` (with `Default`, `path`
//! and `key` setters) and `peerjs_router(hub, options)`. It answers only
//! `GET {path}/{key}/id`, so that the builder and the embed example can be
//! exercised before the merge.

use std::{
    hash::{BuildHasher, RandomState},
    sync::atomic::{AtomicU64, Ordering},
};

use axum::{Router, routing::get};
use lingua_signal_core::Hub;

/// Where the PeerJS server is mounted and which key it accepts (stub).
#[derive(Debug, Clone)]
pub struct PeerJsOptions {
    path: String,
    key: String,
}

impl Default for PeerJsOptions {
    fn default() -> Self {
        Self { path: "/peerjs".to_owned(), key: "peerjs".to_owned() }
    }
}

impl PeerJsOptions {
    /// The PeerJS `path` option: HTTP under it, the websocket at
    /// `{path}/peerjs`. Default `"/peerjs"`.
    #[must_use]
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The PeerJS `key`. Default `"peerjs"`.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }
}

/// The PeerJS routes (stub: only the id endpoint).
pub fn peerjs_router<S>(hub: Hub, options: PeerJsOptions) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    drop(hub);
    let path = format!("{}/{}/id", options.path.trim_end_matches('/'), options.key);
    Router::new().route(&path, get(|| async { fresh_id() }))
}

fn fresh_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}{n:08x}", RandomState::new().hash_one(n))
}
