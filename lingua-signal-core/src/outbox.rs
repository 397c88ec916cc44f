//! Per-connection bounded delivery.
//!
//! The hub writes into a connection's [`Outbox`] with `try_send`, never
//! awaiting: a full queue cannot block the sender or anyone else. The
//! connection whose queue is full is the one that pays: the hub removes it
//! (with [`CloseReason::SlowConsumer`]) and drops its sending half, so the
//! adapter's [`Inbox::recv`] drains what was queued and then returns `None`;
//! [`Inbox::close_reason`] then says why.

use std::{
    collections::VecDeque,
    sync::{
        Arc, Mutex, MutexGuard, OnceLock, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll, Waker},
};

/// Why the hub ended a connection's delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The connection's outbound queue was full: it did not keep up.
    SlowConsumer,
    /// The peer sent no heartbeat within the idle timeout.
    IdleTimeout,
    /// The same peer id registered again with the same token; this older
    /// connection was replaced.
    Superseded,
    /// The hub was shut down.
    Shutdown,
    /// The client kept going over a rate limit (joins, application messages
    /// or relayed PeerJS messages) after being refused.
    RateLimited,
}

impl CloseReason {
    /// A short, stable, human-readable explanation.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SlowConsumer => "outbound queue full",
            Self::IdleTimeout => "idle timeout",
            Self::Superseded => "replaced by a newer connection",
            Self::Shutdown => "server shutting down",
            Self::RateLimited => "too many requests",
        }
    }
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Outcome of [`Outbox::push`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Push {
    /// Queued.
    Sent,
    /// The queue is full; the caller must evict this connection.
    Full,
    /// [`Outbox::push_if`]'s test refused the item; nothing changed.
    Refused,
    /// The receiving half is gone; the caller should forget this connection.
    Gone,
}

/// A position in a connection's stream of items: everything queued to it
/// before some operation. [`Inbox::take_until`] hands out exactly the items
/// before a mark, so an adapter can write a reply after the events that
/// preceded the request, and before the events that followed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mark(u64);

/// The queue itself, shared by both halves.
///
/// A `VecDeque` under a mutex rather than a channel: it holds no memory
/// while empty (a tokio channel allocates a block of 32 slots up front, per
/// connection, used or not), and both sides hold the lock only to move one
/// item, never across an await.
#[derive(Debug)]
struct Shared<T> {
    state: Mutex<State<T>>,
    reason: OnceLock<CloseReason>,
}

#[derive(Debug)]
struct State<T> {
    queue: VecDeque<T>,
    capacity: usize,
    /// The inbox's task, waiting for an item.
    waker: Option<Waker>,
    outbox_alive: bool,
    inbox_alive: bool,
}

/// What an emptied queue keeps: a burst's worth of capacity is given back.
const KEPT_CAPACITY: usize = 8;

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Nothing panics while holding the lock; a poisoned state is whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The hub's sending half of a connection's queue.
#[derive(Debug)]
pub(crate) struct Outbox<T> {
    shared: Arc<Shared<T>>,
    /// Items queued so far. Written and read under the hub's lock, so a
    /// mark taken there counts exactly the items queued before it.
    pushed: AtomicU64,
}

impl<T> Outbox<T> {
    /// The position after everything queued so far.
    pub(crate) fn mark(&self) -> Mark {
        Mark(self.pushed.load(Ordering::Relaxed))
    }

    pub(crate) fn push(&self, item: T) -> Push {
        self.push_if(item, |_| true)
    }

    /// Queues `item` if `admit`, shown what is queued now, says so
    /// ([`Push::Refused`] otherwise): a budget over the waiting items.
    pub(crate) fn push_if(&self, item: T, admit: impl FnOnce(&VecDeque<T>) -> bool) -> Push {
        let mut state = self.shared.lock();
        if !state.inbox_alive {
            return Push::Gone;
        }
        if state.queue.len() >= state.capacity {
            return Push::Full;
        }
        if !admit(&state.queue) {
            return Push::Refused;
        }
        state.queue.push_back(item);
        let waker = state.waker.take();
        drop(state);
        self.pushed.fetch_add(1, Ordering::Relaxed);
        if let Some(waker) = waker {
            waker.wake();
        }
        Push::Sent
    }

    /// Records why the connection ends; the first reason wins. Delivery stops
    /// once the hub drops this outbox.
    pub(crate) fn set_reason(&self, reason: CloseReason) {
        let _ = self.shared.reason.set(reason);
    }
}

impl<T> Drop for Outbox<T> {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.outbox_alive = false;
        let waker = state.waker.take();
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The receiving half of a connection's outbound queue, owned by the adapter
/// that writes the items to the wire.
#[derive(Debug)]
pub struct Inbox<T> {
    shared: Arc<Shared<T>>,
    received: u64,
}

impl<T> Inbox<T> {
    /// The next item, or `None` once the hub has closed this connection and
    /// everything queued before that was handed out.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next item, as [`Inbox::recv`] awaits it: for an adapter
    /// that must hold a lock of its own while it takes an item and writes it.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut state = self.shared.lock();
        if let Some(item) = Self::pop(&mut state) {
            drop(state);
            self.received += 1;
            return Poll::Ready(Some(item));
        }
        if !state.outbox_alive {
            return Poll::Ready(None);
        }
        match &mut state.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The next item if one is queued, without waiting.
    pub fn try_recv(&mut self) -> Option<T> {
        let item = Self::pop(&mut self.shared.lock());
        if item.is_some() {
            self.received += 1;
        }
        item
    }

    fn pop(state: &mut State<T>) -> Option<T> {
        let item = state.queue.pop_front();
        if state.queue.is_empty() && state.queue.capacity() > KEPT_CAPACITY {
            state.queue.shrink_to(KEPT_CAPACITY);
        }
        item
    }

    /// The items queued before `mark` that have not been handed out yet, in
    /// order; none of those queued after it. They are all in the queue
    /// already, so this never waits.
    pub fn take_until(&mut self, mark: Mark) -> Vec<T> {
        let mut items = Vec::new();
        while self.received < mark.0 {
            match self.try_recv() {
                Some(item) => items.push(item),
                None => break,
            }
        }
        items
    }

    /// Why the hub closed this connection, once it has.
    #[must_use]
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.shared.reason.get().copied()
    }
}

impl<T> Drop for Inbox<T> {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.inbox_alive = false;
        // Dropped outside the lock: an item's drop may take other locks.
        let queued = std::mem::take(&mut state.queue);
        drop(state);
        drop(queued);
    }
}

/// A connected pair with room for `capacity` items (at least one).
pub(crate) fn pair<T>(capacity: usize) -> (Outbox<T>, Inbox<T>) {
    let state =
        State { queue: VecDeque::new(), capacity: capacity.max(1), waker: None, outbox_alive: true, inbox_alive: true };
    let shared = Arc::new(Shared { state: Mutex::new(state), reason: OnceLock::new() });
    (Outbox { shared: shared.clone(), pushed: AtomicU64::new(0) }, Inbox { shared, received: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_reports_full_without_blocking() {
        let (outbox, mut inbox) = pair(2);
        assert_eq!(outbox.push(1), Push::Sent);
        assert_eq!(outbox.push(2), Push::Sent);
        assert_eq!(outbox.push(3), Push::Full);
        outbox.set_reason(CloseReason::SlowConsumer);
        outbox.set_reason(CloseReason::Shutdown);
        drop(outbox);
        assert_eq!(inbox.recv().await, Some(1));
        assert_eq!(inbox.recv().await, Some(2));
        assert_eq!(inbox.recv().await, None);
        assert_eq!(inbox.close_reason(), Some(CloseReason::SlowConsumer));
    }

    #[test]
    fn take_until_hands_out_exactly_what_came_before_the_mark() {
        let (outbox, mut inbox) = pair(8);
        outbox.push(1);
        outbox.push(2);
        assert_eq!(inbox.try_recv(), Some(1));
        outbox.push(3);
        let mark = outbox.mark();
        outbox.push(4);
        assert_eq!(inbox.take_until(mark), [2, 3]);
        assert_eq!(inbox.take_until(mark), Vec::<i32>::new());
        assert_eq!(inbox.try_recv(), Some(4));
    }

    #[test]
    fn a_dropped_inbox_reports_gone() {
        let (outbox, inbox) = pair::<u8>(1);
        drop(inbox);
        assert_eq!(outbox.push(1), Push::Gone);
    }

    #[tokio::test]
    async fn a_waiting_inbox_wakes_for_an_item_and_for_the_end() {
        let (outbox, mut inbox) = pair(4);
        let reader = tokio::spawn(async move {
            let first = inbox.recv().await;
            let end = inbox.recv().await;
            (first, end, inbox.close_reason())
        });
        tokio::task::yield_now().await;
        assert_eq!(outbox.push("hello"), Push::Sent);
        tokio::task::yield_now().await;
        outbox.set_reason(CloseReason::Shutdown);
        drop(outbox);
        assert_eq!(reader.await.unwrap(), (Some("hello"), None, Some(CloseReason::Shutdown)));
    }

    #[test]
    fn an_emptied_queue_gives_its_burst_capacity_back() {
        let (outbox, mut inbox) = pair(1000);
        for i in 0..500 {
            outbox.push(i);
        }
        while inbox.try_recv().is_some() {}
        assert!(inbox.shared.lock().queue.capacity() <= KEPT_CAPACITY);
        assert_eq!(outbox.mark(), Mark(500));
    }

    #[test]
    fn items_still_queued_are_dropped_with_the_inbox() {
        let item = Arc::new(());
        let (outbox, inbox) = pair(4);
        outbox.push(item.clone());
        drop(inbox);
        assert_eq!(Arc::strong_count(&item), 1);
        assert_eq!(outbox.push(item.clone()), Push::Gone);
    }
}
