//! Keyset paging: lists return `{items, next_cursor}` and resume after the last row seen.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::validation::FieldError;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

/// A paging parameter that cannot be used: a request error (400), unlike a field that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.message)]
pub struct BadQuery(pub FieldError);

/// The position after the last row of a page: its sort key and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "k")]
    pub sort_key: String,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        // Two strings always serialise; were it ever to fail, an empty cursor is refused on decode.
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode(raw: &str) -> Result<Self, FieldError> {
        let refuse = || {
            FieldError::new(
                "cursor",
                "The cursor is not one this list returned: start again from the first page.",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| refuse())?;
        serde_json::from_slice(&bytes).map_err(|_| refuse())
    }
}

/// What page of a list to return, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<Cursor>,
    pub limit: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { after: None, limit: DEFAULT_LIMIT }
    }
}

impl PageRequest {
    pub fn parse(cursor: Option<&str>, limit: Option<u32>) -> Result<Self, BadQuery> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(BadQuery(FieldError::new(
                "limit",
                format!("The limit must be between 1 and {MAX_LIMIT}."),
            )));
        }
        let after = match cursor.map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(Cursor::decode(raw).map_err(BadQuery)?),
        };
        Ok(Self { after, limit })
    }

    pub fn first(limit: u32) -> Self {
        Self { after: None, limit }
    }

    /// Builds a page from up to `limit + 1` fetched rows: the extra row only proves a next page exists.
    pub fn page_from<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> Cursor) -> Page<T> {
        let limit = self.limit as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| key(last).encode())
        } else {
            None
        };
        Page { items: rows, next_cursor }
    }
}

/// A position in the event log: events after it are listed. The API's `after` parameter is the
/// `seq` of the last event an integration has seen (0, or nothing, for the beginning).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventCursor(pub i64);

impl EventCursor {
    pub fn parse(raw: Option<&str>) -> Result<Self, BadQuery> {
        match raw.map(str::trim) {
            None | Some("") => Ok(Self(0)),
            Some(text) => match text.parse::<i64>() {
                Ok(seq) if seq >= 0 => Ok(Self(seq)),
                _ => Err(BadQuery(FieldError::new(
                    "after",
                    "must be the seq of an event (a whole number, 0 or more)",
                ))),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_cursor_is_a_seq_and_anything_else_is_refused_by_name() {
        assert_eq!(EventCursor::parse(None), Ok(EventCursor(0)));
        assert_eq!(EventCursor::parse(Some(" 42 ")), Ok(EventCursor(42)));
        for bad in ["-1", "abc", "1.5", "99999999999999999999"] {
            assert_eq!(EventCursor::parse(Some(bad)).unwrap_err().0.field, "after", "{bad}");
        }
    }

    #[test]
    fn a_cursor_survives_a_round_trip() {
        let cursor = Cursor { sort_key: "acme ünd co".into(), id: "0192".into() };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
    }

    #[test]
    fn a_forged_cursor_is_refused_naming_the_field() {
        assert_eq!(Cursor::decode("not base64!").unwrap_err().field, "cursor");
        assert_eq!(Cursor::decode(&URL_SAFE_NO_PAD.encode("{}")).unwrap_err().field, "cursor");
    }

    #[test]
    fn limits_outside_the_allowed_range_are_refused() {
        assert_eq!(PageRequest::parse(None, Some(0)).unwrap_err().0.field, "limit");
        assert!(PageRequest::parse(None, Some(MAX_LIMIT + 1)).is_err());
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, DEFAULT_LIMIT);
    }

    #[test]
    fn a_page_knows_whether_more_rows_follow() {
        let request = PageRequest::first(2);
        let key = |n: &i32| Cursor { sort_key: n.to_string(), id: n.to_string() };
        let full = request.page_from(vec![1, 2, 3], key);
        assert_eq!(full.items, vec![1, 2]);
        assert_eq!(Cursor::decode(full.next_cursor.as_deref().unwrap()).unwrap().id, "2");
        assert!(request.page_from(vec![1, 2], key).next_cursor.is_none());
    }
}
