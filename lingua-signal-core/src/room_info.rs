//! [`RoomInfo`]: what a page may learn of a room before it joins, so that it
//! can show the room's size, or say "room full", before asking for the
//! camera. [`Hub::room_info_reply`](crate::Hub::room_info_reply) is the HTTP
//! endpoint without its framework: each adapter only routes to it.

use serde::Serialize;

/// A room's size against its capacity, as `{"members": n, "capacity": c,
/// "full": bool}` in JSON.
///
/// `capacity` is the hub's [`Config::max_members_per_room`](crate::Config::max_members_per_room);
/// an [`Authorizer`](crate::Authorizer) that sets a smaller capacity per join
/// ([`Grant::with_capacity`](crate::Grant::with_capacity)) decides that at the
/// join itself, which remains the one authority on who gets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RoomInfo {
    members: usize,
    capacity: usize,
    full: bool,
}

impl RoomInfo {
    /// `members` (on every node) in a room that holds `capacity`.
    #[must_use]
    pub fn new(members: usize, capacity: usize) -> Self {
        // Full means the next join would be refused with `room-full`.
        Self { members, capacity, full: members >= capacity }
    }

    /// Members now, on this node and (through the backplane) on the others.
    #[must_use]
    pub fn members(&self) -> usize {
        self.members
    }

    /// The most members the room takes.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Whether a join now would be refused as `room-full`.
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.full
    }
}

/// An HTTP answer of the room-info endpoint: a status and a JSON body
/// (`Content-Type: application/json`, `Cache-Control: no-store`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomInfoReply {
    /// `200`, `400` (not a room id), `403` (an `Origin` the hub refuses) or
    /// `429` (the client address is over
    /// [`Config::room_info_rate_limit`](crate::Config::room_info_rate_limit)).
    pub status: u16,
    /// [`RoomInfo`] or `{"error": {"code": …, "message": …}}`.
    pub body: String,
}

impl RoomInfoReply {
    /// The `Content-Type` of every reply.
    pub const CONTENT_TYPE: &'static str = "application/json";

    pub(crate) fn ok(info: RoomInfo) -> Self {
        Self { status: 200, body: serde_json::to_string(&info).unwrap_or_default() }
    }

    pub(crate) fn error(status: u16, code: &str, message: &str) -> Self {
        let body = serde_json::json!({ "error": { "code": code, "message": message } });
        Self { status, body: body.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_means_the_next_join_is_refused() {
        assert!(!RoomInfo::new(1, 2).is_full());
        assert!(RoomInfo::new(2, 2).is_full());
        let json = serde_json::to_value(RoomInfo::new(2, 2)).unwrap();
        assert_eq!(json, serde_json::json!({ "members": 2, "capacity": 2, "full": true }));
    }
}
