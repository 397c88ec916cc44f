//! The websocket plumbing the scenarios share, over the testing crate's
//! wire layer ([`socket`]): connecting many clients with bounded
//! concurrency, and naming the client in what goes wrong.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt, stream};
pub use lingua_signal_testing::wire::socket::Stream;
use lingua_signal_testing::wire::socket::{self, ReadBuffer};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::Error;

/// The longest any single wait for the server lasts (a handshake, a reply).
pub const WAIT: Duration = Duration::from_secs(10);

/// Connects to `url`.
///
/// # Errors
///
/// [`Error::Connect`] naming the URL, or [`Error::Timeout`].
pub async fn connect(url: &str) -> Result<Stream, Error> {
    connect_with(url, ReadBuffer::Standard).await
}

/// Connects to `url` with a 4 KiB read buffer ([`ReadBuffer::Lean`]): for
/// the scenarios that hold thousands of connections with small frames.
///
/// # Errors
///
/// As [`connect`].
pub async fn connect_lean(url: &str) -> Result<Stream, Error> {
    connect_with(url, ReadBuffer::Lean).await
}

async fn connect_with(url: &str, buffer: ReadBuffer) -> Result<Stream, Error> {
    socket::connect_within(url, buffer, WAIT).await.map_err(|e| Error::wire(url, e))
}

/// Connects to every URL, at most `concurrency` handshakes at once, and
/// returns the streams in the order of `urls`.
///
/// # Errors
///
/// The first failed connection's error.
pub async fn connect_all(urls: Vec<String>, concurrency: usize) -> Result<Vec<Stream>, Error> {
    connect_all_with(urls, concurrency, ReadBuffer::Standard).await
}

/// [`connect_all`] with [`connect_lean`]'s small read buffers.
///
/// # Errors
///
/// The first failed connection's error.
pub async fn connect_all_lean(urls: Vec<String>, concurrency: usize) -> Result<Vec<Stream>, Error> {
    connect_all_with(urls, concurrency, ReadBuffer::Lean).await
}

async fn connect_all_with(urls: Vec<String>, concurrency: usize, buffer: ReadBuffer) -> Result<Vec<Stream>, Error> {
    let connecting = stream::iter(urls.into_iter().enumerate())
        .map(|(i, url)| async move { connect_with(&url, buffer).await.map(|ws| (i, ws)) })
        .buffer_unordered(concurrency.max(1));
    let mut streams: Vec<(usize, Stream)> = connecting.try_collect().await?;
    streams.sort_by_key(|(i, _)| *i);
    Ok(streams.into_iter().map(|(_, ws)| ws).collect())
}

/// The next text frame of client `who`, or `None` once `deadline` passes
/// ([`socket::next_text`]).
///
/// # Errors
///
/// [`Error::Disconnected`] when the connection ends or breaks;
/// [`Error::Protocol`] for a binary frame.
pub async fn next_text(ws: &mut Stream, who: &str, deadline: tokio::time::Instant) -> Result<Option<Utf8Bytes>, Error> {
    socket::next_text(ws, deadline).await.map_err(|e| Error::wire(who, e))
}

/// Sends one text frame.
///
/// # Errors
///
/// [`Error::Disconnected`] when the connection is gone.
pub async fn send_text(ws: &mut Stream, who: &str, text: String) -> Result<(), Error> {
    socket::send_text(ws, text).await.map_err(|e| Error::wire(who, e))
}

/// Closes politely, without waiting long for the server's reply.
pub async fn close(mut ws: Stream) {
    socket::close(&mut ws, Duration::from_secs(2)).await;
}
