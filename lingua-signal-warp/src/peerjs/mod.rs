//! A PeerJS-compatible server as a warp filter: the HTTP routes of the
//! reference `peer` 1.0.2 server and its websocket endpoint, on a shared
//! [`Hub`].

mod cors;
mod http;
mod options;
mod session;

use std::sync::Arc;

use lingua_signal_core::{Hub, PeerParams};
use warp::{Filter, Rejection, Reply, http::HeaderMap, path::FullPath, reply::Response, ws::Ws};

pub use options::PeerJsOptions;

use self::cors::Origins;

/// What every connection of one filter shares.
#[derive(Debug)]
struct State {
    hub: Hub,
    options: PeerJsOptions,
}

type Shared = Arc<State>;

/// The PeerJS server, relative to where it is mounted. Mounted at the path
/// `P` (the stock client's `path` option), it serves:
///
/// | request | answer |
/// |---|---|
/// | `GET`/`HEAD P` (with or without the trailing `/`) | the server's info JSON |
/// | `GET`/`HEAD P{key}/id` | a fresh id (UUID v4) as the whole body, any key segment |
/// | `GET`/`HEAD P{key}/peers` | 401 `Unauthorized`, or the registered ids with discovery on |
/// | `OPTIONS` on any of these | CORS preflight, 204 |
/// | websocket `P` + `peerjs` (no trailing `/`) | the signaling socket (`/peerjs` for `P = "/"`) |
///
/// So `warp::path("peerjs").and(peerjs(hub, options))` gives the layout of
/// a one-port app (`GET /peerjs/peerjs/id`, websocket `/peerjs/peerjs`,
/// client `path: "/peerjs"`), and `peerjs(hub, options)` alone the layout
/// of the standalone reference server (client `path: "/"`).
///
/// Every answer of these routes carries the CORS headers of
/// [`PeerJsOptions::cors_origins`]. Other paths are rejected as usual, so
/// your own routes still get them; with `P = "/"` the `{key}/id` and
/// `{key}/peers` routes match any first segment, so put your routes first
/// or give the server its own prefix.
///
/// The websocket always accepts the upgrade and sends refusals as frames,
/// with the admission order and exact frames of the reference (missing
/// parameters, wrong key, invalid id, `ID-TAKEN`, the peer limit); messages
/// larger than the hub's
/// [`Config::message_bytes`](lingua_signal_core::Config::message_bytes)
/// close the socket with 1009, an idle timeout with 1000, a hub shutdown
/// with 1001.
///
/// Call it inside a tokio runtime: it spawns the hub's sweeper
/// ([`Hub::take_sweeper`], which expires held messages and drops silent
/// peers) unless someone already did.
pub fn peerjs(hub: Hub, options: PeerJsOptions) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    if let Some(task) = hub.take_sweeper() {
        tokio::spawn(task);
    }
    let origins: Origins = Arc::new(options.origins().map(<[String]>::to_vec));
    let shared: Shared = Arc::new(State { hub, options });
    let http = with_cors(http_routes(shared.clone()), origins.clone());
    websocket(shared).or(http).unify().or(preflight(origins)).unify()
}

/// `P`: nothing left of the path (a trailing `/` is fine).
fn at_mount() -> impl Filter<Extract = (), Error = Rejection> + Clone + Send + Sync {
    warp::path::end()
}

/// `P{key}/{name}`, any key.
fn keyed(name: &'static str) -> impl Filter<Extract = (), Error = Rejection> + Clone + Send + Sync {
    warp::path::param::<String>().and(warp::path(name)).and(warp::path::end()).map(|_key: String| ()).untuple_one()
}

fn get_or_head() -> impl Filter<Extract = (), Error = Rejection> + Clone + Send + Sync {
    warp::get().or(warp::head()).unify()
}

/// The HTTP routes, answered as plain responses.
fn http_routes(shared: Shared) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync {
    let info = at_mount().and(get_or_head()).map(http::info);
    let id_state = shared.clone();
    let id = keyed("id").and(get_or_head()).map(move || http::id(&id_state.hub));
    let peers = keyed("peers").and(get_or_head()).map(move || http::peers(&shared.hub, shared.options.discovery()));
    info.or(id).unify().or(peers).unify()
}

/// Adds the CORS headers to every answer of `routes`.
fn with_cors(
    routes: impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync,
    origins: Origins,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync {
    warp::header::headers_cloned()
        .and(routes)
        .map(move |request: HeaderMap, response: Response| cors::decorate(response, &origins, &request))
}

/// `OPTIONS` on the HTTP routes: the CORS preflight.
fn preflight(origins: Origins) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync {
    let paths = at_mount().or(keyed("id")).unify().or(keyed("peers")).unify();
    // The path first: a method mismatch must not turn other paths' 404 into a 405.
    paths
        .and(warp::options())
        .and(warp::header::headers_cloned())
        .map(move |request: HeaderMap| cors::preflight(&origins, &request))
}

/// `P` + `peerjs`, exactly: no trailing `/`.
fn websocket(shared: Shared) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone + Send + Sync {
    let exact = warp::path::full()
        .and_then(|full: FullPath| async move {
            if full.as_str().ends_with('/') { Err(warp::reject::not_found()) } else { Ok(()) }
        })
        .untuple_one();
    warp::path("peerjs")
        .and(warp::path::end())
        .and(exact)
        .and(warp::ws())
        .and(warp::query::<Vec<(String, String)>>())
        .map(move |ws: Ws, query: Vec<(String, String)>| {
            let shared = shared.clone();
            let params = PeerParams::from_pairs(query);
            let max = shared.hub.config().message_bytes();
            // tungstenite enforces the size limit before buffering a whole frame.
            ws.max_message_size(max)
                .max_frame_size(max)
                .on_upgrade(move |socket| session::run(socket, params, shared))
                .into_response()
        })
}
