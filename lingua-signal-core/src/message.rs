//! Application messages: what members of a room send each other besides
//! joining and leaving (chat, "raise hand", a mute indicator).

use std::{fmt, sync::Arc};

use serde_json::value::RawValue;
use tokio::time::Instant;

/// The JSON value of an application message, validated once and shared by
/// every recipient. Compared and hashed by its text.
#[derive(Clone)]
pub struct Data(Arc<RawValue>);

impl Data {
    /// Checks that `json` is one JSON value and keeps its text as it is.
    ///
    /// # Errors
    ///
    /// [`MessageError::BadData`] when it is not JSON.
    pub fn new(json: &str) -> Result<Self, MessageError> {
        let raw: Box<RawValue> = serde_json::from_str(json).map_err(|_| MessageError::BadData)?;
        Ok(Self(Arc::from(raw)))
    }

    /// A JSON value.
    #[must_use]
    pub fn from_value(value: &serde_json::Value) -> Self {
        // A Value always serializes to valid JSON.
        let raw = serde_json::value::to_raw_value(value).unwrap_or_else(|_| Box::<RawValue>::default());
        Self(Arc::from(raw))
    }

    /// The JSON text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// The value as a raw JSON value, to serialize without re-encoding.
    #[must_use]
    pub fn as_raw(&self) -> &RawValue {
        &self.0
    }

    /// Its size in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.as_str().len()
    }

    /// Whether it is empty (never: JSON has at least one byte).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.as_str().is_empty()
    }
}

impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Data({})", self.as_str())
    }
}

impl PartialEq for Data {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Data {}

impl std::hash::Hash for Data {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl<'de> serde::Deserialize<'de> for Data {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(|raw| Self(Arc::from(raw)))
    }
}

impl serde::Serialize for Data {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Why an application message was not sent. Nothing was delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// The sender is not a member of the room.
    #[error("not in this room")]
    NotJoined,
    /// The data is larger than the configured limit.
    #[error("message of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The sender sent more messages than its rate allows.
    #[error("too many messages; slow down")]
    RateLimited,
    /// The data is not JSON.
    #[error("data is not a JSON value")]
    BadData,
    /// The connection was closed by the hub.
    #[error("connection is closed")]
    Closed,
}

impl MessageError {
    /// A stable machine-readable code, for wire replies.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotJoined => "not-joined",
            Self::TooLarge { .. } => "message-too-large",
            Self::RateLimited => "rate-limited",
            Self::BadData => "bad-data",
            Self::Closed => "closed",
        }
    }
}

/// A rate: `burst` at once, then `per_second` on average (a token bucket).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    per_second: u32,
    burst: u32,
}

impl Rate {
    /// `burst` at once (at least one), then `per_second`.
    #[must_use]
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self { per_second, burst: burst.max(1) }
    }

    /// Tokens added per second.
    #[must_use]
    pub fn per_second(self) -> u32 {
        self.per_second
    }

    /// The bucket's size.
    #[must_use]
    pub fn burst(self) -> u32 {
        self.burst
    }
}

/// A token bucket: `burst` tokens, refilled at `per_second`.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    pub(crate) fn full(burst: u32) -> Self {
        Self { tokens: f64::from(burst), last: Instant::now() }
    }

    /// Whether the bucket would be full now: as good as a new one.
    pub(crate) fn is_full(&self, per_second: u32, burst: u32) -> bool {
        let refill = Instant::now().duration_since(self.last).as_secs_f64() * f64::from(per_second);
        self.tokens + refill >= f64::from(burst)
    }

    /// Takes a token if there is one.
    pub(crate) fn take(&mut self, per_second: u32, burst: u32) -> bool {
        self.take_amount(1, per_second, burst)
    }

    /// Takes `amount` tokens if there are that many.
    pub(crate) fn take_amount(&mut self, amount: usize, per_second: u32, burst: u32) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * f64::from(per_second);
        self.tokens = (self.tokens + refill).min(f64::from(burst));
        self.last = now;
        #[allow(clippy::cast_precision_loss)] // amounts are message sizes, far below 2^52
        let amount = amount as f64;
        if self.tokens >= amount {
            self.tokens -= amount;
            true
        } else {
            false
        }
    }
}

/// What a [`Limiter`] says about one more operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Within the rate.
    Allowed,
    /// Over the rate: refuse this one, with a clear error.
    Refused,
    /// Over the rate persistently: close the connection.
    Abusive,
}

/// A rate limit with a second bucket of strikes: a refused operation takes
/// a strike, and strikes come back at the same rate. A client that goes
/// over the limit now and then is refused now and then; one that keeps
/// sending at more than twice the rate runs out of strikes and is closed.
#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    tokens: Bucket,
    strikes: Bucket,
}

impl Limiter {
    pub(crate) fn new(rate: Rate) -> Self {
        Self { tokens: Bucket::full(rate.burst), strikes: Bucket::full(rate.burst) }
    }

    pub(crate) fn check(&mut self, rate: Rate) -> Verdict {
        self.check_amount(1, rate)
    }

    /// [`Limiter::check`] for an operation that costs `amount` tokens (a
    /// message of `amount` bytes against a byte rate); a refusal takes as
    /// many strikes.
    pub(crate) fn check_amount(&mut self, amount: usize, rate: Rate) -> Verdict {
        if self.tokens.take_amount(amount, rate.per_second, rate.burst) {
            Verdict::Allowed
        } else if self.strikes.take_amount(amount, rate.per_second, rate.burst) {
            Verdict::Refused
        } else {
            Verdict::Abusive
        }
    }

    /// Counts an operation refused for another reason (over a byte rate,
    /// over a share) as going over this limit: [`Verdict::Refused`] while
    /// strikes last, then [`Verdict::Abusive`].
    pub(crate) fn strike(&mut self, rate: Rate) -> Verdict {
        if self.strikes.take(rate.per_second, rate.burst) { Verdict::Refused } else { Verdict::Abusive }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_keeps_its_text_and_refuses_what_is_not_json() {
        let data = Data::new(r#"{"text": "hi",  "n": 1.50}"#).unwrap();
        assert_eq!(data.as_str(), r#"{"text": "hi",  "n": 1.50}"#);
        assert_eq!(serde_json::to_string(&data).unwrap(), r#"{"text": "hi",  "n": 1.50}"#);
        for bad in ["", "{", "nope", "1 2"] {
            assert_eq!(Data::new(bad), Err(MessageError::BadData), "{bad:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_bucket_allows_a_burst_then_its_rate() {
        let mut bucket = Bucket::full(3);
        assert!((0..3).all(|_| bucket.take(2, 3)));
        assert!(!bucket.take(2, 3));
        tokio::time::advance(std::time::Duration::from_millis(500)).await;
        assert!(bucket.take(2, 3));
        assert!(!bucket.take(2, 3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_limiter_refuses_over_the_rate_and_gives_up_on_persistent_abuse() {
        let rate = Rate::new(10, 5);
        let mut limiter = Limiter::new(rate);
        assert!((0..5).all(|_| limiter.check(rate) == Verdict::Allowed));
        // Five more are refused (the strikes), the next one is abuse.
        assert!((0..5).all(|_| limiter.check(rate) == Verdict::Refused));
        assert_eq!(limiter.check(rate), Verdict::Abusive);
        // At the allowed rate, a client recovers: tokens and strikes refill.
        let mut polite = Limiter::new(rate);
        for _ in 0..100 {
            tokio::time::advance(std::time::Duration::from_millis(100)).await;
            assert_eq!(polite.check(rate), Verdict::Allowed);
        }
        // Twice the rate is refused half the time and never closed.
        let mut eager = Limiter::new(rate);
        let mut verdicts = Vec::new();
        for _ in 0..200 {
            tokio::time::advance(std::time::Duration::from_millis(50)).await;
            verdicts.push(eager.check(rate));
        }
        assert!(!verdicts.contains(&Verdict::Abusive));
        assert!(verdicts.contains(&Verdict::Refused));
    }
}
