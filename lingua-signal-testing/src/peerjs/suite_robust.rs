//! Robustness (protocol §10): bad frames never disturb other peers.

use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use super::{Frame, Target, message, relayed, suite_config, suite_relay::open_eventually, suite_relay::sync};

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
    let huge = "y".repeat(suite_config().message_bytes() + 1024);
    // The server may reset the connection while the frame is still being
    // written; only the outcome matters.
    let _ = a.try_send(Message::text(message("OFFER", "b", json!(huge)).to_string())).await;
    assert_eq!(a.next_frame().await, Frame::Closed(Some(1009)), "an oversized frame closes with 1009");
    c.send_json(&message("CANDIDATE", "b", json!(2))).await;
    assert_eq!(b.expect_json().await, relayed("CANDIDATE", "c", "b", json!(2)));
    open_eventually(t, "a", "another-token").await;
}
