//! [`Builder`]: the backplane's settings, each with its default (its
//! `build` is in `backplane.rs`, next to what it builds).

use std::time::Duration;

/// Default time between two presence refreshes (and heartbeats) of a node.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(2);
/// Default time after which a node not heard of is taken for dead.
pub const DEFAULT_TTL: Duration = Duration::from_secs(10);
/// Longest TTL accepted: a day.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// Default prefix of every Redis key and channel.
pub const DEFAULT_PREFIX: &str = "lingua-signal";
/// Default number of messages waiting to be published before more are
/// dropped.
pub const DEFAULT_QUEUE: usize = 65_536;

/// Builds a [`RedisBackplane`](crate::RedisBackplane); each setter documents its default.
///
/// A process that dies is announced as gone by the others at most
/// `ttl + refresh` after its last heartbeat (12 s with the defaults).
#[derive(Clone)]
pub struct Builder {
    pub(crate) url: String,
    pub(crate) prefix: String,
    pub(crate) refresh: Duration,
    pub(crate) ttl: Duration,
    pub(crate) queue: usize,
    pub(crate) node_id: Option<String>,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("url", &redacted(&self.url))
            .field("prefix", &self.prefix)
            .field("refresh", &self.refresh)
            .field("ttl", &self.ttl)
            .field("queue", &self.queue)
            .field("node_id", &self.node_id)
            .finish()
    }
}

/// `url` without its password, for logs.
pub(crate) fn redacted(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, rest)), Some(at)) if at > scheme.len() => {
            let user = rest.split_once(':').map_or("", |(user, _)| user);
            format!("{scheme}://{user}:***@{}", &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

impl Builder {
    pub(crate) fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            prefix: DEFAULT_PREFIX.to_owned(),
            refresh: DEFAULT_REFRESH,
            ttl: DEFAULT_TTL,
            queue: DEFAULT_QUEUE,
            node_id: None,
        }
    }

    /// The prefix of every key and channel, so that several deployments can
    /// share one Redis. Default [`DEFAULT_PREFIX`].
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How often this node refreshes its presence and says it is alive.
    /// Default [`DEFAULT_REFRESH`] (2 s).
    #[must_use]
    pub fn refresh(mut self, every: Duration) -> Self {
        self.refresh = every;
        self
    }

    /// How long presence lasts without a refresh: after that, other nodes
    /// announce this node's members as gone and free its PeerJS ids, and
    /// Redis drops its keys. Default [`DEFAULT_TTL`] (10 s). Every node of a
    /// deployment should use the same value.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How many messages may wait to be published; past that, more are
    /// dropped (counted) and presence is rewritten in full at the next
    /// refresh. Default [`DEFAULT_QUEUE`].
    #[must_use]
    pub fn queue(mut self, capacity: usize) -> Self {
        self.queue = capacity.max(1);
        self
    }

    /// This node's id in Redis; it must be unique among the processes that
    /// share a prefix (a node ignores what its own id says). Default: a
    /// fresh UUID v4 per process, which is what a restarted process should
    /// get (its old id is announced as gone; reusing it would hide that).
    #[must_use]
    pub fn node_id(mut self, id: impl Into<String>) -> Self {
        self.node_id = Some(id.into());
        self
    }
}
