//! Admission (protocol §4.2–4.3, §8): refusal frames, ID-TAKEN, re-attach,
//! the peer limit.

use serde_json::json;

use super::{Frame, INVALID_KEY, LIMIT, NO_PARAMS, Target, error, message, relayed};

/// Connects with `query`, expects exactly `frame`, then a close without a
/// status code, as the reference's `socket.close()` (clients see 1005).
async fn refused(t: &Target, query: &str, frame: &serde_json::Value) {
    let mut client = t.connect(query).await;
    assert_eq!(&client.expect_json().await, frame, "query {query:?}");
    assert_eq!(client.expect_closed().await, None, "query {query:?}: close code");
}

/// A missing or empty `id`, `token` or `key` gets the "No id, token, or key"
/// ERROR frame after a successful upgrade, then the close. Spec: any.
pub async fn missing_params_get_error_frame_then_close(t: &Target) {
    let k = &t.key;
    for query in [
        String::new(),
        format!("key={k}"),
        format!("key={k}&id=a"),
        format!("key={k}&token=t"),
        "id=a&token=t".to_owned(),
        format!("key={k}&id=a&token="),
        format!("key={k}&id=&token=t"),
        "key=&id=a&token=t".to_owned(),
    ] {
        refused(t, &query, &error(NO_PARAMS)).await;
    }
}

/// A missing parameter is reported even when the key is also wrong.
/// Spec: any.
pub async fn missing_beats_wrong_key(t: &Target) {
    for query in ["key=wrong&id=a", "key=wrong&token=t", "key=wrong"] {
        refused(t, query, &error(NO_PARAMS)).await;
    }
}

/// A wrong key gets "Invalid key provided" and registers nothing. Spec:
/// standard (key is not `peerjs`).
pub async fn wrong_key_error(t: &Target) {
    assert_ne!(t.key, "peerjs", "the suite's server must not use the default key");
    refused(t, "key=peerjs&id=a&token=t&version=1.5.5", &error(INVALID_KEY)).await;
    refused(t, &format!("key={}x&id=a&token=t", t.key), &error(INVALID_KEY)).await;
    t.open("a").await;
}

/// An id the server does not accept gets an ERROR frame (any message) and
/// the close; every id of the stock client's syntax up to 64 bytes is
/// accepted. Spec: any.
pub async fn invalid_id_refused_with_error_frame(t: &Target) {
    for id in ["a%2Fb", "%3Cscript%3E", &"x".repeat(300)] {
        let mut client = t.connect(&format!("key={}&id={id}&token=t", t.key)).await;
        let frame = client.expect_json().await;
        assert_eq!(frame["type"], "ERROR", "id {id:?}: {frame}");
        assert!(frame["payload"]["msg"].as_str().is_some_and(|m| !m.is_empty()), "{frame}");
        client.expect_closed().await;
    }
    let long = format!("A1-b2_c3%20{}", "z".repeat(64 - 9));
    t.connect(&format!("key={}&id={long}&token=t", t.key)).await.expect_open().await;
}

/// The query is URL-decoded (`%20` and `+` are spaces), a repeated name
/// keeps its last value, unknown names are ignored and `version` is
/// optional. Checked by relaying to the decoded ids. Spec: any.
pub async fn query_is_url_decoded_last_duplicate_wins_version_optional(t: &Target) {
    let k = &t.key;
    let mut spaced = t.connect(&format!("id=x&key={k}&token=t1&id=a%20b&foo=bar")).await;
    spaced.expect_open().await;
    let mut plus = t.connect(&format!("key=wrong&key={k}&id=c+d&token=t2")).await;
    plus.expect_open().await;
    let mut sender = t.open("s").await;
    sender.send_json(&message("OFFER", "a b", json!(1))).await;
    assert_eq!(spaced.expect_json().await, relayed("OFFER", "s", "a b", json!(1)));
    sender.send_json(&message("OFFER", "c d", json!(2))).await;
    assert_eq!(plus.expect_json().await, relayed("OFFER", "s", "c d", json!(2)));
    // "x", the first value of the repeated id, was never registered: the
    // message is held, not delivered to the "a b" socket.
    sender.send_json(&message("OFFER", "x", json!(3))).await;
    spaced.assert_no_frame_within(std::time::Duration::from_millis(150)).await;
}

/// A second token claiming a held id gets ID-TAKEN and the close; the holder
/// is told nothing and keeps its id. Spec: any.
pub async fn id_taken_for_other_token_and_holder_undisturbed(t: &Target) {
    let mut holder = t.open("a").await;
    let mut thief = t.connect_peer("a", "another-token").await;
    assert_eq!(thief.expect_json().await, json!({"type": "ID-TAKEN", "payload": {"msg": "ID is taken"}}));
    thief.expect_closed().await;
    let mut b = t.open("b").await;
    b.send_json(&message("OFFER", "a", json!({"n": 1}))).await;
    assert_eq!(holder.expect_json().await, relayed("OFFER", "b", "a", json!({"n": 1})));
}

/// Ten simultaneous claims of one fresh id with ten tokens: exactly one
/// OPEN, nine ID-TAKEN, each refused socket closed. Spec: any.
pub async fn ten_simultaneous_claims_give_one_open(t: &Target) {
    let tokens: Vec<String> = (0..10).map(|i| format!("token{i}")).collect();
    let connects = tokens.iter().map(|token| t.connect_peer("contested", token));
    let mut clients = futures::future::join_all(connects).await;
    let mut opens = 0;
    for client in &mut clients {
        match client.expect_json().await["type"].as_str() {
            Some("OPEN") => opens += 1,
            Some("ID-TAKEN") => {
                client.expect_closed().await;
            }
            other => panic!("unexpected first frame type {other:?}"),
        }
    }
    assert_eq!(opens, 1);
}

/// Reconnecting with the same id and token (the client's `reconnect()`)
/// gets OPEN; the superseded socket is closed; messages reach the new
/// socket. (The reference sends nothing and keeps the old socket; §14
/// recommends this behaviour.) Spec: any.
pub async fn same_token_reattach_gets_open_and_old_socket_closed(t: &Target) {
    let mut old = t.open("a").await;
    let mut new = t.connect_peer("a", "token-a").await;
    new.expect_open().await;
    assert!(matches!(old.next_frame().await, Frame::Closed(_)), "the superseded socket stays open");
    let mut b = t.open("b").await;
    b.send_json(&message("ANSWER", "a", json!("x"))).await;
    assert_eq!(new.expect_json().await, relayed("ANSWER", "b", "a", json!("x")));
}

/// At the peer limit a new id gets the limit ERROR frame and the close;
/// re-attaching a registered id is still allowed; once a peer leaves, a new
/// id gets in. Spec: [`ServerSpec::limit`](super::ServerSpec::limit)
/// (two peers).
pub async fn concurrent_limit_error_frame(t: &Target) {
    let _a = t.open("a").await;
    let b = t.open("b").await;
    refused(t, &format!("key={}&id=c&token=t", t.key), &error(LIMIT)).await;
    t.connect_peer("a", "token-a").await.expect_open().await;
    b.close().await;
    t.open("c").await;
}

/// With default options the stock client's own key, `peerjs`, is the one
/// accepted. Spec: [`ServerSpec::defaults`](super::ServerSpec::defaults).
pub async fn default_options_take_the_stock_clients_key(t: &Target) {
    assert_eq!((t.key.as_str(), t.mount().as_str()), ("peerjs", "/peerjs/"));
    t.open("a").await;
}

/// The host's authorizer sees the PeerJS socket too: a refused one gets an
/// ERROR frame `"{code}: {reason}"` and the close without status, and no id
/// is registered; an accepted one registers as usual. Spec:
/// [`ServerSpec::gated`](super::ServerSpec::gated) (token
/// [`TOKEN`](crate::gate::TOKEN)).
pub async fn the_hosts_refusal_is_an_error_frame_then_close(t: &Target) {
    let refused_frame = error("unauthorized: a valid token is needed");
    refused(t, &format!("key={}&id=a&token=wrong", t.key), &refused_frame).await;
    refused(t, &format!("key={}&id=a&token={}", t.key, crate::gate::BANNED), &error("banned: this token is banned"))
        .await;
    assert!(t.hub().peer_ids().is_empty(), "a refused socket registered nothing");
    let mut a = t.connect_peer("a", crate::gate::TOKEN).await;
    a.expect_open().await;
}
