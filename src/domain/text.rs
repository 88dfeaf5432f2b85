//! Bounded, trimmed, printable text: the rule behind every name, label and note.

use super::validation::FieldError;

/// Trims `raw` and checks it holds `min..=max` characters and no control characters
/// (newlines and tabs are allowed only when `multiline`).
pub fn bounded(
    field: &str,
    raw: &str,
    min: usize,
    max: usize,
    multiline: bool,
) -> Result<String, FieldError> {
    let value = raw.trim();
    let length = value.chars().count();
    if length < min {
        return Err(FieldError::new(
            field,
            if min == 1 {
                "must not be empty".to_string()
            } else {
                format!("must be at least {min} characters")
            },
        ));
    }
    if length > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters (got {length})")));
    }
    let allowed = |c: char| !c.is_control() || (multiline && matches!(c, '\n' | '\r' | '\t'));
    if !value.chars().all(allowed) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(value.to_string())
}

/// Like [`bounded`] for optional fields: empty or absent input means "none".
pub fn optional(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => bounded(field, value, 1, max, false).map(Some),
    }
}

/// Unicode's format characters (general category Cf): bidirectional overrides, zero-width
/// joiners and spaces, the byte-order mark, tags. They change how text around them shows while
/// being invisible themselves (`Invoice\u{202e}gnp.exe` reads as `Invoiceexe.png`).
pub fn is_invisible_format(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2 | 0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF
        | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// The key lists sort and search by: case-folded so "acme" and "Acme" sit together.
pub fn sort_key(value: &str) -> String {
    value.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        assert_eq!(bounded("name", "  Acme  ", 1, 10, false).unwrap(), "Acme");
    }

    #[test]
    fn blank_text_is_rejected_as_empty() {
        let error = bounded("name", "   ", 1, 10, false).unwrap_err();
        assert_eq!(error.field, "name");
        assert_eq!(error.message, "must not be empty");
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(bounded("name", "ééééé", 1, 5, false).is_ok());
        let error = bounded("name", "éééééé", 1, 5, false).unwrap_err();
        assert!(error.message.contains("at most 5"), "{}", error.message);
    }

    #[test]
    fn control_characters_are_rejected_unless_multiline() {
        assert!(bounded("name", "a\u{0}b", 1, 10, false).is_err());
        assert!(bounded("name", "a\nb", 1, 10, false).is_err());
        assert!(bounded("notes", "a\nb", 1, 10, true).is_ok());
        assert!(bounded("notes", "a\u{7}b", 1, 10, true).is_err());
    }

    #[test]
    fn optional_text_treats_blank_as_absent() {
        assert_eq!(optional("phone", Some("  "), 10).unwrap(), None);
        assert_eq!(optional("phone", None, 10).unwrap(), None);
        assert_eq!(optional("phone", Some(" 12 "), 10).unwrap(), Some("12".into()));
    }
}
