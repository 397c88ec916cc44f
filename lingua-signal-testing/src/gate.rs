//! [`Gate`]: the host authorizer the adapters' hook tests share.

use lingua_signal_core::{Authorizer, BoxFuture, ConnectRequest, Denied, Grant, Identity, PeerId, RoomId};

/// The token a connection must show: Socket.IO `auth: { token }`, or
/// `?token=` on the raw websocket and the PeerJS socket.
pub const TOKEN: &str = "letmein";

/// A token [`Gate`] knows and refuses with the code `banned` (not
/// `unauthorized`).
pub const BANNED: &str = "banned";

/// A host policy for tests:
///
/// - connections need [`TOKEN`] (refused otherwise with `unauthorized`, or
///   `banned` for [`BANNED`]); the identity's label is `member` plus the
///   `name` query parameter or `auth.name`, if any (`member:ana`);
/// - rooms named `closed-…` refuse every join with `room-closed`;
/// - rooms named `pair-…` hold two members.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gate;

impl Authorizer for Gate {
    fn connect<'a>(&'a self, request: &'a ConnectRequest) -> BoxFuture<'a, Result<Identity, Denied>> {
        let auth = request.auth_payload();
        let token = request.query("token").or_else(|| auth?.get("token")?.as_str());
        let name = request.query("name").or_else(|| auth?.get("name")?.as_str());
        let verdict = match token {
            Some(TOKEN) => Ok(Identity::new(name.map_or_else(|| "member".to_owned(), |n| format!("member:{n}")))),
            Some(BANNED) => Err(Denied::new("banned", "this token is banned")),
            _ => Err(Denied::unauthorized("a valid token is needed")),
        };
        Box::pin(std::future::ready(verdict))
    }

    fn join<'a>(
        &'a self,
        _who: &'a Identity,
        room: &'a RoomId,
        _user: &'a PeerId,
    ) -> BoxFuture<'a, Result<Grant, Denied>> {
        let verdict = match room.as_str() {
            r if r.starts_with("closed-") => Err(Denied::new("room-closed", "this room is closed")),
            r if r.starts_with("pair-") => Ok(Grant::with_capacity(2)),
            _ => Ok(Grant::allow()),
        };
        Box::pin(std::future::ready(verdict))
    }
}
