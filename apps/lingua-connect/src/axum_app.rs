//! The axum app: routes that wrap the shared pages and assets, Socket.IO
//! rooms and the PeerJS server.

use std::{io, net::SocketAddr, sync::Arc};

use axum::{
    Router,
    body::Body,
    extract::{Path, Request, State},
    http::{Extensions, HeaderMap, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use bytes::Bytes;
use lingua_signal_axum::Signaling;

use crate::{
    Options, assets, ice,
    pages::{self, PageConfig, Transport},
    serve::{self, Farewell, Running},
    tls,
};

/// Binds the listeners and starts serving the axum app.
///
/// # Errors
///
/// Binding a port, or loading the TLS certificate and key, failed.
pub async fn start(options: &Options) -> io::Result<Running<App>> {
    let tls = tls::from_options(options)?;
    let listeners = serve::Listeners::bind(options).await?;
    let options = &listeners.bound(options)?;
    let app = App::new(options)?;
    let (router, peerjs_only) = (app.router.clone(), app.peerjs_only.clone());
    serve::serve(options, listeners, tls, app, router, peerjs_only)
}

/// The app's routers, built from [`Options`].
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
    ///
    /// # Errors
    ///
    /// The ICE flags do not fit together ([`PageConfig::new`]).
    pub fn new(options: &Options) -> io::Result<Self> {
        let signaling = Signaling::builder().hub(options.hub()).peerjs(options.peerjs_options()).build();
        let page = Arc::new(PageConfig::new(options, Transport::SocketIo)?);
        let hub = signaling.hub().clone();
        let access = options.metrics_access();
        let router = Router::new()
            .route("/", get(|| async { axum_response(pages::new_room()) }))
            .route("/healthz", get(|| async { "ok" }))
            .route(ice::ICE_SERVERS_PATH, get(ice_servers))
            .route(
                "/metrics",
                get(move |request: Request| async move {
                    let remote = remote_ip(request.extensions());
                    axum_response(pages::metrics(&hub, &access, request.headers(), remote))
                }),
            )
            .route("/favicon.ico", get(|headers: HeaderMap| async move { asset(assets::FAVICON, &headers) }))
            .route(
                "/assets/{name}",
                get(|Path(name): Path<String>, headers: HeaderMap| async move { asset(&name, &headers) }),
            )
            .route("/{room}", get(room))
            .fallback(|| async { axum_response(pages::not_found_page()) })
            .with_state(Arc::clone(&page))
            .merge(signaling.router())
            .merge(signaling.room_info_at(pages::ROOM_INFO_PATH))
            .layer(signaling.layer())
            // Outside the Socket.IO layer, which claims every path under
            // /socket.io: the browser build of the client is served first.
            .layer(middleware::from_fn_with_state(Arc::clone(&page), socket_io_client_js));
        let peerjs_only = signaling.peerjs_at("/");
        Ok(Self { router, peerjs_only, signaling })
    }
}

impl Farewell for App {
    /// Socket.IO sockets are disconnected and PeerJS sockets closed with 1001.
    async fn farewell(&self) {
        self.signaling.hub().shutdown();
        // With --redis-url: the other processes hear the goodbye.
        self.signaling.hub().flush_backplane().await;
        self.signaling.io().clone().close().await;
    }
}

/// `GET /ice-servers`: fresh TURN credentials, for participants.
async fn ice_servers(State(config): State<Arc<PageConfig>>, request: Request) -> Response {
    let remote = remote_ip(request.extensions());
    axum_response(ice::respond(&config.ice, &config.cookies, request.headers(), remote))
}

/// The client's address: `lingua-signal-serve` puts it in the request's
/// extensions; axum's own server as `ConnectInfo`.
fn remote_ip(extensions: &Extensions) -> Option<std::net::IpAddr> {
    let info = extensions.get::<axum::extract::ConnectInfo<SocketAddr>>().map(|info| info.0);
    info.or_else(|| extensions.get::<SocketAddr>().copied()).map(|addr| addr.ip())
}

/// `GET /{room}`, giving the browser its client cookie.
async fn room(Path(room): Path<String>, State(config): State<Arc<PageConfig>>, headers: HeaderMap) -> Response {
    axum_response(pages::room_page(&room, &config, &headers))
}

fn asset(name: &str, headers: &HeaderMap) -> Response {
    axum_response(assets::respond(name, headers.get(header::IF_NONE_MATCH)))
}

fn axum_response(response: http::Response<Bytes>) -> Response {
    response.map(Body::from).into_response()
}

/// Middleware in front of the Socket.IO layer: `GET /socket.io/socket.io.js`
/// (and `.min.js`) is the client library, as the Node server serves it.
async fn socket_io_client_js(State(config): State<Arc<PageConfig>>, request: Request, next: Next) -> Response {
    if request.method() == http::Method::GET && assets::SOCKET_IO_CLIENT_PATHS.contains(&request.uri().path()) {
        // A page of the Node original loads it before it connects: the
        // client cookie set here goes with its Socket.IO and PeerJS sockets.
        let script = assets::respond(assets::SOCKET_IO_CLIENT, request.headers().get(header::IF_NONE_MATCH));
        return axum_response(pages::with_client_cookie(script, &config.cookies, request.headers()));
    }
    next.run(request).await
}
