//! The per-client connection cap: a count per client, taken at accept and
//! given back when the connection's socket is dropped (after an upgrade,
//! when the websocket ends).

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
    sync::{Arc, Mutex, PoisonError},
};

use crate::Limits;

/// The open connections per client, for one server's listeners together.
#[derive(Debug)]
pub(crate) struct PerIp {
    limits: Limits,
    clients: Mutex<HashMap<IpAddr, Client>>,
}

#[derive(Debug, Default)]
struct Client {
    open: u32,
    /// Refused since the client last had no connection: the first refusal
    /// of such an episode is logged, the others only counted.
    refused: u64,
}

/// One admitted connection's place in its client's count.
#[derive(Debug)]
pub(crate) struct Permit {
    table: Arc<PerIp>,
    client: IpAddr,
}

impl PerIp {
    pub(crate) fn new(limits: Limits) -> Arc<Self> {
        Arc::new(Self { limits, clients: Mutex::new(HashMap::new()) })
    }

    /// `Ok(None)` when `ip` is not capped, `Ok(Some(permit))` when admitted,
    /// `Err(())` when at its cap.
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Option<Permit>, ()> {
        let Some(max) = self.limits.connections_per_ip() else { return Ok(None) };
        let client = client_of(ip);
        if client.is_loopback() && !self.limits.limits_loopback() {
            return Ok(None);
        }
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = clients.entry(client).or_default();
        if entry.open >= max {
            entry.refused += 1;
            if entry.refused == 1 {
                tracing::warn!(%client, max, "client at its connection cap: closing its new connections (logged once until it drops to none)");
            }
            return Err(());
        }
        entry.open += 1;
        Ok(Some(Permit { table: Arc::clone(self), client }))
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut clients = self.table.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = clients.get_mut(&self.client) {
            entry.open -= 1;
            if entry.open == 0 {
                if entry.refused > 1 {
                    tracing::info!(client = %self.client, refused = entry.refused, "client no longer connected");
                }
                clients.remove(&self.client);
            }
        }
    }
}

/// The key a client is counted under: an IPv4 address (IPv4-mapped IPv6
/// included), or an IPv6 /64 network.
fn client_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None if v6.is_loopback() => ip,
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_cap_and_its_place_back_on_close() {
        let table = PerIp::new(Limits::default().max_connections_per_ip(2));
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        let a = table.admit(ip).unwrap().unwrap();
        let _b = table.admit(ip).unwrap().unwrap();
        assert!(table.admit(ip).is_err());
        assert!(table.admit("203.0.113.8".parse().unwrap()).unwrap().is_some(), "another client");
        drop(a);
        assert!(table.admit(ip).unwrap().is_some());
    }

    #[test]
    fn loopback_is_exempt_unless_asked() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let table = PerIp::new(Limits::default().max_connections_per_ip(1));
        assert!(table.admit(ip).unwrap().is_none());
        let table = PerIp::new(Limits::default().max_connections_per_ip(1).limit_loopback(true));
        let _held = table.admit(ip).unwrap().unwrap();
        assert!(table.admit(ip).is_err());
        assert!(table.admit("::ffff:127.0.0.1".parse().unwrap()).is_err(), "mapped IPv4 is the same client");
    }

    #[test]
    fn an_ipv6_client_is_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(client_of(a), client_of(b));
        assert_ne!(client_of(a), client_of("2001:db8:1:3::1".parse().unwrap()));
    }
}
