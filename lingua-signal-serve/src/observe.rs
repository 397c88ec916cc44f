//! The service as hyper sees it: each request, its body and its response
//! report to the connection's [`Progress`], which picks the deadline in
//! force.

use std::{
    future::Future,
    net::SocketAddr,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use pin_project_lite::pin_project;
use tokio::time::Instant;
use tower_service::Service;

use crate::progress::{InFlight, OpenBody, Progress};

/// The body of every request a [`Server`](crate::Server) hands its service:
/// hyper's [`Incoming`], which tells the server when it has been read to
/// its end (that ends the body deadline).
///
/// Services generic over the request body (an axum `Router`,
/// `warp::service(filter)`) take it as it is.
#[derive(Debug)]
pub struct RequestBody {
    inner: Incoming,
    open: Option<OpenBody>,
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if frame.is_none() || self.inner.is_end_stream() {
            self.open = None;
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

pin_project! {
    /// A response body, holding its request in flight until hyper has
    /// written it all (or dropped it).
    #[derive(Debug)]
    pub(crate) struct ResponseBody<B> {
        #[pin]
        inner: B,
        in_flight: InFlight,
    }
}

impl<B: Body> Body for ResponseBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        self.project().inner.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The user's service, observed.
#[derive(Debug, Clone)]
pub(crate) struct Observe<S> {
    inner: S,
    progress: Arc<Progress>,
    peer: SocketAddr,
}

impl<S> Observe<S> {
    pub(crate) fn new(inner: S, progress: Arc<Progress>, peer: SocketAddr) -> Self {
        Self { inner, progress, peer }
    }
}

impl<S, B> Service<Request<Incoming>> for Observe<S>
where
    S: Service<Request<RequestBody>, Response = Response<B>>,
{
    type Response = Response<ResponseBody<B>>;
    type Error = S::Error;
    type Future = Observed<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Incoming>) -> Self::Future {
        let (in_flight, open) = self.progress.request(!request.body().is_end_stream(), Instant::now());
        let mut request = request.map(|inner| RequestBody { inner, open });
        // The client's address, for the service (the signaling adapters
        // read it for their per-address limits).
        request.extensions_mut().insert(self.peer);
        Observed { inner: self.inner.call(request), in_flight: Some(in_flight), progress: Arc::clone(&self.progress) }
    }
}

pin_project! {
    /// The service's answer to one request.
    #[derive(Debug)]
    pub(crate) struct Observed<F> {
        #[pin]
        inner: F,
        in_flight: Option<InFlight>,
        progress: Arc<Progress>,
    }
}

impl<F, B, E> Future for Observed<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        let upgrade = matches!(&result, Ok(response) if response.status() == StatusCode::SWITCHING_PROTOCOLS);
        this.progress.answered(upgrade);
        let Some(in_flight) = this.in_flight.take() else { return Poll::Pending };
        Poll::Ready(result.map(|response| response.map(|inner| ResponseBody { inner, in_flight })))
    }
}
