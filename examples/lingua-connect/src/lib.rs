//! Lingua Connect: the video-room app on axum, as a library so tests can
//! start it in-process. `main.rs` is the command-line front end.

pub mod assets;
pub mod cli;
pub mod pages;
pub mod serve;
pub mod tls;

use std::sync::Arc;

use axum::{Router, middleware, routing::get};
use lingua_signal_axum::{PeerJsOptions, Signaling, peerjs_router};
use lingua_signal_core::Config;

pub use cli::Options;
pub use serve::{Running, start};

/// The PeerJS mount path on the app's own port.
pub const PEERJS_PATH: &str = "/peerjs";

/// The app's routers, built from [`Options`]. Must be called inside a tokio
/// runtime (the hub's sweeper task is spawned here).
#[derive(Debug, Clone)]
pub struct App {
    /// Pages, assets, Socket.IO and PeerJS on the main port.
    pub router: Router,
    /// PeerJS alone, mounted at `/`, for `--peerjs-port`.
    pub peerjs_only: Router,
    /// The shared rooms and relay.
    pub signaling: Signaling,
}

impl App {
    /// Builds the routers.
    #[must_use]
    pub fn new(options: &Options) -> Self {
        let config = Config::default().max_members_per_room(usize::from(options.max_room_size));
        let peerjs = PeerJsOptions::default()
            .path(PEERJS_PATH)
            .key(options.peerjs_key.clone())
            .allow_discovery(options.peerjs_discovery);
        let signaling = Signaling::builder().config(config).peerjs(peerjs.clone()).build();
        let page = Arc::new(page_config(options));
        let router = Router::new()
            .route("/", get(pages::new_room))
            .route("/healthz", get(|| async { "ok" }))
            .route("/favicon.ico", get(assets::favicon))
            .route("/assets/{name}", get(assets::asset))
            .route("/{room}", get(pages::room))
            .fallback(pages::not_found)
            .with_state(page)
            .merge(signaling.router())
            .layer(signaling.layer())
            // Outside the Socket.IO layer, which claims every path under
            // /socket.io: the browser build of the client is served first.
            .layer(middleware::from_fn(serve::socket_io_client_js));
        let peerjs_only = peerjs_router(signaling.hub().clone(), peerjs.path("/"));
        Self { router, peerjs_only, signaling }
    }
}

fn page_config(options: &Options) -> pages::PageConfig {
    let ice_servers = options
        .ice_servers
        .iter()
        .map(|url| {
            let turn = url.starts_with("turn:") || url.starts_with("turns:");
            pages::IceServer {
                urls: url.clone(),
                username: options.turn_username.clone().filter(|_| turn),
                credential: options.turn_credential.clone().filter(|_| turn),
            }
        })
        .collect();
    pages::PageConfig {
        room_id: None,
        transport: "socketio",
        socket_path: "/socket.io",
        rooms_path: "/rooms",
        peer: pages::PeerConfig { path: PEERJS_PATH.to_owned(), key: options.peerjs_key.clone(), port: None },
        ice_servers,
        max_room_size: Some(options.max_room_size),
    }
}
