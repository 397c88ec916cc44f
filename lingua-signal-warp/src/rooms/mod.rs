//! The rooms websocket filter and its options.

use std::time::Duration;

use lingua_signal_core::Hub;
use warp::{Filter, Rejection, Reply, ws::Ws};

use crate::protocol::{RequestError, VERSION};

mod session;

/// Timers of the rooms websocket (limits live in the hub's
/// [`Config`](lingua_signal_core::Config)).
///
/// ```
/// use std::time::Duration;
/// use lingua_signal_warp::RoomsOptions;
///
/// let options = RoomsOptions::default().ping_interval(Duration::from_secs(10)).idle_timeout(Duration::from_secs(30));
/// assert_eq!(options.idle(), Duration::from_secs(30));
/// ```
#[derive(Debug, Clone)]
pub struct RoomsOptions {
    ping_interval: Duration,
    idle_timeout: Duration,
}

impl Default for RoomsOptions {
    fn default() -> Self {
        Self { ping_interval: Duration::from_secs(25), idle_timeout: Duration::from_secs(60) }
    }
}

impl RoomsOptions {
    /// How often the server sends a WebSocket Ping. Default 25 s, below the
    /// 30–60 s after which common proxies cut idle connections.
    #[must_use]
    pub fn ping_interval(mut self, d: Duration) -> Self {
        self.ping_interval = d.max(Duration::from_millis(1));
        self
    }

    /// How long the server waits for anything from the client (a frame, a
    /// Ping, a Pong) before closing with 4408; also the longest a single
    /// write to the client may take. Default 60 s. Keep it above the ping
    /// interval plus a round trip.
    #[must_use]
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = d.max(Duration::from_millis(1));
        self
    }

    /// See [`RoomsOptions::ping_interval`].
    #[must_use]
    pub fn ping(&self) -> Duration {
        self.ping_interval
    }

    /// See [`RoomsOptions::idle_timeout`].
    #[must_use]
    pub fn idle(&self) -> Duration {
        self.idle_timeout
    }
}

/// The rooms websocket (`PROTOCOL.md`) at the current path: it matches a
/// websocket upgrade `GET` whose remaining path is empty, so mount it where
/// you want it, e.g. `warp::path("rooms").and(rooms(hub, options))`.
///
/// Membership lives in `hub`, so rooms are shared with every other adapter on
/// the same hub. Messages larger than the hub's
/// [`Config::message_bytes`](lingua_signal_core::Config::message_bytes) close
/// the connection with 1009.
///
/// Call it inside a tokio runtime: it spawns the hub's sweeper
/// ([`Hub::take_sweeper`]) unless someone already did.
pub fn rooms(hub: Hub, options: RoomsOptions) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    if let Some(task) = hub.take_sweeper() {
        tokio::spawn(task);
    }
    let max = hub.config().message_bytes();
    warp::path::end().and(warp::ws()).and(warp::query::<Vec<(String, String)>>()).map(
        move |ws: Ws, query: Vec<(String, String)>| {
            let (hub, options, version) = (hub.clone(), options.clone(), negotiate(&query));
            ws.max_message_size(max)
                .max_frame_size(max)
                .on_upgrade(move |socket| session::run(socket, hub, options, version))
        },
    )
}

/// The version asked for by the last `v` query parameter; none means 1.
fn negotiate(query: &[(String, String)]) -> Result<(), RequestError> {
    match query.iter().rev().find(|(name, _)| name == "v") {
        Some((_, v)) if *v != VERSION.to_string() => Err(RequestError::UnsupportedVersion(v.clone())),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn the_last_v_decides_and_absent_means_one() {
        assert!(negotiate(&[]).is_ok());
        assert!(negotiate(&query(&[("x", "2"), ("v", "1")])).is_ok());
        assert!(negotiate(&query(&[("v", "2"), ("v", "1")])).is_ok());
        assert_eq!(negotiate(&query(&[("v", "1"), ("v", "")])), Err(RequestError::UnsupportedVersion(String::new())));
    }
}
