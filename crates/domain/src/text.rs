//! Bounded, trimmed, printable text: the rule behind every name, label and note.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use super::validation::{FieldError, label};

/// Invisible format characters (Unicode category Cf: bidi overrides and isolates, zero-width
/// spaces and joiners, the BOM…) make a name read differently from what it is
/// (`Invoice\u{202E}gnp.exe` shows as "Invoiceexe.png"), so single-line text refuses them.
fn is_format(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
}

/// Trims `raw` and checks it holds `min..=max` characters and no control characters
/// (newlines and tabs are allowed only when `multiline`).
/// A person's name: [`bounded`], on one line, and not a web address — names are put into mail
/// Portico sends ("Ada invited you"), where a link would turn an invitation into phishing.
pub fn person_name(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = bounded(field, raw, 1, max, false)?;
    let lower = value.to_lowercase();
    if lower.contains("://") || lower.contains("www.") || lower.contains("http:") || lower.contains("https:")
    {
        return Err(FieldError::new(field, format!("{} must be a name, not a web address.", label(field))));
    }
    Ok(value)
}

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
                format!("{} must not be empty.", label(field))
            } else {
                format!("{} must be at least {min} characters.", label(field))
            },
        ));
    }
    if length > max {
        return Err(FieldError::new(
            field,
            format!("{} must be at most {max} characters (it has {length}).", label(field)),
        ));
    }
    let allowed = |c: char| !c.is_control() || (multiline && matches!(c, '\n' | '\r' | '\t'));
    if !value.chars().all(allowed) {
        return Err(FieldError::new(field, format!("{} must not contain control characters.", label(field))));
    }
    // Multi-line text (notes, bodies) keeps them: emoji sequences need the zero-width joiner,
    // and such text is read in context, not taken for a file or a person.
    if !multiline && value.chars().any(is_format) {
        return Err(FieldError::new(
            field,
            format!(
                "{} must not contain invisible formatting characters (such as bidirectional overrides or \
                 zero-width spaces).",
                label(field)
            ),
        ));
    }
    Ok(value.to_string())
}

/// A display name from an outside source (an IdP's claim), made to pass [`bounded`] rather than
/// refused: control and format characters go, runs of whitespace become one space, and the
/// result is cut to `max` characters. `None` when nothing printable is left.
pub fn cleaned_name(raw: &str, max: usize) -> Option<String> {
    let kept: String = raw.chars().map(|c| if c.is_control() || is_format(c) { ' ' } else { c }).collect();
    let name: String = kept.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(max).collect();
    let name = name.trim_end().to_string();
    bounded("name", &name, 1, max, false).ok()
}

/// A size limit as people read it: whole megabytes as "25 MB", anything else in kilobytes.
pub fn size_limit_text(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// Like [`bounded`] for optional fields: empty or absent input means "none".
pub fn optional(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => bounded(field, value, 1, max, false).map(Some),
    }
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
        assert_eq!(error.message, "Name must not be empty.");
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
    fn format_characters_are_refused_in_single_line_text() {
        for hostile in
            ["Invoice\u{202E}gnp.exe", "a\u{200B}b", "\u{2066}x\u{2069}", "\u{FEFF}Acme", "x\u{200D}y"]
        {
            let error = bounded("name", hostile, 1, 40, false).unwrap_err();
            assert_eq!(error.field, "name");
            assert!(error.message.contains("invisible formatting"), "{hostile:?}: {}", error.message);
        }
        assert!(bounded("notes", "family \u{1F468}\u{200D}\u{1F469}", 1, 40, true).is_ok());
        assert!(bounded("name", "Zoë Ångström 李", 1, 40, false).is_ok());
    }

    #[test]
    fn a_claimed_name_is_cleaned_not_refused() {
        assert_eq!(cleaned_name("Ann\u{0}\u{1b}[31m\r\nLee\u{202E}", 120).as_deref(), Some("Ann [31m Lee"));
        assert_eq!(cleaned_name("\u{200B}\u{0}  ", 120), None);
        assert_eq!(cleaned_name("abcdef", 3).as_deref(), Some("abc"));
    }

    #[test]
    fn optional_text_treats_blank_as_absent() {
        assert_eq!(optional("phone", Some("  "), 10).unwrap(), None);
        assert_eq!(optional("phone", None, 10).unwrap(), None);
        assert_eq!(optional("phone", Some(" 12 "), 10).unwrap(), Some("12".into()));
    }
}
