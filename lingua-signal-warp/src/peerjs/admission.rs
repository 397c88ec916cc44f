//! Admission steps that need no hub (protocol §4.2–4.3): the query
//! parameters, the key, and the id's syntax. The hub decides the rest
//! (ID-TAKEN, re-attach, the peer limit) in `Hub::register`. The same rules
//! as `lingua-signal-axum` (adapters do not depend on each other).

use lingua_signal_core::{PeerId, error_frame};

/// Sent when `id`, `token` or `key` is missing or empty; wins over a wrong key.
pub(crate) const NO_PARAMS: &str = "No id, token, or key supplied to websocket server";
/// Sent when `key` is not the configured key.
pub(crate) const INVALID_KEY: &str = "Invalid key provided";
/// Sent when `id` is not a valid [`PeerId`] (the reference accepts any
/// string; lingua-signal keeps ids printable anywhere, spec §14 "MAY").
pub(crate) const INVALID_ID: &str = "Invalid id provided";

/// The websocket query parameters that matter; unknown ones (`version`, …)
/// are ignored.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Params {
    key: Option<String>,
    id: Option<String>,
    token: Option<String>,
}

impl Params {
    /// Collects URL-decoded pairs; a repeated name keeps its last value, as
    /// `Object.fromEntries(new URLSearchParams(…))` does.
    pub(crate) fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
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

    /// The id and token to register, or the frame refusing them.
    ///
    /// # Errors
    ///
    /// The JSON text of the ERROR frame to send before closing.
    pub(crate) fn admit(self, key: &str) -> Result<(PeerId, String), String> {
        let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
        let (Some(given_key), Some(id), Some(token)) = (nonempty(self.key), nonempty(self.id), nonempty(self.token))
        else {
            return Err(error_frame(NO_PARAMS));
        };
        if given_key != key {
            return Err(error_frame(INVALID_KEY));
        }
        let id = id.parse::<PeerId>().map_err(|_| error_frame(INVALID_ID))?;
        Ok((id, token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &[(&str, &str)]) -> Params {
        Params::from_pairs(query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
    }

    #[test]
    fn last_duplicate_wins_and_unknown_names_are_ignored() {
        let p = params(&[("id", "x"), ("key", "k"), ("id", "y"), ("token", "t"), ("version", "1.5.5"), ("z", "")]);
        let (id, token) = p.admit("k").unwrap();
        assert_eq!((id.as_str(), token.as_str()), ("y", "t"));
    }

    #[test]
    fn missing_or_empty_beats_a_wrong_key() {
        let no_params = error_frame(NO_PARAMS);
        for query in [
            &[][..],
            &[("key", "k")],
            &[("key", "k"), ("id", "a")],
            &[("key", "wrong"), ("id", "a")],
            &[("key", "k"), ("id", ""), ("token", "t")],
            &[("key", ""), ("id", "a"), ("token", "t")],
        ] {
            assert_eq!(params(query).admit("k"), Err(no_params.clone()), "{query:?}");
        }
        assert_eq!(params(&[("key", "K"), ("id", "a"), ("token", "t")]).admit("k"), Err(error_frame(INVALID_KEY)));
        assert_eq!(params(&[("key", "k"), ("id", "a/b"), ("token", "t")]).admit("k"), Err(error_frame(INVALID_ID)));
    }
}
