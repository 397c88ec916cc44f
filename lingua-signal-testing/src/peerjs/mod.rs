//! The black-box PeerJS suite, shared by every adapter.
//!
//! An adapter's test file provides one function starting a server from a
//! [`ServerSpec`] (on `127.0.0.1:0`) and returning its [`Target`], then
//! expands [`peerjs_suite!`](crate::peerjs_suite) to get one `#[tokio::test]`
//! per behaviour:
//!
//! ```ignore
//! async fn start_server(spec: ServerSpec) -> Target { /* bind, serve, return */ }
//! lingua_signal_testing::peerjs_suite!(start_server);
//! ```
//!
//! Every suite function takes the [`Target`] and documents the spec it
//! assumes; most use [`ServerSpec::standard`], whose short timers
//! ([`suite_config`]) keep the timer tests quick.

mod client;
mod suite_admission;
mod suite_http;
mod suite_relay;
mod suite_robust;
mod suite_timers;

use std::{net::SocketAddr, time::Duration};

use lingua_signal_core::Config;
use serde_json::{Value, json};

pub use client::{FRAME_WAIT, Frame, PeerClient};
pub use suite_admission::*;
pub use suite_http::*;
pub use suite_relay::*;
pub use suite_robust::*;
pub use suite_timers::*;

/// The key the suite's servers are configured with (not the default, so a
/// client sending the default key is refused).
pub const SUITE_KEY: &str = "suite-key";

/// A running PeerJS server, as the suite reaches it.
#[derive(Debug, Clone)]
pub struct Target {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The mount path `P` (the client's `path`), e.g. `"/peerjs"` or `"/"`.
    pub path: String,
    /// The key it expects on the websocket.
    pub key: String,
}

impl Target {
    /// `P` normalised to start and end with `/`, as the stock client does.
    #[must_use]
    pub fn mount(&self) -> String {
        let inner = self.path.trim_matches('/');
        if inner.is_empty() { "/".to_owned() } else { format!("/{inner}/") }
    }

    /// An HTTP path under `P`: `P` + `rest`.
    #[must_use]
    pub fn http_path(&self, rest: &str) -> String {
        format!("{}{rest}", self.mount())
    }

    /// The websocket URL with `query` (without `?`).
    #[must_use]
    pub fn ws_url(&self, query: &str) -> String {
        format!("ws://{}{}peerjs?{query}", self.addr, self.mount())
    }

    /// Opens a websocket with a raw query; panics if the upgrade fails.
    pub async fn connect(&self, query: &str) -> PeerClient {
        let url = self.ws_url(query);
        PeerClient::connect(&url).await.unwrap_or_else(|e| panic!("websocket upgrade at {url} failed: {e}"))
    }

    /// Connects as the stock client does: key, id, token, version.
    pub async fn connect_peer(&self, id: &str, token: &str) -> PeerClient {
        self.connect(&format!("key={}&id={id}&token={token}&version=1.5.5", self.key)).await
    }

    /// Connects `id` with the token `token-{id}` and checks that OPEN comes
    /// first.
    pub async fn open(&self, id: &str) -> PeerClient {
        let mut client = self.connect_peer(id, &format!("token-{id}")).await;
        client.expect_open().await;
        client
    }
}

/// How the suite needs a server configured. Adapters map it onto their own
/// options: hub config, mount path, key, peer discovery.
#[derive(Debug, Clone)]
pub struct ServerSpec {
    /// The hub's configuration.
    pub config: Config,
    /// The mount path `P`.
    pub path: String,
    /// The websocket key.
    pub key: String,
    /// Whether `GET P{key}/peers` lists the peers.
    pub allow_discovery: bool,
}

impl ServerSpec {
    /// [`suite_config`], mounted at `/peerjs`, key [`SUITE_KEY`], no discovery.
    #[must_use]
    pub fn standard() -> Self {
        Self { config: suite_config(), path: "/peerjs".to_owned(), key: SUITE_KEY.to_owned(), allow_discovery: false }
    }

    /// [`ServerSpec::standard`] with [`limit_config`].
    #[must_use]
    pub fn limit() -> Self {
        Self { config: limit_config(), ..Self::standard() }
    }

    /// [`ServerSpec::standard`] with discovery on.
    #[must_use]
    pub fn discovery() -> Self {
        Self { allow_discovery: true, ..Self::standard() }
    }
}

/// The hub configuration of the standard suite server: short timers so the
/// timer tests take about a second. Expire 400 ms, alive 1500 ms (long
/// enough that the other tests, which send no heartbeats, finish first),
/// sweep every 50 ms, 64 peers, 128 KiB frames.
#[must_use]
pub fn suite_config() -> Config {
    Config::default()
        .expire_timeout(Duration::from_millis(400))
        .alive_timeout(Duration::from_millis(1500))
        .sweep_interval(Duration::from_millis(50))
        .max_peers(64)
        .max_message_bytes(128 * 1024)
}

/// [`suite_config`] with room for two peers, for the limit test.
#[must_use]
pub fn limit_config() -> Config {
    suite_config().max_peers(2)
}

/// A relayed frame as a client writes it: `{"type", "dst", "payload"}`.
#[must_use]
pub fn message(kind: &str, dst: &str, payload: Value) -> Value {
    json!({"type": kind, "dst": dst, "payload": payload})
}

/// What the server must relay for [`message`] from `src`.
#[must_use]
pub fn relayed(kind: &str, src: &str, dst: &str, payload: Value) -> Value {
    json!({"type": kind, "src": src, "dst": dst, "payload": payload})
}

/// The ERROR frame carrying `msg`.
#[must_use]
pub fn error(msg: &str) -> Value {
    json!({"type": "ERROR", "payload": {"msg": msg}})
}

/// Refusal for a missing or empty `id`, `token` or `key`.
pub const NO_PARAMS: &str = "No id, token, or key supplied to websocket server";
/// Refusal for a wrong key.
pub const INVALID_KEY: &str = "Invalid key provided";
/// Refusal at the peer limit.
pub const LIMIT: &str = "Server has reached its concurrent user limit";

/// Expands to one `#[tokio::test]` per suite function, each starting its
/// own server with `$start(spec).await` (an `async fn(ServerSpec) -> Target`
/// in scope at the call site; the crate needs tokio with `macros` and `rt`).
#[macro_export]
macro_rules! peerjs_suite {
    ($start:path) => {
        $crate::peerjs_suite!(@tests $start;
            info_json => standard,
            head_is_answered_like_get => standard,
            id_endpoint_returns_bare_uuid_for_any_key => standard,
            peers_is_401_without_discovery => standard,
            peers_listed_with_discovery => discovery,
            cors_echoes_origin_and_answers_preflight => standard,
            websocket_only_at_its_exact_path => standard,
            missing_params_get_error_frame_then_close => standard,
            missing_beats_wrong_key => standard,
            wrong_key_error => standard,
            invalid_id_refused_with_error_frame => standard,
            query_is_url_decoded_last_duplicate_wins_version_optional => standard,
            id_taken_for_other_token_and_holder_undisturbed => standard,
            ten_simultaneous_claims_give_one_open => standard,
            same_token_reattach_gets_open_and_old_socket_closed => standard,
            concurrent_limit_error_frame => limit,
            open_first_then_relay_with_src_forced_and_four_fields => standard,
            frames_sent_before_reading_open_are_relayed => standard,
            payload_relayed_byte_for_byte_and_any_json_payload => standard,
            self_send_works => standard,
            unknown_types_ignored_heartbeat_never_answered => standard,
            held_messages_flushed_after_open_before_live => standard,
            leave_and_expire_to_absent_are_dropped => standard,
            expire_sent_once_per_sender_after_expire_timeout => standard,
            id_released_immediately_on_close_and_no_leave_sent => standard,
            silent_client_dropped_after_alive_timeout => standard,
            heartbeat_keeps_client_alive => standard,
            malformed_frames_do_not_disturb_others => standard,
            oversized_frame_closes_only_that_socket => standard,
        );
    };
    (@tests $start:path; $($name:ident => $spec:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let target = $start($crate::peerjs::ServerSpec::$spec()).await;
                $crate::peerjs::$name(&target).await;
            }
        )*
    };
}
