//! Partial updates: an absent field stays as it is, `null` clears it.

use serde::{Deserialize, Deserializer};

/// For `#[serde(default, deserialize_with = "nullable")] field: Option<Option<T>>`:
/// absent → `None`, `null` → `Some(None)`, a value → `Some(Some(value))`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Change {
        #[serde(default, deserialize_with = "nullable")]
        phone: Option<Option<String>>,
    }

    #[test]
    fn absent_null_and_value_are_three_different_changes() {
        let parse = |json| serde_json::from_str::<Change>(json).unwrap().phone;
        assert_eq!(parse("{}"), None);
        assert_eq!(parse(r#"{"phone": null}"#), Some(None));
        assert_eq!(parse(r#"{"phone": "1"}"#), Some(Some("1".to_string())));
    }
}
