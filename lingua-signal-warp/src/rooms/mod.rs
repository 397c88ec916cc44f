//! The rooms websocket filter (`PROTOCOL.md`).

use std::time::Duration;

use futures::future;
use lingua_signal_core::{ConnectRequest, Hub};
use warp::{Filter, Reply, filters::BoxedFilter, path::FullPath, reply::Response};

use crate::protocol::{RequestError, SUPPORTED_VERSIONS};

mod session;

/// The rooms websocket's settings, from the
/// [`SignalingBuilder`](crate::SignalingBuilder).
#[derive(Debug, Clone)]
pub(crate) struct RoomsSettings {
    pub(crate) path: String,
    pub(crate) ping_interval: Duration,
    pub(crate) ping_timeout: Duration,
    pub(crate) max_message_bytes: usize,
    pub(crate) close_grace: Duration,
}

impl RoomsSettings {
    /// How long the server waits for anything from the client (a frame, a
    /// Ping, a Pong) before closing with 4408; also the longest a single
    /// write to the client may take.
    pub(crate) fn idle(&self) -> Duration {
        self.ping_interval + self.ping_timeout
    }
}

/// The rooms websocket at exactly `settings.path`, on `hub`.
pub(crate) fn filter(hub: Hub, settings: RoomsSettings) -> BoxedFilter<(Response,)> {
    let path = settings.path.clone();
    let at_path = warp::path::full()
        .and_then(move |full: FullPath| {
            future::ready(if full.as_str() == path { Ok(()) } else { Err(warp::reject::not_found()) })
        })
        .untuple_one();
    at_path
        .and(crate::ws::upgrade())
        .and(warp::query::<Vec<(String, String)>>())
        .and(crate::connect_request("websocket"))
        .map(move |upgrade: crate::ws::Upgrade, query: Vec<(String, String)>, request: ConnectRequest| {
            if let Err(denied) = hub.check_origin(&request) {
                return warp::reply::with_status(denied.wire_text(), warp::http::StatusCode::FORBIDDEN).into_response();
            }
            crate::spawn_sweeper(&hub);
            let (hub, settings, version) = (hub.clone(), settings.clone(), negotiate(&query));
            let max = settings.max_message_bytes;
            upgrade.max_message_bytes(max).reply(move |socket| session::run(socket, hub, settings, version, request))
        })
        .boxed()
}

/// The version asked for by the last `v` query parameter; none means 1.
fn negotiate(query: &[(String, String)]) -> Result<u32, RequestError> {
    match query.iter().rev().find(|(name, _)| name == "v") {
        None => Ok(1),
        // Only the canonical spelling: `02` or `+2` is not a version.
        Some((_, v)) => (v.parse().ok())
            .filter(|n: &u32| n.to_string() == *v && SUPPORTED_VERSIONS.contains(n))
            .ok_or_else(|| RequestError::UnsupportedVersion(v.clone())),
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
        assert_eq!(negotiate(&[]), Ok(1));
        assert_eq!(negotiate(&query(&[("x", "2"), ("v", "1")])), Ok(1));
        assert_eq!(negotiate(&query(&[("v", "3"), ("v", "2")])), Ok(2));
        assert_eq!(negotiate(&query(&[("v", "1"), ("v", "")])), Err(RequestError::UnsupportedVersion(String::new())));
        assert_eq!(negotiate(&query(&[("v", "02")])), Err(RequestError::UnsupportedVersion("02".to_owned())));
        assert_eq!(negotiate(&query(&[("v", "3")])), Err(RequestError::UnsupportedVersion("3".to_owned())));
    }
}
