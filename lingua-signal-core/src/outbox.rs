//! Per-connection bounded delivery.
//!
//! The hub writes into a connection's [`Outbox`] with `try_send`, never
//! awaiting: a full queue cannot block the sender or anyone else. The
//! connection whose queue is full is the one that pays: the hub removes it
//! (with [`CloseReason::SlowConsumer`]) and drops its sending half, so the
//! adapter's [`Inbox::recv`] drains what was queued and then returns `None`;
//! [`Inbox::close_reason`] then says why.

use std::sync::{Arc, OnceLock};

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

/// The hub's sending half of a connection's queue.
#[derive(Debug)]
pub(crate) struct Outbox<T> {
    tx: mpsc::Sender<T>,
    reason: Arc<OnceLock<CloseReason>>,
}

impl<T> Outbox<T> {
    pub(crate) fn push(&self, item: T) -> Push {
        match self.tx.try_send(item) {
            Ok(()) => Push::Sent,
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
}

impl<T> Inbox<T> {
    /// The next item, or `None` once the hub has closed this connection and
    /// everything queued before that was handed out.
    pub async fn recv(&mut self) -> Option<T> {
        self.rx.recv().await
    }

    /// The next item if one is queued, without waiting.
    pub fn try_recv(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
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
    (Outbox { tx, reason: reason.clone() }, Inbox { rx, reason })
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
    fn a_dropped_inbox_reports_gone() {
        let (outbox, inbox) = pair::<u8>(1);
        drop(inbox);
        assert_eq!(outbox.push(1), Push::Gone);
    }
}
