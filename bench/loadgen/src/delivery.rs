//! Exact delivery of `user-connected` over Socket.IO: how many times each
//! client heard each user, and the verdict (lost, duplicated,
//! misaddressed) against who should have heard whom.
//!
//! Client `i` is user `{tag}-u{i}` in room `{tag}-r{i / room_size}`, at
//! position `i % room_size` in it.

use std::collections::HashMap;

use serde::Serialize;

use crate::{crowd::Heard, sio::Packet};

/// Counts of what the clients heard.
#[derive(Debug)]
pub(crate) struct Ledger {
    tag: String,
    room_size: u32,
    /// (observer, user) → times heard.
    counts: HashMap<(u32, u32), u32>,
    /// Events that were not a `user-connected` about one of our users.
    stray: u64,
    examples: Vec<String>,
}

/// The verdict on the deliveries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// Deliveries the joins called for.
    pub expected: u64,
    /// `user-connected` events received, all of them.
    pub delivered: u64,
    /// Expected deliveries that never came.
    pub lost: u64,
    /// Deliveries past the first of the same user to the same client.
    pub duplicated: u64,
    /// Events that should not have reached their client at all: another
    /// room's user, the client's own join, a member who joined later, any
    /// other event.
    pub misaddressed: u64,
    /// The first few problems, described.
    pub examples: Vec<String>,
}

impl Delivery {
    /// Whether every expected delivery came exactly once and nothing else.
    #[must_use]
    pub fn exact(&self) -> bool {
        self.lost == 0 && self.duplicated == 0 && self.misaddressed == 0
    }
}

impl Ledger {
    pub(crate) fn new(tag: &str, room_size: u32) -> Self {
        Self { tag: tag.to_owned(), room_size, counts: HashMap::new(), stray: 0, examples: Vec::new() }
    }

    /// The user id of client `i`.
    pub(crate) fn user(&self, i: u32) -> String {
        format!("{}-u{i}", self.tag)
    }

    /// The room id of client `i`.
    pub(crate) fn room(&self, i: u32) -> String {
        format!("{}-r{}", self.tag, i / self.room_size)
    }

    pub(crate) fn same_room(&self, a: u32, b: u32) -> bool {
        a / self.room_size == b / self.room_size
    }

    /// Records an event; returns the user it announced and how many times
    /// the observer has now heard of that user.
    pub(crate) fn record(&mut self, heard: &Heard) -> Option<(u32, u32)> {
        let Packet::Event { name, args } = &heard.packet else { return None };
        let user = match (name.as_str(), args.as_slice()) {
            ("user-connected", [serde_json::Value::String(user)]) => self.index(user),
            _ => None,
        };
        let Some(user) = user else {
            self.stray(format!("client {} got {name}{args:?}", heard.observer));
            return None;
        };
        let count = self.counts.entry((heard.observer, user)).or_default();
        *count += 1;
        Some((user, *count))
    }

    /// Counts something that is no delivery at all (an acknowledgement nobody
    /// asked for, a foreign event).
    pub(crate) fn stray(&mut self, what: String) {
        tracing::debug!("{what}");
        self.stray += 1;
        if self.examples.len() < 10 {
            self.examples.push(what);
        }
    }

    fn index(&self, user: &str) -> Option<u32> {
        user.strip_prefix(&self.tag)?.strip_prefix("-u")?.parse().ok()
    }

    /// The verdict when `should(observer, user)` says who must hear whom,
    /// for the `users` that joined.
    pub(crate) fn verdict(&self, users: &[u32], should: impl Fn(u32, u32) -> bool) -> Delivery {
        let mut out = self.base();
        for &user in users {
            for &observer in users.iter().filter(|&&o| should(o, user)) {
                out.expected += 1;
                self.check(&mut out, observer, user, self.counts.get(&(observer, user)).copied().unwrap_or(0));
            }
        }
        for (&(observer, user), &n) in &self.counts {
            if !should(observer, user) {
                out.misaddressed += u64::from(n);
                note(&mut out, format!("client {observer} heard user {user} {n} times, expected never"));
            }
        }
        out
    }

    /// The verdict when joins were concurrent: of each two members of a
    /// room, exactly one (the earlier) hears the other, once.
    pub(crate) fn pairs_verdict(&self, clients: u32) -> Delivery {
        let mut out = self.base();
        for a in 0..clients {
            for b in (a + 1..clients).take_while(|&b| self.same_room(a, b)) {
                out.expected += 1;
                let get = |o, u| self.counts.get(&(o, u)).copied().unwrap_or(0);
                self.check(&mut out, a, b, get(a, b) + get(b, a));
            }
        }
        for (&(observer, user), &n) in &self.counts {
            if observer == user || !self.same_room(observer, user) {
                out.misaddressed += u64::from(n);
                note(&mut out, format!("client {observer} heard user {user} {n} times, expected never"));
            }
        }
        out
    }

    fn check(&self, out: &mut Delivery, observer: u32, user: u32, heard: u32) {
        match heard {
            0 => {
                out.lost += 1;
                note(out, format!("client {observer} never heard user {user}"));
            }
            1 => {}
            n => {
                out.duplicated += u64::from(n - 1);
                note(out, format!("client {observer} heard user {user} {n} times"));
            }
        }
    }

    fn base(&self) -> Delivery {
        Delivery {
            delivered: self.counts.values().map(|&n| u64::from(n)).sum(),
            misaddressed: self.stray,
            examples: self.examples.clone(),
            ..Delivery::default()
        }
    }
}

fn note(out: &mut Delivery, what: String) {
    if out.examples.len() < 10 {
        out.examples.push(what);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tokio::time::Instant;

    use super::*;

    fn heard(observer: u32, user: &str) -> Heard {
        let packet = Packet::Event { name: "user-connected".into(), args: vec![json!(user)] };
        Heard { observer, at: Instant::now(), packet }
    }

    #[test]
    fn lost_duplicated_and_misaddressed_are_told_apart() {
        let mut ledger = Ledger::new("t", 3);
        // Room 0: clients 0, 1, 2 joined in order; 0 hears 1 twice and
        // never hears 2; 1 hears 2; 3 (room 1) hears 2.
        for (o, u) in [(0, "t-u1"), (0, "t-u1"), (1, "t-u2"), (3, "t-u2")] {
            ledger.record(&heard(o, u));
        }
        ledger.record(&heard(0, "other-u1"));
        let should = |o: u32, u: u32| o / 3 == u / 3 && o < u;
        let verdict = ledger.verdict(&[0, 1, 2, 3], should);
        assert_eq!((verdict.expected, verdict.delivered), (3, 4));
        assert_eq!((verdict.lost, verdict.duplicated, verdict.misaddressed), (1, 1, 2));
        assert!(!verdict.exact());
    }

    #[test]
    fn concurrent_joins_need_one_direction_per_pair() {
        let mut ledger = Ledger::new("t", 2);
        for (o, u) in [(1, "t-u0"), (2, "t-u3")] {
            ledger.record(&heard(o, u));
        }
        let verdict = ledger.pairs_verdict(4);
        assert_eq!((verdict.expected, verdict.delivered), (2, 2));
        assert!(verdict.exact(), "{verdict:?}");
        ledger.record(&heard(0, "t-u1"));
        assert_eq!(ledger.pairs_verdict(4).duplicated, 1);
    }
}
