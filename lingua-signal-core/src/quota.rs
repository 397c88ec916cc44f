//! What one client address holds of the rooms: its open connections and
//! the rooms it created. Kept by the rooms state machine under its lock, so
//! a count and the change it counts happen together.
//!
//! A room counts against the address of the connection that created it
//! (its first member) until it is empty, whoever is in it by then: rooms
//! are what an address can make the server refuse to others
//! ([`JoinError::ServerFull`](crate::JoinError::ServerFull)), so an address
//! pays for the rooms it opened.

use std::{collections::HashMap, net::IpAddr};

use crate::RoomId;

#[derive(Debug, Default)]
pub(crate) struct AddressQuota {
    usage: HashMap<IpAddr, Usage>,
    creators: HashMap<RoomId, IpAddr>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Usage {
    connections: usize,
    rooms: usize,
}

impl AddressQuota {
    /// Counts a connection from `address`; `false` (nothing counted) when
    /// `max` is given and the address is at it.
    pub(crate) fn connect(&mut self, address: IpAddr, max: Option<usize>) -> bool {
        let usage = self.usage.entry(address).or_default();
        if max.is_some_and(|max| usage.connections >= max) {
            self.forget_if_idle(address);
            return false;
        }
        usage.connections += 1;
        true
    }

    pub(crate) fn disconnect(&mut self, address: IpAddr) {
        if let Some(usage) = self.usage.get_mut(&address) {
            usage.connections = usage.connections.saturating_sub(1);
        }
        self.forget_if_idle(address);
    }

    /// Whether `address` may open one more room under `max`.
    pub(crate) fn may_create(&self, address: IpAddr, max: usize) -> bool {
        self.usage.get(&address).is_none_or(|usage| usage.rooms < max)
    }

    pub(crate) fn created(&mut self, room: &RoomId, address: IpAddr) {
        self.usage.entry(address).or_default().rooms += 1;
        self.creators.insert(room.clone(), address);
    }

    /// `room` is empty (gone): its creator gets its place back.
    pub(crate) fn emptied(&mut self, room: &RoomId) {
        let Some(address) = self.creators.remove(room) else { return };
        if let Some(usage) = self.usage.get_mut(&address) {
            usage.rooms = usage.rooms.saturating_sub(1);
        }
        self.forget_if_idle(address);
    }

    pub(crate) fn clear(&mut self) {
        self.usage.clear();
        self.creators.clear();
    }

    fn forget_if_idle(&mut self, address: IpAddr) {
        if self.usage.get(&address).is_some_and(|u| u.connections == 0 && u.rooms == 0) {
            self.usage.remove(&address);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_come_back_and_idle_addresses_are_forgotten() {
        let mut quota = AddressQuota::default();
        let ip: IpAddr = "203.0.113.1".parse().unwrap();
        assert!(quota.connect(ip, Some(1)));
        assert!(!quota.connect(ip, Some(1)));
        let room: RoomId = "r".parse().unwrap();
        assert!(quota.may_create(ip, 1));
        quota.created(&room, ip);
        assert!(!quota.may_create(ip, 1));
        quota.disconnect(ip);
        assert!(!quota.may_create(ip, 1), "the room still counts while it has members");
        quota.emptied(&room);
        assert!(quota.may_create(ip, 1));
        assert!(quota.usage.is_empty() && quota.creators.is_empty());
    }
}
