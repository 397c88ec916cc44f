//! Room membership: joins, leaves, disconnects, limits and slow consumers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lingua_signal_core::{CloseReason, Config, Event, Hub, Inbox, JoinError, LeaveError, PeerId, RoomId};

fn room(s: &str) -> RoomId {
    s.parse().unwrap()
}

fn user(s: &str) -> PeerId {
    s.parse().unwrap()
}

fn drain(inbox: &mut Inbox<Event>) -> Vec<Event> {
    std::iter::from_fn(|| inbox.try_recv()).collect()
}

fn connected(r: &str, u: &str) -> Event {
    Event::UserConnected { room: room(r), user: user(u) }
}

fn disconnected(r: &str, u: &str) -> Event {
    Event::UserDisconnected { room: room(r), user: user(u) }
}

#[test]
fn join_returns_who_is_there_and_tells_only_the_others() {
    let hub = Hub::default();
    let (a, mut to_a) = hub.connect();
    let (b, mut to_b) = hub.connect();
    let (c, mut to_c) = hub.connect();
    assert_eq!(a.join(&room("r"), &user("a")).unwrap(), Vec::<PeerId>::new());
    assert_eq!(b.join(&room("r"), &user("b")).unwrap(), [user("a")]);
    assert_eq!(c.join(&room("r"), &user("c")).unwrap(), [user("a"), user("b")]);
    assert_eq!(drain(&mut to_a), [connected("r", "b"), connected("r", "c")]);
    assert_eq!(drain(&mut to_b), [connected("r", "c")]);
    assert_eq!(drain(&mut to_c), []);
}

#[test]
fn leaving_tells_the_others_once() {
    let hub = Hub::default();
    let (a, mut to_a) = hub.connect();
    let (b, mut to_b) = hub.connect();
    a.join(&room("r"), &user("a")).unwrap();
    b.join(&room("r"), &user("b")).unwrap();
    drain(&mut to_a);
    b.leave(&room("r")).unwrap();
    assert_eq!(drain(&mut to_a), [disconnected("r", "b")]);
    assert_eq!(b.leave(&room("r")), Err(LeaveError::NotJoined));
    assert_eq!(drain(&mut to_a), []);
    assert_eq!(drain(&mut to_b), []);
    assert_eq!(hub.members(&room("r")), [user("a")]);
}

#[test]
fn leaving_a_room_never_joined_is_an_error() {
    let hub = Hub::default();
    let (a, _to_a) = hub.connect();
    assert_eq!(a.leave(&room("nowhere")), Err(LeaveError::NotJoined));
    assert_eq!(LeaveError::NotJoined.code(), "not-joined");
}

#[test]
fn disconnect_leaves_every_room_and_a_second_disconnect_does_nothing() {
    let hub = Hub::default();
    let (a, _to_a) = hub.connect();
    let (b, mut to_b) = hub.connect();
    let (c, mut to_c) = hub.connect();
    a.join(&room("r1"), &user("a")).unwrap();
    a.join(&room("r2"), &user("a2")).unwrap();
    b.join(&room("r1"), &user("b")).unwrap();
    c.join(&room("r2"), &user("c")).unwrap();
    assert!(a.disconnect());
    assert!(!a.disconnect());
    assert_eq!(drain(&mut to_b), [disconnected("r1", "a")]);
    assert_eq!(drain(&mut to_c), [disconnected("r2", "a2")]);
    assert_eq!(a.join(&room("r1"), &user("a")), Err(JoinError::Closed));
    assert_eq!(a.rooms(), []);
    drop(a);
    assert_eq!(drain(&mut to_b), []);
}

#[test]
fn dropping_a_connection_disconnects_it() {
    let hub = Hub::default();
    let (a, _to_a) = hub.connect();
    let (b, mut to_b) = hub.connect();
    a.join(&room("r"), &user("a")).unwrap();
    b.join(&room("r"), &user("b")).unwrap();
    drop(a);
    assert_eq!(drain(&mut to_b), [disconnected("r", "a")]);
    assert_eq!(hub.metrics().snapshot().connections, 1);
}

#[test]
fn rejoining_under_the_same_id_is_idempotent_and_silent() {
    let hub = Hub::default();
    let (a, _to_a) = hub.connect();
    let (b, mut to_b) = hub.connect();
    b.join(&room("r"), &user("b")).unwrap();
    a.join(&room("r"), &user("a")).unwrap();
    drain(&mut to_b);
    assert_eq!(a.join(&room("r"), &user("a")).unwrap(), [user("b")]);
    assert_eq!(drain(&mut to_b), []);
    assert_eq!(a.join(&room("r"), &user("other")), Err(JoinError::AlreadyJoined(user("a"))));
    assert_eq!(hub.members(&room("r")), [user("b"), user("a")]);
}

#[test]
fn one_connection_can_be_in_several_rooms() {
    let hub = Hub::default();
    let (a, _to_a) = hub.connect();
    a.join(&room("r1"), &user("a")).unwrap();
    a.join(&room("r2"), &user("a")).unwrap();
    assert_eq!(a.rooms(), [(room("r1"), user("a")), (room("r2"), user("a"))]);
}

#[test]
fn a_user_id_already_in_the_room_is_refused() {
    let hub = Hub::default();
    let (a, _to_a) = hub.connect();
    let (b, mut to_b) = hub.connect();
    let (m, _to_m) = hub.connect();
    a.join(&room("r"), &user("a")).unwrap();
    b.join(&room("r"), &user("b")).unwrap();
    let refused = m.join(&room("r"), &user("a")).unwrap_err();
    assert_eq!(refused, JoinError::UserIdTaken(user("a")));
    assert_eq!(refused.code(), "user-id-taken");
    assert_eq!(drain(&mut to_b), []);
    // The same id in another room is fine.
    m.join(&room("r2"), &user("a")).unwrap();
}

#[test]
fn limits_refuse_with_the_configured_maximum() {
    let config = Config::default().max_members_per_room(2).max_rooms_per_connection(2).max_rooms(3);
    let hub = Hub::new(config);
    let (a, _ta) = hub.connect();
    let (b, _tb) = hub.connect();
    let (c, _tc) = hub.connect();
    a.join(&room("r1"), &user("a")).unwrap();
    b.join(&room("r1"), &user("b")).unwrap();
    assert_eq!(c.join(&room("r1"), &user("c")), Err(JoinError::RoomFull { max: 2 }));
    a.join(&room("r2"), &user("a")).unwrap();
    assert_eq!(a.join(&room("r3"), &user("a")), Err(JoinError::TooManyRooms { max: 2 }));
    c.join(&room("r3"), &user("c")).unwrap();
    assert_eq!(c.join(&room("r4"), &user("c")), Err(JoinError::ServerFull { max: 3 }));
    let m = hub.metrics().snapshot();
    assert_eq!((m.refused, m.joins, m.rooms, m.members), (3, 4, 3, 4));
}

#[test]
fn empty_rooms_are_removed() {
    let hub = Hub::new(Config::default().max_rooms(1));
    let (a, _ta) = hub.connect();
    a.join(&room("r1"), &user("a")).unwrap();
    a.leave(&room("r1")).unwrap();
    assert_eq!(hub.metrics().snapshot().rooms, 0);
    // The room limit counts live rooms only, so a new one fits.
    a.join(&room("r2"), &user("a")).unwrap();
}

#[test]
fn a_slow_consumer_is_disconnected_and_the_others_carry_on() {
    let hub = Hub::new(Config::default().outbound_capacity(2).max_queued_per_peer(1));
    let (slow, mut to_slow) = hub.connect();
    let (a, mut to_a) = hub.connect();
    slow.join(&room("r"), &user("slow")).unwrap();
    a.join(&room("r"), &user("a")).unwrap();
    let mut seen_by_a = drain(&mut to_a);
    let mut others = Vec::new();
    for i in 0..3 {
        let (c, inbox) = hub.connect();
        c.join(&room("r"), &user(&format!("u{i}"))).unwrap();
        others.push((c, inbox));
        // Everyone but `slow` keeps up.
        seen_by_a.extend(drain(&mut to_a));
        others.iter_mut().for_each(|(_, inbox)| drop(drain(inbox)));
    }
    // slow's queue holds 2 events; the third overflowed it, so it was removed.
    assert_eq!(hub.members(&room("r")), [user("a"), user("u0"), user("u1"), user("u2")]);
    assert_eq!(slow.join(&room("r"), &user("slow")), Err(JoinError::Closed));
    let expected = [connected("r", "u0"), connected("r", "u1"), disconnected("r", "slow"), connected("r", "u2")];
    assert_eq!(seen_by_a, expected);
    // The slow connection still gets what was queued, then the end, with the reason.
    assert_eq!(drain(&mut to_slow), [connected("r", "a"), connected("r", "u0")]);
    assert_eq!(to_slow.close_reason(), Some(CloseReason::SlowConsumer));
    assert_eq!(hub.metrics().snapshot().slow_consumers, 1);
}

#[tokio::test]
async fn the_inbox_ends_after_disconnect_and_shutdown() {
    let hub = Hub::default();
    let (a, mut to_a) = hub.connect();
    a.disconnect();
    assert_eq!(to_a.recv().await, None);
    assert_eq!(to_a.close_reason(), None);
    let (_b, mut to_b) = hub.connect();
    hub.shutdown();
    assert_eq!(to_b.recv().await, None);
    assert_eq!(to_b.close_reason(), Some(CloseReason::Shutdown));
    assert_eq!(hub.metrics().snapshot().connections, 0);
}

#[test]
fn events_arrive_in_order_per_recipient() {
    let hub = Hub::default();
    let (watcher, mut to_w) = hub.connect();
    watcher.join(&room("r"), &user("w")).unwrap();
    let mut expected = Vec::new();
    for i in 0..20 {
        let (c, _inbox) = hub.connect();
        let u = format!("u{i}");
        c.join(&room("r"), &user(&u)).unwrap();
        expected.push(connected("r", &u));
        if i % 2 == 0 {
            drop(c);
            expected.push(disconnected("r", &u));
        } else {
            c.leave(&room("r")).unwrap();
            expected.push(disconnected("r", &u));
        }
    }
    assert_eq!(drain(&mut to_w), expected);
}

#[test]
fn a_join_mark_separates_earlier_events_from_later_ones() {
    let hub = Hub::default();
    let (a, mut to_a) = hub.connect();
    let (b, _to_b) = hub.connect();
    let (c, _to_c) = hub.connect();
    a.join(&room("r1"), &user("a")).unwrap();
    b.join(&room("r1"), &user("b")).unwrap(); // queued to a before its next join
    let (users, mark) = a.join_marked(&room("r2"), &user("a")).unwrap();
    assert!(users.is_empty());
    c.join(&room("r1"), &user("c")).unwrap(); // after the join: not before the mark
    assert_eq!(to_a.take_until(mark), [connected("r1", "b")]);
    assert_eq!(drain(&mut to_a), [connected("r1", "c")]);
    b.join(&room("r2"), &user("b")).unwrap();
    let mark = a.leave_marked(&room("r2")).unwrap();
    c.leave(&room("r1")).unwrap();
    assert_eq!(to_a.take_until(mark), [connected("r2", "b")]);
    assert_eq!(drain(&mut to_a), [disconnected("r1", "c")]);
}

mod per_address {
    use lingua_signal_core::{Config, ConnectRequest, Hub, JoinError, TrustedProxies};

    fn from(ip: &str) -> ConnectRequest {
        ConnectRequest::new("websocket", "GET", "/rooms").remote(Some(ip.parse().unwrap()))
    }

    #[tokio::test]
    async fn one_address_holds_its_cap_of_connections_and_gets_them_back() {
        let hub = Hub::new(Config::default().max_connections_per_address(Some(2)));
        let identity = hub.authorize(&from("203.0.113.5")).await.unwrap();
        let a = hub.open(identity.clone()).unwrap();
        let _b = hub.open(identity.clone()).unwrap();
        let refused = hub.open(identity.clone()).unwrap_err();
        assert_eq!(refused.code(), "too-many-connections");
        let other = hub.authorize(&from("198.51.100.1")).await.unwrap();
        assert!(hub.open(other).is_ok(), "another address is not affected");
        let loopback = hub.authorize(&from("127.0.0.1")).await.unwrap();
        let held: Vec<_> = (0..5).map(|_| hub.open(loopback.clone()).unwrap()).collect();
        assert_eq!(held.len(), 5, "loopback is exempt by default");
        drop(a);
        assert!(hub.open(identity).is_ok());
    }

    #[tokio::test]
    async fn rooms_created_from_one_address_are_capped_until_they_empty() {
        let hub = Hub::new(Config::default().max_rooms_per_address(Some(2)).limit_loopback(true));
        let (conn, _inbox) = hub.open(hub.authorize(&from("127.0.0.1")).await.unwrap()).unwrap();
        let user = "u".parse().unwrap();
        conn.join(&"a".parse().unwrap(), &user).unwrap();
        conn.join(&"b".parse().unwrap(), &user).unwrap();
        let third = conn.join(&"c".parse().unwrap(), &user).unwrap_err();
        assert_eq!(third, JoinError::TooManyRoomsFromAddress { max: 2 });
        assert_eq!(third.code(), "too-many-rooms-from-address");
        // Another address may still create rooms, and this one may join them.
        let (other, _other_inbox) = hub.open(hub.authorize(&from("198.51.100.1")).await.unwrap()).unwrap();
        other.join(&"c".parse().unwrap(), &"v".parse().unwrap()).unwrap();
        conn.join(&"c".parse().unwrap(), &user).unwrap();
        conn.leave(&"a".parse().unwrap()).unwrap();
        conn.join(&"d".parse().unwrap(), &user).unwrap();
    }

    #[tokio::test]
    async fn behind_a_trusted_proxy_the_forwarded_client_is_counted() {
        let proxies: TrustedProxies = "127.0.0.1".parse().unwrap();
        let config = Config::default().max_connections_per_address(Some(1));
        let hub = Hub::builder().config(config).trusted_proxies(proxies).build();
        let via = |client: &str| from("127.0.0.1").header("x-forwarded-for", client);
        let _a = hub.open(hub.authorize(&via("203.0.113.5")).await.unwrap()).unwrap();
        assert!(hub.open(hub.authorize(&via("203.0.113.5")).await.unwrap()).is_err());
        assert!(hub.open(hub.authorize(&via("203.0.113.6")).await.unwrap()).is_ok());
    }
}
