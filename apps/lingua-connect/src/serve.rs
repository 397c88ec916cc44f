//! The app's listeners, through `lingua-signal-serve` (deadlines on every
//! connection state, per-IP caps, accept back-off, HTTPS, graceful
//! shutdown), for any hyper-compatible service: the axum app's `Router` and
//! the warp twin's `warp::service(filter)` alike.

use std::{error::Error, future::Future, io, net::SocketAddr};

use http::{Request, Response};
use lingua_signal_serve::{Deadlines, Limits, RequestBody, Server, Serving, tls::TlsAcceptor};
use tokio::net::TcpListener;
use tower::Layer;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::Options;

/// What an app does when shutdown begins, before the listeners close and
/// open connections drain: tell its clients the server is going away.
pub trait Farewell {
    /// Tells every client the server is going away.
    fn farewell(&self) -> impl Future<Output = ()> + Send;
}

/// A tower service that the server can serve: cloned per connection.
pub trait HttpService<B>:
    tower::Service<
        Request<RequestBody>,
        Response = Response<B>,
        Error: Into<Box<dyn Error + Send + Sync>>,
        Future: Send + 'static,
    > + Clone
    + Send
    + 'static
{
}

impl<S, B> HttpService<B> for S where
    S: tower::Service<
            Request<RequestBody>,
            Response = Response<B>,
            Error: Into<Box<dyn Error + Send + Sync>>,
            Future: Send + 'static,
        > + Clone
        + Send
        + 'static
{
}

/// A response body the server can write.
pub trait HttpBody: hyper::body::Body<Data: Send, Error: Into<Box<dyn Error + Send + Sync>>> + Send + 'static {}

impl<B> HttpBody for B where B: hyper::body::Body<Data: Send, Error: Into<Box<dyn Error + Send + Sync>>> + Send + 'static
{}

/// A started server.
#[derive(Debug)]
pub struct Running<A> {
    /// Where the app listens.
    pub addr: SocketAddr,
    /// Where the PeerJS-only listener is, with `--peerjs-port`.
    pub peerjs_addr: Option<SocketAddr>,
    /// `https` with `--tls-cert`, else `http`.
    pub scheme: &'static str,
    /// The app, for its hub and handles.
    pub app: A,
    /// The server both listeners share (per-IP counts, [`Server::stats`]).
    pub server: Server,
    listeners: Vec<Serving>,
}

impl<A> Running<A> {
    /// The app's base URL, e.g. `http://127.0.0.1:3000`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }
}

impl<A: Farewell> Running<A> {
    /// Tells every client the server is going away ([`Farewell`]), stops
    /// accepting, and waits up to 5 s for open connections to finish.
    pub async fn shutdown(self) {
        tracing::info!("shutting down");
        self.app.farewell().await;
        let handles: Vec<_> = self.listeners.into_iter().map(|serving| tokio::spawn(serving.shutdown())).collect();
        for handle in handles {
            let _ = handle.await;
        }
    }
}

/// The server the flags describe: `--header-timeout`, `--idle-timeout`,
/// `--body-timeout`, `--tls-handshake-timeout`, `--max-connections-per-ip`,
/// `--limit-loopback`, and TLS when `tls` is given.
#[must_use]
pub fn server(options: &Options, tls: Option<TlsAcceptor>) -> Server {
    let deadlines = Deadlines::default()
        .header(options.header_timeout)
        .idle(options.idle_timeout)
        .body(options.body_timeout)
        .tls_handshake(options.tls_handshake_timeout);
    let limits =
        Limits::default().max_connections_per_ip(options.max_connections_per_ip).limit_loopback(options.limit_loopback);
    let builder = Server::builder().deadlines(deadlines).limits(limits);
    match tls {
        Some(acceptor) => builder.tls(acceptor).build(),
        None => builder.build(),
    }
}

/// The app's listening sockets, bound before the app is built so that the
/// app knows its own ports (its pages are same-origin on all of them).
#[derive(Debug)]
pub struct Listeners {
    main: TcpListener,
    peerjs: Option<TcpListener>,
}

impl Listeners {
    /// Binds `options.addr` and, with `--peerjs-port`, that port on the same
    /// host.
    ///
    /// # Errors
    ///
    /// Binding a port failed.
    pub async fn bind(options: &Options) -> io::Result<Self> {
        let main = bind(options.addr, "--addr").await?;
        let peerjs = match options.peerjs_port {
            Some(port) => Some(bind(SocketAddr::new(options.addr.ip(), port), "--peerjs-port").await?),
            None => None,
        };
        Ok(Self { main, peerjs })
    }

    /// `options` with the ports actually bound (port 0 asks the system for
    /// one): what the app is built from.
    ///
    /// # Errors
    ///
    /// A listener has no local address.
    pub fn bound(&self, options: &Options) -> io::Result<Options> {
        let mut bound = options.clone();
        bound.addr = self.main.local_addr()?;
        if let Some(peerjs) = &self.peerjs {
            bound.peerjs_port = Some(peerjs.local_addr()?.port());
        }
        Ok(bound)
    }
}

/// `X-Content-Type-Options: nosniff` on every response of both listeners
/// (pages, assets, JSON, Socket.IO polling, PeerJS, errors): a browser
/// never runs or styles with a body under another type than the one sent.
fn nosniff() -> SetResponseHeaderLayer<http::HeaderValue> {
    SetResponseHeaderLayer::overriding(http::header::X_CONTENT_TYPE_OPTIONS, http::HeaderValue::from_static("nosniff"))
}

/// Binds `addr`; an error names the address and the `flag` that sets it.
async fn bind(addr: SocketAddr, flag: &str) -> io::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|error| {
        let hint = match error.kind() {
            io::ErrorKind::AddrInUse => format!("another program listens there; choose another port with {flag}"),
            io::ErrorKind::PermissionDenied => {
                format!("not allowed to listen there; choose a port above 1023 with {flag}")
            }
            _ => format!("set with {flag}"),
        };
        io::Error::new(error.kind(), format!("cannot listen on {addr}: {error} ({hint})"))
    })
}

/// Serves `main` on the main listener and `peerjs_only` on the PeerJS one,
/// over TLS when `tls` is given.
///
/// # Errors
///
/// Serving a listener failed.
pub fn serve<A, S, SB, P, PB>(
    options: &Options,
    listeners: Listeners,
    tls: Option<TlsAcceptor>,
    app: A,
    main: S,
    peerjs_only: P,
) -> io::Result<Running<A>>
where
    S: HttpService<SB>,
    SB: HttpBody,
    P: HttpService<PB>,
    PB: HttpBody,
{
    let server = server(options, tls);
    let (main, peerjs_only) = (nosniff().layer(main), nosniff().layer(peerjs_only));
    let mut serving = vec![server.serve(listeners.main, main)?];
    let addr = serving[0].local_addr();
    let mut peerjs_addr = None;
    if let Some(listener) = listeners.peerjs {
        let peerjs = server.serve(listener, peerjs_only)?;
        peerjs_addr = Some(peerjs.local_addr());
        serving.push(peerjs);
    }
    Ok(Running { addr, peerjs_addr, scheme: server.scheme(), app, server, listeners: serving })
}
