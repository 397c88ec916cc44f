//! The peer relay: registration, routing, held messages, EXPIRE, idle timeout.
//! Timers run on tokio's paused clock: no real sleeps.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use lingua_signal_core::{
    CloseReason, Config, Hub, Inbox, PeerId,
    peerjs::{ClientFrame, MessageKind, PeerSession, RegisterError, ServerFrame},
};
use serde_json::value::RawValue;

fn id(s: &str) -> PeerId {
    s.parse().unwrap()
}

fn frames(inbox: &mut Inbox<ServerFrame>) -> Vec<String> {
    std::iter::from_fn(|| inbox.try_recv()).map(|f| f.to_json()).collect()
}

fn open(hub: &Hub, name: &str) -> (PeerSession, Inbox<ServerFrame>) {
    let (session, mut inbox) = hub.register(&id(name), &format!("tok-{name}")).unwrap();
    assert_eq!(frames(&mut inbox), [r#"{"type":"OPEN"}"#]);
    (session, inbox)
}

fn offer(from: &PeerSession, to: &str, n: u32) {
    let text = format!(r#"{{"type":"OFFER","dst":"{to}","payload":{{"n":{n}}}}}"#);
    from.handle(ClientFrame::parse(&text, 1 << 20).unwrap());
}

#[test]
fn relay_fills_in_src_and_keeps_the_payload() {
    let hub = Hub::default();
    let (a, _to_a) = open(&hub, "a");
    let (_b, mut to_b) = open(&hub, "b");
    let text =
        r#"{"type":"CANDIDATE","src":"forged","dst":"b","payload":{"candidate":{"sdpMLineIndex":0}},"token":"x"}"#;
    a.handle(ClientFrame::parse(text, 1 << 20).unwrap());
    assert_eq!(
        frames(&mut to_b),
        [r#"{"type":"CANDIDATE","src":"a","dst":"b","payload":{"candidate":{"sdpMLineIndex":0}}}"#]
    );
    assert_eq!(hub.metrics().snapshot().relayed, 1);
}

#[test]
fn a_peer_can_message_itself() {
    let hub = Hub::default();
    let (a, mut to_a) = open(&hub, "a");
    offer(&a, "a", 1);
    assert_eq!(frames(&mut to_a), [r#"{"type":"OFFER","src":"a","dst":"a","payload":{"n":1}}"#]);
}

#[test]
fn another_token_gets_id_taken_and_the_holder_is_undisturbed() {
    let hub = Hub::default();
    let (a, mut to_a) = open(&hub, "a");
    assert_eq!(hub.register(&id("a"), "other").unwrap_err(), RegisterError::IdTaken);
    assert_eq!(RegisterError::IdTaken.to_json(), r#"{"type":"ID-TAKEN","payload":{"msg":"ID is taken"}}"#);
    assert!(a.is_registered());
    offer(&a, "a", 1);
    assert_eq!(frames(&mut to_a).len(), 1);
}

#[tokio::test]
async fn the_same_token_takes_over_and_the_old_session_closes() {
    let hub = Hub::default();
    let (old, mut to_old) = open(&hub, "a");
    let (new, mut to_new) = open(&hub, "a");
    assert_eq!(to_old.recv().await.map(|f| f.to_json()), None);
    assert_eq!(to_old.close_reason(), Some(CloseReason::Superseded));
    assert!(!old.is_registered());
    // The superseded session can no longer send as the id, nor unregister it.
    offer(&old, "a", 1);
    drop(old);
    assert!(new.is_registered());
    assert_eq!(frames(&mut to_new), Vec::<String>::new());
}

#[test]
fn tokens_must_be_present_and_bounded() {
    let hub = Hub::default();
    assert_eq!(hub.register(&id("a"), "").unwrap_err(), RegisterError::BadToken);
    assert_eq!(hub.register(&id("a"), &"t".repeat(257)).unwrap_err(), RegisterError::BadToken);
}

#[test]
fn the_peer_limit_refuses_new_ids_until_one_leaves() {
    let hub = Hub::new(Config::default().max_peers(1));
    let (a, _to_a) = open(&hub, "a");
    let refused = hub.register(&id("b"), "t").unwrap_err();
    assert_eq!(refused, RegisterError::ServerFull);
    assert_eq!(
        refused.to_json(),
        r#"{"type":"ERROR","payload":{"msg":"Server has reached its concurrent user limit"}}"#
    );
    drop(a);
    open(&hub, "b");
}

#[test]
fn dropping_the_session_frees_the_id_at_once_and_tells_nobody() {
    let hub = Hub::default();
    let (a, _to_a) = open(&hub, "a");
    let (_b, mut to_b) = open(&hub, "b");
    drop(a);
    assert_eq!(hub.peer_ids(), [id("b")]);
    assert_eq!(frames(&mut to_b), Vec::<String>::new());
    let (_a2, _) = hub.register(&id("a"), "a new token").unwrap();
}

#[test]
fn held_messages_arrive_after_open_in_order_before_live_ones() {
    let hub = Hub::default();
    let (a, _to_a) = open(&hub, "a");
    for n in 0..3 {
        offer(&a, "b", n);
    }
    let (_b, mut to_b) = hub.register(&id("b"), "t").unwrap();
    offer(&a, "b", 3);
    let got = frames(&mut to_b);
    assert_eq!(got[0], r#"{"type":"OPEN"}"#);
    let ns: Vec<_> = got[1..].iter().map(|f| f.split(r#""n":"#).nth(1).unwrap().to_owned()).collect();
    assert_eq!(ns, ["0}}", "1}}", "2}}", "3}}"]);
}

#[test]
fn leave_and_unknown_types_to_an_absent_peer_are_dropped() {
    let hub = Hub::default();
    let (a, _to_a) = open(&hub, "a");
    a.send(MessageKind::Leave, id("b"), None);
    a.handle(ClientFrame::parse(r#"{"type":"EXPIRE","dst":"b"}"#, 1024).unwrap());
    let (_b, mut to_b) = hub.register(&id("b"), "t").unwrap();
    assert_eq!(frames(&mut to_b), [r#"{"type":"OPEN"}"#]);
    assert_eq!(hub.metrics().snapshot().dropped, 1);
}

#[tokio::test(start_paused = true)]
async fn held_messages_expire_with_one_expire_per_sender() {
    let hub = Hub::default(); // expire_timeout 5 s
    let (a, mut to_a) = open(&hub, "a");
    let (c, mut to_c) = open(&hub, "c");
    offer(&a, "b", 1);
    tokio::time::advance(Duration::from_secs(2)).await;
    offer(&a, "b", 2);
    offer(&c, "b", 3);
    tokio::time::advance(Duration::from_millis(2_900)).await;
    hub.sweep();
    assert_eq!(frames(&mut to_a), Vec::<String>::new());
    // The deadline counts from the first held message, not the last.
    tokio::time::advance(Duration::from_millis(100)).await;
    hub.sweep();
    assert_eq!(frames(&mut to_a), [r#"{"type":"EXPIRE","src":"b","dst":"a"}"#]);
    assert_eq!(frames(&mut to_c), [r#"{"type":"EXPIRE","src":"b","dst":"c"}"#]);
    // The queue is gone: b connects to nothing held.
    let (_b, mut to_b) = hub.register(&id("b"), "t").unwrap();
    assert_eq!(frames(&mut to_b), [r#"{"type":"OPEN"}"#]);
    assert_eq!(hub.metrics().snapshot().expired, 2);
}

#[tokio::test(start_paused = true)]
async fn held_messages_over_the_limit_are_refused_with_expire() {
    let hub = Hub::new(Config::default().max_queued_per_peer(2).max_queued_total(3));
    let (a, mut to_a) = open(&hub, "a");
    for n in 0..3 {
        offer(&a, "b", n);
    }
    assert_eq!(frames(&mut to_a), [r#"{"type":"EXPIRE","src":"b","dst":"a"}"#]);
    offer(&a, "c", 0);
    offer(&a, "d", 0); // total of 3 reached by b, b and c
    assert_eq!(frames(&mut to_a), [r#"{"type":"EXPIRE","src":"d","dst":"a"}"#]);
    let (_b, mut to_b) = hub.register(&id("b"), "t").unwrap();
    assert_eq!(frames(&mut to_b).len(), 3); // OPEN and the two held
    let m = hub.metrics().snapshot();
    assert_eq!((m.queued, m.dropped), (3, 2));
}

#[tokio::test(start_paused = true)]
async fn a_silent_peer_is_dropped_after_the_alive_timeout() {
    let hub = Hub::new(Config::default().alive_timeout(Duration::from_secs(60)));
    let (quiet, mut to_quiet) = open(&hub, "quiet");
    let (chatty, mut to_chatty) = open(&hub, "chatty");
    for _ in 0..5 {
        tokio::time::advance(Duration::from_secs(15)).await;
        chatty.handle(ClientFrame::Heartbeat);
        hub.sweep();
    }
    assert!(!quiet.is_registered());
    assert_eq!(to_quiet.recv().await.map(|f| f.to_json()), None);
    assert_eq!(to_quiet.close_reason(), Some(CloseReason::IdleTimeout));
    assert!(chatty.is_registered());
    assert_eq!(frames(&mut to_chatty), Vec::<String>::new());
}

#[tokio::test(start_paused = true)]
async fn the_sweeper_task_runs_sweeps_and_is_handed_out_once() {
    let hub = Hub::new(Config::default().alive_timeout(Duration::from_secs(1)));
    let task = hub.take_sweeper().expect("first caller gets the task");
    assert!(hub.take_sweeper().is_none());
    let handle = tokio::spawn(task);
    let (quiet, mut to_quiet) = open(&hub, "quiet");
    assert_eq!(to_quiet.recv().await.map(|f| f.to_json()), None);
    assert_eq!(to_quiet.close_reason(), Some(CloseReason::IdleTimeout));
    // The task ends once the last handle on the hub (sessions hold one) is gone.
    drop((quiet, hub));
    tokio::time::timeout(Duration::from_secs(5), handle).await.expect("sweeper ends").unwrap();
}

#[test]
fn a_full_destination_queue_refuses_the_sender_and_keeps_the_destination() {
    // A queue of 8: one sender's share is 2.
    let hub = Hub::new(Config::default().outbound_capacity(8).max_queued_per_peer(1));
    let (a, mut to_a) = open(&hub, "a");
    let (b, mut to_b) = open(&hub, "b");
    for n in 0..4 {
        offer(&a, "b", n);
    }
    assert!(b.is_registered(), "what others send never closes a receiver");
    assert_eq!(to_b.close_reason(), None);
    // The sender's share.
    assert_eq!(frames(&mut to_b).len(), 2);
    // An EXPIRE for each message over the share.
    let told = frames(&mut to_a);
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told.iter().all(|f| f.contains("EXPIRE")), "{told:?}");
    // The receiver read its queue: the sender's share is free again.
    offer(&a, "b", 9);
    assert_eq!(frames(&mut to_b).len(), 1);
}

#[test]
fn generated_ids_are_fresh_uuids() {
    let hub = Hub::default();
    let generated = hub.generate_peer_id();
    assert_eq!(generated.as_str().len(), 36);
    assert!(!hub.peer_ids().contains(&generated));
}

#[test]
fn remote_messages_reach_local_peers_only() {
    let hub = Hub::default();
    let (_b, mut to_b) = open(&hub, "b");
    let message = lingua_signal_core::peerjs::Message {
        kind: MessageKind::Offer,
        src: id("far"),
        dst: id("b"),
        payload: Some(RawValue::from_string("{}".into()).unwrap()),
    };
    assert!(hub.deliver_remote_message(message.clone()));
    assert_eq!(frames(&mut to_b), [r#"{"type":"OFFER","src":"far","dst":"b","payload":{}}"#]);
    let to_absent = lingua_signal_core::peerjs::Message { dst: id("nobody"), ..message };
    assert!(!hub.deliver_remote_message(to_absent));
}

#[test]
fn malformed_text_is_refused_counted_and_harmless() {
    let hub = Hub::new(Config::default().max_message_bytes(1024));
    let (a, mut to_a) = open(&hub, "a");
    for text in ["not json", "null", r#"{"type":"OFFER","dst":"a/b"}"#] {
        assert!(a.handle_text(text).is_err(), "{text}");
    }
    // Well-formed but nothing to act on: ignored, not an error, not counted.
    a.handle_text(r#"{"type":"BOGUS"}"#).unwrap();
    let big = format!(r#"{{"type":"OFFER","dst":"a","payload":"{}"}}"#, "x".repeat(2000));
    assert!(matches!(a.handle_text(&big), Err(lingua_signal_core::peerjs::FrameError::TooLarge { max: 1024, .. })));
    a.handle_text(r#"{"type":"OFFER","dst":"a","payload":1}"#).unwrap();
    assert_eq!(frames(&mut to_a), [r#"{"type":"OFFER","src":"a","dst":"a","payload":1}"#]);
    assert_eq!(hub.metrics().snapshot().dropped, 4);
}
