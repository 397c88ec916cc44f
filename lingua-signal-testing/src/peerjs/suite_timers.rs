//! Liveness (protocol §7): silent clients are dropped, HEARTBEAT keeps them.

use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::{Frame, Target, message, relayed, suite_config};

/// A client that sends no PeerJS frame — only websocket pings, which do not
/// count — is closed once `alive_timeout` passes, not before, and its id
/// is free again once the grace is over. Spec: standard (alive 1500 ms,
/// sweep 50 ms).
pub async fn silent_client_dropped_after_alive_timeout(t: &Target) {
    let alive = suite_config().alive();
    let start = Instant::now();
    let mut a = t.open("a").await;
    let deadline = start + alive + Duration::from_secs(2);
    loop {
        assert!(Instant::now() < deadline, "still open {:?} after connecting", start.elapsed());
        a.send_message(Message::Ping(Default::default())).await;
        match a.next_frame_within(Duration::from_millis(200)).await {
            None => {}
            Some(Frame::Closed(_)) => break,
            Some(frame) => panic!("unexpected {frame:?}"),
        }
    }
    assert!(start.elapsed() >= alive, "dropped after {:?}, before alive_timeout", start.elapsed());
    // A silent client said no goodbye: its id is its own for the grace,
    // then free.
    let frame = t.connect_peer("a", "new-token").await.next_frame().await;
    assert!(matches!(&frame, Frame::Json(v) if v["type"] == "ID-TAKEN"), "{frame:?}");
    super::open_eventually(t, "a", "new-token").await;
}

/// Clients sending `{"type":"HEARTBEAT"}` regularly stay connected well past
/// `alive_timeout` and keep relaying. Spec: standard (alive 1500 ms).
pub async fn heartbeat_keeps_client_alive(t: &Target) {
    let alive = suite_config().alive();
    let mut a = t.open("a").await;
    let mut b = t.open("b").await;
    let until = Instant::now() + alive * 2;
    while Instant::now() < until {
        for client in [&mut a, &mut b] {
            client.send_json(&json!({"type": "HEARTBEAT"})).await;
        }
        // Heartbeats are never answered, and neither socket may be closed.
        a.assert_no_frame_within(alive / 10).await;
        b.assert_no_frame_within(alive / 10).await;
    }
    a.send_json(&message("OFFER", "b", json!("still here"))).await;
    assert_eq!(b.expect_json().await, relayed("OFFER", "a", "b", json!("still here")));
}

/// With a ping interval, the server sends websocket Pings. Spec:
/// [`ServerSpec::pinging`](super::ServerSpec::pinging) (every 50 ms).
pub async fn server_pings_when_configured(t: &Target) {
    let mut a = t.open("a").await;
    let raw = a.next_message_raw(Duration::from_secs(1)).await;
    assert!(matches!(raw, Some(Message::Ping(_))), "{raw:?}");
}

/// Without one, nothing comes. Spec:
/// [`ServerSpec::quiet`](super::ServerSpec::quiet).
pub async fn no_pings_when_disabled(t: &Target) {
    let mut a = t.open("a").await;
    assert_eq!(a.next_message_raw(Duration::from_millis(300)).await, None);
}
