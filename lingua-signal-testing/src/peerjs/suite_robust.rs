//! Robustness (protocol §10): bad frames never disturb other peers.

use std::time::Duration;

use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use super::{
    FLOODED_QUEUE, Frame, LISTED_ORIGIN, PEERS_PER_IP, PeerClient, THROTTLED_BURST, Target, error, message, relayed,
    suite_config, suite_relay::open_eventually, suite_relay::sync,
};

/// Not-JSON, non-object JSON, wrong field types, bad destinations, invalid
/// UTF-8 in a binary frame and deep nesting are ignored: no ERROR back,
/// the same socket still relays, other peers are unaffected. Spec: any.
pub async fn malformed_frames_do_not_disturb_others(t: &Target) {
    let mut a = t.open("a").await;
    let mut b = t.open("b").await;
    // 100 KB each: deep, yet under the 128 KiB frame limit.
    let deep = format!(r#"{{"type":"BOGUS","x":{}{}}}"#, "[".repeat(50_000), "]".repeat(50_000));
    let deep_array = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    let garbage = [
        "not json",
        "null",
        "42",
        r#""s""#,
        "[1]",
        r#"{"type":5}"#,
        "{",
        "",
        "true",
        r#"{"type":"OFFER"}"#,
        r#"{"type":"OFFER","dst":7}"#,
        r#"{"type":"OFFER","dst":null}"#,
        r#"{"type":"OFFER","dst":["b"]}"#,
        r#"{"type":"OFFER","dst":"b","payload":}"#,
        r#"{"type":["OFFER"],"dst":"b"}"#,
        &deep,
        &deep_array,
    ];
    for text in garbage {
        a.send_text(text).await;
    }
    a.send_binary(vec![0xff, 0xfe, 0x80, b'{']).await;
    // The next frame `a` sees is its own marker: no ERROR came back.
    sync(&mut a, "a").await;
    a.send_json(&message("OFFER", "b", json!("after garbage"))).await;
    assert_eq!(b.expect_json().await, relayed("OFFER", "a", "b", json!("after garbage")));
    let mut c = t.open("c").await;
    b.send_json(&message("ANSWER", "c", json!(1))).await;
    assert_eq!(c.expect_json().await, relayed("ANSWER", "b", "c", json!(1)));
}

/// A 64 KiB payload is relayed; a frame over the server's size limit closes
/// the sender's socket with 1009 (and frees its id) while the others carry on and
/// hear nothing of it. Spec: standard (`max_message_bytes` 128 KiB).
pub async fn oversized_frame_closes_only_that_socket(t: &Target) {
    let mut a = t.open("a").await;
    let mut b = t.open("b").await;
    let mut c = t.open("c").await;
    let big = "x".repeat(64 * 1024);
    a.send_json(&message("OFFER", "b", json!(big))).await;
    assert_eq!(b.expect_json().await, relayed("OFFER", "a", "b", json!(big)));
    let huge = "y".repeat(suite_config().relay_bytes() + 1024);
    // The server may reset the connection while the frame is still being
    // written; only the outcome matters.
    let _ = a.try_send(Message::text(message("OFFER", "b", json!(huge)).to_string())).await;
    assert_eq!(a.next_frame().await, Frame::Closed(Some(1009)), "an oversized frame closes with 1009");
    c.send_json(&message("CANDIDATE", "b", json!(2))).await;
    assert_eq!(b.expect_json().await, relayed("CANDIDATE", "c", "b", json!(2)));
    open_eventually(t, "a", "another-token").await;
}

/// Issue 22, finding 2: five peers flood a sixth that reads nothing, each
/// with 400 small messages. The receiver is never closed for what others
/// send it: each sender gets at most its share of the receiver's queue and
/// `EXPIRE` for the rest; once the receiver reads, it gets what was queued,
/// and a message from anyone else afterwards. Spec: flooded (a queue of
/// [`FLOODED_QUEUE`] frames).
pub async fn a_flood_to_one_peer_never_closes_it(t: &Target) {
    let mut victim = t.open("victim").await;
    let mut senders = Vec::new();
    for n in 0..5 {
        senders.push(t.open(&format!("s{n}")).await);
    }
    for sender in &mut senders {
        for n in 0..400 {
            sender.send_json(&message("CANDIDATE", "victim", json!({"candidate": n}))).await;
        }
    }
    // The receiver reads nothing yet, but is alive (the suite's idle
    // timeout is short).
    victim.send_json(&json!({"type": "HEARTBEAT"})).await;
    let mut expired = 0;
    for sender in &mut senders {
        while let Some(frame) = sender.next_frame_within(Duration::from_millis(100)).await {
            match frame {
                Frame::Json(v) if v["type"] == "EXPIRE" => expired += 1,
                Frame::Closed(_) => break,
                other => panic!("a sender got {other:?}"),
            }
        }
    }
    assert!(expired > 0, "no sender heard that its messages were dropped");
    victim.send_json(&json!({"type": "HEARTBEAT"})).await;
    let mut received = 0;
    while let Some(frame) = victim.next_frame_within(Duration::from_millis(200)).await {
        match frame {
            Frame::Json(v) if v["type"] == "CANDIDATE" => received += 1,
            other => panic!("the receiver got {other:?} (closed for what others sent it?)"),
        }
    }
    assert!(received >= FLOODED_QUEUE / 4, "only {received} messages reached the receiver");
    let mut late = t.open("late").await;
    late.send_json(&message("OFFER", "victim", json!("still here"))).await;
    assert_eq!(victim.expect_json().await, relayed("OFFER", "late", "victim", json!("still here")));
}

/// Over the relay rate limit, a message is not relayed and its sender gets
/// EXPIRE for that destination; a sender that keeps going past as many
/// refusals is closed with 1008 (policy). Other peers carry on. Spec:
/// throttled (a burst of [`THROTTLED_BURST`], no refill).
pub async fn a_relay_flood_gets_expire_then_1008_and_others_carry_on(t: &Target) {
    let mut a = t.open("a").await;
    let mut b = t.open("b").await;
    let burst = THROTTLED_BURST as usize;
    // The burst, as many refusals (the strikes), and one more.
    for n in 0..=2 * burst {
        a.send_json(&message("OFFER", "b", json!(n))).await;
    }
    for n in 0..burst {
        assert_eq!(b.expect_json().await, relayed("OFFER", "a", "b", json!(n)));
    }
    for _ in 0..burst {
        assert_eq!(a.expect_json().await, json!({"type": "EXPIRE", "src": "b", "dst": "a"}));
    }
    assert_eq!(a.next_frame().await, Frame::Closed(Some(1008)));
    b.assert_no_frame_within(super::suite_relay::QUIET).await;
    // The id is free again, and the others relay as before.
    let mut c = t.open("c").await;
    c.send_json(&message("ANSWER", "b", json!("hi"))).await;
    assert_eq!(b.expect_json().await, relayed("ANSWER", "c", "b", json!("hi")));
    drop(open_eventually(t, "a", "token-a").await);
}

/// A page of an origin the hub does not accept gets 403 on the HTTP routes
/// and on the websocket upgrade; its own origin, a listed one and programs
/// (no `Origin`) get in. Spec: same_origin.
pub async fn pages_of_other_origins_get_403_and_listed_ones_get_in(t: &Target) {
    let own = format!("http://{}", t.addr);
    for (origin, allowed) in
        [(None, true), (Some(own.as_str()), true), (Some(LISTED_ORIGIN), true), (Some("http://evil.example"), false)]
    {
        let headers: Vec<(&str, &str)> = origin.map(|o| ("origin", o)).into_iter().collect();
        let id = crate::http::get(t.addr, &t.http_path("peerjs/id"), &headers).await;
        assert_eq!(id.status.as_u16(), if allowed { 200 } else { 403 }, "id from {origin:?}");
        let url = t.ws_url(&format!("key={}&id=o{}&token=t", t.key, u8::from(allowed)));
        let upgrade = PeerClient::connect_with(&url, &headers).await;
        match upgrade {
            Ok(mut client) => {
                assert!(allowed, "websocket from {origin:?} was upgraded");
                client.expect_open().await;
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert!(!allowed, "websocket from {origin:?}: {}", response.status());
                assert_eq!(response.status(), 403);
            }
            Err(other) => panic!("websocket from {origin:?}: {other}"),
        }
    }
}

/// One client address holds at most [`PEERS_PER_IP`] peers: the next gets
/// an ERROR frame and a close, the others are undisturbed, and a closed
/// peer frees its slot. Spec: per_ip (loopback counted).
pub async fn peers_per_address_are_capped_and_freed_on_close(t: &Target) {
    let mut held = Vec::new();
    for n in 0..PEERS_PER_IP {
        held.push(t.open(&format!("p{n}")).await);
    }
    let mut over = t.connect_peer("over", "token-over").await;
    assert_eq!(over.next_frame().await, Frame::Json(error("Too many peers from this address")));
    assert_eq!(over.next_frame().await, Frame::Closed(None));
    // The held peers still relay.
    held[0].send_json(&message("OFFER", "p1", json!(1))).await;
    assert_eq!(held[1].expect_json().await, relayed("OFFER", "p0", "p1", json!(1)));
    held.pop().unwrap().close().await;
    drop(open_eventually(t, "over", "token-over").await);
}

/// Without `limit_loopback`, clients on the server's own machine are not
/// counted. Spec: standard (the default cap of 128; loopback exempt).
pub async fn loopback_is_exempt_from_the_per_address_cap_by_default(t: &Target) {
    assert_eq!(super::ServerSpec::standard().options.peers_per_ip_for([127, 0, 0, 1].into()), None);
    let mut held = Vec::new();
    for n in 0..20 {
        held.push(t.open(&format!("l{n}")).await);
    }
    sync(&mut held[19], "l19").await;
}
