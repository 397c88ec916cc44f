//! The exact check of `churn`, one room (one worker) at a time: every
//! staying member must hear each cycle's passing member connect and
//! disconnect exactly once, and of each two staying members exactly one
//! the other's setup join; anything else a staying member hears is
//! misaddressed.
//!
//! In the room of worker `w`, staying member `j` is user `{tag}-w{w}-s{j}`
//! and the passing member of cycle `n` is `{tag}-w{w}-c{n}`.

use std::collections::HashMap;

use crate::{delivery::Delivery, sio::Packet};

/// Who a user id of this room is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Staying(u32),
    Passing(u64),
}

/// `user-connected` or `user-disconnected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Connected,
    Disconnected,
}

/// What the staying members of one room heard.
#[derive(Debug)]
pub(crate) struct RoomLedger {
    /// `{tag}-w{w}`: the room id and the prefix of its user ids.
    room: String,
    /// (observer, who, kind) → times heard.
    counts: HashMap<(u32, Who, Kind), u32>,
    stray: u64,
    examples: Vec<String>,
}

impl RoomLedger {
    pub(crate) fn new(room: &str) -> Self {
        Self { room: room.to_owned(), counts: HashMap::new(), stray: 0, examples: Vec::new() }
    }

    pub(crate) fn room(&self) -> &str {
        &self.room
    }

    pub(crate) fn staying(&self, j: u32) -> String {
        format!("{}-s{j}", self.room)
    }

    pub(crate) fn passing(&self, n: u64) -> String {
        format!("{}-c{n}", self.room)
    }

    /// Records what staying member `observer` heard; returns the cycle and
    /// the kind when it is the first time this observer heard it of a
    /// passing member.
    pub(crate) fn record(&mut self, observer: u32, packet: &Packet) -> Option<(u64, Kind)> {
        let parsed = match packet {
            Packet::Event { name, args } => match (name.as_str(), args.as_slice()) {
                ("user-connected", [serde_json::Value::String(u)]) => self.who(u).map(|w| (w, Kind::Connected)),
                ("user-disconnected", [serde_json::Value::String(u)]) => self.who(u).map(|w| (w, Kind::Disconnected)),
                _ => None,
            },
            Packet::Ack { .. } => None,
        };
        let Some((who, kind)) = parsed else {
            self.stray(format!("{} member {observer} got {packet:?}", self.room));
            return None;
        };
        let count = self.counts.entry((observer, who, kind)).or_default();
        *count += 1;
        match who {
            Who::Passing(n) if *count == 1 => Some((n, kind)),
            _ => None,
        }
    }

    /// Counts something no staying member should have received (or that the
    /// passing member received).
    pub(crate) fn stray(&mut self, what: String) {
        tracing::debug!("{what}");
        self.stray += 1;
        if self.examples.len() < 10 {
            self.examples.push(what);
        }
    }

    fn who(&self, user: &str) -> Option<Who> {
        let rest = user.strip_prefix(&self.room)?.strip_prefix('-')?;
        match rest.split_at_checked(1)? {
            ("s", j) => j.parse().ok().map(Who::Staying),
            ("c", n) => n.parse().ok().map(Who::Passing),
            _ => None,
        }
    }

    /// The verdict for `staying` members and `cycles` cycles started.
    pub(crate) fn verdict(&self, staying: u32, cycles: u64) -> Delivery {
        let get = |o: u32, w: Who, k: Kind| self.counts.get(&(o, w, k)).copied().unwrap_or(0);
        let mut out = Delivery {
            delivered: self.counts.values().map(|&n| u64::from(n)).sum(),
            misaddressed: self.stray,
            examples: self.examples.clone(),
            ..Delivery::default()
        };
        for a in 0..staying {
            for b in a + 1..staying {
                let heard = get(a, Who::Staying(b), Kind::Connected) + get(b, Who::Staying(a), Kind::Connected);
                self.check(&mut out, heard, || format!("members {a} and {b} hearing each other join"));
            }
            for n in 0..cycles {
                for kind in [Kind::Connected, Kind::Disconnected] {
                    let heard = get(a, Who::Passing(n), kind);
                    self.check(&mut out, heard, || format!("member {a} hearing cycle {n} {kind:?}"));
                }
            }
        }
        for (&(observer, who, kind), &n) in &self.counts {
            let expected = match who {
                Who::Staying(j) => kind == Kind::Connected && j != observer && j < staying,
                Who::Passing(c) => c < cycles,
            };
            if !expected || observer >= staying {
                out.misaddressed += u64::from(n);
                note(
                    &mut out,
                    format!("{}: member {observer} heard {who:?} {kind:?} {n} times, expected never", self.room),
                );
            }
        }
        out
    }

    fn check(&self, out: &mut Delivery, heard: u32, what: impl Fn() -> String) {
        out.expected += 1;
        match heard {
            0 => {
                out.lost += 1;
                note(out, format!("{}: lost: {}", self.room, what()));
            }
            1 => {}
            n => {
                out.duplicated += u64::from(n - 1);
                note(out, format!("{}: {n} times: {}", self.room, what()));
            }
        }
    }
}

/// Adds `more` to `all`, keeping ten examples.
pub(crate) fn merge(all: &mut Delivery, more: Delivery) {
    all.expected += more.expected;
    all.delivered += more.delivered;
    all.lost += more.lost;
    all.duplicated += more.duplicated;
    all.misaddressed += more.misaddressed;
    let room = 10usize.saturating_sub(all.examples.len());
    all.examples.extend(more.examples.into_iter().take(room));
}

fn note(out: &mut Delivery, what: String) {
    if out.examples.len() < 10 {
        out.examples.push(what);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(name: &str, user: &str) -> Packet {
        Packet::Event { name: name.into(), args: vec![json!(user)] }
    }

    #[test]
    fn each_cycle_is_heard_connect_and_disconnect_once_by_each_staying_member() {
        let mut ledger = RoomLedger::new("t-w0");
        // Staying members 0 and 1: 1 heard 0's setup join.
        assert_eq!(ledger.record(1, &event("user-connected", "t-w0-s0")), None);
        for o in [0, 1] {
            assert_eq!(ledger.record(o, &event("user-connected", "t-w0-c0")), Some((0, Kind::Connected)));
            assert_eq!(ledger.record(o, &event("user-disconnected", "t-w0-c0")), Some((0, Kind::Disconnected)));
        }
        let verdict = ledger.verdict(2, 1);
        assert_eq!((verdict.expected, verdict.delivered), (1 + 4, 5));
        assert!(verdict.exact(), "{verdict:?}");
    }

    #[test]
    fn lost_duplicated_and_misaddressed_are_told_apart() {
        let mut ledger = RoomLedger::new("t-w0");
        ledger.record(0, &event("user-connected", "t-w0-c0"));
        // A second time is no news for the worker, and a duplicate.
        assert_eq!(ledger.record(0, &event("user-connected", "t-w0-c0")), None);
        // Cycle 0's disconnect never came; another room's user, a cycle
        // never started, and a staying member leaving are misaddressed.
        assert_eq!(ledger.record(0, &event("user-connected", "t-w1-c0")), None);
        ledger.record(0, &event("user-connected", "t-w0-c5"));
        ledger.record(0, &event("user-disconnected", "t-w0-s0"));
        ledger.record(0, &Packet::Ack { id: 1, args: Vec::new() });
        let verdict = ledger.verdict(1, 1);
        assert_eq!((verdict.expected, verdict.lost, verdict.duplicated), (2, 1, 1));
        assert_eq!(verdict.misaddressed, 4, "{verdict:?}");
        assert!(!verdict.exact());
    }

    #[test]
    fn setup_joins_count_once_per_pair_in_either_direction() {
        let mut ledger = RoomLedger::new("t-w3");
        ledger.record(2, &event("user-connected", "t-w3-s0"));
        ledger.record(0, &event("user-connected", "t-w3-s1"));
        let verdict = ledger.verdict(3, 0);
        // Pairs (0,1) and (0,2) heard, (1,2) lost.
        assert_eq!((verdict.expected, verdict.lost, verdict.misaddressed), (3, 1, 0));
        let mut all = Delivery::default();
        merge(&mut all, verdict.clone());
        merge(&mut all, verdict);
        assert_eq!((all.expected, all.lost), (6, 2));
    }
}
