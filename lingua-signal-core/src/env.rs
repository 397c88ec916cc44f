//! [`Env`]: what a state machine needs from its owner besides its own state.

use crate::{Backplane, Config, Metrics};

/// Borrowed from the hub for one operation on a state machine. The state
/// machines ([`rooms`](crate::rooms), [`relay`](crate::relay)) get their
/// limits, counters and backplane through it and never see the hub itself,
/// so layers point one way: hub → state machine.
#[derive(Clone, Copy)]
pub(crate) struct Env<'a> {
    pub(crate) config: &'a Config,
    pub(crate) metrics: &'a Metrics,
    pub(crate) backplane: &'a dyn Backplane,
}
