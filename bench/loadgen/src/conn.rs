//! One rooms client over either transport ([`Transport`]): Socket.IO
//! ([`sio`]) or the raw-websocket rooms protocol ([`wsrooms`]). The
//! scenarios see the same [`Packet`]s from both.

use futures::{StreamExt, TryStreamExt, stream};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::{
    Error, Transport,
    sio::{self, Packet},
    wsrooms,
};

/// A connected client of either transport.
#[derive(Debug)]
pub enum Conn {
    /// Socket.IO.
    Sio(sio::Client),
    /// The raw-websocket rooms protocol.
    Ws(wsrooms::Client),
}

/// The websocket endpoint of a server URL for `transport`.
#[must_use]
pub fn endpoint(transport: Transport, url: &str) -> String {
    match transport {
        Transport::Socketio => sio::endpoint(url),
        Transport::Ws => wsrooms::endpoint(url),
    }
}

impl Conn {
    /// Connects to `endpoint` (from [`endpoint`]): for Socket.IO, the
    /// websocket and CONNECT; for the rooms protocol, the websocket.
    ///
    /// # Errors
    ///
    /// As [`sio::Client::connect`] and [`wsrooms::Client::connect`].
    pub async fn connect(transport: Transport, endpoint: &str, who: String) -> Result<Self, Error> {
        match transport {
            Transport::Socketio => sio::Client::connect(endpoint, who).await.map(Self::Sio),
            Transport::Ws => wsrooms::Client::connect(endpoint, who).await.map(Self::Ws),
        }
    }

    /// `join-room(room, user)`, with an acknowledgement id or not.
    ///
    /// # Errors
    ///
    /// [`Error::Disconnected`] when the connection is gone.
    pub async fn join(&mut self, room: &str, user: &str, ack: Option<u64>) -> Result<(), Error> {
        match self {
            Self::Sio(c) => c.emit("join-room", &[room, user], ack).await,
            Self::Ws(c) => c.join(room, user, ack).await,
        }
    }

    /// The next text frame, undecoded, or `None` at `deadline`. Cancel-safe:
    /// pass what it returns to [`Conn::packet`].
    ///
    /// # Errors
    ///
    /// [`Error::Disconnected`] when the connection ends.
    pub async fn recv(&mut self, deadline: Instant) -> Result<Option<Utf8Bytes>, Error> {
        match self {
            Self::Sio(c) => c.recv(deadline).await,
            Self::Ws(c) => c.recv(deadline).await,
        }
    }

    /// Acts on a frame (answers a Socket.IO ping) and returns what it
    /// carried for the scenario.
    ///
    /// # Errors
    ///
    /// [`Error::Protocol`] for a frame this client does not speak;
    /// [`Error::Disconnected`] when the server ends the session.
    pub async fn packet(&mut self, text: &str) -> Result<Option<Packet>, Error> {
        match self {
            Self::Sio(c) => c.packet(text).await,
            Self::Ws(c) => c.packet(text),
        }
    }

    /// The next packet before `deadline`, answering pings meanwhile.
    ///
    /// # Errors
    ///
    /// As [`Conn::recv`] and [`Conn::packet`].
    pub async fn next(&mut self, deadline: Instant) -> Result<Option<Packet>, Error> {
        while let Some(text) = self.recv(deadline).await? {
            if let Some(packet) = self.packet(&text).await? {
                return Ok(Some(packet));
            }
        }
        Ok(None)
    }

    /// Socket.IO pings answered (the rooms protocol has none).
    #[must_use]
    pub fn pongs(&self) -> u64 {
        match self {
            Self::Sio(c) => c.pongs,
            Self::Ws(_) => 0,
        }
    }

    /// Ends the session and closes the websocket.
    pub async fn close(self) {
        match self {
            Self::Sio(c) => c.close().await,
            Self::Ws(c) => c.close().await,
        }
    }
}

/// Connects a client per name in `whos`, client `i` to
/// `endpoints[i % endpoints.len()]`, at most `concurrency` handshakes at
/// once; in the order of `whos`.
///
/// # Errors
///
/// The first failed connection's error.
pub async fn connect_spread(
    transport: Transport,
    endpoints: &[String],
    whos: Vec<String>,
    concurrency: usize,
) -> Result<Vec<Conn>, Error> {
    let connecting = stream::iter(whos.into_iter().enumerate())
        .map(|(i, who)| async move {
            let endpoint = &endpoints[i % endpoints.len().max(1)];
            Conn::connect(transport, endpoint, who).await.map(|c| (i, c))
        })
        .buffer_unordered(concurrency.max(1));
    let mut clients: Vec<(usize, Conn)> = connecting.try_collect().await?;
    clients.sort_by_key(|(i, _)| *i);
    Ok(clients.into_iter().map(|(_, c)| c).collect())
}
