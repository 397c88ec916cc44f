//! Per-connection bounded delivery.
//!
//! The hub writes into a connection's [`Outbox`] with `try_send`, never
//! awaiting: a full queue cannot block the sender or anyone else. The
//! connection whose queue is full is the one that pays: the hub removes it
//! (with [`CloseReason::SlowConsumer`]) and drops its sending half, so the
//! adapter's [`Inbox::recv`] drains what was queued and then returns `None`;
//! [`Inbox::close_reason`] then says why.

use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicU64, Ordering},
};

use tokio::sync::mpsc;

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
    /// The receiving half is gone; the caller should forget this connection.
    Gone,
}

/// A position in a connection's stream of items: everything queued to it
/// before some operation. [`Inbox::take_until`] hands out exactly the items
/// before a mark, so an adapter can write a reply after the events that
/// preceded the request, and before the events that followed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mark(u64);

/// The hub's sending half of a connection's queue.
#[derive(Debug)]
pub(crate) struct Outbox<T> {
    tx: mpsc::Sender<T>,
    reason: Arc<OnceLock<CloseReason>>,
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
        match self.tx.try_send(item) {
            Ok(()) => {
                self.pushed.fetch_add(1, Ordering::Relaxed);
                Push::Sent
            }
            Err(mpsc::error::TrySendError::Full(_)) => Push::Full,
            Err(mpsc::error::TrySendError::Closed(_)) => Push::Gone,
        }
    }

    /// Records why the connection ends; the first reason wins. Delivery stops
    /// once the hub drops this outbox.
    pub(crate) fn set_reason(&self, reason: CloseReason) {
        let _ = self.reason.set(reason);
    }
}

/// The receiving half of a connection's outbound queue, owned by the adapter
/// that writes the items to the wire.
#[derive(Debug)]
pub struct Inbox<T> {
    rx: mpsc::Receiver<T>,
    reason: Arc<OnceLock<CloseReason>>,
    received: u64,
}

impl<T> Inbox<T> {
    /// The next item, or `None` once the hub has closed this connection and
    /// everything queued before that was handed out.
    pub async fn recv(&mut self) -> Option<T> {
        let item = self.rx.recv().await;
        self.count(item)
    }

    /// Polls for the next item, as [`Inbox::recv`] awaits it: for an adapter
    /// that must hold a lock of its own while it takes an item and writes it.
    pub fn poll_recv(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<T>> {
        self.rx.poll_recv(cx).map(|item| self.count(item))
    }

    /// The next item if one is queued, without waiting.
    pub fn try_recv(&mut self) -> Option<T> {
        let item = self.rx.try_recv().ok();
        self.count(item)
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

    fn count(&mut self, item: Option<T>) -> Option<T> {
        if item.is_some() {
            self.received += 1;
        }
        item
    }

    /// Why the hub closed this connection, once it has.
    #[must_use]
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.reason.get().copied()
    }
}

/// A connected pair with room for `capacity` items (at least one).
pub(crate) fn pair<T>(capacity: usize) -> (Outbox<T>, Inbox<T>) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    let reason = Arc::new(OnceLock::new());
    (Outbox { tx, reason: reason.clone(), pushed: AtomicU64::new(0) }, Inbox { rx, reason, received: 0 })
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
}
