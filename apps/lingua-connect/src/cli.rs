//! Command-line flags; each also reads an environment variable.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Parser;
use lingua_signal_core::turn::Secret;
use lingua_signal_core::{
    ClientCookies, Config, CookieKey, Hub, HubBuilder, OriginError, Origins, Ownership, Rate, TrustedProxies,
    turn::MAX_TTL,
};
use lingua_signal_redis::RedisBackplane;

/// Serve Lingua Connect video rooms: the room pages, Socket.IO rooms and a
/// PeerJS-compatible server, all on one port.
#[derive(Debug, Clone, Parser)]
#[command(name = "lingua-connect", version, about)]
pub struct Options {
    /// Address to listen on.
    #[arg(long, env = "LINGUA_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Also serve the PeerJS server alone on this port (same host as --addr),
    /// with the layout of a standalone PeerJS server at path "/"
    /// (GET /peerjs/id, websocket /peerjs), for pages written for the Node
    /// original.
    #[arg(long, env = "LINGUA_PEERJS_PORT")]
    pub peerjs_port: Option<u16>,

    /// PeerJS key the websocket requires.
    #[arg(long, env = "LINGUA_PEERJS_KEY", default_value = "peerjs")]
    pub peerjs_key: String,

    /// Answer GET /peerjs/{key}/peers with the list of connected peer ids.
    #[arg(long, env = "LINGUA_PEERJS_DISCOVERY")]
    pub peerjs_discovery: bool,

    /// ICE server URL handed to the page (stun:, turn: or turns:); repeat for
    /// several. Default: none, which works on one machine or a LAN.
    #[arg(long = "ice-server", value_name = "URL", env = "LINGUA_ICE_SERVERS", value_delimiter = ',', value_parser = ice_url)]
    pub ice_servers: Vec<String>,

    /// Fixed username for the turn:/turns: ICE servers (a provider's
    /// long-lived credentials). Not with --turn-secret.
    #[arg(long, env = "LINGUA_TURN_USERNAME", requires = "turn_credential")]
    pub turn_username: Option<String>,

    /// Fixed credential for the turn:/turns: ICE servers. Not with
    /// --turn-secret.
    #[arg(long, env = "LINGUA_TURN_CREDENTIAL", requires = "turn_username", hide_env_values = true)]
    pub turn_credential: Option<String>,

    /// Secret shared with the TURN server (coturn: use-auth-secret and
    /// static-auth-secret=...): every page gets its own credentials for the
    /// turn:/turns: ICE servers, valid for --turn-ttl, and fetches new ones
    /// from /ice-servers before they expire. Needs a turn: or turns:
    /// --ice-server; the fixed --turn-username/--turn-credential pair is the
    /// other way to authenticate, so the two cannot be combined.
    #[arg(
        long,
        env = "LINGUA_TURN_SECRET",
        hide_env_values = true,
        value_name = "SECRET",
        requires = "ice_servers",
        conflicts_with_all = ["turn_username", "turn_credential"],
        value_parser = turn_secret,
    )]
    pub turn_secret: Option<Secret>,

    /// How long credentials from --turn-secret stay valid: seconds, or a
    /// number followed by s, m, h or d (90m, 12h); from 1 minute to 24
    /// hours (a leaked credential works until it expires).
    #[arg(long, env = "LINGUA_TURN_TTL", value_name = "DURATION", default_value = "1h", value_parser = ttl)]
    pub turn_ttl: Duration,

    /// Requests for fresh ICE servers (GET /ice-servers) one client address
    /// may make, as PER_SECOND/BURST; then 429. Loopback clients are not
    /// counted unless --limit-loopback.
    #[arg(long, env = "LINGUA_ICE_RATE", default_value = "1/10", value_parser = rate, value_name = "PER_SECOND/BURST")]
    pub ice_rate: Rate,

    /// Key that signs the client cookie (at least 32 bytes, e.g. the output
    /// of `openssl rand -hex 32`). Default: a random key per process, so
    /// cookies stop proving anything when it restarts (pages reload them)
    /// and a cookie issued by one process proves nothing to another: with
    /// --redis-url, give every process the same key.
    #[arg(long, env = "LINGUA_COOKIE_KEY", hide_env_values = true, value_name = "KEY", value_parser = cookie_key)]
    pub cookie_key: Option<CookieKey>,

    /// Issue the client cookie for HTTPS (__Host-lingua_client, Secure)
    /// although this process serves plain HTTP: behind a reverse proxy that
    /// terminates TLS. On with --tls-cert.
    #[arg(long, env = "LINGUA_SECURE_COOKIE")]
    pub secure_cookie: bool,

    /// The key of --cookie-key's default, drawn once per process (when the
    /// flags are parsed), so the pages and the hub share it.
    #[arg(skip = CookieKey::random())]
    process_cookie_key: CookieKey,

    /// PEM certificate chain: serve HTTPS (browsers allow the camera only on
    /// localhost or HTTPS).
    #[arg(long, env = "LINGUA_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key for --tls-cert.
    #[arg(long, env = "LINGUA_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    // Connection deadlines and limits (lingua-signal-serve; SECURITY.md).
    /// Time a client has to send a complete request head, on a new
    /// connection or for the next request on a kept-alive one; then 408 and
    /// close. Durations: seconds (10) or with a unit (500ms, 1m 30s).
    #[arg(long, env = "LINGUA_HEADER_TIMEOUT", default_value = "10s", value_parser = duration, help_heading = LIMITS)]
    pub header_timeout: Duration,

    /// Time a kept-alive connection may stay silent after a response; then
    /// it is closed.
    #[arg(long, env = "LINGUA_IDLE_TIMEOUT", default_value = "5s", value_parser = duration, help_heading = LIMITS)]
    pub idle_timeout: Duration,

    /// Time a client has to send a whole request body after its head; then
    /// 408 and close.
    #[arg(long, env = "LINGUA_BODY_TIMEOUT", default_value = "30s", value_parser = duration, help_heading = LIMITS)]
    pub body_timeout: Duration,

    /// Time a client has to complete its TLS handshake.
    #[arg(long, env = "LINGUA_TLS_HANDSHAKE_TIMEOUT", default_value = "10s", value_parser = duration, help_heading = LIMITS)]
    pub tls_handshake_timeout: Duration,

    /// Most connections open at once from one IP address (IPv6: one /64),
    /// websockets included; more are closed at once. 0: no cap.
    #[arg(long, env = "LINGUA_MAX_CONNECTIONS_PER_IP", default_value_t = 256, help_heading = LIMITS)]
    pub max_connections_per_ip: u32,

    /// Apply --max-connections-per-ip to loopback clients too (exempt by
    /// default, for local tests and load generators).
    #[arg(long, env = "LINGUA_LIMIT_LOOPBACK", help_heading = LIMITS)]
    pub limit_loopback: bool,

    /// Most Socket.IO sessions (long-polling or websocket) and rooms
    /// websockets open at once from one client address (IPv6: one /64);
    /// past it the handshake is refused with too-many-connections. A
    /// long-polling session holds no TCP connection between its requests,
    /// so --max-connections-per-ip does not see it. 0: no cap. Loopback is
    /// exempt unless --limit-loopback. The default matches
    /// --max-peers-per-ip: a room page holds one session and one peer.
    #[arg(long, env = "LINGUA_MAX_SESSIONS_PER_IP", default_value_t = 128, help_heading = LIMITS)]
    pub max_sessions_per_ip: usize,

    /// Most rooms that clients of one address (IPv6: one /64) may have
    /// created and that still exist; a room counts against the address of
    /// its first member until it is empty. A join that would create one
    /// more is refused with too-many-rooms-from-address; existing rooms can
    /// still be joined. 0: no cap. Loopback is exempt unless
    /// --limit-loopback.
    #[arg(long, env = "LINGUA_MAX_ROOMS_PER_IP", default_value_t = 100, help_heading = LIMITS)]
    pub max_rooms_per_ip: usize,

    /// A reverse proxy (address or CIDR network, e.g. 127.0.0.1 or
    /// 10.0.0.0/8) whose Forwarded / X-Forwarded-For headers name the
    /// client; repeat for several. Only requests from these have the
    /// headers read (the rightmost hop that is not a listed proxy is the
    /// client), so every per-address limit applies to the real clients
    /// behind the proxy. Default: none, the TCP peer is the client.
    #[arg(long = "trusted-proxy", value_name = "ADDR[/PREFIX]", env = "LINGUA_TRUSTED_PROXIES", value_delimiter = ',', value_parser = proxy, help_heading = LIMITS)]
    pub trusted_proxies: Vec<TrustedProxies>,

    /// Most participants per room (2 for a one-to-one lesson). Every page
    /// calls every other one (a full mesh), so the browsers, not the server,
    /// set the limit: at 8 a page takes about one core to send 640x480 to
    /// the 7 others (client-js/DEVELOPING.md, "Room size"); past that, video gets
    /// worse for everyone.
    #[arg(long, env = "LINGUA_MAX_ROOM_SIZE", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_room_size: u16,

    /// Accept any user id in join-room, as the Node original does. By
    /// default a user id must be a PeerJS id that the same browser
    /// registered on this server (its client cookie or PeerJS token shows
    /// it); turn this on for pages that use another PeerJS server and for
    /// load generators that announce made-up ids.
    #[arg(long, env = "LINGUA_TRUST_CLIENT_IDS")]
    pub trust_client_ids: bool,

    /// Also accept websockets and PeerJS requests from pages of this origin
    /// (scheme://host[:port]); repeat for several, or "*" for any. Pages the
    /// app serves itself are always accepted, on any of its ports (--addr,
    /// --peerjs-port); behind a reverse proxy, list the public origin here.
    #[arg(long = "allow-origin", value_name = "ORIGIN", env = "LINGUA_ALLOW_ORIGINS", value_delimiter = ',', value_parser = origin)]
    pub allow_origins: Vec<String>,

    /// With --addr on a non-loopback address: a host name that requests may
    /// carry in `Host` (repeat for several, "*" for any). IP addresses,
    /// `localhost` and the hosts of --allow-origin are always accepted; any
    /// other name is refused (403 host-not-allowed), so that a page of a
    /// domain pointed at this server (DNS rebinding) cannot use it. Name
    /// here the public host a proxy or DNS gives the app.
    #[arg(long = "allowed-host", value_name = "NAME", env = "LINGUA_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    /// Serve GET /metrics to requests with `Authorization: Bearer TOKEN`
    /// (from anywhere). Without it, /metrics answers loopback clients only
    /// (a Prometheus on the same host; behind a proxy, see
    /// --trusted-proxy); others get 403 metrics-not-allowed.
    #[arg(long, env = "LINGUA_METRICS_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Most PeerJS peers registered at once from one client address (0: no
    /// limit). Loopback clients are not counted unless --limit-loopback.
    #[arg(long, env = "LINGUA_MAX_PEERS_PER_IP", default_value_t = 128)]
    pub max_peers_per_ip: usize,

    /// Joins one connection may ask for, as PER_SECOND/BURST.
    #[arg(long, env = "LINGUA_JOIN_RATE", default_value = "2/10", value_parser = rate, value_name = "PER_SECOND/BURST")]
    pub join_rate: Rate,

    /// Chat and other room messages one connection may send, as
    /// PER_SECOND/BURST.
    #[arg(long, env = "LINGUA_MESSAGE_RATE", default_value = "10/20", value_parser = rate, value_name = "PER_SECOND/BURST")]
    pub message_rate: Rate,

    /// PeerJS messages (offers, answers, candidates) one peer may have
    /// relayed, as PER_SECOND/BURST.
    #[arg(long, env = "LINGUA_RELAY_RATE", default_value = "100/400", value_parser = rate, value_name = "PER_SECOND/BURST")]
    pub relay_rate: Rate,

    /// Bytes of PeerJS messages one peer may have relayed, as
    /// PER_SECOND/BURST: the relay carries signaling, not data.
    #[arg(long, env = "LINGUA_RELAY_BYTE_RATE", default_value = "131072/524288", value_parser = rate, value_name = "PER_SECOND/BURST")]
    pub relay_byte_rate: Rate,

    /// How long a client's PeerJS id stays its own after its connection is
    /// lost without a goodbye (a network drop): only the same client may
    /// register it again meanwhile. A clean close releases it at once,
    /// unless the client is still in a room under it. Durations: seconds
    /// (15) or with a unit (500ms, 1m).
    #[arg(long, env = "LINGUA_RESUME_GRACE", default_value = "15s", value_parser = duration, help_heading = LIMITS)]
    pub resume_grace: Duration,

    /// Room-info lookups (GET /room-info/{room}) one client address may
    /// make, as PER_SECOND/BURST; over it, 429 rate-limited, so room names
    /// cannot be guessed by the thousand. Loopback is exempt unless
    /// --limit-loopback.
    #[arg(long, env = "LINGUA_ROOM_INFO_RATE", default_value = "5/30", value_parser = rate, value_name = "PER_SECOND/BURST")]
    pub room_info_rate: Rate,

    /// Share rooms and PeerJS peers with the other processes that use this
    /// Redis server (redis://[user:password@]host[:port][/db]). Default:
    /// none; one process serves alone and nothing about Redis is started.
    #[arg(long, env = "LINGUA_REDIS_URL", value_name = "URL", value_parser = redis_url)]
    pub redis_url: Option<String>,

    /// With --redis-url: how long, in milliseconds, this process's presence
    /// lasts in Redis without a refresh. When a process dies, the others
    /// announce its members as gone within this time plus a fifth of it.
    #[arg(long, env = "LINGUA_REDIS_TTL_MS", default_value_t = 10_000, value_name = "MS", value_parser = clap::value_parser!(u64).range(50..=86_400_000))]
    pub redis_ttl_ms: u64,
}

impl Options {
    /// The PeerJS server's options from the flags: mounted at
    /// [`PEERJS_PATH`](crate::PEERJS_PATH), with `--peerjs-key` and
    /// `--peerjs-discovery`.
    #[must_use]
    pub fn peerjs_options(&self) -> lingua_signal_core::peerjs::PeerJsOptions {
        lingua_signal_core::peerjs::PeerJsOptions::default()
            .path(crate::PEERJS_PATH)
            .key(self.peerjs_key.clone())
            .allow_discovery(self.peerjs_discovery)
            .max_peers_per_ip(Some(self.max_peers_per_ip).filter(|&n| n > 0))
            .limit_loopback(self.limit_loopback)
    }

    /// The hub both apps serve: room size and rate limits from the flags,
    /// pages of the app's own origins (the same host on `--addr`'s port or
    /// `--peerjs-port`) and `--allow-origin` only, and user ids
    /// verified against the PeerJS registrations unless
    /// `--trust-client-ids`.
    /// An `--allow-origin` that is not an origin (the flag parser refuses
    /// those) is left out, with a warning.
    #[must_use]
    pub fn hub(&self) -> Hub {
        let config = Config::default()
            .max_members_per_room(usize::from(self.max_room_size))
            .join_rate_limit(self.join_rate.per_second(), self.join_rate.burst())
            .message_rate_limit(self.message_rate.per_second(), self.message_rate.burst())
            .relay_rate_limit(self.relay_rate.per_second(), self.relay_rate.burst())
            .relay_byte_rate_limit(self.relay_byte_rate.per_second(), self.relay_byte_rate.burst())
            .resume_grace(self.resume_grace)
            .max_connections_per_address(Some(self.max_sessions_per_ip).filter(|&n| n > 0))
            .max_rooms_per_address(Some(self.max_rooms_per_ip).filter(|&n| n > 0))
            .room_info_rate_limit(self.room_info_rate.per_second(), self.room_info_rate.burst())
            .limit_loopback(self.limit_loopback);
        // Pages served by any of the app's listeners (the main port and
        // --peerjs-port) may use every one of them.
        let own_ports = std::iter::once(self.addr.port()).chain(self.peerjs_port);
        let mut origins = Origins::same_origin().own_ports(own_ports);
        for origin in &self.allow_origins {
            if origin == "*" {
                origins = Origins::any();
                break;
            }
            origins = match origins.clone().allow(origin) {
                Ok(more) => more,
                Err(error) => {
                    tracing::warn!(%error, "--allow-origin left out");
                    origins
                }
            };
        }
        if let Some(hosts) = self.host_names() {
            origins = origins.allowed_hosts(hosts);
        }
        let builder = Hub::builder().config(config).origins(origins).trusted_proxies(self.proxies());
        let builder = if self.trust_client_ids {
            builder
        } else {
            builder.verify_user_ids(Ownership::default().cookies(self.client_cookies()))
        };
        self.build_hub(builder)
    }

    /// The client cookie of the pages and of the hub's user-id checks:
    /// signed with `--cookie-key` (else this process's own random key),
    /// `__Host-lingua_client` and `Secure` with `--tls-cert` or
    /// `--secure-cookie`, else `lingua_client`.
    #[must_use]
    pub fn client_cookies(&self) -> ClientCookies {
        let key = self.cookie_key.clone().unwrap_or_else(|| self.process_cookie_key.clone());
        ClientCookies::new(key).secure(self.secure_cookie || self.tls_cert.is_some())
    }

    /// The host names requests may carry when the app listens on a
    /// non-loopback address: `--allowed-host` (IP literals, `localhost` and
    /// the hosts of `--allow-origin` always pass: [`Origins::allowed_hosts`]).
    /// `None`: any host (a loopback address, or `--allowed-host '*'`).
    #[must_use]
    pub fn host_names(&self) -> Option<&[String]> {
        let any = self.addr.ip().is_loopback() || self.allowed_hosts.iter().any(|h| h == "*");
        (!any).then_some(self.allowed_hosts.as_slice())
    }

    /// Who may read /metrics: `--metrics-token`, else loopback clients.
    #[must_use]
    pub fn metrics_access(&self) -> lingua_signal_core::prometheus::Access {
        match &self.metrics_token {
            Some(token) => lingua_signal_core::prometheus::Access::token(token),
            None => lingua_signal_core::prometheus::Access::loopback_only(),
        }
    }

    /// Every `--trusted-proxy`, as one list.
    #[must_use]
    pub fn proxies(&self) -> TrustedProxies {
        self.trusted_proxies.iter().cloned().fold(TrustedProxies::none(), TrustedProxies::and)
    }

    /// The defaults, as if run without flags, listening on `addr`.
    #[must_use]
    pub fn on(addr: SocketAddr) -> Self {
        let mut options = Self::parse_from(["lingua-connect"]);
        options.addr = addr;
        options
    }
}

/// The `--help` heading of the connection deadlines and limits.
const LIMITS: &str = "Connection deadlines and limits";

/// A duration: whole seconds ("10") or humantime ("500ms", "1m 30s").
fn duration(text: &str) -> Result<Duration, String> {
    match text.trim().parse::<u64>() {
        Ok(seconds) => Ok(Duration::from_secs(seconds)),
        Err(_) => humantime::parse_duration(text).map_err(|e| format!("{text:?}: {e} (e.g. 10, 10s, 500ms, 1m)")),
    }
}

impl Options {
    /// The backplane of `--redis-url` and its presence timers, if set.
    ///
    /// # Errors
    ///
    /// The URL or the TTL is unusable (the flag parser refuses such URLs).
    pub fn redis_backplane(&self) -> Result<Option<RedisBackplane>, lingua_signal_redis::Error> {
        let Some(url) = &self.redis_url else { return Ok(None) };
        let ttl = Duration::from_millis(self.redis_ttl_ms);
        RedisBackplane::builder(url).ttl(ttl).refresh(ttl / 5).build().map(Some)
    }

    /// Builds the hub on the Redis backplane with `--redis-url`, attached
    /// (it connects in the background and retries until Redis answers),
    /// else alone. Must run inside the tokio runtime with `--redis-url`.
    fn build_hub(&self, builder: HubBuilder) -> Hub {
        let backplane = match self.redis_backplane() {
            Ok(Some(backplane)) => backplane,
            Ok(None) => return builder.build(),
            Err(error) => {
                tracing::error!(%error, "--redis-url left out: serving alone");
                return builder.build();
            }
        };
        let hub = builder.backplane(backplane.clone()).build();
        match backplane.attach(&hub) {
            Ok(()) => tracing::info!(node = backplane.node_id(), "sharing rooms through Redis"),
            Err(error) => tracing::error!(%error, "Redis backplane not started: serving alone"),
        }
        hub
    }
}

/// Accepts a URL the Redis client takes.
fn redis_url(url: &str) -> Result<String, String> {
    RedisBackplane::builder(url).build().map(|_| url.to_owned()).map_err(|error| error.to_string())
}

/// Accepts what `RTCPeerConnection` takes as an ICE server URL, so a typo is
/// refused at start-up instead of breaking every call in the browser.
fn ice_url(url: &str) -> Result<String, String> {
    let scheme_ok = ["stun:", "stuns:", "turn:", "turns:"].iter().any(|s| url.starts_with(s));
    let host = url.split_once(':').map_or("", |(_, rest)| rest);
    if !scheme_ok || host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{url:?} is not a stun:, stuns:, turn: or turns: URL (e.g. stun:stun.example.org:3478)"));
    }
    Ok(url.to_owned())
}

/// Accepts `*` or an origin, `scheme://host[:port]`.
fn origin(text: &str) -> Result<String, OriginError> {
    if text != "*" {
        Origins::none().allow(text)?;
    }
    Ok(text.to_owned())
}

/// Accepts an address or a CIDR network.
fn proxy(text: &str) -> Result<TrustedProxies, String> {
    text.parse().map_err(|e: lingua_signal_core::ProxyParseError| e.to_string())
}

/// Parses `PER_SECOND/BURST` (or `PER_SECOND`, with a burst of twice that).
fn rate(text: &str) -> Result<Rate, String> {
    let number = |s: &str| s.trim().parse::<u32>().map_err(|_| format!("{text:?} is not PER_SECOND/BURST, e.g. 2/10"));
    let (per_second, burst) = match text.split_once('/') {
        Some((rate, burst)) => (number(rate)?, number(burst)?),
        None => {
            let rate = number(text)?;
            (rate, rate.saturating_mul(2))
        }
    };
    if burst == 0 {
        return Err(format!("{text:?}: the burst must be at least 1"));
    }
    Ok(Rate::new(per_second, burst))
}

fn cookie_key(key: &str) -> Result<CookieKey, String> {
    key.parse().map_err(|e: lingua_signal_core::CookieKeyError| e.to_string())
}

fn turn_secret(secret: &str) -> Result<Secret, String> {
    secret.parse().map_err(|e: lingua_signal_core::turn::CredentialError| e.to_string())
}

/// `3600`, `3600s`, `60m`, `1h` or `1d`: from one minute (a page must have
/// time to refresh its credentials) to [`MAX_TTL`], a day (a leaked one
/// must not work for long: REST credentials cannot be revoked).
fn ttl(text: &str) -> Result<Duration, String> {
    let digits = text.trim_end_matches(['s', 'm', 'h', 'd']);
    let unit = match &text[digits.len()..] {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    let seconds = digits.parse::<u64>().ok().filter(|_| unit > 0).and_then(|n| n.checked_mul(unit));
    match seconds {
        Some(s) if (60..=MAX_TTL.as_secs()).contains(&s) => Ok(Duration::from_secs(s)),
        Some(_) => Err(format!("{text:?}: TURN credentials last at least 1 minute and at most 24 hours")),
        None => Err(format!("{text:?} is not a duration (e.g. 3600, 90m, 12h, 1d)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ice_urls_are_checked() {
        for ok in ["stun:stun.example.org:3478", "turns:turn.example.org:5349?transport=tcp", "turn:10.0.0.1"] {
            assert_eq!(ice_url(ok).as_deref(), Ok(ok));
        }
        for bad in ["http://x", "stun:", "stun.example.org", "turn:a b", ""] {
            assert!(ice_url(bad).is_err(), "{bad}");
        }
        let refused = Options::try_parse_from(["lingua-connect", "--ice-server", "example.org"]).unwrap_err();
        assert!(refused.to_string().contains("not a stun:"), "{refused}");
    }

    #[test]
    fn rates_and_origins_are_checked() {
        assert_eq!(rate("2/10"), Ok(Rate::new(2, 10)));
        assert_eq!(rate("5"), Ok(Rate::new(5, 10)));
        for bad in ["", "x", "2/", "/3", "2/0", "-1/3"] {
            assert!(rate(bad).is_err(), "{bad}");
        }
        let defaults = Options::on(([127, 0, 0, 1], 0).into());
        assert_eq!((defaults.join_rate, defaults.relay_rate), (Rate::new(2, 10), Rate::new(100, 400)));
        let refused = Options::try_parse_from(["lingua-connect", "--allow-origin", "example.org"]).unwrap_err();
        assert!(refused.to_string().contains("not an origin"), "{refused}");
        let listed = Options::try_parse_from(["lingua-connect", "--allow-origin", "https://a.example,*"]).unwrap();
        assert!(listed.hub().origins().allows(Some("http://elsewhere.example"), None));
        let hub = defaults.hub();
        assert!(hub.ownership().is_some(), "user ids are verified by default");
        assert!(!hub.origins().allows(Some("http://elsewhere.example"), Some("127.0.0.1:3000")));
    }

    #[test]
    fn turn_ttls_read_units_and_stay_in_range() {
        for (text, secs) in [("3600", 3600), ("90s", 90), ("90m", 5400), ("12h", 43_200), ("1d", 86_400)] {
            assert_eq!(ttl(text), Ok(Duration::from_secs(secs)), "{text}");
        }
        for bad in ["", "h", "1x", "-5m", "1.5h", "59", "25h", "2d", "31d", "99999999999999999999d", "1hm"] {
            assert!(ttl(bad).is_err(), "{bad}");
        }
        assert_eq!(Options::on(([127, 0, 0, 1], 0).into()).turn_ttl, Duration::from_secs(3600));
    }

    #[test]
    fn a_turn_secret_excludes_fixed_credentials() {
        let both = ["--ice-server", "turn:t", "--turn-secret", "s", "--turn-username", "u", "--turn-credential", "c"];
        let refused = Options::try_parse_from(["lingua-connect"].iter().chain(&both)).unwrap_err();
        assert!(refused.to_string().contains("cannot be used with"), "{refused}");
        let alone = Options::try_parse_from(["lingua-connect", "--turn-secret", "s"]).unwrap_err();
        assert!(alone.to_string().contains("--ice-server"), "{alone}");
        let empty =
            Options::try_parse_from(["lingua-connect", "--ice-server", "turn:t", "--turn-secret", ""]).unwrap_err();
        assert!(empty.to_string().contains("secret is empty"), "{empty}");
        let ok = Options::try_parse_from([
            "lingua-connect",
            "--ice-server",
            "turn:t",
            "--turn-secret",
            "hush-hush",
            "--turn-ttl",
            "2h",
        ]);
        let ok = ok.unwrap();
        assert!(ok.turn_secret.is_some());
        assert!(!format!("{ok:?}").contains("hush-hush"), "the secret stays out of Debug");
    }

    #[test]
    fn one_process_signs_cookies_with_one_key_and_a_cluster_with_its_own() {
        let alone = Options::on(([127, 0, 0, 1], 0).into());
        let issued = alone.client_cookies().issue();
        assert!(alone.client_cookies().verify(issued.as_str()).is_some(), "pages and hub agree");
        assert!(Options::on(([127, 0, 0, 1], 0).into()).client_cookies().verify(issued.as_str()).is_none());
        let key = ["lingua-connect", "--cookie-key", "0123456789abcdef0123456789abcdef", "--secure-cookie"];
        let (a, b) = (Options::parse_from(key), Options::parse_from(key));
        assert!(b.client_cookies().verify(a.client_cookies().issue().as_str()).is_some(), "a shared key");
        assert_eq!(a.client_cookies().name(), "__Host-lingua_client");
        assert!(!format!("{a:?}").contains("0123456789abcdef"), "the key stays out of Debug");
        let short = Options::try_parse_from(["lingua-connect", "--cookie-key", "short"]).unwrap_err();
        assert!(short.to_string().contains("at least 32 bytes"), "{short}");
    }

    #[test]
    fn durations_are_seconds_or_humane() {
        assert_eq!(duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration("1m 30s"), Ok(Duration::from_secs(90)));
        assert!(duration("soon").is_err());
        let options = Options::on("127.0.0.1:0".parse().unwrap());
        assert_eq!((options.header_timeout, options.idle_timeout), (Duration::from_secs(10), Duration::from_secs(5)));
        assert_eq!((options.body_timeout, options.max_connections_per_ip), (Duration::from_secs(30), 256));
    }

    #[test]
    fn redis_is_off_by_default_and_its_url_is_checked() {
        let defaults = Options::on(([127, 0, 0, 1], 0).into());
        assert!(defaults.redis_url.is_none() && defaults.redis_backplane().unwrap().is_none());
        let refused = Options::try_parse_from(["lingua-connect", "--redis-url", "http://x"]).unwrap_err();
        assert!(refused.to_string().contains("not a Redis URL"), "{refused}");
        let args = ["lingua-connect", "--redis-url", "redis://127.0.0.1:1", "--redis-ttl-ms", "1000"];
        let shared = Options::try_parse_from(args).unwrap();
        assert!(shared.redis_backplane().unwrap().is_some());
    }
}
