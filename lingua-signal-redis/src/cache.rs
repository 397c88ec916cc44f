//! What this node knows of the others: their members and PeerJS ids, and
//! when each was last heard of. A plain state machine fed by the
//! subscription task; it returns the events to deliver locally instead of
//! delivering them, so it never touches the hub.
//!
//! Invariant: a member of another node is announced to local members
//! (`UserConnected`) when it enters the cache and (`UserDisconnected`) when it
//! leaves it, and at no other time. Joins and leaves that arrive twice (from
//! a snapshot and from pub/sub) change nothing the second time, so each is
//! announced exactly once.

use std::collections::{HashMap, HashSet};

use lingua_signal_core::{Event, PeerId, RoomId};
use tokio::time::{Duration, Instant};

/// What the cache asks its owner to do, after it released the cache's lock.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Queue this event to the local members of its room.
    Deliver(Event),
    /// A peer appeared on another node: route what is held for it there.
    Release(PeerId),
}

#[derive(Debug)]
struct Node {
    members: HashSet<(RoomId, PeerId)>,
    peers: HashSet<PeerId>,
    last_seen: Instant,
}

/// The other nodes, as far as this one knows.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    nodes: HashMap<String, Node>,
    /// Index: which node holds each remote PeerJS id.
    peers: HashMap<PeerId, String>,
    /// Index: the remote members of each room, in the order heard of.
    rooms: HashMap<RoomId, Vec<PeerId>>,
}

impl Cache {
    /// The node that holds `id`, if another one does.
    pub(crate) fn node_of(&self, id: &PeerId) -> Option<&str> {
        self.peers.get(id).map(String::as_str)
    }

    /// The remote members of `room`.
    pub(crate) fn members(&self, room: &RoomId) -> Vec<PeerId> {
        self.rooms.get(room).cloned().unwrap_or_default()
    }

    /// How many other nodes are known.
    pub(crate) fn node_count(&self) -> usize {
        self.nodes.len()
    }

    fn node(&mut self, node: &str, now: Instant) -> &mut Node {
        let entry = self.nodes.entry(node.to_owned()).or_insert_with(|| Node {
            members: HashSet::new(),
            peers: HashSet::new(),
            last_seen: now,
        });
        entry.last_seen = now;
        entry
    }

    /// Whether `node` is known (heard of and not found dead since).
    pub(crate) fn knows(&self, node: &str) -> bool {
        self.nodes.contains_key(node)
    }

    /// `node` is alive now.
    pub(crate) fn seen(&mut self, node: &str, now: Instant) {
        self.node(node, now);
    }

    /// `user` joined `room` on `node`.
    pub(crate) fn joined(&mut self, node: &str, room: RoomId, user: PeerId, now: Instant) -> Vec<Effect> {
        if !self.node(node, now).members.insert((room.clone(), user.clone())) {
            return Vec::new();
        }
        self.rooms.entry(room.clone()).or_default().push(user.clone());
        vec![Effect::Deliver(Event::UserConnected { room, user })]
    }

    /// `user` left `room` on `node`.
    pub(crate) fn left(&mut self, node: &str, room: RoomId, user: PeerId, now: Instant) -> Vec<Effect> {
        if !self.node(node, now).members.remove(&(room.clone(), user.clone())) {
            return Vec::new();
        }
        self.unindex_member(&room, &user);
        vec![Effect::Deliver(Event::UserDisconnected { room, user })]
    }

    fn unindex_member(&mut self, room: &RoomId, user: &PeerId) {
        if let Some(users) = self.rooms.get_mut(room) {
            if let Some(at) = users.iter().position(|u| u == user) {
                users.remove(at);
            }
            if users.is_empty() {
                self.rooms.remove(room);
            }
        }
    }

    /// `id` was registered on `node`.
    pub(crate) fn peer_up(&mut self, node: &str, id: PeerId, now: Instant) -> Vec<Effect> {
        if !self.node(node, now).peers.insert(id.clone()) {
            return Vec::new();
        }
        // Registered on two nodes at once (a race, see the crate docs): the
        // later news wins the routing; the other node's own copy still
        // delivers its local messages.
        if let Some(previous) = self.peers.insert(id.clone(), node.to_owned())
            && previous != node
            && let Some(other) = self.nodes.get_mut(&previous)
        {
            other.peers.remove(&id);
        }
        vec![Effect::Release(id)]
    }

    /// `id` is no longer registered on `node`.
    pub(crate) fn peer_down(&mut self, node: &str, id: &PeerId, now: Instant) {
        if self.node(node, now).peers.remove(id) && self.peers.get(id).is_some_and(|n| n == node) {
            self.peers.remove(id);
        }
    }

    /// `node`'s whole presence, from a `Sync` message or a snapshot: the
    /// differences with what was known are announced.
    pub(crate) fn replace(
        &mut self,
        node: &str,
        members: HashSet<(RoomId, PeerId)>,
        peers: HashSet<PeerId>,
        now: Instant,
    ) -> Vec<Effect> {
        let known = self.node(node, now);
        let gone: Vec<_> = known.members.difference(&members).cloned().collect();
        let new: Vec<_> = members.difference(&known.members).cloned().collect();
        let gone_peers: Vec<_> = known.peers.difference(&peers).cloned().collect();
        let new_peers: Vec<_> = peers.difference(&known.peers).cloned().collect();
        let mut effects = Vec::new();
        for (room, user) in gone {
            effects.extend(self.left(node, room, user, now));
        }
        for (room, user) in new {
            effects.extend(self.joined(node, room, user, now));
        }
        for id in gone_peers {
            self.peer_down(node, &id, now);
        }
        for id in new_peers {
            effects.extend(self.peer_up(node, id, now));
        }
        effects
    }

    /// Forgets `node` (it said goodbye or was found dead): its members are
    /// announced as gone, its peer ids are free.
    pub(crate) fn remove(&mut self, node: &str) -> Vec<Effect> {
        let Some(gone) = self.nodes.remove(node) else { return Vec::new() };
        for id in &gone.peers {
            if self.peers.get(id).is_some_and(|n| n == node) {
                self.peers.remove(id);
            }
        }
        let mut effects = Vec::new();
        for (room, user) in gone.members {
            self.unindex_member(&room, &user);
            effects.push(Effect::Deliver(Event::UserDisconnected { room, user }));
        }
        effects
    }

    /// The nodes not heard of for `ttl` as of `now`.
    pub(crate) fn stale(&self, ttl: Duration, now: Instant) -> Vec<String> {
        self.nodes.iter().filter(|(_, n)| now.duration_since(n.last_seen) >= ttl).map(|(id, _)| id.clone()).collect()
    }

    /// `node` counts as heard of at `at` (a known node only; never earlier
    /// than it was last heard of).
    pub(crate) fn seen_at(&mut self, node: &str, at: Instant) {
        if let Some(known) = self.nodes.get_mut(node) {
            known.last_seen = known.last_seen.max(at);
        }
    }

    /// Forgets every node not heard of for `ttl` as of `now`; returns the
    /// announcements and the ids of the dead nodes.
    pub(crate) fn expire(&mut self, ttl: Duration, now: Instant) -> (Vec<Effect>, Vec<String>) {
        let dead = self.stale(ttl, now);
        let effects = dead.iter().flat_map(|node| self.remove(node)).collect();
        (effects, dead)
    }

    /// Counts every node as heard of `now`: after this node was cut off from
    /// Redis, the others get a full `ttl` to show themselves again before
    /// they are taken for dead.
    pub(crate) fn grace(&mut self, now: Instant) {
        for node in self.nodes.values_mut() {
            node.last_seen = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(room: &str, user: &str) -> (RoomId, PeerId) {
        (room.parse().unwrap(), user.parse().unwrap())
    }

    #[test]
    fn a_join_heard_twice_is_announced_once() {
        let now = Instant::now();
        let mut cache = Cache::default();
        let (room, user) = ids("r", "a");
        assert_eq!(cache.joined("n1", room.clone(), user.clone(), now).len(), 1);
        assert!(cache.joined("n1", room.clone(), user.clone(), now).is_empty());
        let snapshot = HashSet::from([(room.clone(), user.clone())]);
        assert!(cache.replace("n1", snapshot, HashSet::new(), now).is_empty());
        assert_eq!(cache.members(&room), std::slice::from_ref(&user));
        assert_eq!(cache.left("n1", room.clone(), user.clone(), now).len(), 1);
        assert!(cache.left("n1", room.clone(), user, now).is_empty());
        assert!(cache.members(&room).is_empty());
    }

    #[test]
    fn a_dead_node_is_announced_gone_and_frees_its_peers() {
        let start = Instant::now();
        let ttl = Duration::from_secs(10);
        let mut cache = Cache::default();
        let (room, user) = ids("r", "a");
        cache.joined("n1", room.clone(), user.clone(), start);
        assert_eq!(cache.peer_up("n1", user.clone(), start), [Effect::Release(user.clone())]);
        cache.seen("n2", start + Duration::from_secs(5));
        assert_eq!(cache.expire(ttl, start + Duration::from_secs(9)).1.len(), 0);
        let (effects, dead) = cache.expire(ttl, start + ttl);
        assert_eq!(dead, ["n1"]);
        assert_eq!(effects, [Effect::Deliver(Event::UserDisconnected { room: room.clone(), user: user.clone() })]);
        assert_eq!(cache.node_of(&user), None);
        assert!(cache.members(&room).is_empty());
        assert!(cache.knows("n2"));
        cache.seen("n1", start);
        assert_eq!(cache.stale(ttl, start + ttl), ["n1"]);
        // Its presence key lives 4 s more: it is not dead before that.
        cache.seen_at("n1", start + Duration::from_secs(4));
        cache.seen_at("n1", start);
        assert!(cache.stale(ttl, start + ttl).is_empty());
        assert_eq!(cache.stale(ttl, start + Duration::from_secs(14)), ["n1"]);
        cache.grace(start + Duration::from_secs(30));
        assert!(cache.expire(ttl, start + Duration::from_secs(31)).1.is_empty());
    }

    #[test]
    fn a_sync_announces_only_the_differences() {
        let now = Instant::now();
        let mut cache = Cache::default();
        let (room, a) = ids("r", "a");
        let (_, b) = ids("r", "b");
        cache.joined("n1", room.clone(), a.clone(), now);
        let effects = cache.replace("n1", HashSet::from([(room.clone(), b.clone())]), HashSet::from([b.clone()]), now);
        assert_eq!(
            effects,
            [
                Effect::Deliver(Event::UserDisconnected { room: room.clone(), user: a }),
                Effect::Deliver(Event::UserConnected { room: room.clone(), user: b.clone() }),
                Effect::Release(b.clone()),
            ]
        );
        assert_eq!(cache.node_of(&b), Some("n1"));
        assert_eq!(cache.remove("n1").len(), 1);
        assert_eq!(cache.node_count(), 0);
    }
}
