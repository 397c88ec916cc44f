//! A PeerJS-compatible server for axum: the HTTP routes of the reference
//! `peer` 1.0.2 server and its websocket endpoint, on a shared [`Hub`].
//!
//! URL layout for the mount path `P` (the stock client's `path` option):
//!
//! | request | answer |
//! |---|---|
//! | `GET P` (with or without the trailing `/`) | the server's info JSON |
//! | `GET P{key}/id` | a fresh id (UUID v4) as the whole body, any key segment |
//! | `GET P{key}/peers` | 401, or the registered ids with discovery on |
//! | `OPTIONS` on any of these | CORS preflight, 204 |
//! | websocket `P` + `peerjs` | the signaling socket (`/peerjs` for `P = "/"`) |

mod cors;
mod http;
mod options;
mod socket;

use std::sync::Arc;

use axum::{Router, middleware, routing::get};
use lingua_signal_core::Hub;

pub use options::PeerJsOptions;

/// What every handler of one router shares.
#[derive(Debug)]
struct PeerJsState {
    hub: Hub,
    options: PeerJsOptions,
}

type Shared = Arc<PeerJsState>;

/// The PeerJS server as a [`Router`] to merge into an application.
///
/// Routes are absolute (they include the mount path), so merge the router
/// with [`Router::merge`] rather than nesting it. Every response on these
/// routes carries the CORS headers of [`PeerJsOptions::cors_origins`].
/// Mounted at `"/"` (the stock client's default `path`), the router owns
/// `GET /` and `/peerjs`: an application with its own `/` route mounts it at
/// `"/peerjs"` instead (client `path: "/peerjs"`).
///
/// Spawns the hub's sweeper (held-message expiry and the idle timeout) if
/// nobody has yet, so it must be called inside a tokio runtime.
///
/// # Panics
///
/// Outside a tokio runtime, when the hub's sweeper has not been taken yet;
/// when merged with a router that already has one of these routes (axum's
/// rule).
///
/// ```no_run
/// use lingua_signal_axum::{PeerJsOptions, peerjs_router};
/// use lingua_signal_core::Hub;
///
/// # async fn run() -> std::io::Result<()> {
/// let app: axum::Router = peerjs_router(Hub::default(), PeerJsOptions::default());
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// axum::serve(listener, app).await
/// # }
/// ```
pub fn peerjs_router<S: Clone + Send + Sync + 'static>(hub: Hub, options: PeerJsOptions) -> Router<S> {
    if let Some(task) = hub.take_sweeper() {
        tokio::spawn(task);
    }
    let p = options.mount_path().to_owned();
    tracing::info!(
        http = %format!("{p}{{key}}/id"),
        websocket = %options.websocket_path(),
        key = options.key_str(),
        "PeerJS server mounted"
    );
    let origins = Arc::new(options.origins().map(<[String]>::to_vec));
    let mut router = Router::new()
        .route(&p, get(http::info))
        .route(&format!("{p}{{key}}/id"), get(http::id))
        .route(&format!("{p}{{key}}/peers"), get(http::peers))
        .route(&options.websocket_path(), get(socket::upgrade));
    if p != "/" {
        router = router.route(p.trim_end_matches('/'), get(http::info));
    }
    router.layer(middleware::from_fn_with_state(origins, cors::cors)).with_state(Arc::new(PeerJsState { hub, options }))
}
