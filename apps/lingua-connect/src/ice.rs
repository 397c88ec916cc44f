//! The ICE servers handed to the browser: the `--ice-server` URLs, with
//! TURN credentials on the `turn:`/`turns:` ones — fixed
//! (`--turn-username`/`--turn-credential`) or issued per request from
//! `--turn-secret` by [`lingua_signal_core::turn`].
//!
//! Framework-neutral: the room page embeds [`IceServers::current`], and
//! [`respond`] is `GET /ice-servers`, where pages fetch fresh credentials.
//!
//! TURN credentials go to participants only: a room page of this server
//! (which sets the client cookie), or a request that carries a client
//! cookie the server issued. Each participant gets its own username,
//! `<expiry>:<participant>` ([`ClientCookies::participant`]), so the TURN
//! server's logs and quotas tell them apart; `/ice-servers` is rate-limited
//! per address (`--ice-rate`).

use std::{io, net::IpAddr, sync::Arc, time::Duration};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use lingua_signal_core::{AddressLimiter, ClientCookies, turn::Issuer};
use serde::Serialize;

use crate::{Options, assets::reply, request::cookie_headers};

/// Where pages fetch fresh ICE servers.
pub const ICE_SERVERS_PATH: &str = "/ice-servers";

/// One ICE server, as `RTCPeerConnection` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IceServer {
    /// `stun:`, `turn:` or `turns:` URL.
    pub urls: String,
    /// TURN username.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// TURN credential.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// How the `turn:`/`turns:` servers authenticate us.
#[derive(Debug, Clone)]
enum TurnAuth {
    None,
    Fixed { username: String, credential: String },
    Issued(Issuer),
}

/// The ICE servers of the command line, ready to hand out, and the
/// per-address limit of [`respond`].
#[derive(Debug, Clone)]
pub struct IceServers {
    urls: Vec<String>,
    auth: TurnAuth,
    limiter: Arc<AddressLimiter>,
    /// `--trusted-proxy`: the rate limit counts the clients behind them.
    proxies: lingua_signal_core::TrustedProxies,
}

impl IceServers {
    /// From `--ice-server`, `--turn-username`/`--turn-credential` or
    /// `--turn-secret` with `--turn-ttl`, and `--ice-rate` (with
    /// `--limit-loopback`). Fixed credentials are logged as a warning: every
    /// page gets the same ones, which nobody can revoke.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] when `--turn-secret` is given without
    /// any `turn:`/`turns:` server to use it with.
    pub fn from_options(options: &Options) -> io::Result<Self> {
        let auth = match (&options.turn_secret, &options.turn_username, &options.turn_credential) {
            (Some(secret), ..) => TurnAuth::Issued(Issuer::new(secret.clone()).ttl(options.turn_ttl)),
            (None, Some(username), Some(credential)) => {
                TurnAuth::Fixed { username: username.clone(), credential: credential.clone() }
            }
            _ => TurnAuth::None,
        };
        let limiter = AddressLimiter::new(options.ice_rate).limit_loopback(options.limit_loopback);
        let servers =
            Self { urls: options.ice_servers.clone(), auth, limiter: Arc::new(limiter), proxies: options.proxies() };
        if matches!(servers.auth, TurnAuth::Issued(_)) && !servers.urls.iter().any(|url| is_turn(url)) {
            let message = "--turn-secret needs a turn: or turns: --ice-server to hand credentials for";
            return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
        }
        if matches!(servers.auth, TurnAuth::Fixed { .. }) {
            tracing::warn!(
                "--turn-username/--turn-credential: every participant gets the same TURN credentials, which do not \
                 expire and cannot be told apart or revoked one by one; prefer --turn-secret (SECURITY.md)"
            );
        }
        Ok(servers)
    }

    /// How long the credentials of [`IceServers::current`] stay valid:
    /// `None` unless they are issued from `--turn-secret`.
    #[must_use]
    pub fn ttl(&self) -> Option<Duration> {
        match &self.auth {
            TurnAuth::Issued(issuer) => Some(issuer.lifetime()),
            _ => None,
        }
    }

    /// The servers with credentials on every `turn:`/`turns:` URL, issued
    /// now for `participant` (an opaque id,
    /// [`ClientCookies::participant`]) when they come from the secret.
    /// Should issuing fail (a system clock before 1970), the TURN servers
    /// are left out rather than handed over without credentials, which
    /// `RTCPeerConnection` would refuse.
    #[must_use]
    pub fn current(&self, participant: &str) -> Vec<IceServer> {
        let credentials = match &self.auth {
            TurnAuth::None => None,
            TurnAuth::Fixed { username, credential } => Some((username.clone(), credential.clone())),
            TurnAuth::Issued(issuer) => match issuer.issue(participant) {
                Ok(issued) => Some((issued.username().to_owned(), issued.credential().to_owned())),
                Err(error) => {
                    tracing::error!(%error, "cannot issue TURN credentials; TURN servers left out");
                    return self.urls.iter().filter(|url| !is_turn(url)).map(|url| plain(url)).collect();
                }
            },
        };
        let server = |url: &String| match &credentials {
            Some((username, credential)) if is_turn(url) => {
                IceServer { urls: url.clone(), username: Some(username.clone()), credential: Some(credential.clone()) }
            }
            _ => plain(url),
        };
        self.urls.iter().map(server).collect()
    }
}

fn plain(url: &str) -> IceServer {
    IceServer { urls: url.to_owned(), username: None, credential: None }
}

fn is_turn(url: &str) -> bool {
    url.starts_with("turn:") || url.starts_with("turns:")
}

/// The body of `GET /ice-servers`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Fresh {
    ice_servers: Vec<IceServer>,
    /// Seconds the credentials stay valid; `null` when they do not expire.
    ttl: Option<u64>,
}

/// `GET /ice-servers`: `{"iceServers": [...], "ttl": seconds|null}` with
/// credentials issued now for the participant whose client cookie the
/// request (`headers`) carries, never cached (each answer is valid for
/// `ttl` seconds from the moment it is made).
///
/// Refused, with a `code: reason` text body:
/// `429 rate-limited` when the client address (`remote`) is over
/// `--ice-rate`; `403 not-a-participant` without a client cookie the
/// server issued (`cookies`): TURN relays traffic at the operator's cost,
/// so only pages of a room get to use it.
#[must_use]
pub fn respond(
    servers: &IceServers,
    cookies: &ClientCookies,
    headers: &HeaderMap,
    remote: Option<IpAddr>,
) -> Response<Bytes> {
    let client = servers.proxies.client_ip(&crate::request::forwarded_request(headers, remote));
    if client.is_some_and(|ip| !servers.limiter.check(ip)) {
        let retry = [(header::RETRY_AFTER, HeaderValue::from_static("1"))];
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            &retry,
            "rate-limited: too many ICE server requests from this address",
        );
    }
    let Some(cookie) = cookies.find(cookie_headers(headers)) else {
        let reason = "not-a-participant: ICE servers are for pages of a room; load the room page first";
        return refuse(StatusCode::FORBIDDEN, &[], reason);
    };
    let participant = cookies.participant(&cookie);
    let body = Fresh { ice_servers: servers.current(&participant), ttl: servers.ttl().map(|ttl| ttl.as_secs()) };
    let json = serde_json::to_vec(&body).unwrap_or_default();
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    reply(StatusCode::OK, &headers, Bytes::from(json))
}

fn refuse(status: StatusCode, extra: &[(header::HeaderName, HeaderValue)], reason: &'static str) -> Response<Bytes> {
    let mut headers = vec![
        (header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    headers.extend_from_slice(extra);
    reply(status, &headers, Bytes::from_static(reason.as_bytes()))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn servers(args: &[&str]) -> io::Result<IceServers> {
        IceServers::from_options(&Options::parse_from(["lingua-connect"].iter().chain(args)))
    }

    #[test]
    fn issued_credentials_go_on_turn_urls_only() {
        let ice = servers(&["--ice-server", "stun:s", "--ice-server", "turns:t:5349", "--turn-secret", "x"]).unwrap();
        let current = ice.current("p1");
        assert_eq!(current[0], plain("stun:s"));
        assert_eq!(current[1].urls, "turns:t:5349");
        let username = current[1].username.as_deref().unwrap();
        assert!(username.ends_with(":p1"), "{username}");
        assert_eq!(current[1].credential.as_ref().map(String::len), Some(28), "base64 of 20 bytes");
        assert_eq!(ice.ttl(), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn fixed_credentials_do_not_expire() {
        let ice = servers(&["--ice-server", "turn:t", "--turn-username", "u", "--turn-credential", "c"]).unwrap();
        assert_eq!(ice.current("p1")[0].username.as_deref(), Some("u"));
        assert_eq!(ice.ttl(), None);
    }

    #[test]
    fn a_secret_without_a_turn_url_is_refused() {
        let error = servers(&["--ice-server", "stun:s", "--turn-secret", "x"]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("turn: or turns:"), "{error}");
    }
}
