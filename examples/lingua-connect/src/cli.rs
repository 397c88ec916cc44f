//! Command-line flags; each also reads an environment variable.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Parser;

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

    /// Username for the turn:/turns: ICE servers.
    #[arg(long, env = "LINGUA_TURN_USERNAME", requires = "turn_credential")]
    pub turn_username: Option<String>,

    /// Credential for the turn:/turns: ICE servers.
    #[arg(long, env = "LINGUA_TURN_CREDENTIAL", requires = "turn_username")]
    pub turn_credential: Option<String>,

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

    /// Most participants per room (2 for a one-to-one lesson).
    #[arg(long, env = "LINGUA_MAX_ROOM_SIZE", default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..))]
    pub max_room_size: u16,
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
    fn durations_are_seconds_or_humane() {
        assert_eq!(duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration("1m 30s"), Ok(Duration::from_secs(90)));
        assert!(duration("soon").is_err());
        let options = Options::on("127.0.0.1:0".parse().unwrap());
        assert_eq!((options.header_timeout, options.idle_timeout), (Duration::from_secs(10), Duration::from_secs(5)));
        assert_eq!((options.body_timeout, options.max_connections_per_ip), (Duration::from_secs(30), 256));
    }
}
