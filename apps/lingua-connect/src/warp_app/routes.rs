//! The routes, as warp filters around `lingua-connect`'s framework-neutral
//! pages and assets and `lingua-signal-warp`'s rooms and PeerJS filters.

use std::{convert::Infallible, io, net::SocketAddr, sync::Arc};

use crate::{
    Options, assets, ice,
    pages::{self, PageConfig, Transport},
};
use lingua_signal_warp::Signaling;
use warp::{
    Filter, Rejection, Reply,
    filters::BoxedFilter,
    http::{HeaderMap, HeaderValue, header},
    path::{self, FullPath},
    reply::Response,
};

/// Everything on the main port:
///
/// | route | answer |
/// |---|---|
/// | `GET /` | `302` to a new room |
/// | `GET /healthz` | `ok` |
/// | `GET /ice-servers` | fresh ICE servers and TURN credentials, for participants (`crate::ice::respond`) |
/// | `GET /room-info/{room}` | the room's size before joining (`Signaling::room_info_at`) |
/// | `GET /metrics` | the hub's metrics, OpenMetrics text (`lingua_signal_core::prometheus`) |
/// | `GET /favicon.ico`, `GET /assets/{name}` | embedded files with ETags |
/// | `GET /socket.io/socket.io.js` (and `.min.js`) | the socket.io-client build |
/// | websocket `/rooms` | the rooms protocol (`lingua-signal-warp/PROTOCOL.md`) |
/// | `/peerjs/…` | the PeerJS server (client `path: "/peerjs"`) |
/// | `GET /{room}` | the room page (transport `"websocket"`), or the 404 page |
/// | anything else | the 404 page |
///
/// # Errors
///
/// The ICE flags do not fit together
/// ([`crate::pages::PageConfig::new`]).
pub fn app(signaling: &Signaling, options: &Options) -> io::Result<BoxedFilter<(Response,)>> {
    let page = Arc::new(PageConfig::new(options, Transport::WebSocket)?);
    let ice_page = Arc::clone(&page);
    let ice_servers =
        get_or_head().and(warp::path!("ice-servers")).and(warp::header::headers_cloned()).and(remote()).map(
            move |headers: HeaderMap, remote: Option<SocketAddr>| {
                ice::respond(&ice_page.ice, &ice_page.cookies, &headers, remote.map(|addr| addr.ip()))
            },
        );
    let script_page = Arc::clone(&page);
    let new_room = get_or_head().and(path::end()).map(pages::new_room);
    let healthz = get_or_head().and(warp::path!("healthz")).map(|| "ok");
    let metrics_hub = signaling.hub().clone();
    let access = options.metrics_access();
    let metrics = get_or_head().and(warp::path!("metrics")).and(warp::header::headers_cloned()).and(remote()).map(
        move |headers: HeaderMap, remote: Option<SocketAddr>| {
            pages::metrics(&metrics_hub, &access, &headers, remote.map(|addr| addr.ip()))
        },
    );
    let favicon = get_or_head()
        .and(warp::path!("favicon.ico"))
        .and(if_none_match())
        .map(|tag: Option<HeaderValue>| assets::respond(assets::FAVICON, tag.as_ref()));
    let asset = get_or_head()
        .and(warp::path!("assets" / String))
        .and(if_none_match())
        .map(|name: String, tag: Option<HeaderValue>| assets::respond(&name, tag.as_ref()));
    let socket_io =
        get_or_head().and(socket_io_client_path()).and(if_none_match()).and(warp::header::headers_cloned()).map(
            move |tag: Option<HeaderValue>, headers: HeaderMap| {
                let script = assets::respond(assets::SOCKET_IO_CLIENT, tag.as_ref());
                pages::with_client_cookie(script, &script_page.cookies, &headers)
            },
        );
    let room = get_or_head()
        .and(path::param::<String>())
        .and(path::end())
        .and(warp::header::headers_cloned())
        .map(move |room: String, headers: HeaderMap| pages::room_page(&room, &page, &headers));
    let not_found = warp::any().map(pages::not_found_page);
    let routes = new_room
        .or(healthz)
        .or(ice_servers)
        .or(metrics)
        .or(favicon)
        .or(asset)
        .or(socket_io)
        .or(signaling.room_info_at(pages::ROOM_INFO_PATH))
        .or(signaling.filter())
        .or(room)
        .or(not_found)
        .map(Reply::into_response)
        .boxed();
    Ok(routes)
}

/// `GET`, or `HEAD` (hyper leaves out the body), as axum's `get` routes.
fn get_or_head() -> impl Filter<Extract = (), Error = Rejection> + Clone {
    warp::get().or(warp::head()).unify()
}

/// The request's `If-None-Match`, for asset revalidation.
fn if_none_match() -> impl Filter<Extract = (Option<HeaderValue>,), Error = Infallible> + Clone {
    warp::header::headers_cloned().map(|headers: HeaderMap| headers.get(header::IF_NONE_MATCH).cloned())
}

/// The client's address: warp's own server reports it; `lingua-signal-serve`
/// (serving `warp::service`) puts it in the request's extensions.
fn remote() -> impl Filter<Extract = (Option<SocketAddr>,), Error = Infallible> + Clone {
    warp::addr::remote().and(warp::ext::optional::<SocketAddr>()).map(|own: Option<SocketAddr>, ext| own.or(ext))
}

/// Where the Node server serves the Socket.IO client library.
fn socket_io_client_path() -> impl Filter<Extract = (), Error = Rejection> + Clone {
    path::full()
        .and_then(|full: FullPath| async move {
            if assets::SOCKET_IO_CLIENT_PATHS.contains(&full.as_str()) {
                Ok(())
            } else {
                Err(warp::reject::not_found())
            }
        })
        .untuple_one()
}
