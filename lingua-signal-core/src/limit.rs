//! [`AddressLimiter`]: a [`Rate`] per client address, for HTTP endpoints
//! that hand out something worth hoarding (TURN credentials).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Mutex, PoisonError},
};

use crate::{
    address::address_key,
    message::{Bucket, Rate},
};

/// Addresses remembered before the idle ones are forgotten: bounds the
/// memory a flood from many addresses can take.
const PRUNE_AT: usize = 10_000;

/// A token bucket per client address (an IPv6 client is its /64, as for
/// the connection cap: one host has a whole /64 to pick from). Loopback
/// clients are exempt unless [`limit_loopback`](Self::limit_loopback).
/// Cheap to share behind an `Arc`.
///
/// ```
/// use lingua_signal_core::{AddressLimiter, Rate};
///
/// let limiter = AddressLimiter::new(Rate::new(1, 2)).limit_loopback(true);
/// let ip = "127.0.0.1".parse()?;
/// assert!(limiter.check(ip) && limiter.check(ip));
/// assert!(!limiter.check(ip), "past the burst");
/// assert!(limiter.check("192.0.2.7".parse()?), "another address");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AddressLimiter {
    rate: Rate,
    limit_loopback: bool,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl AddressLimiter {
    /// `rate` per address, loopback exempt.
    #[must_use]
    pub fn new(rate: Rate) -> Self {
        Self { rate, limit_loopback: false, buckets: Mutex::new(HashMap::new()) }
    }

    /// Counts loopback clients too. Default: `false` (local tests, a proxy
    /// on the same host).
    #[must_use]
    pub fn limit_loopback(mut self, on: bool) -> Self {
        self.limit_loopback = on;
        self
    }

    /// The rate per address.
    #[must_use]
    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Takes a token for `ip`: `false` when it is over the rate.
    pub fn check(&self, ip: IpAddr) -> bool {
        let key = address_key(ip);
        if key.is_loopback() && !self.limit_loopback {
            return true;
        }
        let (per_second, burst) = (self.rate.per_second(), self.rate.burst());
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= PRUNE_AT {
            // A full bucket is the same as no bucket: forget those.
            buckets.retain(|_, bucket| !bucket.is_full(per_second, burst));
        }
        buckets.entry(key).or_insert_with(|| Bucket::full(burst)).take(per_second, burst)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn each_address_has_its_own_bucket_and_a_v6_host_its_64() {
        let limiter = AddressLimiter::new(Rate::new(2, 3)).limit_loopback(true);
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        assert!((0..3).all(|_| limiter.check(a)));
        assert!(!limiter.check(a));
        assert!(limiter.check(b));
        tokio::time::advance(Duration::from_millis(500)).await;
        assert!(limiter.check(a) && !limiter.check(a), "refilled at the rate");
        let v6 = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!((0..3).all(|_| limiter.check(v6("2001:db8::1"))));
        assert!(!limiter.check(v6("2001:db8::ffff")), "same /64");
        assert!(limiter.check(v6("2001:db8:0:1::1")), "another /64");
    }

    #[tokio::test(start_paused = true)]
    async fn loopback_is_exempt_unless_asked_and_idle_addresses_are_forgotten() {
        let limiter = AddressLimiter::new(Rate::new(1, 1));
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        assert!((0..10).all(|_| limiter.check(lo)));
        for n in 0..PRUNE_AT as u32 {
            limiter.check(IpAddr::V4(n.into()));
        }
        tokio::time::advance(Duration::from_secs(2)).await;
        limiter.check("192.0.2.1".parse().unwrap());
        assert_eq!(limiter.buckets.lock().unwrap().len(), 1);
    }
}
