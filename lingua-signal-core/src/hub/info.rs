//! The room-info endpoint on the [`Hub`]: the size of a room before joining.

use crate::{ConnectRequest, Hub, RoomId, RoomInfo, RoomInfoReply, metrics::inc};

impl Hub {
    /// The size of `room` now: its members here plus those the backplane
    /// knows on other nodes ([`Backplane::remote_members`](crate::Backplane::remote_members)),
    /// against [`Config::members_per_room`](crate::Config::members_per_room).
    ///
    /// ```
    /// use lingua_signal_core::{Config, Hub};
    ///
    /// let hub = Hub::new(Config::default().max_members_per_room(2));
    /// let room = "lesson-1".parse()?;
    /// let (alice, _events) = hub.connect();
    /// alice.join(&room, &"alice".parse()?)?;
    /// let info = hub.room_info(&room);
    /// assert_eq!((info.members(), info.capacity(), info.is_full()), (1, 2, false));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn room_info(&self, room: &RoomId) -> RoomInfo {
        let local = self.members(room).len();
        let env = self.env();
        RoomInfo::new(local + env.backplane.remote_members(room).len(), env.config.members_per_room())
    }

    /// `GET <base>/{room}` of the room-info endpoint, for adapters: `raw` is
    /// the path segment as it came. A page of an origin the hub refuses
    /// ([`Origins`](crate::Origins), as for the websockets) gets `403`; a
    /// `raw` that is not a room id gets `400`, and nothing of it is echoed.
    #[must_use]
    pub fn room_info_reply(&self, request: &ConnectRequest, raw: &str) -> RoomInfoReply {
        if let Err(denied) = self.check_origin(request) {
            return RoomInfoReply::error(403, denied.code(), denied.reason());
        }
        if !self.take_lookup(request) {
            return RoomInfoReply::error(429, "rate-limited", "too many room lookups from this address; slow down");
        }
        match raw.parse::<RoomId>() {
            Ok(room) => RoomInfoReply::ok(self.room_info(&room)),
            Err(_) => RoomInfoReply::error(400, "invalid-room-id", "not a room id: 1-64 of A-Z a-z 0-9 - _"),
        }
    }
}

impl Hub {
    /// Counts a room-info lookup against the client's address; `false`
    /// when it is over [`Config::room_info_rate_limit`](crate::Config::room_info_rate_limit).
    fn take_lookup(&self, request: &ConnectRequest) -> bool {
        let Some(ip) = self.client_ip(request) else { return true };
        let allowed = self.inner.lookups.check(ip);
        if !allowed {
            inc(&self.metrics().refused);
        }
        allowed
    }
}

#[cfg(test)]
mod tests {
    use crate::{Config, ConnectRequest, Hub, Origins};

    fn request(origin: Option<&str>) -> ConnectRequest {
        let request = ConnectRequest::new("http", "GET", "/room-info/r").header("host", "rooms.example.org");
        match origin {
            Some(origin) => request.header("origin", origin),
            None => request,
        }
    }

    #[test]
    fn a_room_fills_up_as_members_join() {
        let hub = Hub::new(Config::default().max_members_per_room(2));
        let (a, _a) = hub.connect();
        let (b, _b) = hub.connect();
        let room = "r".parse().unwrap();
        assert_eq!(hub.room_info_reply(&request(None), "r").body, r#"{"members":0,"capacity":2,"full":false}"#);
        a.join(&room, &"a".parse().unwrap()).unwrap();
        b.join(&room, &"b".parse().unwrap()).unwrap();
        assert!(hub.room_info(&room).is_full());
        drop(b);
        assert_eq!(hub.room_info(&room).members(), 1);
    }

    #[test]
    fn a_bad_id_is_400_without_an_echo() {
        let reply = Hub::default().room_info_reply(&request(None), "<script>");
        assert_eq!(reply.status, 400);
        assert!(reply.body.contains("invalid-room-id") && !reply.body.contains("script"), "{}", reply.body);
    }

    #[test]
    fn a_refused_origin_is_403() {
        let hub = Hub::builder().origins(Origins::same_origin()).build();
        assert_eq!(hub.room_info_reply(&request(Some("https://evil.example")), "r").status, 403);
        assert_eq!(hub.room_info_reply(&request(Some("https://rooms.example.org")), "r").status, 200);
    }
}
