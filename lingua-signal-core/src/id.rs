//! Validated identifiers: [`RoomId`] and [`PeerId`].
//!
//! Both are cheap to clone (an `Arc<str>` inside) and can only hold text that
//! is safe to put into HTML, a JavaScript string and a URL query without
//! escaping: ASCII letters, digits, `-` and `_` (and, for peer ids, a single
//! space between two words, which the PeerJS client allows).

use std::{borrow::Borrow, fmt, str::FromStr, sync::Arc};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Identifies a connection within its hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub(crate) u64);

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}", self.0)
    }
}

/// The longest id, in bytes, that [`RoomId`] and [`PeerId`] accept.
pub const MAX_ID_LEN: usize = 64;

/// Why a piece of text is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The text is empty.
    #[error("id is empty")]
    Empty,
    /// The text is longer than [`MAX_ID_LEN`] bytes.
    #[error("id is {len} bytes long, the limit is {max}")]
    TooLong {
        /// Length of the rejected text in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The text holds a character outside the allowed set.
    #[error("id has the character {ch:?} at byte {at}; allowed are A-Z, a-z, 0-9, '-' and '_'")]
    InvalidChar {
        /// The offending character.
        ch: char,
        /// Its byte offset.
        at: usize,
    },
    /// A peer id starts or ends with a space, or holds two spaces in a row.
    #[error("a space in a peer id must sit between two other characters")]
    MisplacedSpace,
}

fn validate(text: &str, allow_space: bool) -> Result<(), IdError> {
    if text.is_empty() {
        return Err(IdError::Empty);
    }
    if text.len() > MAX_ID_LEN {
        return Err(IdError::TooLong { len: text.len(), max: MAX_ID_LEN });
    }
    for (at, ch) in text.char_indices() {
        let ok = ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' || (allow_space && ch == ' ');
        if !ok {
            return Err(IdError::InvalidChar { ch, at });
        }
    }
    if allow_space && (text.starts_with(' ') || text.ends_with(' ') || text.contains("  ")) {
        return Err(IdError::MisplacedSpace);
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, allow_space = $space:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Arc<str>);

        impl $name {
            /// Checks `text` and wraps it.
            ///
            /// # Errors
            ///
            /// [`IdError`] says what is wrong with the text.
            pub fn new(text: &str) -> Result<Self, IdError> {
                validate(text, $space)?;
                Ok(Self(Arc::from(text)))
            }

            /// The id as text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, IdError> {
                Self::new(text)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(text: &str) -> Result<Self, IdError> {
                Self::new(text)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(text: String) -> Result<Self, IdError> {
                Self::new(&text)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), &*self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Self::new(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// The id of a room: 1 to 64 ASCII letters, digits, `-` or `_`.
    ///
    /// Every UUID qualifies, and nothing in it needs escaping in HTML,
    /// JavaScript or a URL path.
    ///
    /// ```
    /// use lingua_signal_core::RoomId;
    /// let room: RoomId = "f3b1c2d4-0a1b-4c5d-8e9f-001122334455".parse()?;
    /// assert_eq!(room.as_str().len(), 36);
    /// assert!("a/b".parse::<RoomId>().is_err());
    /// # Ok::<(), lingua_signal_core::IdError>(())
    /// ```
    RoomId,
    allow_space = false
);

id_type!(
    /// The id of a peer, which is also a room member's user id: 1 to 64 ASCII
    /// letters, digits, `-` or `_`, plus single spaces between other
    /// characters.
    ///
    /// This admits every id the PeerJS browser client lets a user choose
    /// (alphanumeric runs joined by ` `, `-` or `_`) and the UUIDs the server
    /// hands out. A space is the one character here that a URL path would
    /// have to percent-encode; peer ids travel in query strings and JSON, not
    /// in paths.
    ///
    /// ```
    /// use lingua_signal_core::PeerId;
    /// assert!("alice smith".parse::<PeerId>().is_ok());
    /// assert!("<script>".parse::<PeerId>().is_err());
    /// ```
    PeerId,
    allow_space = true
);

impl PeerId {
    /// A fresh random UUID v4 in lower case, the form the PeerJS server's
    /// `/id` endpoint hands out.
    #[must_use]
    pub fn random() -> Self {
        Self(Arc::from(uuid::Uuid::new_v4().to_string()))
    }
}

impl RoomId {
    /// A fresh random UUID v4 in lower case, as used for new rooms.
    #[must_use]
    pub fn random() -> Self {
        Self(Arc::from(uuid::Uuid::new_v4().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_and_peerjs_ids_are_accepted() {
        for ok in ["5f0e2b2c-1d3a-4b6e-9f7a-0c1d2e3f4a5b", "abc", "a_b-c", "A1"] {
            assert!(RoomId::new(ok).is_ok(), "{ok}");
            assert!(PeerId::new(ok).is_ok(), "{ok}");
        }
        assert!(PeerId::new("alice smith").is_ok());
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(RoomId::new(""), Err(IdError::Empty));
        assert_eq!(RoomId::new(&"a".repeat(65)), Err(IdError::TooLong { len: 65, max: 64 }));
        assert!(RoomId::new(&"a".repeat(64)).is_ok());
        assert_eq!(RoomId::new("ab\\"), Err(IdError::InvalidChar { ch: '\\', at: 2 }));
        assert_eq!(RoomId::new("a b"), Err(IdError::InvalidChar { ch: ' ', at: 1 }));
        assert_eq!(PeerId::new(" a"), Err(IdError::MisplacedSpace));
        assert_eq!(PeerId::new("a  b"), Err(IdError::MisplacedSpace));
        assert_eq!(PeerId::new("é"), Err(IdError::InvalidChar { ch: 'é', at: 0 }));
    }

    #[test]
    fn markup_and_path_characters_are_refused() {
        for bad in ["\"><script>", "a/b", "a?b", "a#b", "a'b", "a&b", "a%20b", "a.b", "a\nb"] {
            assert!(RoomId::new(bad).is_err(), "{bad}");
            assert!(PeerId::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn serde_round_trip_validates() {
        let id: RoomId = serde_json::from_str("\"room-1\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"room-1\"");
        assert!(serde_json::from_str::<RoomId>("\"a b\"").is_err());
        assert!(serde_json::from_str::<RoomId>("42").is_err());
    }

    #[test]
    fn random_ids_are_lowercase_uuids() {
        let id = PeerId::random();
        assert_eq!(id.as_str().len(), 36);
        assert_eq!(id.as_str(), id.as_str().to_lowercase());
        assert_ne!(id, PeerId::random());
    }
}
