//! [`RoomsLayer`]: socketioxide's layer behind the hub's origin check, so
//! that a page of a refused origin gets `403 Forbidden` before any
//! Engine.IO handshake or websocket upgrade.

use std::{
    fmt,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use axum::{
    extract::OriginalUri,
    http::{HeaderValue, Request, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use lingua_signal_core::{ConnectRequest, Denied, Hub};
use socketioxide::{layer::SocketIoLayer, service::SocketIoService};
use tower::{Layer, Service};

/// The Socket.IO layer of a [`Signaling`](crate::Signaling): answers the
/// rooms under its path, after checking the `Origin` of each request
/// against the hub's [`Origins`](lingua_signal_core::Origins).
#[derive(Clone)]
pub struct RoomsLayer {
    socketio: SocketIoLayer,
    hub: Hub,
    path: Arc<str>,
}

impl fmt::Debug for RoomsLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoomsLayer").field("path", &self.path).field("origins", self.hub.origins()).finish()
    }
}

impl RoomsLayer {
    pub(crate) fn new(socketio: SocketIoLayer, hub: Hub, path: &str) -> Self {
        // Everything below the path, and not the path's look-alikes
        // ("/socket.io-x").
        let path = format!("{}/", path.trim_end_matches('/'));
        Self { socketio, hub, path: Arc::from(path) }
    }
}

impl<S: Clone> Layer<S> for RoomsLayer {
    type Service = OriginGate<SocketIoService<S>>;

    fn layer(&self, inner: S) -> Self::Service {
        OriginGate { inner: self.socketio.layer(inner), hub: self.hub.clone(), path: self.path.clone() }
    }
}

/// The service of a [`RoomsLayer`].
#[derive(Clone)]
pub struct OriginGate<S> {
    inner: S,
    hub: Hub,
    path: Arc<str>,
}

impl<S> fmt::Debug for OriginGate<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginGate").field("path", &self.path).finish_non_exhaustive()
    }
}

impl<S, B> Service<Request<B>> for OriginGate<S>
where
    S: Service<Request<B>>,
    S::Response: IntoResponse,
    S::Error: Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        if request.uri().path().starts_with(&*self.path) {
            detach(&mut request);
            if let Err(denied) = self.check_origin(&request) {
                let refusal = (StatusCode::FORBIDDEN, denied.wire_text()).into_response();
                return Box::pin(std::future::ready(Ok(refusal)));
            }
        }
        let answer = self.inner.call(request);
        Box::pin(async move { answer.await.map(IntoResponse::into_response) })
    }
}

impl<S> OriginGate<S> {
    /// The hub's origin policy applied to a Socket.IO request: its `Host`,
    /// and its `Origin` if any (a request without one is not from another
    /// site's page).
    fn check_origin<B>(&self, request: &Request<B>) -> Result<(), Denied> {
        let mut check = ConnectRequest::new("socket.io", request.method().as_str(), request.uri().to_string());
        if let Some(origin) = request.headers().get(header::ORIGIN) {
            // An Origin that is not text matches no allowed origin.
            check = check.header("origin", origin.to_str().unwrap_or("\u{fffd}"));
        }
        if let Some(host) = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()) {
            check = check.header("host", host);
        }
        self.hub.check_origin(&check)
    }
}

/// Gives the request's URI and header values their own allocations.
///
/// hyper parses them as slices of its HTTP/1 read buffer (8–16 KiB), and
/// socketioxide keeps every socket's request parts for its whole life: so
/// each Socket.IO connection held that whole buffer, half of its memory
/// (heaptrack, `loadgen hold`). Copied, the few hundred bytes they are.
fn detach<B>(request: &mut Request<B>) {
    let headers = request.headers_mut();
    for value in headers.values_mut() {
        if let Ok(copy) = HeaderValue::from_bytes(value.as_bytes()) {
            let sensitive = value.is_sensitive();
            *value = copy;
            value.set_sensitive(sensitive);
        }
    }
    if let Ok(uri) = Uri::try_from(request.uri().to_string()) {
        *request.uri_mut() = uri.clone();
        // The Router's copy of the URI, kept with the parts too.
        if let Some(original) = request.extensions_mut().get_mut::<OriginalUri>() {
            original.0 = uri;
        }
    }
}
