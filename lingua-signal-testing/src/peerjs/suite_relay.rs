//! The relay (protocol §5–6, §9): what is forwarded, in which order, to
//! whom, and what is held for absent peers.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Frame, PeerClient, Target, message, relayed, suite_config};

/// Long enough for a frame that is going to arrive on loopback to arrive.
pub(crate) const QUIET: Duration = Duration::from_millis(200);

/// Sends `client` a message through the server and waits for it: every frame
/// `client` sent before has then been handled.
pub(crate) async fn sync(client: &mut PeerClient, own_id: &str) {
    client.send_json(&message("OFFER", own_id, json!("sync"))).await;
    assert_eq!(client.expect_json().await, relayed("OFFER", own_id, own_id, json!("sync")), "sync marker");
}

/// OPEN comes first; relayed frames carry exactly `type`, `src` (forced to
/// the sender's id), `dst` and `payload` (absent when not sent); OFFER,
/// ANSWER, CANDIDATE and LEAVE are relayed in order. Spec: any.
pub async fn open_first_then_relay_with_src_forced_and_four_fields(t: &Target) {
    let mut a = t.open("a").await;
    let mut b = t.open("b").await;
    let forged = json!({"type": "OFFER", "src": "mallory", "dst": "b", "payload": {"sdp": "v=0"},
        "token": "token-a", "key": t.key, "extra": [1]});
    a.send_json(&forged).await;
    assert_eq!(b.expect_json().await, relayed("OFFER", "a", "b", json!({"sdp": "v=0"})));
    b.send_json(&message("ANSWER", "a", json!({"sdp": "answer"}))).await;
    assert_eq!(a.expect_json().await, relayed("ANSWER", "b", "a", json!({"sdp": "answer"})));
    for n in 0..20 {
        a.send_json(&message("CANDIDATE", "b", json!({"n": n}))).await;
    }
    a.send_json(&json!({"type": "LEAVE", "dst": "b"})).await;
    for n in 0..20 {
        assert_eq!(b.expect_json().await, relayed("CANDIDATE", "a", "b", json!({"n": n})));
    }
    assert_eq!(b.expect_json().await, json!({"type": "LEAVE", "src": "a", "dst": "b"}));
}

/// Frames sent right after the handshake, before OPEN was read, are
/// handled (the stock client does not wait for OPEN). Spec: any.
pub async fn frames_sent_before_reading_open_are_relayed(t: &Target) {
    let mut b = t.open("b").await;
    let mut a = t.connect_peer("a", "token-a").await;
    a.send_json(&message("OFFER", "b", json!(1))).await;
    assert_eq!(b.expect_json().await, relayed("OFFER", "a", "b", json!(1)));
    a.expect_open().await;
}

/// Any JSON payload (null, false, numbers, strings, arrays, nested objects
/// with SDP line breaks and non-ASCII text) is relayed unchanged; a compact
/// payload appears byte for byte in the relayed frame. Spec: any.
pub async fn payload_relayed_byte_for_byte_and_any_json_payload(t: &Target) {
    let mut a = t.open("a").await;
    let mut b = t.open("b").await;
    let sdp = r#"{"sdp":{"type":"offer","sdp":"v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\n"},"type":"media","connectionId":"mc_1m3k9qj2x7","metadata":{"n":[1,2.5,{"d":true}]}}"#;
    for raw in ["null", "false", "0", "-12.5", r#""text""#, r#"[1,"a",null]"#, "{}", sdp, r#"{"u":"é 😀 ü"}"#] {
        a.send_text(&format!(r#"{{"type":"OFFER","dst":"b","payload":{raw}}}"#)).await;
        let text = b.next_text().await;
        let frame: Value = serde_json::from_str(&text).expect("JSON");
        let payload: Value = serde_json::from_str(raw).expect("test payload is JSON");
        assert_eq!(frame, relayed("OFFER", "a", "b", payload), "payload {raw}");
        assert!(text.contains(&format!(r#""payload":{raw}"#)), "payload {raw} not byte for byte in {text}");
    }
}

/// A peer may send to itself. Spec: any.
pub async fn self_send_works(t: &Target) {
    let mut a = t.open("a").await;
    a.send_json(&message("CANDIDATE", "a", json!({"c": 1}))).await;
    assert_eq!(a.expect_json().await, relayed("CANDIDATE", "a", "a", json!({"c": 1})));
}

/// HEARTBEAT is never answered; unknown or non-relayed types (lowercase
/// `offer`, `OPEN`, `ERROR`, `BOGUS`, empty or no `type`) are not relayed.
/// (A client-sent EXPIRE may be relayed or refused, §14, so it is not
/// checked.) Spec: any.
pub async fn unknown_types_ignored_heartbeat_never_answered(t: &Target) {
    let mut a = t.open("a").await;
    let mut b = t.open("b").await;
    a.send_json(&json!({"type": "HEARTBEAT"})).await;
    for kind in ["offer", "OPEN", "ERROR", "ID-TAKEN", "BOGUS", "HEARTBEAT", ""] {
        a.send_json(&message(kind, "b", json!(kind))).await;
    }
    a.send_json(&json!({"dst": "b", "payload": "no type"})).await;
    a.send_json(&message("OFFER", "b", json!("marker"))).await;
    assert_eq!(b.expect_json().await, relayed("OFFER", "a", "b", json!("marker")));
    a.assert_no_frame_within(QUIET).await;
    b.assert_no_frame_within(QUIET).await;
}

/// Messages to an absent id are held and delivered right after its OPEN, in
/// order, before live traffic, also when a live message races the connect.
/// Spec: standard (expire 400 ms: the test connects well within it).
pub async fn held_messages_flushed_after_open_before_live(t: &Target) {
    let mut a = t.open("a").await;
    for (n, kind) in ["OFFER", "ANSWER", "CANDIDATE"].into_iter().enumerate() {
        a.send_json(&message(kind, "late", json!(n))).await;
    }
    sync(&mut a, "a").await;
    let racing = message("CANDIDATE", "late", json!(3));
    let (mut late, ()) = tokio::join!(t.connect_peer("late", "token-late"), a.send_json(&racing));
    late.expect_open().await;
    for (n, kind) in ["OFFER", "ANSWER", "CANDIDATE", "CANDIDATE"].into_iter().enumerate() {
        assert_eq!(late.expect_json().await, relayed(kind, "a", "late", json!(n)));
    }
    a.send_json(&message("OFFER", "late", json!(4))).await;
    assert_eq!(late.expect_json().await, relayed("OFFER", "a", "late", json!(4)));
}

/// LEAVE and EXPIRE to an absent id are dropped, not held: the id gets
/// only OPEN when it connects, and the sender never gets EXPIRE for them.
/// Spec: standard (expire 400 ms).
pub async fn leave_and_expire_to_absent_are_dropped(t: &Target) {
    let mut a = t.open("a").await;
    for dst in ["ghost", "never"] {
        a.send_json(&json!({"type": "LEAVE", "dst": dst})).await;
        a.send_json(&json!({"type": "EXPIRE", "dst": dst})).await;
    }
    sync(&mut a, "a").await;
    let mut ghost = t.open("ghost").await;
    ghost.assert_no_frame_within(QUIET).await;
    a.assert_no_frame_within(suite_config().expire() + 4 * suite_config().sweep() + QUIET).await;
}

/// Held messages expire after `expire_timeout`: each sender gets exactly one
/// `{"type":"EXPIRE","src":<absent>,"dst":<sender>}`, however many messages
/// it queued, and the queue is discarded. Spec: standard (expire 400 ms,
/// sweep 50 ms).
pub async fn expire_sent_once_per_sender_after_expire_timeout(t: &Target) {
    let start = tokio::time::Instant::now();
    let mut a = t.open("a").await;
    let mut c = t.open("c").await;
    for n in 0..3 {
        a.send_json(&message("OFFER", "absent", json!(n))).await;
    }
    c.send_json(&message("CANDIDATE", "absent", json!("c"))).await;
    let expire = json!({"type": "EXPIRE", "src": "absent"});
    for (client, id) in [(&mut a, "a"), (&mut c, "c")] {
        let mut want = expire.clone();
        want["dst"] = json!(id);
        assert_eq!(client.expect_json().await, want);
        assert!(start.elapsed() >= suite_config().expire(), "EXPIRE after {:?}", start.elapsed());
    }
    a.assert_no_frame_within(QUIET).await;
    c.assert_no_frame_within(Duration::ZERO).await;
    let mut absent = t.open("absent").await;
    absent.assert_no_frame_within(QUIET).await;
}

/// Closing frees the id at once (another token registers right after the
/// close handshake), and nobody is told: no LEAVE to the peers it talked
/// to. Spec: any.
pub async fn id_released_immediately_on_close_and_no_leave_sent(t: &Target) {
    let mut a = t.open("a").await;
    let mut b = t.open("b").await;
    a.send_json(&message("OFFER", "b", json!(1))).await;
    b.expect_json().await;
    a.close().await;
    let a2 = t.connect_peer("a", "second-token").await;
    let mut a2 = expect_open(a2).await;
    a2.send_json(&message("OFFER", "b", json!(2))).await;
    assert_eq!(b.expect_json().await, relayed("OFFER", "a", "b", json!(2)));
    a2.close().await;
    expect_open(t.connect_peer("a", "third-token").await).await;
    b.assert_no_frame_within(QUIET).await;
}

/// A socket dropped without a close frame (a network blip) keeps its id for
/// the client that registered it: for the whole grace
/// ([`suite_config`]'s `resume_grace`), another token gets `ID-TAKEN`, and
/// messages to the id are held, not handed to a stranger; the owner's
/// reconnect (same token, as the stock client's `reconnect()`) gets `OPEN`
/// at once and what was held. Past the grace, the id is free. Spec: any.
pub async fn a_dropped_socket_keeps_its_id_for_its_token_during_the_grace(t: &Target) {
    let a = t.connect_peer("a", "a-token").await;
    let a = expect_open(a).await;
    let mut b = t.open("b").await;
    a.drop_connection();
    // Until the server notices the drop the id is simply live; after, it is
    // reserved: a stranger is refused throughout.
    let start = tokio::time::Instant::now();
    while start.elapsed() < Duration::from_millis(300) {
        let mut mallory = t.connect_peer("a", "mallory-token").await;
        let frame = mallory.next_frame().await;
        assert!(matches!(&frame, Frame::Json(v) if v["type"] == "ID-TAKEN"), "a stranger got {frame:?}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    b.send_json(&message("OFFER", "a", json!("held"))).await;
    let mut a = expect_open(t.connect_peer("a", "a-token").await).await;
    assert_eq!(a.expect_json().await, relayed("OFFER", "b", "a", json!("held")));
    a.drop_connection();
    tokio::time::sleep(suite_config().grace()).await;
    open_eventually(t, "a", "mallory-token").await;
}

async fn expect_open(mut client: PeerClient) -> PeerClient {
    client.expect_open().await;
    client
}

/// Registers `id` with `token`, retrying while it is still taken (the
/// server has not yet noticed the old socket's end), for up to 3 s.
pub async fn open_eventually(t: &Target, id: &str, token: &str) -> PeerClient {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        let mut client = t.connect_peer(id, token).await;
        match client.next_frame().await {
            Frame::Json(v) if v == json!({"type": "OPEN"}) => return client,
            Frame::Json(v) if v["type"] == "ID-TAKEN" && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => panic!("{id} still not registrable: {other:?}"),
        }
    }
}

/// A binary frame holding a JSON message is relayed like a text frame, as
/// the reference reads every frame as text. Spec: standard.
pub async fn binary_frames_are_read_as_text(t: &Target) {
    let mut a = t.open("a").await;
    let mut b = t.open("b").await;
    let offer = message("OFFER", "b", json!({"bin": true}));
    a.send_binary(offer.to_string().into_bytes()).await;
    assert_eq!(b.expect_json().await, relayed("OFFER", "a", "b", json!({"bin": true})));
}
