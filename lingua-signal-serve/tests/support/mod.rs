//! The tiny service the suites serve: just enough HTTP to put a connection
//! in each of its states, written against the server's API alone (no
//! framework), so that what the suites prove is the server's doing.
//!
//! - `GET /healthz`: `200 ok` (what `lingua_signal_testing::deadline`'s
//!   checks ask for);
//! - `GET /slow`: `200 ok` after 1 s, a service slower than the short
//!   header deadline;
//! - `POST /echo`: reads the whole body, then answers it back;
//! - `GET /ws`: a websocket upgrade; the websocket echoes text and binary
//!   messages;
//! - `GET /stats`: the server's [`Stats`], one `name value` per line, for a
//!   server in another process;
//! - anything else: `404`.

use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use lingua_signal_serve::{RequestBody, Server, Stats};
use tokio_tungstenite::{
    WebSocketStream,
    tungstenite::{handshake::derive_accept_key, protocol::Role},
};

/// The service; holds a clone of its server for `/stats`.
#[derive(Debug, Clone)]
pub(crate) struct Tiny {
    server: Server,
}

impl Tiny {
    /// The service for `server` (whose counters `/stats` shows).
    pub(crate) fn new(server: &Server) -> Self {
        Self { server: server.clone() }
    }
}

type Answer = Response<Full<Bytes>>;

impl tower_service::Service<Request<RequestBody>> for Tiny {
    type Response = Answer;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Answer, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<RequestBody>) -> Self::Future {
        let stats = self.server.stats();
        Box::pin(async move { Ok(route(request, stats).await) })
    }
}

async fn route(request: Request<RequestBody>, stats: Stats) -> Answer {
    match (request.method(), request.uri().path()) {
        (&Method::GET, "/healthz") => answer(StatusCode::OK, "ok"),
        (&Method::GET, "/slow") => {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            answer(StatusCode::OK, "ok")
        }
        (&Method::POST, "/echo") => match request.into_body().collect().await {
            Ok(body) => answer(StatusCode::OK, body.to_bytes()),
            Err(_) => answer(StatusCode::BAD_REQUEST, "the body did not arrive"),
        },
        (&Method::GET, "/ws") => upgrade(request),
        (&Method::GET, "/stats") => answer(StatusCode::OK, render(&stats)),
        _ => answer(StatusCode::NOT_FOUND, "no such route"),
    }
}

fn answer(status: StatusCode, body: impl Into<Bytes>) -> Answer {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
}

/// Answers `101` and echoes on the upgraded connection, which hyper hands
/// over once the `101` is written.
fn upgrade(mut request: Request<RequestBody>) -> Answer {
    let Some(key) = request.headers().get(header::SEC_WEBSOCKET_KEY) else {
        return answer(StatusCode::BAD_REQUEST, "not a websocket upgrade");
    };
    let accept = derive_accept_key(key.as_bytes());
    let upgrading = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        let Ok(upgraded) = upgrading.await else { return };
        let mut ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        while let Some(Ok(message)) = ws.next().await {
            if (message.is_text() || message.is_binary()) && ws.send(message).await.is_err() {
                return;
            }
        }
    });
    let mut response = answer(StatusCode::SWITCHING_PROTOCOLS, Bytes::new());
    let headers = response.headers_mut();
    headers.insert(header::UPGRADE, header::HeaderValue::from_static("websocket"));
    headers.insert(header::CONNECTION, header::HeaderValue::from_static("upgrade"));
    headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept.parse().expect("a base64 header value"));
    response
}

/// `name value` per line.
fn render(stats: &Stats) -> String {
    format!(
        "accepted {}\nopen {}\nrefused_per_ip {}\naccept_errors {}\nheader_timeouts {}\nidle_timeouts {}\n\
         body_timeouts {}\ntls_failures {}\n",
        stats.accepted,
        stats.open,
        stats.refused_per_ip,
        stats.accept_errors,
        stats.header_timeouts,
        stats.idle_timeouts,
        stats.body_timeouts,
        stats.tls_failures,
    )
}
