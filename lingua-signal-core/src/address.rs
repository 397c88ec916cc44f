//! Client addresses: who a request comes from when a reverse proxy stands in
//! between ([`TrustedProxies`]), and the key under which per-address limits
//! count a client.

use std::{
    fmt,
    net::{IpAddr, Ipv6Addr},
    str::FromStr,
};

use crate::ConnectRequest;

/// The reverse proxies whose `Forwarded` / `X-Forwarded-For` headers are
/// believed. Empty by default: the client is the TCP peer, whatever the
/// headers say (anyone can send them).
///
/// When the TCP peer is one of these, the client is the rightmost address
/// of the forwarding chain that is not a trusted proxy itself: each proxy
/// appends the address it received from, so entries left of the first
/// untrusted hop were written by the client and prove nothing.
///
/// ```
/// use lingua_signal_core::{ConnectRequest, TrustedProxies};
///
/// let proxies: TrustedProxies = "127.0.0.1, 10.0.0.0/8".parse()?;
/// let request = ConnectRequest::new("http", "GET", "/")
///     .remote(Some("127.0.0.1".parse()?))
///     .header("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.1.2.3");
/// assert_eq!(proxies.client_ip(&request), Some("203.0.113.9".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    nets: Vec<Net>,
}

/// An address or a CIDR network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Net {
    base: IpAddr,
    prefix: u8,
}

/// A proxy list entry that is neither an address nor `address/prefix`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an IP address or network (a.b.c.d, a.b.c.d/n, an IPv6 address or network): {0:?}")]
pub struct ProxyParseError(String);

impl Net {
    fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let base: IpAddr = addr.parse().ok()?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { base, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, canonical(ip)) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                prefix_eq(u32::from(base).into(), u32::from(ip).into(), 32, self.prefix)
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => prefix_eq(u128::from(base), u128::from(ip), 128, self.prefix),
            _ => false,
        }
    }
}

/// Whether `a` and `b` agree on their first `prefix` bits out of `width`.
fn prefix_eq(a: u128, b: u128, width: u8, prefix: u8) -> bool {
    let shift = u32::from(width - prefix);
    a.checked_shr(shift).unwrap_or(0) == b.checked_shr(shift).unwrap_or(0)
}

impl FromStr for TrustedProxies {
    type Err = ProxyParseError;

    /// A comma- or space-separated list of addresses and networks.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let entries = text.split([',', ' ']).map(str::trim).filter(|e| !e.is_empty());
        let nets = entries.map(|e| Net::parse(e).ok_or_else(|| ProxyParseError(e.to_owned())));
        Ok(Self { nets: nets.collect::<Result<_, _>>()? })
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, net) in self.nets.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            write!(f, "{sep}{}/{}", net.base, net.prefix)?;
        }
        Ok(())
    }
}

impl TrustedProxies {
    /// No proxy is trusted.
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds every proxy of `other`.
    #[must_use]
    pub fn and(mut self, other: Self) -> Self {
        self.nets.extend(other.nets);
        self
    }

    /// Whether no proxy is trusted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    /// Whether `ip` is one of the trusted proxies.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|net| net.contains(ip))
    }

    /// The client's address: the TCP peer
    /// ([`ConnectRequest::remote_ip`]), unless it is a trusted proxy; then
    /// the rightmost hop of `Forwarded` (its `for=` parameters) or, without
    /// that header, of `X-Forwarded-For` that is not a trusted proxy. A hop
    /// that is not an address (`unknown`, an obfuscated name) ends the walk
    /// at the proxy that reported it.
    #[must_use]
    pub fn client_ip(&self, request: &ConnectRequest) -> Option<IpAddr> {
        let peer = request.remote_ip()?;
        if !self.contains(peer) {
            return Some(peer);
        }
        let hops: Vec<&str> = match request.header_value("forwarded") {
            Some(forwarded) => forwarded_for(forwarded).collect(),
            None => request.header_value("x-forwarded-for").into_iter().flat_map(|v| v.split(',')).collect(),
        };
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else { break };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        Some(client)
    }
}

/// The `for=` values of a `Forwarded` header (RFC 7239), in order.
fn forwarded_for(header: &str) -> impl Iterator<Item = &str> {
    header.split(',').flat_map(|element| element.split(';')).filter_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        name.trim().eq_ignore_ascii_case("for").then_some(value.trim())
    })
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `"[::1]:80"`,
/// `::1`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    hop.rsplit_once(':')?.0.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// An IPv4-mapped IPv6 address as its IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The key a client is counted under by per-address limits: an IPv4
/// address (IPv4-mapped included), or an IPv6 /64 network, which one host
/// usually holds whole.
pub(crate) fn address_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) if !v6.is_loopback() => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(peer: &str, headers: &[(&str, &str)]) -> ConnectRequest {
        let request = ConnectRequest::new("http", "GET", "/").remote(Some(peer.parse().unwrap()));
        headers.iter().fold(request, |r, (n, v)| r.header(*n, *v))
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn headers_are_ignored_unless_the_peer_is_a_trusted_proxy() {
        let none = TrustedProxies::none();
        assert_eq!(none.client_ip(&request("127.0.0.1", &[("x-forwarded-for", "1.2.3.4")])), ip("127.0.0.1"));
        let proxies: TrustedProxies = "10.0.0.1".parse().unwrap();
        assert_eq!(proxies.client_ip(&request("10.0.0.2", &[("x-forwarded-for", "1.2.3.4")])), ip("10.0.0.2"));
        assert_eq!(proxies.client_ip(&request("10.0.0.1", &[("x-forwarded-for", "1.2.3.4")])), ip("1.2.3.4"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let proxies: TrustedProxies = "127.0.0.0/8, 10.0.0.0/8 2001:db8::/32".parse().unwrap();
        let spoofed = request("127.0.0.1", &[("x-forwarded-for", "9.9.9.9, 198.51.100.4, 10.0.0.7")]);
        assert_eq!(proxies.client_ip(&spoofed), ip("198.51.100.4"));
        let all_trusted = request("127.0.0.1", &[("x-forwarded-for", "10.0.0.9")]);
        assert_eq!(proxies.client_ip(&all_trusted), ip("10.0.0.9"));
        let garbage = request("127.0.0.1", &[("x-forwarded-for", "198.51.100.4, unknown")]);
        assert_eq!(proxies.client_ip(&garbage), ip("127.0.0.1"), "an unreadable hop stops at the proxy");
        let v6 = request("127.0.0.1", &[("x-forwarded-for", "2001:db9::1, 2001:db8::5")]);
        assert_eq!(proxies.client_ip(&v6), ip("2001:db9::1"));
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for() {
        let proxies: TrustedProxies = "::1".parse().unwrap();
        let both = request(
            "::1",
            &[
                ("forwarded", r#"for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711""#),
                ("x-forwarded-for", "6.6.6.6"),
            ],
        );
        assert_eq!(proxies.client_ip(&both), ip("2001:db8:cafe::17"));
        let port = request("::1", &[("forwarded", "for=192.0.2.60:8080")]);
        assert_eq!(proxies.client_ip(&port), ip("192.0.2.60"));
    }

    #[test]
    fn lists_parse_and_bad_entries_are_named() {
        assert!("".parse::<TrustedProxies>().unwrap().is_empty());
        assert_eq!("10.0.0.0/33".parse::<TrustedProxies>(), Err(ProxyParseError("10.0.0.0/33".into())));
        assert!("proxy.local".parse::<TrustedProxies>().is_err());
        let mapped: TrustedProxies = "192.168.0.0/16".parse().unwrap();
        assert!(mapped.contains("::ffff:192.168.3.4".parse().unwrap()));
        assert!("0.0.0.0/0".parse::<TrustedProxies>().unwrap().contains("8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn an_ipv6_client_is_its_64() {
        let a = address_key("2001:db8:1:2:aaaa::1".parse().unwrap());
        assert_eq!(a, address_key("2001:db8:1:2:bbbb::2".parse().unwrap()));
        assert_ne!(a, address_key("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(address_key("::ffff:1.2.3.4".parse().unwrap()), "1.2.3.4".parse::<IpAddr>().unwrap());
    }
}
