//! [`Ownership`]: how a client proves that the user id it joins a room
//! under is the PeerJS id it registered itself, so that nobody can take
//! another person's id in a room or make others call a peer that never
//! joined.

use std::sync::Arc;

use crate::{ClientCookies, ConnectRequest, identity::Proof};

/// The proofs a hub accepts that a rooms connection holds the PeerJS id it
/// joins under; set it with
/// [`HubBuilder::verify_user_ids`](crate::HubBuilder::verify_user_ids).
/// A join is allowed when the user id is registered with this hub's PeerJS
/// relay and either
///
/// - **the client cookie** matches: the upgrade (or Socket.IO handshake)
///   of the rooms connection and the PeerJS websocket carried the same
///   value of the client cookie, and it is one the server issued (it
///   verifies with the [`ClientCookies`] key). A browser sends its cookies
///   with both, so stock clients (socket.io-client and peerjs on a page
///   that got the cookie from this server, see
///   [`ClientCookies::set_cookie`]) pass without a change. A value the
///   server did not issue (planted in the browser by someone else, or
///   forged) proves nothing;
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
/// use lingua_signal_core::{ClientCookies, Hub, Ownership};
///
/// // The same ClientCookies (the same key) as the pages that set the cookie.
/// let cookies = ClientCookies::default();
/// let hub = Hub::builder().verify_user_ids(Ownership::default().cookies(cookies)).build();
/// let (alice, _events) = hub.connect();
/// // "alice" is no PeerJS id registered by this connection's client.
/// let refused = alice.join(&"lesson".parse()?, &"alice".parse()?).unwrap_err();
/// assert_eq!(refused.code(), "user-id-not-proven");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ownership {
    cookies: Option<ClientCookies>,
}

impl Default for Ownership {
    /// The PeerJS token, or a client cookie issued by
    /// [`ClientCookies::default`]: a key of its own, random, which no page
    /// knows; set the pages' [`ClientCookies`] with [`Ownership::cookies`].
    fn default() -> Self {
        Self { cookies: Some(ClientCookies::default()) }
    }
}

impl Ownership {
    /// Only the PeerJS token proves ownership (no cookie).
    #[must_use]
    pub fn token_only() -> Self {
        Self { cookies: None }
    }

    /// Accepts client cookies that `cookies` issued (its key and name).
    #[must_use]
    pub fn cookies(mut self, cookies: ClientCookies) -> Self {
        self.cookies = Some(cookies);
        self
    }

    /// The client cookies that count, if cookies count.
    #[must_use]
    pub fn client_cookies(&self) -> Option<&ClientCookies> {
        self.cookies.as_ref()
    }

    /// The client cookie's name, if cookies count.
    #[must_use]
    pub fn cookie_name(&self) -> Option<&str> {
        self.cookies.as_ref().map(ClientCookies::name)
    }

    pub(crate) fn proof(&self, request: &ConnectRequest) -> Proof {
        // Only a value the server issued: a planted one proves nothing.
        let cookie = self.cookies.as_ref().and_then(|cookies| cookies.find(request.cookie_headers()));
        let token = match request.transport() {
            // The PeerJS socket's own token.
            "peerjs" => request.query("token"),
            _ => request
                .auth_payload()
                .and_then(|auth| auth.get("peerToken")?.as_str())
                .or_else(|| request.query("peer_token")),
        };
        Proof { cookie: cookie.map(|c| Arc::from(c.as_str())), token: token.filter(|t| !t.is_empty()).map(Arc::from) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proofs_come_from_an_issued_cookie_and_the_peerjs_token() {
        let cookies = ClientCookies::default();
        let ownership = Ownership::default().cookies(cookies.clone());
        let issued = cookies.issue();
        let sio = ConnectRequest::new("socket.io", "GET", "/socket.io/?EIO=4")
            .header("cookie", format!("a=b; lingua_client={}", issued.as_str()))
            .auth(Some(serde_json::json!({"peerToken": "t1"})));
        let proof = ownership.proof(&sio);
        assert_eq!((proof.cookie.as_deref(), proof.token.as_deref()), (Some(issued.as_str()), Some("t1")));
        let ws = ConnectRequest::new("websocket", "GET", "/rooms?peer_token=t2");
        assert_eq!(ownership.proof(&ws).token.as_deref(), Some("t2"));
        let peer = ConnectRequest::new("peerjs", "GET", "/peerjs?key=k&id=a&token=t3&peer_token=x");
        assert_eq!(ownership.proof(&peer).token.as_deref(), Some("t3"));
        let empty = ConnectRequest::new("websocket", "GET", "/rooms?peer_token=").header("cookie", "lingua_client=");
        assert_eq!(ownership.proof(&empty), Proof::default());
        assert_eq!(Ownership::token_only().proof(&sio).cookie, None);
    }

    #[test]
    fn planted_or_foreign_cookies_prove_nothing() {
        let cookies = ClientCookies::default();
        let ownership = Ownership::default().cookies(cookies.clone());
        let foreign = ClientCookies::default().issue();
        for value in ["planted-by-mallory", foreign.as_str()] {
            let request =
                ConnectRequest::new("websocket", "GET", "/rooms").header("cookie", format!("lingua_client={value}"));
            assert_eq!(ownership.proof(&request).cookie, None, "{value}");
        }
        // Over HTTPS only the __Host- cookie counts.
        let secure = Ownership::default().cookies(cookies.clone().secure(true));
        let issued = cookies.issue();
        let plain =
            ConnectRequest::new("peerjs", "GET", "/p").header("cookie", format!("lingua_client={}", issued.as_str()));
        assert_eq!(secure.proof(&plain).cookie, None);
        let host = ConnectRequest::new("peerjs", "GET", "/p")
            .header("cookie", format!("__Host-lingua_client={}", issued.as_str()));
        assert_eq!(secure.proof(&host).cookie.as_deref(), Some(issued.as_str()));
        assert_eq!(secure.cookie_name(), Some("__Host-lingua_client"));
    }
}
