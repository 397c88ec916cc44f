//! The correctness check of the `rooms` scenario: every membership change a
//! member makes is expected once by each member that was in the room at
//! that moment, and every event received cancels one expectation.
//!
//! Who was in the room is known exactly without asking anyone else, thanks
//! to two guarantees of the protocol (PROTOCOL.md §2.3): the `joined` reply
//! lists the members present when the join was handled, and a connection
//! gets every event that happened before its request was handled ahead of
//! the reply (and none after). So at `left`, the leaver's own view, built
//! from `joined.users` and the events since, is the room at the leave.

use std::collections::HashMap;

/// The two events the scenario counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `user-connected`.
    Connected,
    /// `user-disconnected`.
    Disconnected,
}

impl Kind {
    /// The frame's `type`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "user-connected",
            Self::Disconnected => "user-disconnected",
        }
    }
}

/// (room, observer, actor, kind): the observer should hear `kind` about the
/// actor.
type Key = (u32, u32, u32, Kind);

/// Expected minus seen, per observer, actor and kind.
#[derive(Debug, Default)]
pub struct Ledger {
    balance: HashMap<Key, i64>,
    expected: u64,
}

impl Ledger {
    /// The actor's change should reach each of `observers` once.
    pub fn expect(&mut self, room: u32, actor: u32, kind: Kind, observers: &[u32]) {
        for &observer in observers {
            *self.balance.entry((room, observer, actor, kind)).or_default() += 1;
        }
        self.expected += observers.len() as u64;
    }

    /// The observer heard `kind` about the actor.
    pub fn saw(&mut self, room: u32, observer: u32, actor: u32, kind: Kind) {
        *self.balance.entry((room, observer, actor, kind)).or_default() -= 1;
    }

    /// Adds another member's ledger.
    pub fn merge(&mut self, other: Ledger) {
        for (key, n) in other.balance {
            *self.balance.entry(key).or_default() += n;
        }
        self.expected += other.expected;
    }

    /// How many deliveries were expected in all.
    #[must_use]
    pub fn expected(&self) -> u64 {
        self.expected
    }

    /// Every (observer, actor, kind) whose counts differ, described, sorted;
    /// empty when every change was seen exactly once by the right members.
    #[must_use]
    pub fn mismatches(&self) -> Vec<String> {
        let mut wrong: Vec<(&Key, &i64)> = self.balance.iter().filter(|(_, n)| **n != 0).collect();
        wrong.sort();
        wrong
            .into_iter()
            .map(|((room, observer, actor, kind), n)| {
                let what = if *n > 0 { "missed" } else { "got extra" };
                format!("room {room}: m{observer} {what} {} {} of m{actor}", n.abs(), kind.as_str())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_once_balances_and_anything_else_is_reported() {
        let mut ledger = Ledger::default();
        ledger.expect(0, 1, Kind::Connected, &[2, 3]);
        let mut other = Ledger::default();
        other.saw(0, 2, 1, Kind::Connected);
        other.saw(0, 2, 1, Kind::Connected);
        ledger.merge(other);
        assert_eq!(ledger.expected(), 2);
        assert_eq!(
            ledger.mismatches(),
            ["room 0: m2 got extra 1 user-connected of m1", "room 0: m3 missed 1 user-connected of m1"]
        );
    }
}
