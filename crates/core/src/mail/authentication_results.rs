//! Whether the receiving mail server vouched for a message's sender: a DMARC pass for the `From`
//! domain in the `Authentication-Results` header (RFC 8601) that the operator's own server adds.
//!
//! Anyone can write an `Authentication-Results` header into a message they send, so only the
//! topmost one counts — the one the receiving server prepended last — and only when it carries
//! the authserv-id the operator configured (`PORTICO_MAIL_TRUSTED_AUTHSERV_ID`). A server that
//! adds none, or another filter that adds one above it, leaves the sender unproven: that fails
//! closed, never open.

/// How long a header is read at most; real ones are a few hundred bytes.
const MAX_HEADER: usize = 4096;

/// `true` when the topmost header is from `trusted_id` and says `dmarc=pass` for `from_domain`.
pub fn dmarc_passes(headers_topmost_first: &[String], trusted_id: &str, from_domain: &str) -> bool {
    let Some(topmost) = headers_topmost_first.first() else { return false };
    if topmost.len() > MAX_HEADER || trusted_id.is_empty() || from_domain.is_empty() {
        return false;
    }
    // Quoted values copied from outside (a quoted envelope sender) could carry `;` and `)` that
    // a reader sees differently from the server that wrote them: a header with quoting or
    // escapes proves nothing.
    if topmost.contains(['"', '\\']) {
        return false;
    }
    let text = without_comments(topmost);
    let mut statements = split_outside_quotes(&text, ';').into_iter();
    let Some(authserv) = statements.next() else { return false };
    // The authserv-id may be followed by a version number.
    let id = authserv.split_whitespace().next().unwrap_or_default();
    if !id.eq_ignore_ascii_case(trusted_id) {
        return false;
    }
    // Exactly one DMARC result: two leave it open which one the server meant.
    let dmarc: Vec<Vec<(String, String)>> = statements
        .map(|statement| tokens(&statement))
        .filter(|tokens| tokens.first().is_some_and(|(key, _)| key.eq_ignore_ascii_case("dmarc")))
        .collect();
    let [only] = dmarc.as_slice() else { return false };
    only.first().is_some_and(|(_, value)| value.eq_ignore_ascii_case("pass"))
        && only.iter().skip(1).any(|(key, value)| {
            key.eq_ignore_ascii_case("header.from") && value.eq_ignore_ascii_case(from_domain)
        })
}

/// The text with `( … )` comments (which nest and may escape) removed.
fn without_comments(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut depth = 0usize;
    let mut escaped = false;
    let mut quoted = false;
    for c in raw.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => {
                depth -= 1;
                out.push(' ');
            }
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn split_outside_quotes(text: &str, separator: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    for c in text.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == separator && !quoted {
            parts.push(String::new());
        } else if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts
}

/// `key=value` pairs of one statement, with the spaces RFC 8601 allows around `=` and `.` removed.
fn tokens(statement: &str) -> Vec<(String, String)> {
    let mut compact = String::with_capacity(statement.len());
    let mut words = statement.split_whitespace().peekable();
    while let Some(word) = words.next() {
        compact.push_str(word);
        let joins =
            word.ends_with(['=', '.']) || words.peek().is_some_and(|next| next.starts_with(['=', '.']));
        if !joins {
            compact.push(' ');
        }
    }
    compact
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key.to_string(), value.trim_matches('"').to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> Vec<String> {
        values.iter().map(std::string::ToString::to_string).collect()
    }

    #[test]
    fn a_dmarc_pass_from_the_trusted_server_for_the_from_domain_counts() {
        let results = headers(&[
            "mx.msp.example; spf=pass smtp.mailfrom=acme.example; dkim=pass header.d=acme.example; \
             dmarc=pass (p=reject dis=none) header.from=acme.example",
        ]);
        assert!(dmarc_passes(&results, "mx.msp.example", "acme.example"));
        assert!(
            dmarc_passes(&results, "MX.MSP.example", "ACME.example"),
            "ids and domains ignore ASCII case"
        );
    }

    #[test]
    fn spaces_comments_and_a_version_are_allowed() {
        let results = headers(&["mx.msp.example 1; dmarc = pass (aligned) header . from = acme.example"]);
        assert!(dmarc_passes(&results, "mx.msp.example", "acme.example"));
    }

    #[test]
    fn anything_else_leaves_the_sender_unproven() {
        let pass = "dmarc=pass header.from=acme.example";
        let cases: &[(&[&str], &str)] = &[
            (&[], "no header"),
            (&["mx.evil.example; dmarc=pass header.from=acme.example"], "another server's id"),
            (&["mx.msp.example; dmarc=fail header.from=acme.example"], "a failure"),
            (&["mx.msp.example; dmarc=pass header.from=evil.example"], "another domain"),
            (&["mx.msp.example; dmarc=pass"], "no domain named"),
            (&["mx.msp.example; spf=pass smtp.mailfrom=acme.example"], "SPF alone"),
            (&["mx.msp.example; dmarc=none header.from=acme.example"], "no policy"),
            (&["mx.msp.example (dmarc=pass header.from=acme.example); dmarc=fail"], "a pass in a comment"),
            (
                &["mx.msp.example; dkim=pass header.d=acme.example (dmarc=pass header.from=acme.example)"],
                "comment",
            ),
            (
                &["filter.example; spam=no", "mx.msp.example; dmarc=pass header.from=acme.example"],
                "not topmost",
            ),
        ];
        for (values, why) in cases {
            assert!(!dmarc_passes(&headers(values), "mx.msp.example", "acme.example"), "{why}");
        }
        let forged_below = headers(&[
            "mx.msp.example; dmarc=fail header.from=acme.example",
            &format!("mx.msp.example; {pass}"),
        ]);
        assert!(
            !dmarc_passes(&forged_below, "mx.msp.example", "acme.example"),
            "a forged header below the server's"
        );
        // A quoted envelope sender carrying its own verdict, and two verdicts in one header.
        let injected = headers(&[
            "mx.msp.example; spf=pass smtp.mailfrom=\"x\\\";dmarc=pass header.from=acme.example;\\\"y\"@evil.example; dmarc=fail header.from=acme.example",
        ]);
        assert!(!dmarc_passes(&injected, "mx.msp.example", "acme.example"), "an injected verdict");
        let two = headers(&[&format!("mx.msp.example; dmarc=fail header.from=acme.example; {pass}")]);
        assert!(!dmarc_passes(&two, "mx.msp.example", "acme.example"), "two verdicts");
        let huge = headers(&[&format!("mx.msp.example; {pass}; {}", "x".repeat(MAX_HEADER))]);
        assert!(!dmarc_passes(&huge, "mx.msp.example", "acme.example"));
        assert!(!dmarc_passes(&headers(&[&format!("mx.msp.example; {pass}")]), "", "acme.example"));
    }
}
