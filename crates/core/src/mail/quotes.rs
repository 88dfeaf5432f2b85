//! The new text of a reply: quoted history, attribution lines and signatures cut away, so a
//! ticket's conversation holds what people wrote, not every earlier message again.

use super::compose::REPLY_MARKER;

/// What a mail client writes above the message it quotes ("On … wrote:", and its cousins), and
/// the separators Outlook and others put above a forwarded or quoted message.
fn starts_history(line: &str, next: Option<&str>) -> bool {
    let trimmed = line.trim();
    let lower = trimmed.to_lowercase();
    if trimmed.contains(REPLY_MARKER) {
        return true;
    }
    if lower.starts_with("-----original message-----")
        || lower.starts_with("-------- original message --------")
        || lower.starts_with("-------- forwarded message --------")
        || lower.starts_with("begin forwarded message:")
    {
        return true;
    }
    // Outlook: a rule line, then "From: …".
    if trimmed.starts_with("________________")
        && next.is_some_and(|n| n.trim().to_lowercase().starts_with("from:"))
    {
        return true;
    }
    // Outlook without the rule: "From: …" followed by "Sent: …" or "Date: …".
    if lower.starts_with("from:")
        && next.is_some_and(|n| {
            let n = n.trim().to_lowercase();
            n.starts_with("sent:") || n.starts_with("date:")
        })
    {
        return true;
    }
    // "On Mon, 30 Nov 2026 at 10:00, Ada <ada@example.com> wrote:", possibly wrapped over two lines;
    // French, German, Dutch and Spanish clients say the same.
    let attribution = |text: &str| {
        let text = text.to_lowercase();
        (text.starts_with("on ") && text.ends_with("wrote:"))
            || (text.starts_with("le ") && text.ends_with("a écrit :"))
            || (text.starts_with("le ") && text.ends_with("a écrit:"))
            || (text.starts_with("am ") && text.ends_with("schrieb:"))
            || (text.starts_with("op ") && text.ends_with("geschreven:"))
            || (text.starts_with("el ") && text.ends_with("escribió:"))
    };
    attribution(trimmed) || next.is_some_and(|n| attribution(&format!("{trimmed} {}", n.trim())))
}

/// Lines that end what someone wrote: the signature delimiter and phones' taglines.
fn starts_signature(line: &str) -> bool {
    let lower = line.trim_end().to_lowercase();
    line.trim_end_matches(['\r', '\n']) == "-- "
        || lower == "--"
        || lower.starts_with("sent from my ")
        || lower.starts_with("get outlook for ")
}

/// The new text of a reply.
pub fn new_text(body: &str) -> String {
    let normalised = body.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = normalised.lines().collect();
    let mut kept = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if starts_history(line, lines.get(index + 1).copied()) || starts_signature(line) {
            break;
        }
        kept.push(*line);
    }
    // Quoted lines left inside what remains ("> …") are history too.
    let text: Vec<&str> = kept.into_iter().filter(|line| !line.trim_start().starts_with('>')).collect();
    text.join("\n").trim().to_string()
}

/// `text` with control characters removed (tabs and line breaks stay) and cut to `max`
/// characters, saying so when it was cut.
pub fn fit(text: &str, max: usize, multiline: bool) -> String {
    let cleaned: String = text
        .replace("\r\n", "\n")
        .chars()
        .map(|c| if !multiline && matches!(c, '\n' | '\r' | '\t') { ' ' } else { c })
        .filter(|c| !c.is_control() || (multiline && matches!(c, '\n' | '\t')))
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.chars().count() <= max {
        return cleaned.to_string();
    }
    let note = if multiline { "\n\n[The message was longer; the rest was cut.]" } else { "…" };
    let keep = max.saturating_sub(note.chars().count());
    let mut cut: String = cleaned.chars().take(keep).collect();
    cut.push_str(note);
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_style_attribution_and_quotes_are_cut() {
        let body = "Thanks, that worked!\n\nOn Mon, 30 Nov 2026 at 10:00, Acme Service Desk <help@msp.example> wrote:\n> We are on our way.\n> Tim";
        assert_eq!(new_text(body), "Thanks, that worked!");
    }

    #[test]
    fn an_attribution_wrapped_over_two_lines_is_found() {
        let body = "Still broken.\n\nOn Mon, 30 Nov 2026 at 10:00, Acme Service Desk <\nhelp@msp.example> wrote:\n> old";
        assert_eq!(new_text(body), "Still broken.");
    }

    #[test]
    fn outlook_headers_and_separators_are_cut() {
        let with_rule = "Please call me.\r\n\r\n________________________________\r\nFrom: Acme Service Desk\r\nSent: Monday\r\n";
        assert_eq!(new_text(with_rule), "Please call me.");
        let without_rule = "Here is more.\nFrom: Desk <help@msp.example>\nDate: Mon\nSubject: x";
        assert_eq!(new_text(without_rule), "Here is more.");
        let original = "Yes.\n-----Original Message-----\nFrom: x";
        assert_eq!(new_text(original), "Yes.");
    }

    #[test]
    fn our_own_reply_marker_ends_the_new_text() {
        let body = format!("Done, thanks.\n\n{REPLY_MARKER}\n\nWe received your request");
        assert_eq!(new_text(&body), "Done, thanks.");
    }

    #[test]
    fn signatures_and_phone_taglines_are_cut_but_not_ordinary_dashes() {
        assert_eq!(new_text("It works.\n-- \nErin End\nAcme"), "It works.");
        assert_eq!(new_text("It works.\n\nSent from my iPhone"), "It works.");
        assert_eq!(new_text("Steps:\n-- first\n-- second"), "Steps:\n-- first\n-- second");
    }

    #[test]
    fn a_message_that_is_only_history_has_no_new_text() {
        assert_eq!(new_text("> quoted\n> only"), "");
    }

    #[test]
    fn fitting_removes_control_characters_and_cuts_with_a_note() {
        assert_eq!(fit("a\u{7}b\tc\r\nd", 100, true), "ab\tc\nd");
        assert_eq!(fit("line one\nline two", 100, false), "line one line two");
        let long = "x".repeat(50);
        let cut = fit(&long, 20, false);
        assert_eq!(cut.chars().count(), 20);
        assert!(cut.ends_with('…'));
        let cut = fit(&long, 48, true);
        assert!(cut.chars().count() <= 48 && cut.contains("the rest was cut"), "{cut}");
    }
}
