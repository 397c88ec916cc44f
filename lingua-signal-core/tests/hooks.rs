//! What a host gets: authorization of connections and joins, room events for
//! server code, presence, and application messages between members.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use lingua_signal_core::{
    Activity, Authorizer, BoxFuture, CloseReason, Config, ConnectRequest, Data, Denied, Event, Grant, Hub, Identity,
    Inbox, JoinError, MessageError, PeerId, RoomEvent, RoomId,
};

fn room(s: &str) -> RoomId {
    s.parse().unwrap()
}

fn user(s: &str) -> PeerId {
    s.parse().unwrap()
}

fn data(json: &str) -> Data {
    Data::new(json).unwrap()
}

fn drain<T>(inbox: &mut Inbox<T>) -> Vec<T> {
    std::iter::from_fn(|| inbox.try_recv()).collect()
}

/// Tokens `t-<name>` connect as `<name>`; rooms `closed-*` refuse everyone;
/// `lesson-*` rooms hold two.
struct School;

impl Authorizer for School {
    fn connect<'a>(&'a self, request: &'a ConnectRequest) -> BoxFuture<'a, Result<Identity, Denied>> {
        let name = request.query("token").and_then(|t| t.strip_prefix("t-")).map(str::to_owned);
        Box::pin(async move { name.map(Identity::new).ok_or_else(|| Denied::unauthorized("no valid token")) })
    }

    fn join<'a>(
        &'a self,
        _who: &'a Identity,
        room: &'a RoomId,
        _user: &'a PeerId,
    ) -> BoxFuture<'a, Result<Grant, Denied>> {
        let name = room.as_str().to_owned();
        Box::pin(async move {
            if name.starts_with("closed-") {
                Err(Denied::new("room-closed", "this room is closed"))
            } else if name.starts_with("lesson-") {
                Ok(Grant::with_capacity(2))
            } else {
                Ok(Grant::allow())
            }
        })
    }
}

#[tokio::test]
async fn the_authorizer_names_connections_and_refuses_strangers() {
    let hub = Hub::builder().authorizer(School).build();
    let ok = ConnectRequest::new("websocket", "GET", "/rooms?token=t-ana");
    assert_eq!(hub.authorize(&ok).await.unwrap().label(), "ana");
    let stranger = ConnectRequest::new("websocket", "GET", "/rooms");
    let denied = hub.authorize(&stranger).await.unwrap_err();
    assert_eq!((denied.code(), denied.reason()), ("unauthorized", "no valid token"));
    assert_eq!(Hub::default().authorize(&stranger).await.unwrap(), Identity::anonymous());
}

#[tokio::test]
async fn a_denied_join_changes_nothing_and_a_grant_sets_the_capacity() {
    let hub = Hub::builder().authorizer(School).build();
    let (watcher, mut seen) = hub.connect_as(Identity::new("w"));
    watcher.join_authorized(&room("closed-1"), &user("w")).await.unwrap_err();
    let (a, _a_events) = hub.connect_as(Identity::new("a"));
    let refused = a.join_authorized(&room("closed-1"), &user("a")).await.unwrap_err();
    assert_eq!(refused, JoinError::Denied(Denied::new("room-closed", "this room is closed")));
    assert_eq!(refused.code(), "room-closed");
    assert!(hub.members(&room("closed-1")).is_empty());
    assert!(drain(&mut seen).is_empty());

    let (b, _b_events) = hub.connect();
    let (c, _c_events) = hub.connect();
    a.join_authorized(&room("lesson-1"), &user("a")).await.unwrap();
    b.join_authorized(&room("lesson-1"), &user("b")).await.unwrap();
    assert_eq!(c.join_authorized(&room("lesson-1"), &user("c")).await.unwrap_err(), JoinError::RoomFull { max: 2 });
    c.join_authorized(&room("class-1"), &user("c")).await.unwrap();
    let mut rooms = hub.rooms();
    rooms.sort();
    assert_eq!(rooms, [(room("class-1"), 1), (room("lesson-1"), 2)]);
}

#[tokio::test]
async fn server_code_sees_every_join_leave_and_disconnect_with_the_identity() {
    let hub = Hub::default();
    let mut events = hub.subscribe();
    let (ana, _) = hub.connect_as(Identity::new("ana"));
    let conn = ana.id();
    ana.join(&room("r1"), &user("a")).unwrap();
    ana.join(&room("r2"), &user("a")).unwrap();
    ana.leave(&room("r1")).unwrap();
    drop(ana);
    let seen: Vec<(Activity, RoomId)> = drain(&mut events).into_iter().map(|e| (e.activity, e.room)).collect();
    assert_eq!(
        seen,
        [
            (Activity::Joined, room("r1")),
            (Activity::Joined, room("r2")),
            (Activity::Left, room("r1")),
            (Activity::Disconnected(None), room("r2")),
        ]
    );
    let (bo, _) = hub.connect_as(Identity::new("bo"));
    bo.join(&room("r3"), &user("b")).unwrap();
    let event: RoomEvent = events.try_recv().unwrap();
    assert_eq!((event.activity, &event.room, &event.user), (Activity::Joined, &room("r3"), &user("b")));
    assert_eq!((event.conn, event.identity.label()), (bo.id(), "bo"));
    assert_ne!(event.conn, conn);
    hub.shutdown();
    assert_eq!(events.try_recv(), None);
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_is_dropped_and_nobody_waits() {
    let hub = Hub::new(Config::default().outbound_capacity(4).max_queued_per_peer(1));
    let mut slow = hub.subscribe();
    let (a, _) = hub.connect();
    for n in 0..10 {
        a.join(&room(&format!("r{n}")), &user("a")).unwrap();
    }
    assert_eq!(drain(&mut slow).len(), 4);
    assert_eq!(slow.recv().await, None);
    assert_eq!(slow.close_reason(), Some(CloseReason::SlowConsumer));
}

#[tokio::test]
async fn messages_reach_the_others_once_in_order_with_membership_events() {
    let hub = Hub::default();
    let (a, mut to_a) = hub.connect();
    let (b, mut to_b) = hub.connect();
    a.join(&room("r"), &user("a")).unwrap();
    b.join(&room("r"), &user("b")).unwrap();
    a.send_message(&room("r"), data(r#"{"chat":"hi"}"#)).unwrap();
    let (c, _to_c) = hub.connect();
    c.join(&room("r"), &user("c")).unwrap();
    a.send_message(&room("r"), data(r#""second""#)).unwrap();
    assert_eq!(
        drain(&mut to_b),
        [
            Event::Message { room: room("r"), from: Some(user("a")), data: data(r#"{"chat":"hi"}"#) },
            Event::UserConnected { room: room("r"), user: user("c") },
            Event::Message { room: room("r"), from: Some(user("a")), data: data(r#""second""#) },
        ]
    );
    // The sender hears only the others.
    assert_eq!(
        drain(&mut to_a),
        [
            Event::UserConnected { room: room("r"), user: user("b") },
            Event::UserConnected { room: room("r"), user: user("c") }
        ]
    );
    assert_eq!(hub.send_to_room(&room("r"), data("1")), 3);
    assert_eq!(to_b.try_recv(), Some(Event::Message { room: room("r"), from: None, data: data("1") }));
    assert_eq!(hub.metrics().snapshot().messages, 3);
}

#[tokio::test(start_paused = true)]
async fn non_members_oversized_messages_and_floods_are_refused_and_deliver_nothing() {
    let hub = Hub::new(Config::default().max_app_message_bytes(10).message_rate_limit(1, 2));
    let (a, _) = hub.connect();
    let (b, mut to_b) = hub.connect();
    b.join(&room("r"), &user("b")).unwrap();
    assert_eq!(a.send_message(&room("r"), data("1")), Err(MessageError::NotJoined));
    a.join(&room("r"), &user("a")).unwrap();
    drain(&mut to_b);
    let big = data(r#""0123456789""#);
    assert_eq!(a.send_message(&room("r"), big), Err(MessageError::TooLarge { len: 12, max: 10 }));
    a.send_message(&room("r"), data("1")).unwrap();
    a.send_message(&room("r"), data("2")).unwrap();
    assert_eq!(a.send_message(&room("r"), data("3")), Err(MessageError::RateLimited));
    assert_eq!(drain(&mut to_b).len(), 2);
    tokio::time::advance(Duration::from_secs(1)).await;
    a.send_message(&room("r"), data("4")).unwrap();
    assert_eq!(drain(&mut to_b).len(), 1);
}
