//! Listeners, HTTPS and graceful shutdown, for any hyper-compatible service:
//! the axum app's `Router` and the warp twin's `warp::service(filter)` alike.

use std::{convert::Infallible, error::Error, future::Future, io, net::SocketAddr, time::Duration};

use http::{Request, Response};
use hyper::body::{Body, Incoming};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::{conn::auto, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::watch, task::JoinSet};
use tokio_rustls::TlsAcceptor;
use tower::Service;

use crate::Options;

/// How long open connections get to finish after shutdown begins.
const DRAIN: Duration = Duration::from_secs(5);

/// How long a client gets to finish its TLS handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// What an app does when shutdown begins, before the listeners close and
/// open connections drain: tell its clients the server is going away.
pub trait Farewell {
    /// Tells every client the server is going away.
    fn farewell(&self) -> impl Future<Output = ()> + Send;
}

/// A tower service that hyper can serve: cloned per connection, answering
/// every request (errors are for hyper to log, not for the client).
pub trait HttpService<B>:
    Service<Request<Incoming>, Response = Response<B>, Error = Infallible, Future: Send> + Clone + Send + 'static
{
}

impl<S, B> HttpService<B> for S where
    S: Service<Request<Incoming>, Response = Response<B>, Error = Infallible, Future: Send> + Clone + Send + 'static
{
}

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
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
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
    pub async fn shutdown(mut self) {
        tracing::info!("shutting down");
        self.app.farewell().await;
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Binds `options.addr` for `main` and, with `--peerjs-port`, that port (same
/// host) for `peerjs_only`, and serves both, over TLS when `tls` is given.
///
/// # Errors
///
/// Binding a port failed.
pub async fn serve<A, S, SB, P, PB>(
    options: &Options,
    tls: Option<TlsAcceptor>,
    app: A,
    main: S,
    peerjs_only: P,
) -> io::Result<Running<A>>
where
    S: HttpService<SB>,
    SB: Body<Data: Send, Error: Into<Box<dyn Error + Send + Sync>>> + Send + 'static,
    P: HttpService<PB>,
    PB: Body<Data: Send, Error: Into<Box<dyn Error + Send + Sync>>> + Send + 'static,
{
    let (stop, stopped) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let listener = TcpListener::bind(options.addr).await?;
    let addr = listener.local_addr()?;
    let mut peerjs_addr = None;
    if let Some(port) = options.peerjs_port {
        let listener = TcpListener::bind(SocketAddr::new(options.addr.ip(), port)).await?;
        peerjs_addr = Some(listener.local_addr()?);
        tasks.spawn(accept_loop(listener, peerjs_only, tls.clone(), stopped.clone()));
    }
    tasks.spawn(accept_loop(listener, main, tls.clone(), stopped));
    let scheme = if tls.is_some() { "https" } else { "http" };
    Ok(Running { addr, peerjs_addr, scheme, app, stop, tasks })
}

/// Accepts connections until `stopped` turns true, then drains them.
async fn accept_loop<S, B>(
    listener: TcpListener,
    service: S,
    tls: Option<TlsAcceptor>,
    mut stopped: watch::Receiver<bool>,
) where
    S: HttpService<B>,
    B: Body<Data: Send, Error: Into<Box<dyn Error + Send + Sync>>> + Send + 'static,
{
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => serve_connection(tcp, peer, service.clone(), tls.as_ref(), &graceful),
                Err(error) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            // A stop request, or the `Running` handle dropped.
            _ = stopped.changed() => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after {DRAIN:?}; closing them");
    }
}

fn serve_connection<S, B>(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    service: S,
    tls: Option<&TlsAcceptor>,
    graceful: &GracefulShutdown,
) where
    S: HttpService<B>,
    B: Body<Data: Send, Error: Into<Box<dyn Error + Send + Sync>>> + Send + 'static,
{
    // Signaling frames are small and latency matters more than packing them:
    // no Nagle delay (browsers set the same on their side).
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::debug!(%peer, %error, "cannot set TCP_NODELAY");
    }
    let service = TowerToHyperService::new(service);
    let builder = auto::Builder::new(TokioExecutor::new());
    match tls {
        None => {
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(tcp), service).into_owned();
            spawn_logged(graceful.watch(connection), peer);
        }
        Some(acceptor) => {
            let handshake = acceptor.accept(tcp);
            let watcher = graceful.watcher();
            tokio::spawn(async move {
                let stream = match tokio::time::timeout(HANDSHAKE, handshake).await {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(error)) => return tracing::debug!(%peer, %error, "TLS handshake failed"),
                    Err(_) => return tracing::debug!(%peer, "TLS handshake timed out"),
                };
                let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
                if let Err(error) = watcher.watch(connection).await {
                    tracing::debug!(%peer, %error, "connection ended with an error");
                }
            });
        }
    }
}

fn spawn_logged<F, E>(connection: F, peer: SocketAddr)
where
    F: Future<Output = Result<(), E>> + Send + 'static,
    E: std::fmt::Display,
{
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%peer, %error, "connection ended with an error");
        }
    });
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => drop(term.recv().await),
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
