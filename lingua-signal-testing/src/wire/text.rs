//! A string field of an incoming frame, borrowed from the frame's text.

use std::{borrow::Cow, fmt, ops::Deref};

use serde::Deserialize;

/// A JSON string borrowed from the frame it was parsed from, or owned when
/// it held escapes. (`Option<Cow<str>>` fields always own: serde borrows
/// only a `Cow` that is the field itself, hence this wrapper.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(transparent)]
pub struct Text<'a>(#[serde(borrow)] pub Cow<'a, str>);

impl Text<'_> {
    /// The string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the string was taken from the frame without a copy.
    #[must_use]
    pub fn is_borrowed(&self) -> bool {
        matches!(self.0, Cow::Borrowed(_))
    }
}

impl Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Sample<'a> {
        #[serde(borrow)]
        plain: Option<Text<'a>>,
        #[serde(borrow)]
        escaped: Option<Text<'a>>,
        #[serde(borrow)]
        list: Vec<Text<'a>>,
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let sample: Sample<'_> = serde_json::from_str(r#"{"plain":"a","escaped":"b\"c","list":["d"]}"#).unwrap();
        let plain = sample.plain.unwrap();
        assert!(plain.is_borrowed());
        assert_eq!(plain, "a");
        let escaped = sample.escaped.unwrap();
        assert!(!escaped.is_borrowed());
        assert_eq!(escaped, "b\"c");
        assert!(sample.list[0].is_borrowed());
    }
}
