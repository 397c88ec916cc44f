//! The websocket under every client: the upgrade request, the handshake,
//! reading text frames against a deadline, sending, closing.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::{net::TcpStream, time::Instant};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async_with_config,
    tungstenite::{
        self, Message, Utf8Bytes,
        client::IntoClientRequest,
        handshake::client::Request,
        http::{self, HeaderName, HeaderValue},
        protocol::WebSocketConfig,
    },
};

use super::Error;

/// One client connection.
pub type Stream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How a connection buffers what it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadBuffer {
    /// tungstenite's default: 128 KiB, allocated and zero-filled up front.
    #[default]
    Standard,
    /// 4 KiB, for clients holding thousands of connections with small
    /// frames, so that their memory and CPU stay small next to the server's.
    Lean,
}

/// The upgrade request for `url` with extra headers (`Cookie`, `Origin`,
/// …), as a browser's upgrade would carry them. One value per name: a
/// `Host` given here replaces the URL's.
///
/// # Errors
///
/// `url` is no websocket URL, or a header name or value is invalid.
pub fn request(url: &str, headers: &[(&str, &str)]) -> Result<Request, tungstenite::Error> {
    let mut request = url.into_client_request()?;
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(http::Error::from)?;
        let value = HeaderValue::from_str(value).map_err(http::Error::from)?;
        request.headers_mut().insert(name, value);
    }
    Ok(request)
}

/// Performs the handshake. `TCP_NODELAY` is set, as browsers set it: with
/// Nagle on, small frames would wait for the server's delayed ACKs and the
/// latencies measured would be the client's.
///
/// # Errors
///
/// The handshake's error, e.g. an HTTP status other than 101.
pub async fn connect<R>(request: R, buffer: ReadBuffer) -> Result<Stream, tungstenite::Error>
where
    R: IntoClientRequest + Unpin,
{
    let config = match buffer {
        ReadBuffer::Standard => None,
        ReadBuffer::Lean => Some(WebSocketConfig::default().read_buffer_size(4096)),
    };
    connect_async_with_config(request, config, true).await.map(|(ws, _)| ws)
}

/// [`connect`] to `url` within `wait`.
///
/// # Errors
///
/// [`Error::Connect`] naming the URL and what went wrong ([`describe`]), or
/// [`Error::Timeout`].
pub async fn connect_within(url: &str, buffer: ReadBuffer, wait: Duration) -> Result<Stream, Error> {
    match tokio::time::timeout(wait, connect(url, buffer)).await {
        Ok(Ok(ws)) => Ok(ws),
        Ok(Err(e)) => Err(Error::Connect { url: url.to_owned(), reason: describe(&e) }),
        Err(_) => Err(Error::Timeout { what: format!("websocket handshake with {url}"), wait }),
    }
}

/// What a handshake error means for someone running a client.
#[must_use]
pub fn describe(error: &tungstenite::Error) -> String {
    match error {
        tungstenite::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused (is the server running?)".to_owned()
        }
        tungstenite::Error::Io(io) if io.raw_os_error() == Some(24) => {
            format!("{io} (raise the open-file limit: ulimit -n)")
        }
        tungstenite::Error::Http(response) => {
            format!("HTTP {} instead of a websocket upgrade (wrong path?)", response.status())
        }
        other => other.to_string(),
    }
}

/// The next text frame, skipping pings and pongs (tungstenite answers
/// pings when we next write or flush), or `None` once `deadline` passes.
/// Cancel-safe.
///
/// # Errors
///
/// [`Error::Closed`] when the connection ends or breaks (with the close
/// code and reason); [`Error::Unexpected`] for a binary frame.
pub async fn next_text(ws: &mut Stream, deadline: Instant) -> Result<Option<Utf8Bytes>, Error> {
    loop {
        let Ok(next) = tokio::time::timeout_at(deadline, ws.next()).await else { return Ok(None) };
        match next {
            Some(Ok(Message::Text(text))) => return Ok(Some(text)),
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
            Some(Ok(Message::Binary(_))) => return Err(Error::Unexpected { detail: "a binary frame".to_owned() }),
            Some(Ok(Message::Close(close))) => {
                let reason = close
                    .map_or("close frame without a code".to_owned(), |c| format!("closed {} {}", c.code, c.reason));
                return Err(Error::Closed { reason });
            }
            Some(Err(e)) => return Err(Error::Closed { reason: e.to_string() }),
            None => return Err(Error::Closed { reason: "stream ended".to_owned() }),
        }
    }
}

/// Sends one text frame (no copy of `text`).
///
/// # Errors
///
/// [`Error::Closed`] when the connection is gone.
pub async fn send_text(ws: &mut Stream, text: impl Into<Utf8Bytes>) -> Result<(), Error> {
    ws.send(Message::Text(text.into())).await.map_err(lost)
}

/// Queues one text frame without flushing, for a burst sent with one
/// flush ([`flush`]).
///
/// # Errors
///
/// [`Error::Closed`] when the connection is gone.
pub async fn feed_text(ws: &mut Stream, text: impl Into<Utf8Bytes>) -> Result<(), Error> {
    ws.feed(Message::Text(text.into())).await.map_err(lost)
}

/// Writes out what [`feed_text`] queued.
///
/// # Errors
///
/// [`Error::Closed`] when the connection is gone.
pub async fn flush(ws: &mut Stream) -> Result<(), Error> {
    ws.flush().await.map_err(lost)
}

fn lost(error: tungstenite::Error) -> Error {
    Error::Closed { reason: error.to_string() }
}

/// Sends a close frame and reads (dropping what is still in flight) until
/// the server completes the close or the connection ends; `false` when
/// that took longer than `wait`.
pub async fn close(ws: &mut Stream, wait: Duration) -> bool {
    let closing = async {
        let _ = ws.close(None).await;
        while let Some(Ok(_)) = ws.next().await {}
    };
    tokio::time::timeout(wait, closing).await.is_ok()
}
