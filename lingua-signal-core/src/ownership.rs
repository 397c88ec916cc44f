//! [`Ownership`]: how a client proves that the user id it joins a room
//! under is the PeerJS id it registered itself, so that nobody can take
//! another person's id in a room or make others call a peer that never
//! joined.

use std::{borrow::Cow, sync::Arc};

use crate::{ConnectRequest, identity::Proof};

/// The cookie name [`Ownership::default`] reads.
pub const CLIENT_COOKIE: &str = "lingua_client";

/// The proofs a hub accepts that a rooms connection holds the PeerJS id it
/// joins under; set it with
/// [`HubBuilder::verify_user_ids`](crate::HubBuilder::verify_user_ids).
/// A join is allowed when the user id is registered with this hub's PeerJS
/// relay and either
///
/// - **the client cookie** matches: the upgrade (or Socket.IO handshake)
///   of the rooms connection and the PeerJS websocket carried the same
///   value of the cookie named here. A browser sends its cookies with both,
///   so stock clients (socket.io-client and peerjs on a page that got the
///   cookie from this server, see [`client_cookie`]) pass without a change;
/// - or **the PeerJS token** matches: the rooms connection showed the token
///   its PeerJS client registered with, as the `peerToken` field of the
///   Socket.IO `auth` payload or the `peer_token` query parameter of the
///   raw websocket. For clients without cookies (programs, pages on another
///   site).
///
/// Otherwise the join fails with
/// [`JoinError::UserIdNotProven`](crate::JoinError::UserIdNotProven).
///
/// ```
/// use lingua_signal_core::{Hub, Ownership};
///
/// let hub = Hub::builder().verify_user_ids(Ownership::default()).build();
/// let (alice, _events) = hub.connect();
/// // "alice" is no PeerJS id registered by this connection's client.
/// let refused = alice.join(&"lesson".parse()?, &"alice".parse()?).unwrap_err();
/// assert_eq!(refused.code(), "user-id-not-proven");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ownership {
    cookie: Option<Cow<'static, str>>,
}

impl Default for Ownership {
    /// The PeerJS token, or the cookie [`CLIENT_COOKIE`].
    fn default() -> Self {
        Self { cookie: Some(Cow::Borrowed(CLIENT_COOKIE)) }
    }
}

impl Ownership {
    /// Only the PeerJS token proves ownership (no cookie).
    #[must_use]
    pub fn token_only() -> Self {
        Self { cookie: None }
    }

    /// Reads the client cookie under `name` instead of [`CLIENT_COOKIE`].
    #[must_use]
    pub fn cookie(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.cookie = Some(name.into());
        self
    }

    /// The client cookie's name, if cookies count.
    #[must_use]
    pub fn cookie_name(&self) -> Option<&str> {
        self.cookie.as_deref()
    }

    pub(crate) fn proof(&self, request: &ConnectRequest) -> Proof {
        let cookie = self.cookie.as_deref().and_then(|name| request.cookie(name)).filter(|v| !v.is_empty());
        let token = match request.transport() {
            // The PeerJS socket's own token.
            "peerjs" => request.query("token"),
            _ => request
                .auth_payload()
                .and_then(|auth| auth.get("peerToken")?.as_str())
                .or_else(|| request.query("peer_token")),
        };
        Proof { cookie: cookie.map(Arc::from), token: token.filter(|t| !t.is_empty()).map(Arc::from) }
    }
}

/// A `Set-Cookie` header value that gives a browser a fresh, random client
/// cookie named `name` for the whole site: `HttpOnly` (page scripts never
/// see it), `SameSite=Lax`, `Path=/`, for the browser session. Serve it
/// with the room page (and any script a page loads from this server before
/// it connects, such as `/socket.io/socket.io.js`) when the request has no
/// such cookie yet; add `; Secure` behind HTTPS.
///
/// ```
/// let header = lingua_signal_core::client_cookie("lingua_client");
/// assert!(header.starts_with("lingua_client="));
/// assert!(header.ends_with("; Path=/; HttpOnly; SameSite=Lax"));
/// ```
#[must_use]
pub fn client_cookie(name: &str) -> String {
    format!("{name}={}; Path=/; HttpOnly; SameSite=Lax", uuid::Uuid::new_v4().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proofs_come_from_the_cookie_and_the_peerjs_token() {
        let ownership = Ownership::default();
        let sio = ConnectRequest::new("socket.io", "GET", "/socket.io/?EIO=4")
            .header("cookie", "a=b; lingua_client=c1")
            .auth(Some(serde_json::json!({"peerToken": "t1"})));
        let proof = ownership.proof(&sio);
        assert_eq!((proof.cookie.as_deref(), proof.token.as_deref()), (Some("c1"), Some("t1")));
        let ws = ConnectRequest::new("websocket", "GET", "/rooms?peer_token=t2");
        assert_eq!(ownership.proof(&ws).token.as_deref(), Some("t2"));
        let peer = ConnectRequest::new("peerjs", "GET", "/peerjs?key=k&id=a&token=t3&peer_token=x");
        assert_eq!(ownership.proof(&peer).token.as_deref(), Some("t3"));
        let empty = ConnectRequest::new("websocket", "GET", "/rooms?peer_token=").header("cookie", "lingua_client=");
        assert_eq!(ownership.proof(&empty), Proof::default());
        assert_eq!(Ownership::token_only().proof(&sio).cookie, None);
    }

    #[test]
    fn client_cookies_are_fresh() {
        assert_ne!(client_cookie("c"), client_cookie("c"));
    }
}
