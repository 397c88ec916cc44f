//! The socket as hyper sees it: reads and writes pass through, and while
//! hyper waits for the client, the deadline of the connection's state
//! (see [`Progress::deadline_or_park`]) runs. When it passes, a `408` goes out if
//! one still may, and the connection ends.
//!
//! Why our own wrapper rather than hyper's `header_read_timeout`: hyper's
//! covers the request head only (one value for both a new connection and a
//! kept-alive one's wait for its next request), answers nothing, and knows
//! no body deadline.

use std::{
    future::Future,
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
};

use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    time::{Instant, Sleep},
};

use crate::{
    per_ip::Permit,
    progress::{Expiry, Progress},
    stats::Counters,
};

/// What a client that missed its deadline is told, when anything.
const REQUEST_TIMEOUT: &[u8] = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";

/// A connection's socket (TCP, or TLS over TCP) under its deadlines. Holds
/// the client's place under the per-IP cap for as long as the socket lives,
/// through an upgrade.
#[derive(Debug)]
pub(crate) struct Guarded<T> {
    inner: T,
    progress: Arc<Progress>,
    sleep: Pin<Box<Sleep>>,
    armed: Option<Instant>,
    expired: bool,
    counters: Arc<Counters>,
    _held: Held,
}

/// What a connection holds from its accept until its socket is dropped:
/// kept only for what their `Drop` gives back.
#[derive(Debug)]
pub(crate) struct Held {
    _permit: Option<Permit>,
    _open: Open,
}

impl Held {
    pub(crate) fn new(permit: Option<Permit>, open: Open) -> Self {
        Self { _permit: permit, _open: open }
    }
}

impl<T> Guarded<T> {
    pub(crate) fn new(inner: T, progress: Arc<Progress>, counters: Arc<Counters>, held: Held) -> Self {
        let sleep = Box::pin(tokio::time::sleep_until(Instant::now()));
        Self { inner, progress, sleep, armed: None, expired: false, counters, _held: held }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> Guarded<T> {
    /// `Pending` until the deadline in force passes.
    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<Expiry> {
        let Some((at, expiry)) = self.progress.deadline_or_park(Some(cx.waker())) else { return Poll::Pending };
        if self.armed != Some(at) {
            self.sleep.as_mut().reset(at);
            self.armed = Some(at);
        }
        ready!(self.sleep.as_mut().poll(cx));
        Poll::Ready(expiry)
    }

    /// Ends the connection: the read hyper waits on fails (or, idle, ends),
    /// and so does every later write.
    fn expire(&mut self, cx: &mut Context<'_>, expiry: Expiry) -> Poll<io::Result<()>> {
        self.expired = true;
        let counter = match expiry {
            Expiry::Header => &self.counters.header_timeouts,
            Expiry::Idle => &self.counters.idle_timeouts,
            Expiry::Body => &self.counters.body_timeouts,
        };
        Counters::bump(counter);
        tracing::debug!(?expiry, "deadline passed, closing the connection");
        if self.progress.may_answer(expiry) {
            // Best effort, once: a client that does not read gets no answer.
            let mut inner = Pin::new(&mut self.inner);
            if let Poll::Ready(Ok(_)) = inner.as_mut().poll_write(cx, REQUEST_TIMEOUT) {
                let _ = inner.as_mut().poll_flush(cx);
                let _ = inner.poll_shutdown(cx);
            }
        }
        match expiry {
            // The end of a kept-alive connection is no error.
            Expiry::Idle => Poll::Ready(Ok(())),
            Expiry::Header | Expiry::Body => Poll::Ready(Err(timed_out())),
        }
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "client missed its deadline")
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.expired {
            return Poll::Ready(Err(timed_out()));
        }
        let before = buf.filled().len();
        if let Poll::Ready(result) = Pin::new(&mut this.inner).poll_read(cx, buf) {
            this.progress.read(&buf.filled()[before..], Instant::now());
            return Poll::Ready(result);
        }
        let expiry = ready!(this.poll_deadline(cx));
        this.expire(cx, expiry)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.expired {
            return Poll::Ready(Err(timed_out()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.expired {
            return Poll::Ready(Err(timed_out()));
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        // hyper need not read again after it wrote a response, so the read
        // that armed the last timer may be all it waits on. The deadline
        // that applies once the response ends (idle) is armed here, with
        // the task's waker; while a response is still being written, its
        // end wakes the task and the next flush or read arms it.
        if let Some((at, _)) = this.progress.deadline_or_park(Some(cx.waker()))
            && this.armed != Some(at)
        {
            this.sleep.as_mut().reset(at);
            this.armed = Some(at);
            if this.sleep.as_mut().poll(cx).is_ready() {
                // Already passed: the read hyper polls next expires it.
                cx.waker().wake_by_ref();
            }
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The open-connection gauge, one per socket.
#[derive(Debug)]
pub(crate) struct Open(Arc<Counters>);

impl Open {
    pub(crate) fn new(counters: &Arc<Counters>) -> Self {
        Counters::bump(&counters.open);
        Self(Arc::clone(counters))
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}
