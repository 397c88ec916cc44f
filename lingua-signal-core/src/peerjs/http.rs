//! The HTTP side of the PeerJS server (protocol §3.1): which path is which
//! route, and the answers of the plain HTTP routes.

use crate::Hub;

use super::PeerJsOptions;

/// The reference's `app.json`, byte for byte.
const INFO: &str = r#"{"name":"PeerJS Server","description":"A server side element to broker connections between PeerJS clients.","website":"https://peerjs.com/"}"#;

/// A PeerJS route, for the mount path `P`:
///
/// | request path | route |
/// |---|---|
/// | `P`, with or without its trailing `/` | [`Route::Info`] |
/// | `P{key}/id`, any key segment | [`Route::Id`] |
/// | `P{key}/peers`, any key segment | [`Route::Peers`] |
/// | `P` + `peerjs`, exactly (no trailing `/`) | [`Route::WebSocket`] |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Route {
    /// The server's info JSON.
    Info,
    /// A fresh id.
    Id,
    /// The registered ids, with discovery on.
    Peers,
    /// The signaling websocket.
    WebSocket,
}

impl Route {
    /// The route of an absolute request path under `options`' mount path,
    /// if any.
    #[must_use]
    pub fn of(path: &str, options: &PeerJsOptions) -> Option<Self> {
        let mount = options.mount_path();
        if path == mount || (path.len() > 1 && path == mount.trim_end_matches('/')) {
            return Some(Self::Info);
        }
        let rest = path.strip_prefix(mount)?;
        if rest == "peerjs" {
            return Some(Self::WebSocket);
        }
        match rest.split_once('/') {
            Some((key, "id")) if !key.is_empty() => Some(Self::Id),
            Some((key, "peers")) if !key.is_empty() => Some(Self::Peers),
            _ => None,
        }
    }
}

/// An HTTP answer, for the adapter to put in its framework's response type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: String) -> Self {
        Self { status, content_type, body }
    }

    /// The answer to `GET` (or `HEAD`) on an HTTP route; `None` for
    /// [`Route::WebSocket`], which only answers an upgrade.
    #[must_use]
    pub fn to(route: Route, hub: &Hub, options: &PeerJsOptions) -> Option<Self> {
        Some(match route {
            Route::Info => Self::new(200, "application/json; charset=utf-8", INFO.to_owned()),
            // The client uses the body verbatim: nothing may follow the id.
            // The key segment is not checked, as in the reference.
            Route::Id => {
                let id = hub.generate_peer_id();
                tracing::debug!(peer = %id, "handed out a peer id");
                Self::new(200, "text/html; charset=utf-8", id.as_str().to_owned())
            }
            Route::Peers if !options.discovery() => {
                Self::new(401, "text/plain; charset=utf-8", "Unauthorized".to_owned())
            }
            Route::Peers => {
                let ids = serde_json::Value::from(hub.peer_ids().iter().map(|id| id.as_str()).collect::<Vec<_>>());
                Self::new(200, "application/json", ids.to_string())
            }
            Route::WebSocket => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_routes_under_the_mount_path() {
        let at = |mount: &str, path: &str| Route::of(path, &PeerJsOptions::default().path(mount));
        assert_eq!(at("/peerjs", "/peerjs"), Some(Route::Info));
        assert_eq!(at("/peerjs", "/peerjs/"), Some(Route::Info));
        assert_eq!(at("/peerjs", "/peerjs/k/id"), Some(Route::Id));
        assert_eq!(at("/peerjs", "/peerjs/k/peers"), Some(Route::Peers));
        assert_eq!(at("/peerjs", "/peerjs/peerjs"), Some(Route::WebSocket));
        for other in ["/peerjs/peerjs/", "/peerjs//id", "/peerjs/k", "/peerjs/k/id/x", "/peerjsx", "/", "/other"] {
            assert_eq!(at("/peerjs", other), None, "{other}");
        }
        assert_eq!(at("/", "/"), Some(Route::Info));
        assert_eq!(at("/", "/peerjs"), Some(Route::WebSocket));
        assert_eq!(at("/", "/peerjs/id"), Some(Route::Id));
        assert_eq!(at("/", ""), None);
    }

    #[test]
    fn peers_are_401_without_discovery() {
        let hub = Hub::default();
        let reply = Reply::to(Route::Peers, &hub, &PeerJsOptions::default());
        assert_eq!(reply.map(|r| (r.status, r.body)), Some((401, "Unauthorized".to_owned())));
        let open = PeerJsOptions::default().allow_discovery(true);
        assert_eq!(Reply::to(Route::Peers, &hub, &open).map(|r| r.body), Some("[]".to_owned()));
        assert_eq!(Reply::to(Route::WebSocket, &hub, &open), None);
    }
}
