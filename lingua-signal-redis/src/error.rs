//! [`Error`]: what can go wrong setting a backplane up.

/// Why a [`RedisBackplane`](crate::RedisBackplane) could not be built or
/// started. Losing Redis later is not an error: the backplane reconnects.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL is not a Redis URL (`redis://[user:password@]host[:port][/db]`).
    #[error("not a Redis URL: {0}")]
    Url(String),
    /// The key prefix or the node id is empty, longer than 64 bytes, or
    /// holds a space or a character outside printable ASCII.
    #[error("the key prefix and node id must be 1 to 64 printable ASCII characters without spaces")]
    Prefix,
    /// The presence timers do not fit: the refresh interval must be
    /// positive and at most half the time to live, which is at most
    /// [`MAX_TTL`](crate::MAX_TTL).
    #[error(
        "presence refresh ({refresh:?}) must be positive and at most half the TTL ({ttl:?}), and the TTL at most a day"
    )]
    Timers {
        /// The refresh interval asked for.
        refresh: std::time::Duration,
        /// The time to live asked for.
        ttl: std::time::Duration,
    },
    /// [`RedisBackplane::attach`](crate::RedisBackplane::attach) was called
    /// a second time.
    #[error("the backplane is attached to a hub already")]
    AlreadyAttached,
    /// [`RedisBackplane::attach`](crate::RedisBackplane::attach) was called
    /// outside a tokio runtime.
    #[error("attach needs a tokio runtime to spawn its task on")]
    NoRuntime,
}
