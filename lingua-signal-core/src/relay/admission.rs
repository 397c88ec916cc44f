//! Admission of a PeerJS websocket (protocol §4.2–4.3): query parameters,
//! key, id syntax, then [`Hub::admit`](crate::Hub::admit) registers. Shared
//! by every adapter, so they refuse with the same frames in the same order.

use super::{RegisterError, error_frame};
use crate::PeerId;

/// The websocket query parameters that matter; unknown ones (`version`, …)
/// are ignored.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PeerParams {
    key: Option<String>,
    id: Option<String>,
    token: Option<String>,
}

/// Why a PeerJS websocket was not admitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdmitError {
    /// `id`, `token` or `key` is missing or empty (checked before the key).
    #[error("No id, token, or key supplied to websocket server")]
    MissingParams,
    /// `key` is not the configured key.
    #[error("Invalid key provided")]
    InvalidKey,
    /// `id` is not a valid [`PeerId`] (the reference takes any string;
    /// lingua-signal keeps ids printable anywhere).
    #[error("Invalid id provided")]
    InvalidId,
    /// The hub refused the registration.
    #[error(transparent)]
    Refused(#[from] RegisterError),
}

impl AdmitError {
    /// The frame to send before closing the socket.
    #[must_use]
    pub fn to_json(&self) -> String {
        match self {
            Self::Refused(refused) => refused.to_json(),
            other => error_frame(&other.to_string()),
        }
    }
}

impl PeerParams {
    /// Collects URL-decoded query pairs; a repeated name keeps its last
    /// value, as `Object.fromEntries(new URLSearchParams(…))` does.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut params = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "key" => params.key = Some(value),
                "id" => params.id = Some(value),
                "token" => params.token = Some(value),
                _ => {}
            }
        }
        params
    }

    /// The id and token to register.
    ///
    /// # Errors
    ///
    /// [`AdmitError::MissingParams`], [`AdmitError::InvalidKey`] or
    /// [`AdmitError::InvalidId`], in that order of precedence.
    pub fn check(self, key: &str) -> Result<(PeerId, String), AdmitError> {
        let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
        let (Some(given_key), Some(id), Some(token)) = (nonempty(self.key), nonempty(self.id), nonempty(self.token))
        else {
            return Err(AdmitError::MissingParams);
        };
        if given_key != key {
            return Err(AdmitError::InvalidKey);
        }
        let id = id.parse::<PeerId>().map_err(|_| AdmitError::InvalidId)?;
        Ok((id, token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &[(&str, &str)]) -> PeerParams {
        PeerParams::from_pairs(query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
    }

    #[test]
    fn last_duplicate_wins_and_unknown_names_are_ignored() {
        let p = params(&[("id", "x"), ("key", "k"), ("id", "y"), ("token", "t"), ("version", "1.5.5"), ("z", "")]);
        let (id, token) = p.check("k").unwrap();
        assert_eq!((id.as_str(), token.as_str()), ("y", "t"));
    }

    #[test]
    fn missing_or_empty_beats_a_wrong_key() {
        for query in [
            &[][..],
            &[("key", "k")],
            &[("key", "k"), ("id", "a")],
            &[("key", "wrong"), ("id", "a")],
            &[("key", "k"), ("id", ""), ("token", "t")],
            &[("key", ""), ("id", "a"), ("token", "t")],
        ] {
            assert_eq!(params(query).check("k"), Err(AdmitError::MissingParams), "{query:?}");
        }
        assert_eq!(params(&[("key", "K"), ("id", "a"), ("token", "t")]).check("k"), Err(AdmitError::InvalidKey));
        assert_eq!(params(&[("key", "k"), ("id", "a/b"), ("token", "t")]).check("k"), Err(AdmitError::InvalidId));
    }

    #[test]
    fn refusal_frames_are_the_reference_texts() {
        assert_eq!(
            AdmitError::MissingParams.to_json(),
            r#"{"type":"ERROR","payload":{"msg":"No id, token, or key supplied to websocket server"}}"#
        );
        assert_eq!(AdmitError::InvalidKey.to_json(), r#"{"type":"ERROR","payload":{"msg":"Invalid key provided"}}"#);
        assert_eq!(
            AdmitError::Refused(RegisterError::IdTaken).to_json(),
            r#"{"type":"ID-TAKEN","payload":{"msg":"ID is taken"}}"#
        );
    }
}
