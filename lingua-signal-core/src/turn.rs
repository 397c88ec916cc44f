//! Short-lived TURN credentials, as TURN servers compute them from a secret
//! they share with the application (the "TURN REST API" scheme; coturn's
//! `use-auth-secret` with `static-auth-secret`).
//!
//! The username is `"<expiry>:<user>"`, `<expiry>` the moment the
//! credentials stop working in Unix seconds and `<user>` whom they were
//! issued to (an opaque id per participant, such as
//! [`ClientCookies::participant`](crate::ClientCookies::participant), lets
//! the TURN server's logs and quotas tell participants apart); the password is the base64 of
//! HMAC-SHA1 over the username, keyed with the shared secret. The TURN server
//! recomputes it from the username alone, so nothing is stored anywhere and
//! the application never talks to the TURN server.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use lingua_signal_core::turn::{Issuer, Secret};
//!
//! let issuer = Issuer::new("north-wind".parse::<Secret>()?).ttl(Duration::from_secs(3600));
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let credentials = issuer.issue_at("alice", now)?;
//! assert_eq!(credentials.username(), "1700003600:alice");
//! assert_eq!(credentials.credential(), "iRtTIZ3N38dm9S+dP+UkHfnN9Qo=");
//! assert_eq!(credentials.expires_at(), now + Duration::from_secs(3600));
//! # Ok::<(), lingua_signal_core::turn::CredentialError>(())
//! ```

use std::{
    fmt,
    str::FromStr,
    time::{Duration, SystemTime},
};

use base64::Engine as _;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha1::Sha1;

/// The longest lifetime [`Issuer::ttl`] gives credentials: one day. A TURN
/// server cannot revoke REST credentials, so one that leaks works until it
/// expires; a day covers any lesson, and pages fetch new ones before then.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

/// The longest `user` part accepted, in bytes.
pub const MAX_USER_LEN: usize = 256;

/// What can go wrong issuing TURN credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The shared secret is empty.
    #[error("the TURN shared secret is empty")]
    EmptySecret,
    /// The user part is empty, longer than [`MAX_USER_LEN`] or holds a
    /// control character.
    #[error("a TURN user must be 1 to {MAX_USER_LEN} bytes without control characters")]
    InvalidUser,
    /// The clock reads a time before 1970, or the expiry does not fit in
    /// Unix seconds.
    #[error("the clock is out of range for TURN credentials")]
    ClockOutOfRange,
}

/// The secret shared with the TURN server (coturn's `static-auth-secret`).
/// Its `Debug` output never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `secret`.
    ///
    /// # Errors
    ///
    /// [`CredentialError::EmptySecret`] when it is empty.
    pub fn new(secret: impl Into<String>) -> Result<Self, CredentialError> {
        let secret = secret.into();
        if secret.is_empty() {
            return Err(CredentialError::EmptySecret);
        }
        Ok(Self(secret))
    }
}

impl FromStr for Secret {
    type Err = CredentialError;

    fn from_str(secret: &str) -> Result<Self, Self::Err> {
        Self::new(secret)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Issues TURN credentials from a shared [`Secret`]; a builder for their
/// lifetime. Cheap to clone, `Debug` without the secret.
#[derive(Debug, Clone)]
pub struct Issuer {
    secret: Secret,
    ttl: Duration,
}

impl Issuer {
    /// Credentials valid for one hour (see [`Issuer::ttl`]).
    #[must_use]
    pub fn new(secret: Secret) -> Self {
        Self { secret, ttl: Duration::from_secs(3600) }
    }

    /// How long issued credentials stay valid. Default: one hour. Counted in
    /// whole seconds, from one second to [`MAX_TTL`] (longer is cut to it).
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Duration::from_secs(ttl.as_secs().clamp(1, MAX_TTL.as_secs()));
        self
    }

    /// How long issued credentials stay valid.
    #[must_use]
    pub fn lifetime(&self) -> Duration {
        self.ttl
    }

    /// Credentials for `user`, valid from now for the lifetime.
    ///
    /// # Errors
    ///
    /// [`CredentialError::InvalidUser`] for an empty, too long or
    /// multi-line `user`; [`CredentialError::ClockOutOfRange`] when the
    /// system clock is before 1970 or absurdly far ahead.
    pub fn issue(&self, user: &str) -> Result<Credentials, CredentialError> {
        self.issue_at(user, SystemTime::now())
    }

    /// Credentials for `user` as [`Issuer::issue`] makes them at `now`.
    ///
    /// # Errors
    ///
    /// As [`Issuer::issue`].
    pub fn issue_at(&self, user: &str, now: SystemTime) -> Result<Credentials, CredentialError> {
        if user.is_empty() || user.len() > MAX_USER_LEN || user.chars().any(char::is_control) {
            return Err(CredentialError::InvalidUser);
        }
        let expires_at = now.checked_add(self.ttl).ok_or(CredentialError::ClockOutOfRange)?;
        let expiry = expires_at.duration_since(SystemTime::UNIX_EPOCH).map_err(|_| CredentialError::ClockOutOfRange)?;
        let username = format!("{}:{user}", expiry.as_secs());
        let credential = sign(&self.secret, &username)?;
        Ok(Credentials { username, credential, expires_at })
    }
}

/// base64(HMAC-SHA1(secret, username)).
fn sign(secret: &Secret, username: &str) -> Result<String, CredentialError> {
    // HMAC takes keys of any length; the error exists for other MACs.
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.0.as_bytes()).map_err(|_| CredentialError::EmptySecret)?;
    mac.update(username.as_bytes());
    Ok(base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// A username and password for a TURN server, valid until
/// [`Credentials::expires_at`]. They go to the browser as the `username` and
/// `credential` of an `RTCIceServer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    username: String,
    credential: String,
    expires_at: SystemTime,
}

impl Credentials {
    /// `"<expiry>:<user>"`.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password: base64 of HMAC-SHA1 over the username.
    #[must_use]
    pub fn credential(&self) -> &str {
        &self.credential
    }

    /// When the TURN server stops accepting them (whole seconds).
    #[must_use]
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Duration = Duration::from_secs(1_700_000_000);

    fn issuer(secret: &str) -> Issuer {
        Issuer::new(secret.parse().unwrap())
    }

    #[test]
    fn matches_a_vector_computed_with_openssl() {
        // printf '%s' '1700003600:alice' | openssl dgst -sha1 -hmac north-wind -binary | base64
        let credentials = issuer("north-wind").issue_at("alice", SystemTime::UNIX_EPOCH + T0).unwrap();
        assert_eq!(credentials.username(), "1700003600:alice");
        assert_eq!(credentials.credential(), "iRtTIZ3N38dm9S+dP+UkHfnN9Qo=");
    }

    #[test]
    fn the_ttl_sets_the_expiry_in_whole_seconds() {
        let now = SystemTime::UNIX_EPOCH + T0 + Duration::from_millis(700);
        let issued = issuer("s").ttl(Duration::from_secs(90)).issue_at("u", now).unwrap();
        assert_eq!(issued.username(), "1700000090:u");
        assert_eq!(issued.expires_at(), now + Duration::from_secs(90));
        let tiny = issuer("s").ttl(Duration::from_millis(10));
        assert_eq!(tiny.lifetime(), Duration::from_secs(1));
        assert_eq!(Issuer::new("s".parse().unwrap()).lifetime(), Duration::from_secs(3600));
    }

    #[test]
    fn another_secret_or_user_gives_another_credential() {
        let now = SystemTime::UNIX_EPOCH + T0;
        let base = issuer("a").issue_at("u", now).unwrap();
        assert_ne!(issuer("b").issue_at("u", now).unwrap().credential(), base.credential());
        assert_ne!(issuer("a").issue_at("v", now).unwrap().credential(), base.credential());
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert_eq!("".parse::<Secret>(), Err(CredentialError::EmptySecret));
        let issuer = issuer("s");
        for user in ["", "a\nb", "tab\t", &"x".repeat(MAX_USER_LEN + 1)] {
            assert_eq!(issuer.issue(user), Err(CredentialError::InvalidUser), "{user:?}");
        }
        assert!(issuer.issue(&"x".repeat(MAX_USER_LEN)).is_ok());
        let before_1970 = SystemTime::UNIX_EPOCH - Duration::from_secs(7200);
        assert_eq!(issuer.issue_at("u", before_1970), Err(CredentialError::ClockOutOfRange));
        let huge = issuer.clone().ttl(Duration::MAX);
        assert_eq!(huge.lifetime(), MAX_TTL, "capped at a day");
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let issuer = issuer("do-not-print");
        assert!(!format!("{issuer:?}").contains("do-not-print"));
    }
}
