//! The app on warp: rooms over the raw-websocket protocol of
//! `lingua-signal-warp` instead of Socket.IO; the same flags, pages, assets
//! and PeerJS server as the axum app: its filters on one hub, served on the
//! framework-neutral listeners ([`crate::serve`]).

use std::io;

use crate::{Farewell, serve, tls};
pub use crate::{Options, Running};
use lingua_signal_warp::{Hub, Signaling};
use warp::{filters::BoxedFilter, reply::Response};

pub mod routes;

/// The app's filters, built from [`Options`].
#[derive(Debug, Clone)]
pub struct App {
    /// Pages, assets, the rooms websocket and PeerJS on the main port.
    pub routes: BoxedFilter<(Response,)>,
    /// PeerJS alone, mounted at `/`, for `--peerjs-port`.
    pub peerjs_only: BoxedFilter<(Response,)>,
    /// The shared rooms and relay.
    pub hub: Hub,
}

impl App {
    /// Builds the filters on the hub of [`Options::hub`].
    ///
    /// # Errors
    ///
    /// The ICE flags do not fit together
    /// ([`crate::pages::PageConfig::new`]).
    pub fn new(options: &Options) -> io::Result<Self> {
        let signaling =
            Signaling::builder().hub(options.hub()).rooms_path("/rooms").peerjs(options.peerjs_options()).build();
        let routes = routes::app(&signaling, options)?;
        let peerjs_only = signaling.peerjs_at("/");
        Ok(Self { routes, peerjs_only, hub: signaling.hub().clone() })
    }
}

impl Farewell for App {
    /// Rooms websockets and PeerJS sockets are closed with 1001.
    async fn farewell(&self) {
        self.hub.shutdown();
        // With --redis-url: the other processes hear the goodbye.
        self.hub.flush_backplane().await;
    }
}

/// Binds the listeners and starts serving the warp app through hyper (over
/// TLS with `--tls-cert`), as `lingua-connect` serves its axum app.
///
/// # Errors
///
/// Binding a port, or loading the TLS certificate and key, failed.
pub async fn start(options: &Options) -> io::Result<Running<App>> {
    let tls = tls::from_options(options)?;
    let listeners = serve::Listeners::bind(options).await?;
    let options = &listeners.bound(options)?;
    let app = App::new(options)?;
    let (main, peerjs_only) = (warp::service(app.routes.clone()), warp::service(app.peerjs_only.clone()));
    serve::serve(options, listeners, tls, app, main, peerjs_only)
}
