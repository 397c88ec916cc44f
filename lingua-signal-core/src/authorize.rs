//! The host's say over who connects and who joins: [`Authorizer`].

use std::{borrow::Cow, fmt, future::Future, net::IpAddr, pin::Pin};

use crate::{Identity, PeerId, RoomId};

/// A boxed future, as [`Authorizer`]'s methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the host sees of a connection request: the HTTP upgrade (or
/// Socket.IO handshake) with its method, URI and headers, and on Socket.IO
/// the handshake's `auth` payload.
#[derive(Debug, Clone, Default)]
pub struct ConnectRequest {
    transport: &'static str,
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    auth: Option<serde_json::Value>,
    remote: Option<IpAddr>,
}

impl ConnectRequest {
    /// A request over `transport` (`"socket.io"`, `"websocket"`, `"peerjs"`)
    /// with `method` and `uri` (path and query). Adapters build it.
    #[must_use]
    pub fn new(transport: &'static str, method: impl Into<String>, uri: impl Into<String>) -> Self {
        Self { transport, method: method.into(), uri: uri.into(), ..Self::default() }
    }

    /// Adds a header (names are compared case-insensitively); values that
    /// are not text are left out by adapters.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the address of the client (the TCP peer), when the server knows
    /// it.
    #[must_use]
    pub fn remote(mut self, remote: Option<IpAddr>) -> Self {
        self.remote = remote;
        self
    }

    /// The address of the client (the TCP peer: behind a reverse proxy,
    /// the proxy), if the adapter knows it.
    #[must_use]
    pub fn remote_ip(&self) -> Option<IpAddr> {
        self.remote
    }

    /// Sets the Socket.IO handshake's `auth` payload.
    #[must_use]
    pub fn auth(mut self, auth: Option<serde_json::Value>) -> Self {
        self.auth = auth;
        self
    }

    /// `"socket.io"`, `"websocket"` (the raw-websocket rooms) or `"peerjs"`.
    #[must_use]
    pub fn transport(&self) -> &'static str {
        self.transport
    }

    /// The HTTP method.
    #[must_use]
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The URI: path and query.
    #[must_use]
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The first value of the header `name`.
    #[must_use]
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The value of the cookie `name`, from the `Cookie` headers.
    #[must_use]
    pub fn cookie(&self, name: &str) -> Option<&str> {
        let cookies = self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("cookie"));
        cookies.flat_map(|(_, v)| v.split(';')).find_map(|pair| {
            let (n, v) = pair.trim().split_once('=')?;
            (n == name).then_some(v)
        })
    }

    /// Every `Cookie` header's value, as sent.
    pub fn cookie_headers(&self) -> impl Iterator<Item = &str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("cookie")).map(|(_, v)| v.as_str())
    }

    /// The value of the query parameter `name` (the last one if repeated),
    /// as sent: not percent-decoded.
    #[must_use]
    pub fn query(&self, name: &str) -> Option<&str> {
        let query = self.uri.split_once('?')?.1;
        query.split('&').rev().filter_map(|pair| pair.split_once('=')).find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The Socket.IO handshake's `auth` payload.
    #[must_use]
    pub fn auth_payload(&self) -> Option<&serde_json::Value> {
        self.auth.as_ref()
    }
}

/// A refusal by the host: a stable code for programs and a reason for
/// people. Nothing changes for a refused connection or join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    code: Cow<'static, str>,
    reason: String,
}

impl Denied {
    /// A refusal with `code` (e.g. `"not-invited"`, `"room-closed"`) and
    /// `reason`.
    #[must_use]
    pub fn new(code: impl Into<Cow<'static, str>>, reason: impl Into<String>) -> Self {
        Self { code: code.into(), reason: reason.into() }
    }

    /// The refusal of a connection without valid credentials: code
    /// `"unauthorized"`.
    #[must_use]
    pub fn unauthorized(reason: impl Into<String>) -> Self {
        Self::new("unauthorized", reason)
    }

    /// The code.
    #[must_use]
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The reason.
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The refusal as the servers send it to the client: `"{code}:
    /// {reason}"`, the body of a 403, the `msg` of a PeerJS `ERROR` frame and
    /// the message of a Socket.IO `connect_error`.
    #[must_use]
    pub fn wire_text(&self) -> String {
        format!("{}: {}", self.code, self.reason)
    }
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for Denied {}

/// The host's consent to a join, with the room's capacity for this join.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grant {
    capacity: Option<usize>,
}

impl Grant {
    /// Allowed, within [`Config::members_per_room`](crate::Config::members_per_room).
    #[must_use]
    pub fn allow() -> Self {
        Self::default()
    }

    /// Allowed while the room holds fewer than `members` (a lesson of 2
    /// next to a class of 8). The hub's own limit still applies.
    #[must_use]
    pub fn with_capacity(members: usize) -> Self {
        Self { capacity: Some(members) }
    }

    /// The capacity set, if any.
    #[must_use]
    pub fn capacity(&self) -> Option<usize> {
        self.capacity
    }
}

/// The host's hook: asked when a connection opens (rooms over Socket.IO or
/// the raw websocket, and PeerJS sockets) and again on every join. Set it
/// with [`HubBuilder::authorizer`](crate::HubBuilder::authorizer); without
/// one, everyone may connect (as [`Identity::anonymous`]) and join.
///
/// ```
/// use lingua_signal_core::{
///     Authorizer, BoxFuture, ConnectRequest, Denied, Grant, Hub, Identity, PeerId, RoomId,
/// };
///
/// struct Secret(String);
///
/// impl Authorizer for Secret {
///     fn connect<'a>(&'a self, request: &'a ConnectRequest) -> BoxFuture<'a, Result<Identity, Denied>> {
///         let token = request.query("token").or_else(|| request.auth_payload()?.get("token")?.as_str());
///         let ok = token == Some(self.0.as_str());
///         Box::pin(async move { if ok { Ok(Identity::new("member")) } else { Err(Denied::unauthorized("bad token")) } })
///     }
///
///     fn join<'a>(&'a self, _who: &'a Identity, room: &'a RoomId, _user: &'a PeerId) -> BoxFuture<'a, Result<Grant, Denied>> {
///         let lesson = room.as_str().starts_with("lesson-");
///         Box::pin(async move { Ok(if lesson { Grant::with_capacity(2) } else { Grant::allow() }) })
///     }
/// }
///
/// let hub = Hub::builder().authorizer(Secret("s3cret".into())).build();
/// # let _ = hub;
/// ```
pub trait Authorizer: Send + Sync + 'static {
    /// Who the connection is, or why it may not connect.
    fn connect<'a>(&'a self, request: &'a ConnectRequest) -> BoxFuture<'a, Result<Identity, Denied>>;

    /// Whether `identity` may join `room` as `user`, and with which room
    /// capacity. Default: allowed.
    fn join<'a>(
        &'a self,
        identity: &'a Identity,
        room: &'a RoomId,
        user: &'a PeerId,
    ) -> BoxFuture<'a, Result<Grant, Denied>> {
        let _ = (identity, room, user);
        Box::pin(std::future::ready(Ok(Grant::allow())))
    }
}

/// The authorizer of a hub without one: everyone connects as
/// [`Identity::anonymous`] and may join.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllowAll;

impl Authorizer for AllowAll {
    fn connect<'a>(&'a self, _request: &'a ConnectRequest) -> BoxFuture<'a, Result<Identity, Denied>> {
        Box::pin(std::future::ready(Ok(Identity::anonymous())))
    }
}

/// The authorizer of a deployment with one shared secret: a connection must
/// show it, as the Socket.IO handshake's `auth.token` or as a `token` query
/// parameter (the raw websocket, PeerJS); everyone who does connects as
/// `Identity::new("token")` and may join any room. Refusals are
/// `unauthorized`.
///
/// On a PeerJS socket `token` is also the PeerJS client's own token, which
/// lets a client with the same id and token take a registration over; pages
/// that share one secret should give each peer an id of its own (the stock
/// client's default).
#[derive(Clone)]
pub struct SharedSecret {
    secret: String,
}

impl SharedSecret {
    /// Requires `secret`.
    #[must_use]
    pub fn new(secret: impl Into<String>) -> Self {
        Self { secret: secret.into() }
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedSecret(..)")
    }
}

impl Authorizer for SharedSecret {
    fn connect<'a>(&'a self, request: &'a ConnectRequest) -> BoxFuture<'a, Result<Identity, Denied>> {
        let shown = request.query("token").or_else(|| request.auth_payload()?.get("token")?.as_str());
        let verdict = match shown {
            Some(token) if same(token.as_bytes(), self.secret.as_bytes()) => Ok(Identity::new("token")),
            Some(_) => Err(Denied::unauthorized("the token is wrong")),
            None => Err(Denied::unauthorized("a token is needed")),
        };
        Box::pin(std::future::ready(verdict))
    }
}

/// Compares in a time that depends on the lengths only, not on where the
/// first difference is.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_code_then_reason_on_the_wire() {
        let denied = Denied::new("room-closed", "the lesson is over");
        assert_eq!(denied.wire_text(), "room-closed: the lesson is over");
        assert_eq!(denied.to_string(), "the lesson is over");
    }

    #[tokio::test]
    async fn a_shared_secret_is_shown_in_the_query_or_the_auth_payload() {
        let gate = SharedSecret::new("s3cret");
        let query = ConnectRequest::new("websocket", "GET", "/rooms?token=s3cret");
        assert_eq!(gate.connect(&query).await.unwrap().label(), "token");
        let auth =
            ConnectRequest::new("socket.io", "GET", "/socket.io/").auth(Some(serde_json::json!({"token": "s3cret"})));
        assert!(gate.connect(&auth).await.is_ok());
        for uri in ["/rooms", "/rooms?token=s3cre", "/rooms?token=s3cretx"] {
            let denied = gate.connect(&ConnectRequest::new("websocket", "GET", uri)).await.unwrap_err();
            assert_eq!(denied.code(), "unauthorized", "{uri}");
        }
    }

    #[test]
    fn headers_cookies_and_query_are_read_as_sent() {
        let request = ConnectRequest::new("websocket", "GET", "/rooms?v=1&token=a%20b&token=t2")
            .header("Cookie", "theme=dark; session=abc")
            .header("X-Forwarded-For", "10.0.0.1");
        assert_eq!(request.query("token"), Some("t2"));
        assert_eq!(request.query("v"), Some("1"));
        assert_eq!(request.query("none"), None);
        assert_eq!(request.cookie("session"), Some("abc"));
        assert_eq!(request.header_value("x-forwarded-for"), Some("10.0.0.1"));
        assert_eq!((request.method(), request.transport()), ("GET", "websocket"));
    }
}
