//! A hub's [`Metrics`](crate::Metrics) for Prometheus, on the official
//! [`prometheus-client`](https://docs.rs/prometheus-client) crate.
//!
//! [`Collector`] reads [`Metrics::snapshot`](crate::Metrics::snapshot) at
//! scrape time: gauges are current, and the hot path pays nothing beyond the
//! hub's own atomic counters. [`register`] puts it into a host's
//! [`Registry`] next to the host's metrics; [`encode`] is the whole
//! `GET /metrics` body for a service that exposes nothing else.
//!
//! | name (with the default [`PREFIX`]) | type | meaning |
//! | --- | --- | --- |
//! | `lingua_signal_connections` | gauge | room connections open now |
//! | `lingua_signal_rooms` | gauge | rooms that exist now |
//! | `lingua_signal_members` | gauge | room memberships now |
//! | `lingua_signal_peers` | gauge | PeerJS peers registered now |
//! | `lingua_signal_joins_total` | counter | joins accepted |
//! | `lingua_signal_refused_total` | counter | joins and registrations refused |
//! | `lingua_signal_events_total` | counter | room events (joins, leaves, messages) queued for delivery |
//! | `lingua_signal_slow_consumers_total` | counter | connections dropped for a full outbound queue |
//! | `lingua_signal_relayed_total` | counter | relay messages delivered |
//! | `lingua_signal_queued_total` | counter | relay messages held for an absent peer |
//! | `lingua_signal_expired_total` | counter | EXPIRE notices sent |
//! | `lingua_signal_dropped_total` | counter | relay messages dropped |
//! | `lingua_signal_messages_total` | counter | application messages sent to rooms |
//! | `lingua_signal_rate_limited_total` | counter | connections and peers closed for staying over a rate limit |
//!
//! # Example
//!
//! ```
//! use lingua_signal_core::{Hub, prometheus};
//! use prometheus_client::{encoding::text, metrics::counter::Counter, registry::Registry};
//!
//! let hub = Hub::default();
//! let (_peer, _inbox) = hub.register(&"alice".parse()?, "token")?;
//!
//! // Next to the host's own metrics, under a prefix the host chooses.
//! let mut registry = Registry::default();
//! let requests = Counter::<u64>::default();
//! registry.register("http_requests", "HTTP requests served", requests.clone());
//! prometheus::register(&mut registry, "rtc", &hub);
//! let mut body = String::new();
//! text::encode(&mut body, &registry)?;
//! assert!(body.contains("\nrtc_peers 1\n"));
//!
//! // Or the hub's metrics alone, under `lingua_signal`: serve this body
//! // with `Content-Type: prometheus::CONTENT_TYPE`.
//! let body = prometheus::encode(&hub);
//! assert!(body.contains("# TYPE lingua_signal_peers gauge\nlingua_signal_peers 1\n"));
//! assert!(body.ends_with("# EOF\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg(feature = "prometheus")]
#![cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
// The attributes sit here rather than on `pub mod` in lib.rs, so lib.rs
// lists the module in one line and the feature is stated beside its code.

use std::fmt;

use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, text};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use crate::{Hub, MetricsSnapshot};

/// The `Content-Type` of [`encode`]'s text: OpenMetrics 1.0.0, as
/// `prometheus-client` writes it.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The metric name prefix [`encode`] uses: `lingua_signal_rooms` and so on.
pub const PREFIX: &str = "lingua_signal";

/// A `prometheus-client` collector of one hub's metrics, read at each scrape.
///
/// Its names carry no prefix (`rooms`, `joins_total`, …): register it in a
/// sub-registry with one, as [`register`] does.
#[derive(Debug, Clone)]
pub struct Collector {
    // A clone of the hub: the hub lives at least as long as the registry.
    hub: Hub,
}

impl Collector {
    /// A collector of `hub`'s metrics.
    #[must_use]
    pub fn new(hub: &Hub) -> Self {
        Self { hub: hub.clone() }
    }
}

impl prometheus_client::collector::Collector for Collector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> fmt::Result {
        let m = self.hub.metrics().snapshot();
        for (name, help, value) in gauges(&m) {
            let gauge = ConstGauge::new(value);
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        for (name, help, value) in counters(&m) {
            // The encoder appends `_total` to a counter's samples.
            let counter = ConstCounter::new(value);
            counter.encode(encoder.encode_descriptor(name, help, None, counter.metric_type())?)?;
        }
        Ok(())
    }
}

/// Registers `hub`'s metrics in `registry` under `prefix` (e.g. [`PREFIX`];
/// an empty prefix adds none beyond the registry's own).
pub fn register(registry: &mut Registry, prefix: &str, hub: &Hub) {
    let registry = if prefix.is_empty() { registry } else { registry.sub_registry_with_prefix(prefix) };
    registry.register_collector(Box::new(Collector::new(hub)));
}

/// The OpenMetrics text of `hub`'s metrics alone, under [`PREFIX`], ending
/// with `# EOF`; serve it as [`CONTENT_TYPE`].
#[must_use]
pub fn encode(hub: &Hub) -> String {
    let mut registry = Registry::default();
    register(&mut registry, PREFIX, hub);
    let mut body = String::new();
    // Writing to a `String` cannot fail and the collector adds no error of
    // its own, so there is nothing to report.
    let _ = text::encode(&mut body, &registry);
    body
}

type Row = (&'static str, &'static str, u64);

fn gauges(m: &MetricsSnapshot) -> [Row; 4] {
    [
        ("connections", "Room connections open now.", m.connections),
        ("rooms", "Rooms that exist now.", m.rooms),
        ("members", "Room memberships now.", m.members),
        ("peers", "PeerJS peers registered now.", m.peers),
    ]
}

fn counters(m: &MetricsSnapshot) -> [Row; 10] {
    [
        ("joins", "Joins accepted.", m.joins),
        ("refused", "Joins and registrations refused.", m.refused),
        ("events", "Room events (joins, leaves, messages) queued for delivery.", m.events),
        ("slow_consumers", "Connections dropped for a full outbound queue.", m.slow_consumers),
        ("relayed", "Relay messages delivered.", m.relayed),
        ("queued", "Relay messages held for an absent peer.", m.queued),
        ("expired", "EXPIRE notices sent.", m.expired),
        ("dropped", "Relay messages dropped.", m.dropped),
        ("messages", "Application messages sent to rooms.", m.messages),
        ("rate_limited", "Connections and peers closed for staying over a rate limit.", m.rate_limited),
    ]
}

/// Who may read a `GET /metrics` endpoint: loopback clients only (a
/// Prometheus on the same host, or reached through an SSH tunnel), or
/// anyone who shows a bearer token. The counters say how busy the server
/// is and how many people are on it: not for everyone. `Debug` never shows
/// the token.
///
/// ```
/// use lingua_signal_core::prometheus::Access;
///
/// let here = Some("127.0.0.1".parse()?);
/// let there = Some("192.0.2.7".parse()?);
/// assert!(Access::loopback_only().check(None, here).is_ok());
/// assert_eq!(Access::loopback_only().check(None, there).unwrap_err().code(), "metrics-not-allowed");
/// let token = Access::token("s3cret");
/// assert!(token.check(Some("Bearer s3cret"), there).is_ok());
/// assert!(token.check(Some("Bearer guess"), there).is_err());
/// assert!(token.check(None, here).is_err(), "with a token, everyone shows it");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct Access {
    token: Option<std::sync::Arc<str>>,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access").field("token", &self.token.as_ref().map(|_| "<redacted>")).finish()
    }
}

impl Access {
    /// Loopback clients only (the default).
    #[must_use]
    pub fn loopback_only() -> Self {
        Self { token: None }
    }

    /// Anyone whose request says `Authorization: Bearer <token>`, and
    /// nobody else (loopback clients included).
    #[must_use]
    pub fn token(token: &str) -> Self {
        Self { token: Some(std::sync::Arc::from(token)) }
    }

    /// Whether a request with this `Authorization` header from `client`
    /// (its address, after trusted proxies) may read the metrics.
    ///
    /// # Errors
    ///
    /// [`Denied`](crate::Denied) with code `metrics-not-allowed`: answer 403.
    pub fn check(&self, authorization: Option<&str>, client: Option<std::net::IpAddr>) -> Result<(), crate::Denied> {
        let allowed = match &self.token {
            Some(token) => authorization
                .and_then(|value| value.trim().strip_prefix("Bearer "))
                .is_some_and(|given| same(given.trim().as_bytes(), token.as_bytes())),
            None => client.is_some_and(|ip| crate::address::address_key(ip).is_loopback()),
        };
        if allowed {
            Ok(())
        } else if self.token.is_some() {
            Err(crate::Denied::new("metrics-not-allowed", "send Authorization: Bearer with the metrics token"))
        } else {
            Err(crate::Denied::new("metrics-not-allowed", "metrics are served to loopback clients only"))
        }
    }
}

/// Byte strings equal, in a time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(text: &str, name: &str) -> Option<u64> {
        text.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn every_metric_is_described_and_counters_end_in_total() {
        let text = encode(&Hub::default());
        for (name, help, _) in gauges(&MetricsSnapshot::default()) {
            assert!(text.contains(&format!("# HELP lingua_signal_{name} {help}\n")), "{text}");
            assert!(text.contains(&format!("# TYPE lingua_signal_{name} gauge\nlingua_signal_{name} 0\n")), "{text}");
        }
        for (name, help, _) in counters(&MetricsSnapshot::default()) {
            assert!(text.contains(&format!("# HELP lingua_signal_{name} {help}\n")), "{text}");
            assert!(text.contains(&format!("# TYPE lingua_signal_{name} counter\n")), "{text}");
            assert_eq!(sample(&text, &format!("lingua_signal_{name}_total")), Some(0), "{text}");
        }
        assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 14, "{text}");
        assert!(text.ends_with("\n# EOF\n"), "{text}");
    }

    #[test]
    fn values_are_read_at_scrape_time() {
        let hub = Hub::default();
        let mut registry = Registry::default();
        register(&mut registry, PREFIX, &hub);
        let scrape = || {
            let mut text = String::new();
            text::encode(&mut text, &registry).map(|()| text)
        };
        let before = scrape().unwrap();
        let (alice, _inbox) = hub.connect();
        alice.join(&"r1".parse().unwrap(), &"alice".parse().unwrap()).unwrap();
        let after = scrape().unwrap();
        for (name, was, is) in [("rooms", 0, 1), ("members", 0, 1), ("connections", 0, 1), ("joins_total", 0, 1)] {
            let name = format!("lingua_signal_{name}");
            assert_eq!((sample(&before, &name), sample(&after, &name)), (Some(was), Some(is)), "{name}\n{after}");
        }
    }

    #[test]
    fn the_prefix_is_the_hosts_choice() {
        let hub = Hub::default();
        let mut registry = Registry::with_prefix("app");
        register(&mut registry, "rtc", &hub);
        register(registry.sub_registry_with_prefix("bare"), "", &hub);
        let mut text = String::new();
        text::encode(&mut text, &registry).unwrap();
        assert_eq!(sample(&text, "app_rtc_rooms"), Some(0), "{text}");
        assert_eq!(sample(&text, "app_bare_refused_total"), Some(0), "{text}");
        assert!(!text.contains("lingua_signal"), "{text}");
    }
}
