//! Tests of `inbound`.

use super::*;

fn mail(headers: &str, body: &str) -> Vec<u8> {
    format!("{headers}\r\n\r\n{body}").replace("\n", "\r\n").replace("\r\r\n", "\r\n").into_bytes()
}

#[test]
fn a_reply_is_read_into_its_facts() {
    let raw = mail(
        "From: Erin End <Erin@Acme.example>\nTo: \"Desk\" <help+t-abc@msp.example>\nCc: lin@acme.example\n\
             Subject: Re: [T-000001] Printer jams\nMessage-ID: <reply-1@acme.example>\n\
             In-Reply-To: <a.b@msp.example>\nReferences: <ticket.1@msp.example> <a.b@msp.example>",
        "Thanks!\n\nOn Mon, Desk wrote:\n> old",
    );
    let incoming = read(&raw).unwrap();
    assert_eq!(incoming.message_id, "<reply-1@acme.example>");
    assert_eq!(incoming.sender.as_deref(), Some("erin@acme.example"));
    assert_eq!(incoming.recipients, ["help+t-abc@msp.example", "lin@acme.example"]);
    assert_eq!(incoming.subject, "Re: [T-000001] Printer jams");
    assert_eq!(incoming.answers, ["<a.b@msp.example>", "<ticket.1@msp.example>"]);
    assert_eq!(incoming.automated, None);
    assert_eq!(incoming.text, "Thanks!");
    assert!(incoming.files.is_empty());
}

#[test]
fn attached_files_are_kept_with_their_names() {
    let raw = mail(
        "From: erin@acme.example\nTo: help@msp.example\nSubject: Log\nContent-Type: multipart/mixed; boundary=\"b\"",
        "--b\nContent-Type: text/plain\n\nSee the log.\n--b\nContent-Type: text/plain; name=\"vpn.log\"\n\
             Content-Disposition: attachment; filename=\"vpn.log\"\nContent-Transfer-Encoding: base64\n\nZXJyb3IgNDI=\n--b--",
    );
    let incoming = read(&raw).unwrap();
    assert_eq!(incoming.text, "See the log.");
    assert_eq!(incoming.files, [("vpn.log".to_string(), b"error 42".to_vec())]);
}

#[test]
fn html_only_mail_becomes_text_without_markup() {
    let raw = mail(
        "From: erin@acme.example\nTo: help@msp.example\nSubject: Hi\nContent-Type: text/html; charset=utf-8",
        "<p>Hello <b>there</b><script>alert(1)</script></p><blockquote>old</blockquote>",
    );
    let text = read(&raw).unwrap().text;
    assert!(text.contains("Hello") && text.contains("there"), "{text}");
    assert!(!text.contains('<'), "{text}");
}

#[test]
fn machines_are_recognised() {
    let cases = [
        "Auto-Submitted: auto-replied",
        "Precedence: bulk",
        "Precedence: auto_reply",
        "X-Autoreply: yes",
        "Content-Type: multipart/report; report-type=delivery-status; boundary=x",
    ];
    for header in cases {
        let raw = mail(
            &format!("From: erin@acme.example\nTo: help@msp.example\nSubject: Out of office\n{header}"),
            "Away",
        );
        assert!(read(&raw).unwrap().automated.is_some(), "{header}");
    }
    let daemon = mail("From: MAILER-DAEMON@mx.example\nTo: help@msp.example\nSubject: Undeliverable", "x");
    assert!(read(&daemon).unwrap().automated.is_some());
    let person = mail("From: erin@acme.example\nTo: help@msp.example\nAuto-Submitted: no\nSubject: Hi", "x");
    assert_eq!(read(&person).unwrap().automated, None);
}

#[test]
fn a_message_without_an_id_gets_one_from_its_bytes() {
    let raw = mail("From: erin@acme.example\nTo: help@msp.example\nSubject: Hi", "x");
    let first = read(&raw).unwrap().message_id;
    assert_eq!(first, read(&raw).unwrap().message_id);
    assert!(first.starts_with("<sha256."));
}

/// `levels` messages each enclosing the next, as `message/rfc822` parts of multiparts.
fn nested(levels: usize) -> Vec<u8> {
    let mut raw = String::from("From: a@acme.example\r\nTo: help@msp.example\r\nSubject: Nest\r\n");
    for _ in 0..levels {
        raw.push_str(
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n",
        );
    }
    raw.push_str("Subject: inner\r\n\r\nbottom\r\n");
    raw.into_bytes()
}

#[tokio::test]
async fn sixty_thousand_enclosed_messages_are_refused_before_parsing() {
    let raw = nested(60_000);
    assert!(raw.len() > 2_000_000);
    let refused = read_apart(std::sync::Arc::from(raw.as_slice())).await;
    assert_eq!(refused, Err(Unreadable::TooManyEnclosed));
}

#[tokio::test]
async fn enclosed_messages_past_the_depth_bound_are_refused() {
    let refused = read_apart(std::sync::Arc::from(nested(MAX_NESTING + 2).as_slice())).await;
    assert_eq!(refused, Err(Unreadable::TooDeep));
    let forwarded = read_apart(std::sync::Arc::from(nested(3).as_slice())).await.unwrap();
    assert_eq!(forwarded.sender.as_deref(), Some("a@acme.example"));
}

#[tokio::test]
async fn a_deep_nest_hidden_in_base64_cannot_exhaust_the_stack() {
    // The crate decodes an encoded enclosed message and parses what is inside; the marker
    // count cannot see through base64, so the parse thread's own stack and the level-by-level
    // drop are what keep the service up.
    use base64::Engine;
    let inner = nested(60_000);
    let encoded = base64::engine::general_purpose::STANDARD.encode(&inner);
    let raw = format!(
        "From: a@acme.example\r\nTo: help@msp.example\r\nSubject: Hidden\r\n\
             Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\n\
             Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--outer--\r\n"
    );
    let result = read_apart(std::sync::Arc::from(raw.as_bytes())).await;
    assert_eq!(result, Err(Unreadable::EncodedEnclosure));
    // The parser forgives blanks in header names; so does the scan.
    let spaced = raw.replace(
        "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64",
        "Content-Type : message/rfc822\r\nContent-Transfer-Encoding : base64",
    );
    assert_ne!(spaced, raw);
    let result = read_apart(std::sync::Arc::from(spaced.as_bytes())).await;
    assert_eq!(result, Err(Unreadable::EncodedEnclosure));
    for disguise in [
        "Content-Type : message/rfc822\r\nContent-Transfer-Encoding\t: base64",
        "Content-Type: message/rfc822 (x)\r\nContent-Transfer-Encoding:\r\n  BASE64",
        "content-transfer-encoding: (y) Quoted-Printable\r\nCONTENT-TYPE:\tMessage/(c)Global",
    ] {
        let raw = format!(
            "From: a@acme.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n{disguise}\r\n\r\nZm9v\r\n--o--\r\n"
        );
        assert!(encloses_encoded_message(raw.as_bytes(), false), "{disguise}");
    }
    let digest = "From: a@acme.example\r\nContent-Type: multipart/digest; boundary=d\r\n\r\n--d\r\nContent-Transfer-Encoding: base64\r\n\r\nZm9v\r\n--d--\r\n";
    assert!(encloses_encoded_message(digest.as_bytes(), true), "a digest part is a message by default");
    let attachment = "From: a@acme.example\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--o--\r\n";
    assert!(!encloses_encoded_message(attachment.as_bytes(), false), "an encoded file is fine");
}

#[test]
fn a_message_with_two_senders_has_none_to_believe() {
    let two_headers =
        mail("From: hank@msp.example\nFrom: erin@acme.example\nTo: help@msp.example\nSubject: Hi", "x");
    assert_eq!(read(&two_headers), Err(Unreadable::SeveralSenders));
    let two_addresses =
        mail("From: hank@msp.example, erin@acme.example\nTo: help@msp.example\nSubject: Hi", "x");
    assert_eq!(read(&two_addresses), Err(Unreadable::SeveralSenders));
}

#[test]
fn addresses_fold_in_ascii_only() {
    let kelvin = mail("From: han\u{212A}@msp.example\nTo: help@msp.example\nSubject: Hi", "x");
    assert_eq!(read(&kelvin).unwrap().sender.as_deref(), Some("han\u{212A}@msp.example"));
}

#[test]
fn long_identifiers_are_kept_as_digests() {
    let long = "x".repeat(3000);
    let raw = mail(
        &format!(
            "From: a@acme.example\nTo: help@msp.example\nSubject: Hi\nMessage-ID: <{long}@evil>\nReferences: <{long}@evil> <short@msp.example>"
        ),
        "x",
    );
    let incoming = read(&raw).unwrap();
    assert!(
        incoming.message_id.len() < 120 && incoming.message_id.starts_with("<sha256."),
        "{}",
        incoming.message_id
    );
    assert_eq!(incoming.answers, ["<short@msp.example>"]);
}

#[test]
fn authentication_results_are_kept_topmost_first() {
    let raw = mail(
        "Authentication-Results: mx.msp.example; dmarc=pass header.from=acme.example\n\
            Authentication-Results: forged.example; dmarc=pass\nFrom: a@acme.example\nTo: help@msp.example\nSubject: Hi",
        "x",
    );
    let results = read(&raw).unwrap().authentication_results;
    assert_eq!(results.len(), 2);
    assert!(results[0].contains("mx.msp.example"), "{results:?}");
}

#[test]
fn out_of_office_wording_is_automated() {
    let raw =
        mail("From: a@acme.example\nTo: help@msp.example\nSubject: Automatic reply: [T-000005] VPN", "Away");
    assert!(read(&raw).unwrap().automated.is_some());
}

#[test]
fn garbage_is_unreadable_never_a_panic() {
    assert_eq!(read(b""), Err(Unreadable::Empty));
    assert_eq!(read(b"   \r\n"), Err(Unreadable::Empty));
    assert!(read(b"\x00\xff\xfe garbage without headers").is_err());
    bolero::check!().for_each(|bytes: &[u8]| {
        let _ = read(bytes);
    });
}
