//! The black-box PeerJS suite, shared by every adapter.
//!
//! An adapter's test file provides one function serving a [`ServerSpec`]'s
//! hub and options on `127.0.0.1:0`, beside a route `GET /hello` of "the
//! application's" answering `hello`, and returning the address, then expands
//! [`peerjs_suite!`](crate::peerjs_suite) to get one `#[tokio::test]` per
//! behaviour:
//!
//! ```text
//! async fn start_server(spec: ServerSpec) -> SocketAddr { /* bind, serve, return */ }
//! lingua_signal_testing::peerjs_suite!(start_server);
//! ```
//!
//! Every suite function takes the [`Target`] and documents the spec it
//! assumes; most use [`ServerSpec::standard`], whose short timers
//! ([`suite_config`]) keep the timer tests quick.

mod client;
mod suite_admission;
mod suite_close;
mod suite_http;
mod suite_relay;
mod suite_robust;
mod suite_timers;

use std::{net::SocketAddr, time::Duration};

use lingua_signal_core::{Config, Hub, Origins, peerjs::PeerJsOptions};
use serde_json::{Value, json};

use crate::wire::peerjs as wire;

pub use client::{FRAME_WAIT, Frame, PeerClient};
pub use suite_admission::*;
pub use suite_close::*;
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
    /// The hub it serves, when the test has it (the suite always does).
    pub hub: Option<Hub>,
}

impl Target {
    /// A server at `addr` with mount path `path` and key `key`.
    #[must_use]
    pub fn new(addr: SocketAddr, path: &str, key: &str) -> Self {
        Self { addr, path: path.to_owned(), key: key.to_owned(), hub: None }
    }

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
        self.connect(&format!("{}&version=1.5.5", wire::query(&self.key, id, token))).await
    }

    /// Connects `id` with the token `token-{id}` and checks that OPEN comes
    /// first.
    pub async fn open(&self, id: &str) -> PeerClient {
        let mut client = self.connect_peer(id, &format!("token-{id}")).await;
        client.expect_open().await;
        client
    }

    /// The hub, for suite functions that act on the server side.
    ///
    /// # Panics
    ///
    /// When the target was made without one.
    #[must_use]
    pub fn hub(&self) -> &Hub {
        self.hub.as_ref().expect("a suite target carries its hub")
    }
}

/// How the suite needs a server configured: the hub to serve (made from the
/// suite's [`Config`]) and the PeerJS options, which every adapter takes as
/// they are.
#[derive(Debug, Clone)]
pub struct ServerSpec {
    /// The hub the server must serve.
    pub hub: Hub,
    /// The PeerJS options: mount path, key, discovery, CORS, pings, grace.
    pub options: PeerJsOptions,
}

impl ServerSpec {
    fn with(config: Config, options: PeerJsOptions) -> Self {
        Self { hub: Hub::new(config), options }
    }

    /// [`suite_config`], mounted at `/peerjs`, key [`SUITE_KEY`], no
    /// discovery, default pings and close grace.
    #[must_use]
    pub fn standard() -> Self {
        Self::with(suite_config(), standard_options())
    }

    /// [`ServerSpec::standard`] with [`limit_config`].
    #[must_use]
    pub fn limit() -> Self {
        Self::with(limit_config(), standard_options())
    }

    /// [`ServerSpec::standard`] with discovery on.
    #[must_use]
    pub fn discovery() -> Self {
        Self::with(suite_config(), standard_options().allow_discovery(true))
    }

    /// [`ServerSpec::standard`] mounted at `/`, the reference's default.
    #[must_use]
    pub fn at_root() -> Self {
        Self::with(suite_config(), standard_options().path("/"))
    }

    /// [`ServerSpec::standard`] mounted two segments deep, at `/a/b`.
    #[must_use]
    pub fn deep() -> Self {
        Self::with(suite_config(), standard_options().path("/a/b"))
    }

    /// [`ServerSpec::standard`] echoing only the origin [`LISTED_ORIGIN`].
    #[must_use]
    pub fn cors_list() -> Self {
        Self::with(suite_config(), standard_options().cors_origins(Some(vec![LISTED_ORIGIN.to_owned()])))
    }

    /// [`ServerSpec::standard`] with a websocket ping every 50 ms.
    #[must_use]
    pub fn pinging() -> Self {
        Self::with(suite_config(), standard_options().ping_interval(Some(Duration::from_millis(50))))
    }

    /// [`ServerSpec::standard`] without websocket pings.
    #[must_use]
    pub fn quiet() -> Self {
        Self::with(suite_config(), standard_options().ping_interval(None))
    }

    /// [`ServerSpec::standard`] with a close grace of [`SHORT_GRACE`].
    #[must_use]
    pub fn short_grace() -> Self {
        Self::with(suite_config(), standard_options().close_grace(SHORT_GRACE))
    }

    /// [`ServerSpec::standard`] with discovery on, on a hub whose host
    /// authorizer is [`Gate`](crate::gate::Gate): only the token
    /// [`TOKEN`](crate::gate::TOKEN) gets in.
    #[must_use]
    pub fn gated() -> Self {
        let hub = Hub::builder().config(suite_config()).authorizer(crate::gate::Gate).build();
        Self { hub, options: standard_options().allow_discovery(true) }
    }

    /// [`ServerSpec::standard`] with a relay rate limit of
    /// [`THROTTLED_BURST`] messages and no refill, so a test knows exactly
    /// which message is the first one over it.
    #[must_use]
    pub fn throttled() -> Self {
        Self::with(suite_config().relay_rate_limit(0, THROTTLED_BURST), standard_options())
    }

    /// [`ServerSpec::standard`] with outbound queues of [`FLOODED_QUEUE`]
    /// frames, so that a flood fills one at once.
    #[must_use]
    pub fn flooded() -> Self {
        Self::with(suite_config().outbound_capacity(FLOODED_QUEUE), standard_options())
    }

    /// [`ServerSpec::standard`] with at most [`PEERS_PER_IP`] peers per
    /// client address, loopback included.
    #[must_use]
    pub fn per_ip() -> Self {
        Self::with(suite_config(), standard_options().max_peers_per_ip(Some(PEERS_PER_IP)).limit_loopback(true))
    }

    /// [`ServerSpec::standard`] on a hub that accepts pages of its own
    /// origin and of [`LISTED_ORIGIN`] only.
    #[must_use]
    pub fn same_origin() -> Self {
        let origins = Origins::same_origin().allow(LISTED_ORIGIN).unwrap_or_else(|_| Origins::same_origin());
        let hub = Hub::builder().config(suite_config()).origins(origins).build();
        Self { hub, options: standard_options() }
    }

    /// Every PeerJS option at its default (`/peerjs`, key `peerjs`), with
    /// the suite's hub configuration.
    #[must_use]
    pub fn defaults() -> Self {
        Self::with(suite_config(), PeerJsOptions::default())
    }

    /// The mount path.
    #[must_use]
    pub fn path(&self) -> &str {
        self.options.mount_path()
    }

    /// A [`Target`] for this spec served at `addr`.
    #[must_use]
    pub fn target(&self, addr: SocketAddr) -> Target {
        Target { hub: Some(self.hub.clone()), ..Target::new(addr, self.path(), self.options.key_str()) }
    }
}

fn standard_options() -> PeerJsOptions {
    PeerJsOptions::default().path("/peerjs").key(SUITE_KEY)
}

/// The one origin [`ServerSpec::cors_list`] echoes.
pub const LISTED_ORIGIN: &str = "http://good:3000";

/// The per-address limit of [`ServerSpec::per_ip`].
pub const PEERS_PER_IP: usize = 3;

/// The outbound queue of [`ServerSpec::flooded`].
pub const FLOODED_QUEUE: usize = 16;

/// The relay burst of [`ServerSpec::throttled`].
pub const THROTTLED_BURST: u32 = 5;

/// The close grace of [`ServerSpec::short_grace`].
pub const SHORT_GRACE: Duration = Duration::from_millis(400);

/// The hub configuration of the standard suite server: short timers so the
/// timer tests take about a second. Expire 400 ms, alive 1500 ms (long
/// enough that the other tests, which send no heartbeats, finish first),
/// a dropped socket's id reserved for 600 ms, sweep every 50 ms, 64 peers,
/// 128 KiB frames and PeerJS messages.
#[must_use]
pub fn suite_config() -> Config {
    Config::default()
        .expire_timeout(Duration::from_millis(400))
        .resume_grace(Duration::from_millis(600))
        .alive_timeout(Duration::from_millis(1500))
        .sweep_interval(Duration::from_millis(50))
        .max_peers(64)
        .max_message_bytes(128 * 1024)
        .max_relay_bytes(128 * 1024)
}

/// [`suite_config`] with room for two peers, for the limit test.
#[must_use]
pub fn limit_config() -> Config {
    suite_config().max_peers(2)
}

/// A relayed frame as a client writes it: `{"type", "dst", "payload"}`.
#[must_use]
pub fn message(kind: &str, dst: &str, payload: Value) -> Value {
    relay_frame(kind, None, dst, payload)
}

/// What the server must relay for [`message`] from `src`.
#[must_use]
pub fn relayed(kind: &str, src: &str, dst: &str, payload: Value) -> Value {
    relay_frame(kind, Some(src), dst, payload)
}

fn relay_frame(kind: &str, src: Option<&str>, dst: &str, payload: Value) -> Value {
    wire::Outgoing { kind, src, dst, payload }.to_value().expect("a frame of strings and JSON is JSON")
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
/// own server with `$start(spec).await` (an
/// `async fn(ServerSpec) -> SocketAddr` in scope at the call site that
/// serves `spec.hub` with `spec.options`, beside a route `GET /hello`
/// answering `hello`; the crate needs tokio with `macros` and `rt`).
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
            cors_origin_list_echoes_only_listed_origins => cors_list,
            websocket_only_at_its_exact_path => standard,
            routes_beside_the_server_are_untouched => standard,
            mounted_at_root_serves_the_reference_layout => at_root,
            mounted_two_segments_deep_serves_the_same_layout => deep,
            missing_params_get_error_frame_then_close => standard,
            missing_beats_wrong_key => standard,
            wrong_key_error => standard,
            invalid_id_refused_with_error_frame => standard,
            query_is_url_decoded_last_duplicate_wins_version_optional => standard,
            id_taken_for_other_token_and_holder_undisturbed => standard,
            ten_simultaneous_claims_give_one_open => standard,
            same_token_reattach_gets_open_and_old_socket_closed => standard,
            concurrent_limit_error_frame => limit,
            the_hosts_refusal_is_an_error_frame_then_close => gated,
            the_peer_list_asks_the_host_and_ids_do_not => gated,
            default_options_take_the_stock_clients_key => defaults,
            open_first_then_relay_with_src_forced_and_four_fields => standard,
            frames_sent_before_reading_open_are_relayed => standard,
            payload_relayed_byte_for_byte_and_any_json_payload => standard,
            binary_frames_are_read_as_text => standard,
            self_send_works => standard,
            unknown_types_ignored_heartbeat_never_answered => standard,
            held_messages_flushed_after_open_before_live => standard,
            leave_and_expire_to_absent_are_dropped => standard,
            expire_sent_once_per_sender_after_expire_timeout => standard,
            id_released_immediately_on_close_and_no_leave_sent => standard,
            a_dropped_socket_keeps_its_id_for_its_token_during_the_grace => standard,
            silent_client_dropped_after_alive_timeout => standard,
            heartbeat_keeps_client_alive => standard,
            server_pings_when_configured => pinging,
            no_pings_when_disabled => quiet,
            malformed_frames_do_not_disturb_others => standard,
            oversized_frame_closes_only_that_socket => standard,
            idle_timeout_closes_with_1000 => standard,
            shutdown_closes_with_1001 => standard,
            invalid_utf8_closes_with_1007 => standard,
            broken_framing_closes_with_1002 => standard,
            oversized_frame_is_not_read_on => standard,
            unanswered_close_is_dropped_after_the_grace => short_grace,
            a_relay_flood_gets_expire_then_1008_and_others_carry_on => throttled,
            a_flood_to_one_peer_never_closes_it => flooded,
            oversized_fragmented_message_closes_with_1009 => standard,
            pages_of_other_origins_get_403_and_listed_ones_get_in => same_origin,
            peers_per_address_are_capped_and_freed_on_close => per_ip,
            loopback_is_exempt_from_the_per_address_cap_by_default => standard,
        );
    };
    (@tests $start:path; $($name:ident => $spec:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let spec = $crate::peerjs::ServerSpec::$spec();
                let target = spec.target($start(spec.clone()).await);
                $crate::peerjs::$name(&target).await;
            }
        )*
    };
}
