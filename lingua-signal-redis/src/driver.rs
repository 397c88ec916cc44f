//! The driver task: one per backplane. It publishes what the hub queued,
//! delivers what the other nodes say, refreshes this node's presence, takes
//! silent nodes for dead, and reconnects with backoff when Redis goes away.
//!
//! It is the only code that talks to Redis, and the only code of this crate
//! that calls the hub; it never holds the cache's lock while it does.

use std::{
    collections::HashSet,
    sync::{Arc, atomic::Ordering::Relaxed},
    time::Duration,
};

use futures_util::StreamExt;
use lingua_signal_core::{
    Event, PeerId, RoomId, WeakHub,
    peerjs::{Message, MessageKind},
};
use redis::{AsyncConnectionConfig, Msg, RedisError, aio::MultiplexedConnection, aio::PubSubStream};
use tokio::{sync::mpsc, time::Instant};

use crate::{
    cache::Effect,
    shared::{Out, Presence, Shared},
    stats::inc,
    wire::{ALIVE_FIELD, Body, Envelope, Field, member_field, parse_field, peer_field},
};

/// First wait before reconnecting; it doubles up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Longest wait for a connection or a reply before Redis counts as lost.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Most publications sent in one pipeline.
const BATCH: usize = 512;

/// Why a connection to Redis ended.
#[derive(Debug, thiserror::Error)]
enum Lost {
    #[error(transparent)]
    Redis(#[from] RedisError),
    #[error("Redis did not answer within {TIMEOUT:?}")]
    Timeout,
    #[error("the subscription connection closed")]
    Closed,
}

/// Runs until the hub is dropped.
pub(crate) async fn run(shared: Arc<Shared>, hub: WeakHub, mut rx: mpsc::Receiver<Out>) {
    let node = shared.node.clone();
    let mut backoff = MIN_BACKOFF;
    // One warning per outage, not one per attempt.
    let mut down = false;
    while hub.upgrade().is_some() {
        match Session::open(&shared).await {
            Ok(mut session) => {
                inc(&shared.counters.connects);
                shared.counters.connected.store(true, Relaxed);
                if down {
                    tracing::info!(%node, "redis backplane: connected again; presence rebuilt");
                }
                backoff = MIN_BACKOFF;
                let result = session.serve(&shared, &hub, &mut rx).await;
                shared.counters.connected.store(false, Relaxed);
                match result {
                    Ok(()) => return,
                    Err(error) => {
                        tracing::warn!(%node, %error, "redis backplane: lost Redis; serving local members only, reconnecting");
                        down = true;
                    }
                }
            }
            Err(error) if !down => {
                tracing::warn!(%node, %error, "redis backplane: cannot reach Redis; serving local members only, retrying");
                down = true;
            }
            Err(_) => {}
        }
        discard_for(backoff, &shared, &mut rx).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Waits `period`, dropping (and counting) what is queued meanwhile: the
/// presence is rewritten in full when the connection is back.
async fn discard_for(period: Duration, shared: &Shared, rx: &mut mpsc::Receiver<Out>) {
    let deadline = tokio::time::sleep(period);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            () = &mut deadline => return,
            out = rx.recv() => match out {
                Some(_) => {
                    inc(&shared.counters.dropped);
                    shared.pending.fetch_sub(1, Relaxed);
                }
                None => return,
            },
        }
    }
}

/// Queues `effects` to the hub's local members, in order.
fn apply(hub: &WeakHub, effects: Vec<Effect>) {
    if effects.is_empty() {
        return;
    }
    let Some(hub) = hub.upgrade() else { return };
    for effect in effects {
        match effect {
            Effect::Deliver(event) => hub.deliver_remote_event(&event),
            Effect::Release(id) => {
                hub.release_held(&id);
            }
        }
    }
}

/// Keys and channels of one deployment (one prefix).
struct Names {
    bus: String,
    inbox: String,
    key: String,
    node_keys: String,
}

impl Names {
    fn new(shared: &Shared) -> Self {
        let prefix = &shared.settings.prefix;
        Self {
            bus: format!("{prefix}:bus"),
            inbox: inbox(prefix, &shared.node),
            key: node_key(prefix, &shared.node),
            node_keys: format!("{prefix}:node:"),
        }
    }
}

/// The channel of `node`'s relayed messages.
fn inbox(prefix: &str, node: &str) -> String {
    format!("{prefix}:to:{node}")
}

/// The presence hash of `node`.
fn node_key(prefix: &str, node: &str) -> String {
    format!("{prefix}:node:{node}")
}

/// One connection's worth of work: a multiplexed connection for commands
/// and publications, and a subscription to the bus and this node's inbox.
struct Session {
    conn: MultiplexedConnection,
    messages: PubSubStream,
    names: Names,
    ttl_ms: u64,
}

impl Session {
    async fn open(shared: &Shared) -> Result<Self, Lost> {
        let names = Names::new(shared);
        let config =
            AsyncConnectionConfig::new().set_connection_timeout(Some(TIMEOUT)).set_response_timeout(Some(TIMEOUT));
        let connect = async {
            let conn = shared.client.get_multiplexed_async_connection_with_config(&config).await?;
            let mut pubsub = shared.client.get_async_pubsub().await?;
            pubsub.subscribe(&names.bus).await?;
            pubsub.subscribe(&names.inbox).await?;
            Ok::<_, RedisError>((conn, pubsub.into_on_message()))
        };
        let (conn, messages) = tokio::time::timeout(TIMEOUT, connect).await.map_err(|_| Lost::Timeout)??;
        let ttl_ms = u64::try_from(shared.settings.ttl.as_millis()).unwrap_or(u64::MAX);
        Ok(Self { conn, messages, names, ttl_ms })
    }

    /// Serves until Redis is lost (`Err`) or the hub is dropped (`Ok`).
    async fn serve(&mut self, shared: &Shared, hub: &WeakHub, rx: &mut mpsc::Receiver<Out>) -> Result<(), Lost> {
        self.resync(shared, hub).await?;
        let mut ticker = tokio::time::interval(shared.settings.refresh);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                out = rx.recv() => match out {
                    Some(first) => self.publish(shared, first, rx).await?,
                    None => return Ok(()),
                },
                msg = self.messages.next() => match msg {
                    Some(msg) => self.receive(shared, hub, &msg).await?,
                    None => return Err(Lost::Closed),
                },
                _ = ticker.tick() => {
                    if hub.upgrade().is_none() {
                        return Ok(());
                    }
                    self.refresh(shared, hub).await?;
                }
            }
        }
    }

    /// After (re)connecting: gives every known node a full TTL to show up
    /// again, rewrites this node's presence, and reads everyone else's.
    async fn resync(&mut self, shared: &Shared, hub: &WeakHub) -> Result<(), Lost> {
        shared.cache().grace(Instant::now());
        shared.dirty.store(false, Relaxed);
        self.write_presence(shared).await?;
        let mut cursor = 0_u64;
        let mut effects = Vec::new();
        loop {
            let pattern = format!("{}*", self.names.node_keys);
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(pattern)
                .arg("COUNT")
                .arg(200)
                .query_async(&mut self.conn)
                .await?;
            for key in keys {
                let Some(node) = key.strip_prefix(&self.names.node_keys) else { continue };
                if node != shared.node {
                    effects.extend(self.read_presence(shared, node).await?);
                }
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
        apply(hub, effects);
        Ok(())
    }

    /// Writes this node's whole presence and tells the others (`Sync`).
    async fn write_presence(&mut self, shared: &Shared) -> Result<(), Lost> {
        let (members, peers): (Vec<(RoomId, PeerId)>, Vec<PeerId>) = {
            let local = shared.local();
            (local.members.iter().cloned().collect(), local.peers.iter().cloned().collect())
        };
        let key = &self.names.key;
        let mut hset = redis::cmd("HSET");
        hset.arg(key).arg(ALIVE_FIELD).arg(1);
        for (room, user) in &members {
            hset.arg(member_field(room, user)).arg(1);
        }
        for id in &peers {
            hset.arg(peer_field(id)).arg(1);
        }
        let sync = Envelope::encode(&shared.node, Body::Sync { members, peers });
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("DEL").arg(key).ignore();
        pipe.add_command(hset).ignore();
        pipe.cmd("PEXPIRE").arg(key).arg(self.ttl_ms).ignore();
        pipe.cmd("PUBLISH").arg(&self.names.bus).arg(sync).ignore();
        pipe.query_async::<()>(&mut self.conn).await?;
        inc(&shared.counters.published);
        Ok(())
    }

    /// Reads `node`'s presence hash and makes it the cache's view of that
    /// node. A node without a hash (expired, or not written yet) is only
    /// counted as alive: what it says next fills it in.
    async fn read_presence(&mut self, shared: &Shared, node: &str) -> Result<Vec<Effect>, Lost> {
        let fields: Vec<String> =
            redis::cmd("HKEYS").arg(node_key(&shared.settings.prefix, node)).query_async(&mut self.conn).await?;
        let now = Instant::now();
        if fields.is_empty() {
            shared.cache().seen(node, now);
            return Ok(Vec::new());
        }
        let (mut members, mut peers) = (HashSet::new(), HashSet::new());
        for field in fields {
            match parse_field(&field) {
                Some(Field::Member(room, user)) => {
                    members.insert((room, user));
                }
                Some(Field::Peer(id)) => {
                    peers.insert(id);
                }
                Some(Field::Alive) => {}
                None => inc(&shared.counters.malformed),
            }
        }
        Ok(shared.cache().replace(node, members, peers, now))
    }

    /// Sends a batch of queued publications, presence changes first, in one
    /// pipeline: order per node is the order the hub queued them.
    async fn publish(&mut self, shared: &Shared, first: Out, rx: &mut mpsc::Receiver<Out>) -> Result<(), Lost> {
        let key = &self.names.key;
        let mut pipe = redis::pipe();
        let (mut count, mut set) = (0_u64, false);
        let mut next = Some(first);
        while let Some(out) = next {
            match out.presence {
                Some(Presence::Set(field)) => {
                    pipe.cmd("HSET").arg(key).arg(field).arg(1).ignore();
                    set = true;
                }
                Some(Presence::Del(field)) => {
                    pipe.cmd("HDEL").arg(key).arg(field).ignore();
                }
                Some(Presence::Clear) => {
                    pipe.cmd("DEL").arg(key).ignore();
                }
                None => {}
            }
            let channel = out.to.map_or_else(|| self.names.bus.clone(), |node| inbox(&shared.settings.prefix, &node));
            pipe.cmd("PUBLISH").arg(channel).arg(Envelope::encode(&shared.node, out.body)).ignore();
            count += 1;
            next = if count < BATCH as u64 { rx.try_recv().ok() } else { None };
        }
        if set {
            // A field set on a key that had expired must not live forever.
            pipe.cmd("PEXPIRE").arg(key).arg(self.ttl_ms).ignore();
        }
        let result = pipe.query_async::<()>(&mut self.conn).await;
        shared.pending.fetch_sub(count, Relaxed);
        if let Err(error) = result {
            // Lost with the connection; the presence is rewritten in full
            // when it is back.
            shared.counters.dropped.fetch_add(count, Relaxed);
            return Err(error.into());
        }
        shared.counters.published.fetch_add(count, Relaxed);
        Ok(())
    }

    /// Acts on one message from another node.
    async fn receive(&mut self, shared: &Shared, hub: &WeakHub, msg: &Msg) -> Result<(), Lost> {
        let Some(Envelope { node, body, .. }) = Envelope::decode(msg.get_payload_bytes()) else {
            inc(&shared.counters.malformed);
            return Ok(());
        };
        if node == shared.node {
            return Ok(());
        }
        let direct = msg.get_channel_name() == self.names.inbox;
        if matches!(body, Body::Relay { .. }) != direct {
            // Relayed messages come on the inbox, everything else on the bus.
            inc(&shared.counters.malformed);
            return Ok(());
        }
        inc(&shared.counters.received);
        let mut effects = Vec::new();
        if !matches!(body, Body::Sync { .. } | Body::Bye | Body::Relay { .. }) && !shared.cache().knows(&node) {
            // Heard of for the first time, or again after it was taken for
            // dead: learn its whole presence first.
            effects = self.read_presence(shared, &node).await?;
        }
        if let Body::Relay { kind, src, dst, payload } = body {
            return self.relay(shared, hub, &node, Message { kind, src, dst, payload }).await;
        }
        effects.extend(on_body(shared, &node, body));
        apply(hub, effects);
        Ok(())
    }

    /// Hands a relayed message to its local destination; when it is not
    /// here any more, the sender hears EXPIRE, as for a message held too
    /// long on one process.
    async fn relay(&mut self, shared: &Shared, hub: &WeakHub, from: &str, message: Message) -> Result<(), Lost> {
        let Some(hub) = hub.upgrade() else { return Ok(()) };
        let (kind, src, dst) = (message.kind, message.src.clone(), message.dst.clone());
        if hub.deliver_remote_message(message) || !kind.is_held() {
            return Ok(());
        }
        let expire = Message { kind: MessageKind::Expire, src: dst, dst: src, payload: None };
        let text = Envelope::encode(&shared.node, Body::relay(&expire));
        let channel = inbox(&shared.settings.prefix, from);
        redis::cmd("PUBLISH").arg(channel).arg(text).query_async::<()>(&mut self.conn).await?;
        inc(&shared.counters.published);
        Ok(())
    }

    /// Keeps this node's presence alive (rewriting it when it was lost or
    /// a publication was dropped), says it is alive, and takes nodes silent
    /// for the TTL for dead.
    async fn refresh(&mut self, shared: &Shared, hub: &WeakHub) -> Result<(), Lost> {
        if shared.closed.load(Relaxed) {
            return Ok(());
        }
        let kept: i64 = redis::cmd("PEXPIRE").arg(&self.names.key).arg(self.ttl_ms).query_async(&mut self.conn).await?;
        if kept == 0 || shared.dirty.swap(false, Relaxed) {
            self.write_presence(shared).await?;
        }
        let beat = Envelope::encode(&shared.node, Body::Heartbeat);
        redis::cmd("PUBLISH").arg(&self.names.bus).arg(beat).query_async::<()>(&mut self.conn).await?;
        inc(&shared.counters.published);
        let ttl = shared.settings.ttl;
        let now = Instant::now();
        let stale = shared.cache().stale(ttl, now);
        for node in stale {
            // This node's view can lag (a busy process reads its
            // subscription late): a node whose presence key still lives
            // refreshed it less than a TTL ago, so it is alive until the key
            // expires. Taking it for dead now would announce its members
            // gone, then back when its late heartbeat is read.
            let left: i64 =
                redis::cmd("PTTL").arg(node_key(&shared.settings.prefix, &node)).query_async(&mut self.conn).await?;
            let alive_until = match u64::try_from(left) {
                Ok(ms) => now + Duration::from_millis(ms),
                // No expiry set (-1): written, not yet expired.
                Err(_) if left == -1 => now + ttl,
                // No key (-2): dead.
                Err(_) => continue,
            };
            if let Some(heard) = alive_until.checked_sub(ttl) {
                shared.cache().seen_at(&node, heard);
            }
        }
        let (effects, dead) = shared.cache().expire(ttl, Instant::now());
        for node in dead {
            inc(&shared.counters.dead_nodes);
            tracing::info!(%node, "redis backplane: node silent for the TTL; its members are announced as gone");
        }
        apply(hub, effects);
        Ok(())
    }
}

/// Updates the cache with what `node` said; returns what to deliver.
fn on_body(shared: &Shared, node: &str, body: Body) -> Vec<Effect> {
    let now = Instant::now();
    let mut cache = shared.cache();
    match body {
        Body::Joined { room, user } => cache.joined(node, room, user, now),
        Body::Left { room, user } => cache.left(node, room, user, now),
        Body::Message { room, from, data } => {
            cache.seen(node, now);
            vec![Effect::Deliver(Event::Message { room, from, data })]
        }
        Body::PeerUp { id } => cache.peer_up(node, id, now),
        Body::PeerDown { id } => {
            cache.peer_down(node, &id, now);
            Vec::new()
        }
        Body::Heartbeat => {
            cache.seen(node, now);
            Vec::new()
        }
        Body::Sync { members, peers } => {
            cache.replace(node, members.into_iter().collect(), peers.into_iter().collect(), now)
        }
        Body::Bye => cache.remove(node),
        Body::Relay { .. } => Vec::new(),
    }
}
