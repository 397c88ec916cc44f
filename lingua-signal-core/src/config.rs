//! Limits and timers, shared by the hub and every adapter mounted on it.

use std::time::Duration;

use crate::message::Rate;

/// Limits and timers of a [`Hub`](crate::Hub).
///
/// Build it from [`Config::default`] with the setters; each setter documents
/// its default. Values of zero are raised to one where zero would make the
/// hub unusable.
///
/// ```
/// use std::time::Duration;
/// use lingua_signal_core::Config;
///
/// let config = Config::default()
///     .max_members_per_room(2)
///     .alive_timeout(Duration::from_secs(120));
/// assert_eq!(config.members_per_room(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    members_per_room: usize,
    rooms_per_connection: usize,
    rooms: usize,
    connections_per_address: Option<usize>,
    rooms_per_address: Option<usize>,
    limit_loopback: bool,
    outbound_capacity: usize,
    peers: usize,
    queued_per_peer: usize,
    queued_total: usize,
    expire_timeout: Duration,
    alive_timeout: Duration,
    sweep_interval: Duration,
    message_bytes: usize,
    app_message_bytes: usize,
    message_rate: u32,
    message_burst: u32,
    join_rate: Rate,
    relay_rate: Rate,
    relay_bytes: usize,
    relay_byte_rate: Rate,
    resume_grace: Duration,
    room_info_rate: Rate,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            members_per_room: 50,
            rooms_per_connection: 16,
            rooms: 10_000,
            connections_per_address: Some(128),
            rooms_per_address: Some(100),
            limit_loopback: false,
            outbound_capacity: 256,
            peers: 5_000,
            queued_per_peer: 64,
            queued_total: 10_000,
            expire_timeout: Duration::from_secs(5),
            alive_timeout: Duration::from_secs(60),
            sweep_interval: Duration::from_millis(300),
            message_bytes: 256 * 1024,
            app_message_bytes: 16 * 1024,
            message_rate: 10,
            message_burst: 20,
            join_rate: Rate::new(2, 10),
            relay_rate: Rate::new(100, 400),
            relay_bytes: 64 * 1024,
            relay_byte_rate: Rate::new(128 * 1024, 512 * 1024),
            resume_grace: Duration::from_secs(15),
            room_info_rate: Rate::new(5, 30),
        }
    }
}

impl Config {
    /// Most members one room holds. Default 50.
    #[must_use]
    pub fn max_members_per_room(mut self, n: usize) -> Self {
        self.members_per_room = n.max(1);
        self
    }

    /// Most rooms one connection may be in at once. Default 16.
    #[must_use]
    pub fn max_rooms_per_connection(mut self, n: usize) -> Self {
        self.rooms_per_connection = n.max(1);
        self
    }

    /// Most rooms that exist at once. Default 10 000.
    #[must_use]
    pub fn max_rooms(mut self, n: usize) -> Self {
        self.rooms = n.max(1);
        self
    }

    /// Most room connections (Socket.IO sockets over either Engine.IO
    /// transport, raw rooms websockets) open at once from one client
    /// address; `None` for no cap. The address is the one
    /// [`Hub::client_ip`](crate::Hub::client_ip) finds (behind trusted
    /// proxies, the forwarded client); an IPv6 client is its /64. Past it
    /// [`Hub::open`](crate::Hub::open) refuses with code
    /// `too-many-connections`. Loopback is exempt unless
    /// [`limit_loopback`](Self::limit_loopback). Default 256, as the
    /// serving crate's TCP cap: a long-polling session holds no TCP
    /// connection between requests, so only this counts it.
    #[must_use]
    pub fn max_connections_per_address(mut self, max: Option<usize>) -> Self {
        self.connections_per_address = max.map(|n| n.max(1));
        self
    }

    /// Most rooms one client address may have created that still exist
    /// (a room counts against the address of its first member until it is
    /// empty); `None` for no cap. A join that would create one more is
    /// refused with [`JoinError::TooManyRoomsFromAddress`](crate::JoinError::TooManyRoomsFromAddress);
    /// joining existing rooms is not affected. Loopback is exempt unless
    /// [`limit_loopback`](Self::limit_loopback). Default 100, so that one
    /// address cannot fill [`max_rooms`](Self::max_rooms) alone.
    #[must_use]
    pub fn max_rooms_per_address(mut self, max: Option<usize>) -> Self {
        self.rooms_per_address = max.map(|n| n.max(1));
        self
    }

    /// Applies the per-address caps to loopback clients (`127.0.0.0/8`,
    /// `::1`) too. Default `false`: local tests and load generators are
    /// not capped. Behind a reverse proxy on the same host, list it with
    /// [`HubBuilder::trusted_proxies`](crate::HubBuilder::trusted_proxies)
    /// so that clients are told apart.
    #[must_use]
    pub fn limit_loopback(mut self, on: bool) -> Self {
        self.limit_loopback = on;
        self
    }

    /// See [`Config::limit_loopback`].
    #[must_use]
    pub fn limits_loopback(&self) -> bool {
        self.limit_loopback
    }

    /// Whether the per-address caps apply to the client `ip`.
    #[must_use]
    pub fn limits_address(&self, ip: std::net::IpAddr) -> bool {
        self.limit_loopback || !crate::address::address_key(ip).is_loopback()
    }

    /// See [`Config::max_connections_per_address`].
    #[must_use]
    pub fn connections_per_address(&self) -> Option<usize> {
        self.connections_per_address
    }

    /// See [`Config::max_rooms_per_address`].
    #[must_use]
    pub fn rooms_per_address(&self) -> Option<usize> {
        self.rooms_per_address
    }

    /// Items a connection's outbound queue holds before the connection is
    /// dropped as too slow. Default 256; never below the per-peer hold
    /// limit plus one, so a peer's held messages always fit after its OPEN.
    #[must_use]
    pub fn outbound_capacity(mut self, n: usize) -> Self {
        self.outbound_capacity = n.max(1);
        self
    }

    /// Most peers registered with the relay at once (PeerJS
    /// `concurrent_limit`). Default 5 000.
    #[must_use]
    pub fn max_peers(mut self, n: usize) -> Self {
        self.peers = n.max(1);
        self
    }

    /// Most messages held for one destination that is not connected yet.
    /// Default 64.
    #[must_use]
    pub fn max_queued_per_peer(mut self, n: usize) -> Self {
        self.queued_per_peer = n.max(1);
        self
    }

    /// Most messages held for absent destinations in total. Default 10 000.
    #[must_use]
    pub fn max_queued_total(mut self, n: usize) -> Self {
        self.queued_total = n.max(1);
        self
    }

    /// How long messages for an absent destination are held before the
    /// senders get EXPIRE (PeerJS `expire_timeout`). Default 5 s.
    #[must_use]
    pub fn expire_timeout(mut self, d: Duration) -> Self {
        self.expire_timeout = d;
        self
    }

    /// How long a peer may stay silent (no HEARTBEAT) before it is
    /// disconnected (PeerJS `alive_timeout`). Default 60 s, twelve times the
    /// stock client's 5 s heartbeat.
    #[must_use]
    pub fn alive_timeout(mut self, d: Duration) -> Self {
        self.alive_timeout = d;
        self
    }

    /// How often [`Hub::take_sweeper`](crate::Hub::take_sweeper) checks
    /// for expired queues and silent peers. Default 300 ms.
    #[must_use]
    pub fn sweep_interval(mut self, d: Duration) -> Self {
        self.sweep_interval = d.max(Duration::from_millis(1));
        self
    }

    /// Largest PeerJS message, in bytes of its text frame, that the relay
    /// takes: signaling-sized (an SDP offer with many codecs and simulcast
    /// is 5–20 KiB). Default 64 KiB; at most
    /// [`max_message_bytes`](Self::max_message_bytes). A larger message
    /// closes the socket with 1009.
    ///
    /// It also sizes each peer's share of another peer's queue: one sender
    /// may have at most a quarter of the receiver's
    /// [`outbound_capacity`](Self::outbound_capacity) messages and twice
    /// this many bytes waiting there, and all senders together eight times
    /// this many bytes. A message over its sender's share is dropped and
    /// the sender gets EXPIRE (then a close, as for the relay rate limit):
    /// the receiver is never closed because of what others send it.
    #[must_use]
    pub fn max_relay_bytes(mut self, n: usize) -> Self {
        self.relay_bytes = n.max(64);
        self
    }

    /// How many bytes of PeerJS messages one peer may have relayed: `burst`
    /// at once, then `per_second`. Default 128 KiB per second, bursts of
    /// 512 KiB (a call's setup is a few dozen KiB). Over it, as over
    /// [`relay_rate_limit`](Self::relay_rate_limit): EXPIRE, and a close
    /// for a peer that keeps going.
    #[must_use]
    pub fn relay_byte_rate_limit(mut self, per_second: u32, burst: u32) -> Self {
        self.relay_byte_rate = Rate::new(per_second, burst);
        self
    }

    /// How long what a client proved stays its own after its connection is
    /// lost without a goodbye (no close frame: a network drop, a silent
    /// socket): a PeerJS id stays reserved for the token (or client cookie)
    /// that registered it, so that only that client may register it again
    /// meanwhile (the stock client's `reconnect()` does, with the same
    /// token). A clean close releases the id at once, unless a rooms
    /// connection of the client is still in a room under it: then it stays
    /// reserved while that membership lives. Default 15 s.
    #[must_use]
    pub fn resume_grace(mut self, d: Duration) -> Self {
        self.resume_grace = d;
        self
    }

    /// Largest inbound message, in bytes, that adapters accept. Default
    /// 256 KiB, far above what SDP offers need.
    #[must_use]
    pub fn max_message_bytes(mut self, n: usize) -> Self {
        self.message_bytes = n.max(64);
        self
    }

    /// Largest application message's data (its JSON text), in bytes.
    /// Default 16 KiB. A larger one is refused with
    /// [`MessageError::TooLarge`](crate::MessageError::TooLarge).
    #[must_use]
    pub fn max_app_message_bytes(mut self, n: usize) -> Self {
        self.app_message_bytes = n.max(1);
        self
    }

    /// How many application messages one connection may send: `burst` at
    /// once, then `per_second`. Default 10 per second, bursts of 20. Over
    /// it, a message is refused with
    /// [`MessageError::RateLimited`](crate::MessageError::RateLimited); a
    /// connection that keeps sending at more than twice the rate is closed
    /// ([`CloseReason::RateLimited`](crate::CloseReason::RateLimited)).
    #[must_use]
    pub fn message_rate_limit(mut self, per_second: u32, burst: u32) -> Self {
        self.message_rate = per_second;
        self.message_burst = burst.max(1);
        self
    }

    /// How many joins one connection may ask for: `burst` at once, then
    /// `per_second`. Default 2 per second, bursts of 10 (a page joins once
    /// and again after each reconnect). Over it, a join is refused with
    /// [`JoinError::RateLimited`](crate::JoinError::RateLimited); a
    /// connection that keeps asking at more than twice the rate is closed
    /// ([`CloseReason::RateLimited`](crate::CloseReason::RateLimited)), as
    /// for application messages.
    #[must_use]
    pub fn join_rate_limit(mut self, per_second: u32, burst: u32) -> Self {
        self.join_rate = Rate::new(per_second, burst);
        self
    }

    /// How many messages (OFFER, ANSWER, CANDIDATE, …) one PeerJS peer may
    /// have relayed: `burst` at once, then `per_second`; heartbeats are not
    /// counted. Default 100 per second, bursts of 400 (a call's setup sends
    /// a few dozen candidates at once). Over it, the message is dropped and
    /// its sender gets EXPIRE for that destination (the stock client reports
    /// `peer-unavailable`); a peer that keeps sending at more than twice the
    /// rate is closed with [`CloseReason::RateLimited`](crate::CloseReason::RateLimited).
    #[must_use]
    pub fn relay_rate_limit(mut self, per_second: u32, burst: u32) -> Self {
        self.relay_rate = Rate::new(per_second, burst);
        self
    }

    /// How many room-info lookups ([`Hub::room_info_reply`](crate::Hub::room_info_reply))
    /// one client address may make: `burst` at once, then `per_second`.
    /// Default 5 per second, bursts of 30 (a page asks once per load; a
    /// classroom behind one address loads together). Over it: `429`,
    /// `rate-limited`, so that human-chosen room names cannot be guessed
    /// by the thousand. Loopback is exempt unless
    /// [`limit_loopback`](Self::limit_loopback).
    #[must_use]
    pub fn room_info_rate_limit(mut self, per_second: u32, burst: u32) -> Self {
        self.room_info_rate = Rate::new(per_second, burst);
        self
    }

    /// See [`Config::room_info_rate_limit`].
    #[must_use]
    pub fn room_info_rate(&self) -> Rate {
        self.room_info_rate
    }

    /// See [`Config::join_rate_limit`].
    #[must_use]
    pub fn join_rate(&self) -> Rate {
        self.join_rate
    }

    /// See [`Config::relay_rate_limit`].
    #[must_use]
    pub fn relay_rate(&self) -> Rate {
        self.relay_rate
    }

    /// See [`Config::message_rate_limit`], as a [`Rate`].
    #[must_use]
    pub fn app_message_rate(&self) -> Rate {
        Rate::new(self.message_rate, self.message_burst)
    }

    /// See [`Config::max_app_message_bytes`].
    #[must_use]
    pub fn app_message_bytes(&self) -> usize {
        self.app_message_bytes
    }

    /// See [`Config::message_rate_limit`]: messages per second.
    #[must_use]
    pub fn message_rate(&self) -> u32 {
        self.message_rate
    }

    /// See [`Config::message_rate_limit`]: the burst.
    #[must_use]
    pub fn message_burst(&self) -> u32 {
        self.message_burst
    }

    /// See [`Config::max_members_per_room`].
    #[must_use]
    pub fn members_per_room(&self) -> usize {
        self.members_per_room
    }

    /// See [`Config::max_rooms_per_connection`].
    #[must_use]
    pub fn rooms_per_connection(&self) -> usize {
        self.rooms_per_connection
    }

    /// See [`Config::max_rooms`].
    #[must_use]
    pub fn rooms(&self) -> usize {
        self.rooms
    }

    /// See [`Config::outbound_capacity`].
    #[must_use]
    pub fn outbound(&self) -> usize {
        self.outbound_capacity.max(self.queued_per_peer + 1)
    }

    /// See [`Config::max_peers`].
    #[must_use]
    pub fn peers(&self) -> usize {
        self.peers
    }

    /// See [`Config::max_queued_per_peer`].
    #[must_use]
    pub fn queued_per_peer(&self) -> usize {
        self.queued_per_peer
    }

    /// See [`Config::max_queued_total`].
    #[must_use]
    pub fn queued_total(&self) -> usize {
        self.queued_total
    }

    /// See [`Config::expire_timeout`].
    #[must_use]
    pub fn expire(&self) -> Duration {
        self.expire_timeout
    }

    /// See [`Config::alive_timeout`].
    #[must_use]
    pub fn alive(&self) -> Duration {
        self.alive_timeout
    }

    /// See [`Config::max_relay_bytes`] (never more than
    /// [`Config::message_bytes`]).
    #[must_use]
    pub fn relay_bytes(&self) -> usize {
        self.relay_bytes.min(self.message_bytes)
    }

    /// See [`Config::relay_byte_rate_limit`].
    #[must_use]
    pub fn relay_byte_rate(&self) -> Rate {
        self.relay_byte_rate
    }

    /// See [`Config::resume_grace`].
    #[must_use]
    pub fn grace(&self) -> Duration {
        self.resume_grace
    }

    /// See [`Config::sweep_interval`].
    #[must_use]
    pub fn sweep(&self) -> Duration {
        self.sweep_interval
    }

    /// See [`Config::max_message_bytes`].
    #[must_use]
    pub fn message_bytes(&self) -> usize {
        self.message_bytes
    }
}
