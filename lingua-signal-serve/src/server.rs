//! The server: its configuration, the accept loop of each listener, and
//! the handle that stops one.

use std::{error::Error as StdError, future::Future, io, net::SocketAddr, sync::Arc, time::Duration};

use http::{Request, Response};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::{conn::auto, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::{TcpListener, TcpStream},
    sync::watch,
    task::JoinHandle,
    time::Instant,
};
use tower_service::Service;

use crate::{
    Deadlines, Limits, RequestBody, Stats,
    backoff::{Backoff, is_per_connection},
    guard::{Guarded, Held, Open},
    observe::Observe,
    per_ip::PerIp,
    progress::Progress,
    stats::Counters,
};

type BoxError = Box<dyn StdError + Send + Sync>;

/// Serves hyper-compatible tower services (an axum `Router`,
/// `warp::service(filter)`) over HTTP/1.1 and HTTP/2 with [`Deadlines`] on
/// every connection state, [`Limits`] per client, back-off when `accept`
/// fails, optional TLS and graceful shutdown.
///
/// Cheap to clone; clones share the per-client counts and the [`Stats`], so
/// a server's listeners (see [`serve`](Self::serve)) cap a client together.
#[derive(Debug, Clone)]
pub struct Server {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    deadlines: Deadlines,
    drain: Duration,
    per_ip: Arc<PerIp>,
    counters: Arc<Counters>,
    #[cfg(feature = "tls")]
    tls: Option<crate::tls::Acceptor>,
}

impl Default for Server {
    /// A plain-HTTP server with the default [`Deadlines`] and [`Limits`].
    fn default() -> Self {
        Self::builder().build()
    }
}

/// Configures a [`Server`]; every setter documents its default.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct ServerBuilder {
    deadlines: Deadlines,
    limits: Limits,
    drain: Option<Duration>,
    #[cfg(feature = "tls")]
    tls: Option<crate::tls::Acceptor>,
}

impl ServerBuilder {
    /// The deadlines of each connection state. Default:
    /// [`Deadlines::default`] (header 10 s, idle 5 s, body 30 s, TLS
    /// handshake 10 s).
    pub fn deadlines(mut self, deadlines: Deadlines) -> Self {
        self.deadlines = deadlines;
        self
    }

    /// The limits per client. Default: [`Limits::default`] (256 connections
    /// per IP, loopback exempt).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// How long [`Serving::shutdown`] waits for open connections to finish
    /// their requests before it closes them. Default: 5 s.
    pub fn drain_timeout(mut self, timeout: Duration) -> Self {
        self.drain = Some(timeout);
        self
    }

    /// Serve HTTPS with this acceptor (see [`tls::acceptor`](crate::tls::acceptor)
    /// for one from PEM files). Default: plain HTTP.
    #[cfg(feature = "tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
    pub fn tls(mut self, acceptor: tokio_rustls::TlsAcceptor) -> Self {
        self.tls = Some(crate::tls::Acceptor(acceptor));
        self
    }

    /// The server. Needs no runtime.
    #[must_use]
    pub fn build(self) -> Server {
        let shared = Shared {
            deadlines: self.deadlines,
            drain: self.drain.unwrap_or(Duration::from_secs(5)),
            per_ip: PerIp::new(self.limits),
            counters: Arc::default(),
            #[cfg(feature = "tls")]
            tls: self.tls,
        };
        Server { shared: Arc::new(shared) }
    }
}

impl Server {
    /// A builder with every default.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// `https` when serving TLS, else `http`.
    #[must_use]
    pub fn scheme(&self) -> &'static str {
        #[cfg(feature = "tls")]
        if self.shared.tls.is_some() {
            return "https";
        }
        "http"
    }

    /// The counters so far, over every listener of this server.
    #[must_use]
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    /// Starts accepting on `listener` in a task of its own and serving each
    /// connection with a clone of `service`, until [`Serving::shutdown`] or
    /// until the [`Serving`] handle is dropped. Must be called within a
    /// tokio runtime.
    ///
    /// # Errors
    ///
    /// The listener's address cannot be read.
    pub fn serve<S, B>(&self, listener: TcpListener, service: S) -> io::Result<Serving>
    where
        S: Service<Request<RequestBody>, Response = Response<B>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(());
        let task = tokio::spawn(Arc::clone(&self.shared).accept_loop(listener, service, stopped));
        Ok(Serving { addr, stop, task })
    }

    /// Serves `listener` as [`serve`](Self::serve) does until `signal`
    /// resolves, then shuts down gracefully ([`Serving::shutdown`]).
    ///
    /// # Errors
    ///
    /// As [`serve`](Self::serve).
    pub async fn run<S, B>(&self, listener: TcpListener, service: S, signal: impl Future<Output = ()>) -> io::Result<()>
    where
        S: Service<Request<RequestBody>, Response = Response<B>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let serving = self.serve(listener, service)?;
        signal.await;
        serving.shutdown().await;
        Ok(())
    }
}

/// One listener being served; see [`Server::serve`]. Dropping it stops
/// accepting and drains as [`shutdown`](Self::shutdown) does, in the
/// background.
#[derive(Debug)]
pub struct Serving {
    addr: SocketAddr,
    stop: watch::Sender<()>,
    task: JoinHandle<()>,
}

impl Serving {
    /// The address the listener is bound to.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets open HTTP connections finish their requests
    /// (kept-alive ones are closed once idle) for up to the drain timeout
    /// ([`ServerBuilder::drain_timeout`]), then closes what is left.
    /// Upgraded connections (websockets) belong to the service: close them
    /// before, e.g. by telling the clients the server is going away.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

impl Shared {
    async fn accept_loop<S, B>(self: Arc<Self>, listener: TcpListener, service: S, mut stopped: watch::Receiver<()>)
    where
        S: Service<Request<RequestBody>, Response = Response<B>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let graceful = GracefulShutdown::new();
        let mut backoff = Backoff::default();
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                // A stop request, or the `Serving` handle dropped.
                _ = stopped.changed() => break,
            };
            match accepted {
                Ok((tcp, peer)) => {
                    backoff.succeeded();
                    self.connection(tcp, peer, service.clone(), &graceful);
                }
                Err(error) if is_per_connection(&error) => tracing::debug!(%error, "accept failed"),
                Err(error) => {
                    Counters::bump(&self.counters.accept_errors);
                    let delay = backoff.failed(&error);
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        _ = stopped.changed() => break,
                    }
                }
            }
        }
        drop(listener);
        if tokio::time::timeout(self.drain, graceful.shutdown()).await.is_err() {
            tracing::warn!("connections still open after {:?}; closing them", self.drain);
        }
    }

    /// Admits a connection under the per-client cap and serves it in a
    /// task of its own.
    fn connection<S, B>(&self, tcp: TcpStream, peer: SocketAddr, service: S, graceful: &GracefulShutdown)
    where
        S: Service<Request<RequestBody>, Response = Response<B>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        Counters::bump(&self.counters.accepted);
        let Ok(permit) = self.per_ip.admit(peer.ip()) else {
            // Dropping the stream closes it before anything is read.
            return Counters::bump(&self.counters.refused_per_ip);
        };
        let held = Held::new(permit, Open::new(&self.counters));
        // Signaling frames are small and latency matters more than packing
        // them: no Nagle delay (browsers set the same on their side).
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%peer, %error, "cannot set TCP_NODELAY");
        }
        let watcher = graceful.watcher();
        let (deadlines, counters) = (self.deadlines, Arc::clone(&self.counters));
        #[cfg(feature = "tls")]
        if let Some(crate::tls::Acceptor(acceptor)) = self.tls.clone() {
            let handshake = acceptor.accept(tcp);
            tokio::spawn(async move {
                let stream = match tokio::time::timeout(deadlines.tls_handshake_timeout(), handshake).await {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(error)) => {
                        Counters::bump(&counters.tls_failures);
                        return tracing::debug!(%peer, %error, "TLS handshake failed");
                    }
                    Err(_) => {
                        Counters::bump(&counters.tls_failures);
                        return tracing::debug!(%peer, "TLS handshake timed out");
                    }
                };
                http(stream, peer, service, deadlines, counters, held, watcher).await;
            });
            return;
        }
        tokio::spawn(http(tcp, peer, service, deadlines, counters, held, watcher));
    }
}

/// Serves HTTP on one connection under its deadlines.
async fn http<T, S, B>(
    io: T,
    peer: SocketAddr,
    service: S,
    deadlines: Deadlines,
    counters: Arc<Counters>,
    held: Held,
    watcher: hyper_util::server::graceful::Watcher,
) where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: Service<Request<RequestBody>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let progress = Progress::new(deadlines, Instant::now());
    let service = TowerToHyperService::new(Observe::new(service, Arc::clone(&progress), peer));
    let io = TokioIo::new(Guarded::new(io, progress, counters, held));
    let builder = auto::Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection_with_upgrades(io, service);
    if let Err(error) = watcher.watch(connection.into_owned()).await {
        tracing::debug!(%peer, %error, "connection ended with an error");
    }
}
