//! The websocket plumbing the scenarios share: connecting many clients with
//! bounded concurrency, and reading text frames with a deadline.

use std::time::Duration;

use futures::{SinkExt, StreamExt, TryStreamExt, stream};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async_with_config,
    tungstenite::{self, Message, Utf8Bytes, protocol::WebSocketConfig},
};

use crate::Error;

/// One client connection.
pub type Stream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The longest any single wait for the server lasts (a handshake, a reply).
pub const WAIT: Duration = Duration::from_secs(10);

/// Connects to `url`.
///
/// # Errors
///
/// [`Error::Connect`] naming the URL, or [`Error::Timeout`].
pub async fn connect(url: &str) -> Result<Stream, Error> {
    connect_with(url, None).await
}

/// Connects to `url` with a 4 KiB read buffer instead of tungstenite's
/// eagerly allocated and zero-filled 128 KiB: for the scenarios that hold
/// thousands of connections with small frames, so that loadgen's own memory
/// and CPU stay small next to the server's.
///
/// # Errors
///
/// As [`connect`].
pub async fn connect_lean(url: &str) -> Result<Stream, Error> {
    connect_with(url, Some(WebSocketConfig::default().read_buffer_size(4096))).await
}

async fn connect_with(url: &str, config: Option<WebSocketConfig>) -> Result<Stream, Error> {
    // TCP_NODELAY, as browsers set it: with Nagle on, small frames would
    // wait for the server's delayed ACKs and the latencies would be ours.
    match tokio::time::timeout(WAIT, connect_async_with_config(url, config, true)).await {
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(e)) => Err(Error::Connect { url: url.to_owned(), reason: describe(&e) }),
        Err(_) => Err(Error::Timeout { what: format!("websocket handshake with {url}"), wait: WAIT }),
    }
}

/// Connects to every URL, at most `concurrency` handshakes at once, and
/// returns the streams in the order of `urls`.
///
/// # Errors
///
/// The first failed connection's error.
pub async fn connect_all(urls: Vec<String>, concurrency: usize) -> Result<Vec<Stream>, Error> {
    connect_all_with(urls, concurrency, false).await
}

/// [`connect_all`] with [`connect_lean`]'s small read buffers.
///
/// # Errors
///
/// The first failed connection's error.
pub async fn connect_all_lean(urls: Vec<String>, concurrency: usize) -> Result<Vec<Stream>, Error> {
    connect_all_with(urls, concurrency, true).await
}

async fn connect_all_with(urls: Vec<String>, concurrency: usize, lean: bool) -> Result<Vec<Stream>, Error> {
    let connecting = stream::iter(urls.into_iter().enumerate())
        .map(|(i, url)| async move {
            let ws = if lean { connect_lean(&url).await } else { connect(&url).await };
            ws.map(|ws| (i, ws))
        })
        .buffer_unordered(concurrency.max(1));
    let mut streams: Vec<(usize, Stream)> = connecting.try_collect().await?;
    streams.sort_by_key(|(i, _)| *i);
    Ok(streams.into_iter().map(|(_, ws)| ws).collect())
}

/// What the handshake error means for someone running the tool.
fn describe(error: &tungstenite::Error) -> String {
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
///
/// # Errors
///
/// [`Error::Disconnected`] when the connection ends or breaks, naming `who`;
/// [`Error::Protocol`] for a binary frame.
pub async fn next_text(ws: &mut Stream, who: &str, deadline: tokio::time::Instant) -> Result<Option<Utf8Bytes>, Error> {
    loop {
        let Ok(next) = tokio::time::timeout_at(deadline, ws.next()).await else { return Ok(None) };
        match next {
            Some(Ok(Message::Text(text))) => return Ok(Some(text)),
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
            Some(Ok(Message::Binary(_))) => {
                return Err(Error::Protocol { who: who.to_owned(), detail: "a binary frame".to_owned() });
            }
            Some(Ok(Message::Close(close))) => {
                let reason = close
                    .map_or("close frame without a code".to_owned(), |c| format!("closed {} {}", c.code, c.reason));
                return Err(Error::Disconnected { who: who.to_owned(), reason });
            }
            Some(Err(e)) => return Err(Error::Disconnected { who: who.to_owned(), reason: e.to_string() }),
            None => return Err(Error::Disconnected { who: who.to_owned(), reason: "stream ended".to_owned() }),
        }
    }
}

/// Sends one text frame.
///
/// # Errors
///
/// [`Error::Disconnected`] when the connection is gone.
pub async fn send_text(ws: &mut Stream, who: &str, text: String) -> Result<(), Error> {
    ws.send(Message::text(text)).await.map_err(|e| Error::Disconnected { who: who.to_owned(), reason: e.to_string() })
}

/// Closes politely, without waiting long for the server's reply.
pub async fn close(mut ws: Stream) {
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = ws.close(None).await;
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
}
