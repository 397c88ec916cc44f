//! One connection's progress through its HTTP states, and which deadline
//! applies in each. The service wrapper ([`crate::observe`]) reports
//! requests, bodies, responses and upgrades; the IO wrapper
//! ([`crate::guard`]) reports bytes read and enforces the deadline.

use std::{
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    task::Waker,
};

use tokio::time::Instant;

use crate::Deadlines;

/// Which deadline ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// No complete request head in time (a new connection, or a request
    /// begun on a kept-alive one).
    Header,
    /// A kept-alive connection sent nothing after its last response.
    Idle,
    /// A request body did not arrive in time.
    Body,
}

/// Shared by a connection's IO wrapper and its service wrapper.
#[derive(Debug)]
pub(crate) struct Progress {
    deadlines: Deadlines,
    /// Checked on every read without the lock: websocket traffic after an
    /// upgrade pays one atomic load.
    upgraded: AtomicBool,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// No request yet: the header deadline runs from `since` (the accept).
    fresh: bool,
    /// HTTP/2 (seen from the preface): frames between requests are not
    /// the start of a request head, and no HTTP/1 `408` is ever written.
    h2: bool,
    /// Requests whose response is not fully written yet.
    in_flight: u32,
    /// Requests whose service has not answered yet.
    unanswered: u32,
    /// Request bodies not read to their end yet.
    open_bodies: u32,
    /// Set when `open_bodies` leaves 0.
    body_deadline: Option<Instant>,
    /// The accept, or when `in_flight` last went back to 0.
    since: Instant,
    /// The first byte of a request head on a kept-alive connection.
    head_started: Option<Instant>,
    /// The connection's task, parked on a read or a flush while a request
    /// was in flight (no deadline): woken when the last response is
    /// written, so that the idle deadline starts then and not at the next
    /// read.
    parked: Option<Waker>,
}

impl Progress {
    /// A connection accepted (TLS handshake done) at `now`.
    pub(crate) fn new(deadlines: Deadlines, now: Instant) -> Arc<Self> {
        let state = State {
            fresh: true,
            h2: false,
            in_flight: 0,
            unanswered: 0,
            open_bodies: 0,
            body_deadline: None,
            since: now,
            head_started: None,
            parked: None,
        };
        Arc::new(Self { deadlines, upgraded: AtomicBool::new(false), state: Mutex::new(state) })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The state holds counters only: one left mid-update by a panic is
        // still the best guess there is.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The deadline in force now and what it guards, or `None`: upgraded,
    /// or a request is with the service (its own time is not limited here).
    #[cfg(test)]
    fn deadline(&self) -> Option<(Instant, Expiry)> {
        self.deadline_or_park(None)
    }

    /// The deadline in force now and what it guards, or `None`: upgraded,
    /// or a request is with the service (its own time is not limited here).
    /// In that last case `waker` (the connection's task, reading or
    /// flushing) is woken once the last response is written.
    pub(crate) fn deadline_or_park(&self, waker: Option<&Waker>) -> Option<(Instant, Expiry)> {
        if self.upgraded.load(Ordering::Acquire) {
            return None;
        }
        let mut state = self.state();
        let d = &self.deadlines;
        if state.open_bodies > 0 {
            return state.body_deadline.map(|at| (at, Expiry::Body));
        }
        if state.in_flight > 0 {
            if let Some(waker) = waker
                && !state.parked.as_ref().is_some_and(|parked| parked.will_wake(waker))
            {
                state.parked = Some(waker.clone());
            }
            return None;
        }
        let (start, timeout, expiry) = match state.head_started {
            Some(started) => (started, d.header_timeout(), Expiry::Header),
            None if state.fresh => (state.since, d.header_timeout(), Expiry::Header),
            None => (state.since, d.idle_timeout(), Expiry::Idle),
        };
        // A deadline past the end of time is none.
        start.checked_add(timeout).map(|at| (at, expiry))
    }

    /// Bytes came in: on a kept-alive connection between requests, a new
    /// request head has begun and the header deadline replaces the idle one.
    pub(crate) fn read(&self, bytes: &[u8], now: Instant) {
        if self.upgraded.load(Ordering::Acquire) || bytes.is_empty() {
            return;
        }
        let mut state = self.state();
        if state.fresh && bytes.starts_with(b"PRI ") {
            state.h2 = true;
        }
        if !state.fresh && !state.h2 && state.in_flight == 0 && state.head_started.is_none() {
            state.head_started = Some(now);
        }
    }

    /// Whether a `408` may still be written: HTTP/1 and no answer begun.
    pub(crate) fn may_answer(&self, expiry: Expiry) -> bool {
        let state = self.state();
        !state.h2 && expiry != Expiry::Idle && (expiry == Expiry::Header || state.unanswered > 0)
    }

    /// A request head is complete and goes to the service.
    pub(crate) fn request(self: &Arc<Self>, has_body: bool, now: Instant) -> (InFlight, Option<OpenBody>) {
        let mut state = self.state();
        state.fresh = false;
        state.head_started = None;
        state.in_flight += 1;
        state.unanswered += 1;
        let body = has_body.then(|| {
            if state.open_bodies == 0 {
                state.body_deadline = now.checked_add(self.deadlines.body_timeout());
            }
            state.open_bodies += 1;
            OpenBody(Arc::clone(self))
        });
        (InFlight(Arc::clone(self)), body)
    }

    /// The service answered; `upgrade` for `101 Switching Protocols`.
    pub(crate) fn answered(&self, upgrade: bool) {
        self.state().unanswered -= 1;
        if upgrade {
            self.upgraded.store(true, Ordering::Release);
        }
    }
}

/// A request until its response is fully written (or dropped).
#[derive(Debug)]
pub(crate) struct InFlight(Arc<Progress>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.in_flight -= 1;
        if state.in_flight > 0 {
            return;
        }
        state.since = Instant::now();
        let parked = state.parked.take();
        drop(state);
        if let Some(waker) = parked {
            waker.wake();
        }
    }
}

/// A request body until it is read to its end (or dropped).
#[derive(Debug)]
pub(crate) struct OpenBody(Arc<Progress>);

impl Drop for OpenBody {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.open_bodies -= 1;
        if state.open_bodies == 0 {
            state.body_deadline = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn deadlines() -> Deadlines {
        Deadlines::default().header(Duration::from_secs(10)).idle(Duration::from_secs(5)).body(Duration::from_secs(30))
    }

    #[test]
    fn each_state_has_its_deadline() {
        let t0 = Instant::now();
        let progress = Progress::new(deadlines(), t0);
        assert_eq!(progress.deadline(), Some((t0 + Duration::from_secs(10), Expiry::Header)));
        let (in_flight, body) = progress.request(true, t0);
        assert_eq!(progress.deadline(), Some((t0 + Duration::from_secs(30), Expiry::Body)));
        drop(body);
        assert_eq!(progress.deadline(), None, "the service's time is its own");
        progress.answered(false);
        drop(in_flight);
        let (at, expiry) = progress.deadline().unwrap();
        assert_eq!(expiry, Expiry::Idle);
        assert!(at >= t0 + Duration::from_secs(5));
        let t1 = Instant::now();
        progress.read(b"GET", t1);
        assert_eq!(progress.deadline(), Some((t1 + Duration::from_secs(10), Expiry::Header)));
    }

    #[test]
    fn the_end_of_the_last_response_wakes_a_read_parked_without_a_deadline() {
        struct Count(std::sync::atomic::AtomicUsize);
        impl std::task::Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::Relaxed);
            }
        }
        let count = Arc::new(Count(std::sync::atomic::AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        let progress = Progress::new(deadlines(), Instant::now());
        let (first, _) = progress.request(false, Instant::now());
        let (second, _) = progress.request(false, Instant::now());
        assert_eq!(progress.deadline_or_park(Some(&waker)), None);
        progress.answered(false);
        drop(first);
        assert_eq!(count.0.load(Ordering::Relaxed), 0, "a response is still in flight");
        progress.answered(false);
        drop(second);
        assert_eq!(count.0.load(Ordering::Relaxed), 1);
        assert_eq!(progress.deadline().map(|(_, e)| e), Some(Expiry::Idle));
    }

    #[test]
    fn an_upgrade_ends_every_deadline() {
        let progress = Progress::new(deadlines(), Instant::now());
        let (in_flight, _) = progress.request(false, Instant::now());
        progress.answered(true);
        drop(in_flight);
        assert_eq!(progress.deadline(), None);
    }

    #[test]
    fn http2_frames_between_requests_start_no_request_head() {
        let t0 = Instant::now();
        let progress = Progress::new(deadlines(), t0);
        progress.read(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", t0);
        assert!(!progress.may_answer(Expiry::Header));
        let (in_flight, _) = progress.request(false, t0);
        progress.answered(false);
        drop(in_flight);
        progress.read(b"ping frame", Instant::now());
        assert_eq!(progress.deadline().map(|(_, e)| e), Some(Expiry::Idle));
    }
}
