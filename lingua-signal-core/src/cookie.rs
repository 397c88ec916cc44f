//! [`ClientCookies`]: the client cookie that ties a browser's rooms
//! connection to its PeerJS websocket, issued by the server and checked by
//! it, so that a value the server did not issue proves nothing.
//!
//! A value is `<random>.<tag>`: a UUID v4 (122 random bits) and an
//! HMAC-SHA256 tag over it, keyed with a [`CookieKey`], both in hex. Nothing is stored: any
//! process holding the key verifies any value issued with it.

use std::{fmt, str::FromStr, sync::Arc};

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// The client cookie's name over plain HTTP.
pub const CLIENT_COOKIE: &str = "lingua_client";

/// The client cookie's name over HTTPS: the `__Host-` prefix makes the
/// browser refuse it unless it was set by this very host over HTTPS,
/// `Secure`, `Path=/` and without `Domain`, so a sibling subdomain or a
/// plain-HTTP page cannot plant one.
pub const HOST_CLIENT_COOKIE: &str = "__Host-lingua_client";

/// The shortest [`CookieKey`], in bytes.
pub const MIN_KEY_LEN: usize = 32;

/// Bytes of the random part and of the tag (hex doubles them).
const RANDOM_LEN: usize = 16;
const TAG_LEN: usize = 16;
const PARTICIPANT_LEN: usize = 12;

/// Domain separation: one key, two uses that never yield each other.
const COOKIE_CONTEXT: &[u8] = b"lingua-signal client cookie\0";
const PARTICIPANT_CONTEXT: &[u8] = b"lingua-signal participant\0";

/// What can be wrong with a [`CookieKey`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CookieKeyError {
    /// Fewer than [`MIN_KEY_LEN`] bytes.
    #[error("a cookie key needs at least {MIN_KEY_LEN} bytes")]
    TooShort,
}

/// The key that signs client cookies. Random per process by default; give
/// every process of a cluster the same one, or a cookie issued by one
/// proves nothing to the others. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct CookieKey(Arc<[u8]>);

impl CookieKey {
    /// A fresh key from the system's random source (two UUID v4s: 244
    /// random bits).
    #[must_use]
    pub fn random() -> Self {
        let bytes = [uuid::Uuid::new_v4().into_bytes(), uuid::Uuid::new_v4().into_bytes()].concat();
        Self(bytes.into())
    }

    /// `bytes` as the key.
    ///
    /// # Errors
    ///
    /// [`CookieKeyError::TooShort`] below [`MIN_KEY_LEN`] bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, CookieKeyError> {
        let bytes = bytes.into();
        if bytes.len() < MIN_KEY_LEN {
            return Err(CookieKeyError::TooShort);
        }
        Ok(Self(bytes.into()))
    }

    fn mac(&self, context: &[u8], data: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length.
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(context);
        mac.update(data);
        mac
    }
}

/// The text's bytes (a passphrase of at least [`MIN_KEY_LEN`] bytes, or
/// `openssl rand -hex 32`).
impl FromStr for CookieKey {
    type Err = CookieKeyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::new(text.as_bytes())
    }
}

impl fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CookieKey(<redacted>)")
    }
}

/// One verified (or freshly issued) client cookie value. `Debug` never
/// shows it: it proves a browser's PeerJS ids.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ClientCookie(Arc<str>);

impl ClientCookie {
    /// The cookie's value, `<random>.<tag>`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn random_part(&self) -> &str {
        self.0.split_once('.').map_or("", |(random, _)| random)
    }
}

impl fmt::Debug for ClientCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientCookie(<redacted>)")
    }
}

/// Issues and verifies client cookies with one [`CookieKey`]; a builder for
/// their attributes. Cheap to clone. Hand the same value to
/// [`Ownership::cookies`](crate::Ownership::cookies) and to the pages that
/// set the cookie.
///
/// ```
/// use lingua_signal_core::{ClientCookies, CookieKey};
///
/// let cookies = ClientCookies::new(CookieKey::random());
/// let issued = cookies.issue();
/// assert!(cookies.set_cookie(&issued).starts_with("lingua_client="));
/// assert_eq!(cookies.verify(issued.as_str()), Some(issued.clone()));
/// // A value this key did not sign proves nothing.
/// assert_eq!(cookies.verify("planted"), None);
/// assert_eq!(ClientCookies::default().verify(issued.as_str()), None);
/// // Over HTTPS: the `__Host-` name and `Secure`.
/// let secure = cookies.secure(true);
/// assert!(secure.set_cookie(&issued).starts_with("__Host-lingua_client="));
/// assert!(secure.set_cookie(&issued).ends_with("; Secure"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCookies {
    key: CookieKey,
    secure: bool,
}

impl Default for ClientCookies {
    /// A random key ([`CookieKey::random`]), for plain HTTP.
    fn default() -> Self {
        Self::new(CookieKey::random())
    }
}

impl ClientCookies {
    /// Cookies signed with `key`, for plain HTTP (see
    /// [`ClientCookies::secure`]).
    #[must_use]
    pub fn new(key: CookieKey) -> Self {
        Self { key, secure: false }
    }

    /// Whether pages are served over HTTPS (directly or behind a proxy that
    /// terminates TLS): then the cookie is [`HOST_CLIENT_COOKIE`] and
    /// `Secure`. Default: `false`, [`CLIENT_COOKIE`].
    #[must_use]
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// Whether the cookie is issued for HTTPS.
    #[must_use]
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The cookie's name: [`HOST_CLIENT_COOKIE`] when secure, else
    /// [`CLIENT_COOKIE`].
    #[must_use]
    pub fn name(&self) -> &'static str {
        if self.secure { HOST_CLIENT_COOKIE } else { CLIENT_COOKIE }
    }

    /// A fresh value.
    #[must_use]
    pub fn issue(&self) -> ClientCookie {
        let random = hex(uuid::Uuid::new_v4().as_bytes());
        let tag = self.tag(&random);
        ClientCookie(format!("{random}.{tag}").into())
    }

    /// `value` when this key issued it, else `None`.
    #[must_use]
    pub fn verify(&self, value: &str) -> Option<ClientCookie> {
        let (random, tag) = value.split_once('.')?;
        // Lowercase hex only: one value per cookie, no variants that verify.
        if random.len() != 2 * RANDOM_LEN || !is_lower_hex(random) || !is_lower_hex(tag) {
            return None;
        }
        let tag = unhex(tag).filter(|tag| tag.len() == TAG_LEN)?;
        let mac = self.key.mac(COOKIE_CONTEXT, random.as_bytes());
        // Constant time: the comparison tells nothing about the right tag.
        mac.verify_truncated_left(&tag).ok()?;
        Some(ClientCookie(value.into()))
    }

    /// The first value of this cookie that verifies, among the `Cookie`
    /// header `values` of a request (a browser may send several cookies of
    /// one name: one set by this host, one planted for a parent domain).
    #[must_use]
    pub fn find<'a>(&self, values: impl IntoIterator<Item = &'a str>) -> Option<ClientCookie> {
        let name = self.name();
        let pairs = values.into_iter().flat_map(|header| header.split(';'));
        pairs
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(n, _)| *n == name)
            .find_map(|(_, v)| self.verify(v))
    }

    /// The `Set-Cookie` value that gives a browser `cookie` for the whole
    /// site and its session: `HttpOnly` (page scripts never see it),
    /// `SameSite=Lax`, `Path=/`, and `Secure` when [secure](Self::secure).
    #[must_use]
    pub fn set_cookie(&self, cookie: &ClientCookie) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{}={}; Path=/; HttpOnly; SameSite=Lax{secure}", self.name(), cookie.as_str())
    }

    /// An opaque id for the browser that holds `cookie` (24 hex digits):
    /// the same for every request it makes, nothing of the cookie in it, so
    /// that it can stand in TURN usernames and logs.
    #[must_use]
    pub fn participant(&self, cookie: &ClientCookie) -> String {
        let digest = self.key.mac(PARTICIPANT_CONTEXT, cookie.random_part().as_bytes()).finalize().into_bytes();
        hex(&digest[..PARTICIPANT_LEN])
    }

    fn tag(&self, random: &str) -> String {
        let digest = self.key.mac(COOKIE_CONTEXT, random.as_bytes()).finalize().into_bytes();
        hex(&digest[..TAG_LEN])
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_lower_hex(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookies() -> ClientCookies {
        ClientCookies::new("0123456789abcdef0123456789abcdef".parse().unwrap())
    }

    #[test]
    fn issued_values_verify_and_nothing_else_does() {
        let cookies = cookies();
        let issued = cookies.issue();
        assert_eq!(issued.as_str().len(), 65);
        assert_eq!(cookies.verify(issued.as_str()).as_ref(), Some(&issued));
        assert_ne!(cookies.issue(), issued, "fresh every time");
        let (random, tag) = issued.as_str().split_once('.').unwrap();
        let last = if tag.ends_with('0') { '1' } else { '0' };
        let flipped = format!("{random}.{}{last}", &tag[..tag.len() - 1]);
        let other_random = format!("{}{}.{tag}", &random[..31], if random.ends_with('0') { '1' } else { '0' });
        let upper = issued.as_str().to_ascii_uppercase();
        let short = format!("{random}.{}", &tag[..30]);
        for bad in ["", ".", "planted", random, &flipped, &other_random, &short, &upper] {
            assert_eq!(cookies.verify(bad), None, "{bad:?}");
        }
        assert_eq!(ClientCookies::default().verify(issued.as_str()), None, "another key");
        let same_key = ClientCookies::new("0123456789abcdef0123456789abcdef".parse().unwrap());
        assert_eq!(same_key.verify(issued.as_str()), Some(issued), "another process with the key");
    }

    #[test]
    fn find_reads_the_verified_value_of_its_own_name() {
        let cookies = cookies();
        let issued = cookies.issue();
        let header = format!("a=b; lingua_client=planted; lingua_client={}", issued.as_str());
        assert_eq!(cookies.find([header.as_str()]), Some(issued.clone()));
        assert_eq!(cookies.clone().secure(true).find([header.as_str()]), None, "HTTPS reads only __Host-");
        let host = format!("__Host-lingua_client={}", issued.as_str());
        assert_eq!(cookies.clone().secure(true).find(["x=y", host.as_str()]), Some(issued));
    }

    #[test]
    fn participants_are_stable_opaque_and_per_cookie() {
        let cookies = cookies();
        let (a, b) = (cookies.issue(), cookies.issue());
        let id = cookies.participant(&a);
        assert_eq!(id.len(), 24);
        assert_eq!(cookies.participant(&a), id);
        assert_ne!(cookies.participant(&b), id);
        assert!(!a.as_str().contains(&id));
    }

    #[test]
    fn short_keys_are_refused_and_secrets_stay_out_of_debug() {
        assert_eq!("too short".parse::<CookieKey>(), Err(CookieKeyError::TooShort));
        let cookies = cookies();
        let issued = cookies.issue();
        assert!(!format!("{cookies:?}{issued:?}").contains("0123456789abcdef"));
        assert!(!format!("{issued:?}").contains(issued.as_str()));
    }
}
