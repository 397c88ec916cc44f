//! Listeners, HTTPS and graceful shutdown.

use std::{future::Future, io, net::SocketAddr, time::Duration};

use axum::{Router, body::Body, extract::Request, middleware::Next, response::Response};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::{conn::auto, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::watch, task::JoinSet};
use tokio_rustls::TlsAcceptor;

use crate::{App, Options, assets, tls};

/// How long open connections get to finish after shutdown begins.
const DRAIN: Duration = Duration::from_secs(5);

/// A started server.
#[derive(Debug)]
pub struct Running {
    /// Where the app listens.
    pub addr: SocketAddr,
    /// Where the PeerJS-only listener is, with `--peerjs-port`.
    pub peerjs_addr: Option<SocketAddr>,
    /// `https` with `--tls-cert`, else `http`.
    pub scheme: &'static str,
    /// The app, for its hub and Socket.IO handle.
    pub app: App,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl Running {
    /// The app's base URL, e.g. `http://127.0.0.1:3000`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// Tells every client the server is going away (Socket.IO sockets are
    /// disconnected, PeerJS sockets closed with 1001), stops accepting, and
    /// waits up to 5 s for open connections to finish.
    pub async fn shutdown(mut self) {
        tracing::info!("shutting down");
        self.app.signaling.hub().shutdown();
        self.app.signaling.io().clone().close().await;
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Binds the listeners and starts serving.
///
/// # Errors
///
/// Binding a port, or loading the TLS certificate and key, failed.
pub async fn start(options: &Options) -> io::Result<Running> {
    let tls = match (&options.tls_cert, &options.tls_key) {
        (Some(cert), Some(key)) => Some(tls::acceptor(cert, key)?),
        _ => None,
    };
    let app = App::new(options);
    let (stop, stopped) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let listener = TcpListener::bind(options.addr).await?;
    let addr = listener.local_addr()?;
    tasks.spawn(accept_loop(listener, app.router.clone(), tls.clone(), stopped.clone()));
    let mut peerjs_addr = None;
    if let Some(port) = options.peerjs_port {
        let listener = TcpListener::bind(SocketAddr::new(options.addr.ip(), port)).await?;
        peerjs_addr = Some(listener.local_addr()?);
        tasks.spawn(accept_loop(listener, app.peerjs_only.clone(), tls.clone(), stopped));
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    Ok(Running { addr, peerjs_addr, scheme, app, stop, tasks })
}

/// Accepts connections until `stopped` turns true, then drains them.
async fn accept_loop(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    mut stopped: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => serve_connection(tcp, peer, &router, tls.as_ref(), &graceful),
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

fn serve_connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    router: &Router,
    tls: Option<&TlsAcceptor>,
    graceful: &GracefulShutdown,
) {
    let service = TowerToHyperService::new(router.clone());
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
                let stream = match tokio::time::timeout(Duration::from_secs(10), handshake).await {
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

/// Middleware in front of the Socket.IO layer: `GET /socket.io/socket.io.js`
/// (and `.min.js`) is the client library, as the Node server serves it.
pub async fn socket_io_client_js(request: Request<Body>, next: Next) -> Response {
    let path = request.uri().path();
    if request.method() == http::Method::GET
        && matches!(path, "/socket.io/socket.io.js" | "/socket.io/socket.io.min.js")
    {
        return assets::socket_io_client(request.headers().clone()).await;
    }
    next.run(request).await
}
