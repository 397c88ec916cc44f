//! Failing `accept` calls: out of file descriptors (`EMFILE`, `ENFILE`),
//! out of memory. Retrying at once would spin a core and flood the log, so
//! the listener waits a growing delay between tries and logs the episode
//! once when it starts and once when it ends. Near the limit, accepts
//! succeed and fail by turns as descriptors come and go: an episode ends
//! only once accepts have kept working for [`QUIET`].

use std::{io, time::Duration};

use tokio::time::Instant;

/// The first wait after a failed accept.
const FIRST: Duration = Duration::from_millis(5);
/// The longest wait: a freed descriptor is picked up within this.
const MOST: Duration = Duration::from_secs(1);
/// How long accepting must work before an episode is over.
const QUIET: Duration = Duration::from_secs(1);

/// One listener's accept failures since it last accepted.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    failures: u64,
    delay: Duration,
    /// When the episode began.
    since: Option<Instant>,
    /// The first success since the episode's last failure.
    working: Option<Instant>,
}

impl Backoff {
    /// Records a failed accept; returns how long to wait before the next.
    pub(crate) fn failed(&mut self, error: &io::Error) -> Duration {
        if self.since.is_none() {
            tracing::warn!(
                %error,
                "cannot accept connections (out of file descriptors?); retrying with back-off, \
                 logged once until accepting works again"
            );
            self.since = Some(Instant::now());
        }
        self.working = None;
        self.failures += 1;
        self.delay = if self.failures == 1 { FIRST } else { (self.delay * 2).min(MOST) };
        self.delay
    }

    /// Records a successful accept, which ends an episode of failures
    /// once accepts have kept working for [`QUIET`].
    pub(crate) fn succeeded(&mut self) {
        let Some(since) = self.since else { return };
        let working = *self.working.get_or_insert_with(Instant::now);
        if working.elapsed() >= QUIET {
            tracing::warn!(failures = self.failures, after = ?since.elapsed(), "accepting connections again");
            *self = Self::default();
        }
    }
}

/// Errors of one incoming connection (reset before it was accepted), not of
/// the listener: the next accept may succeed at once.
pub(crate) fn is_per_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionRefused
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_delay_grows_to_a_cap_and_resets_once_accepting_works_for_a_while() {
        let mut backoff = Backoff::default();
        let error = io::Error::from_raw_os_error(24); // EMFILE
        let delays: Vec<_> = (0..12).map(|_| backoff.failed(&error)).collect();
        assert_eq!(delays[0], FIRST);
        assert_eq!(delays[1], FIRST * 2);
        assert!(delays.windows(2).all(|w| w[1] >= w[0]));
        assert_eq!(*delays.last().unwrap(), MOST);
        tokio::time::advance(QUIET).await;
        backoff.succeeded();
        assert_eq!(backoff.failed(&error), MOST, "one success, even long after, is the same episode");
        backoff.succeeded();
        tokio::time::advance(QUIET).await;
        backoff.succeeded();
        assert_eq!(backoff.failed(&error), FIRST, "a new episode starts small");
    }

    #[test]
    fn out_of_descriptors_is_the_listener_s_problem() {
        assert!(!is_per_connection(&io::Error::from_raw_os_error(24)));
        assert!(is_per_connection(&io::ErrorKind::ConnectionAborted.into()));
    }
}
