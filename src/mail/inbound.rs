//! An incoming message, read with `mail-parser` into the few facts Portico acts on: who sent
//! it, to which addresses, what it answers, whether a machine sent it, and its new text.

use mail_parser::{HeaderValue, MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

use super::quotes::new_text;

/// What Portico needs to know about an incoming message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// Its Message-ID in angle brackets; a digest of the bytes when it has none, so the same
    /// message delivered twice is still recognised.
    pub message_id: String,
    /// The sender's address, lower-cased.
    pub sender: Option<String>,
    /// Every address it was sent to (To, Cc and the delivery headers MTAs add), lower-cased.
    pub recipients: Vec<String>,
    pub subject: String,
    /// The Message-IDs it answers (In-Reply-To, then References), in angle brackets.
    pub answers: Vec<String>,
    /// Why a machine sent it (an auto-reply, a bounce, a list), if one did.
    pub automated: Option<String>,
    /// The new text: the body as text (HTML turned into text), without quoted history.
    pub text: String,
    /// Attached files: their names and contents.
    pub files: Vec<(String, Vec<u8>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    #[error("the message is empty")]
    Empty,
    #[error("the message is not a readable e-mail message (RFC 5322)")]
    NotMail,
}

/// Reads a raw message; anything at all comes back as facts or as [`Unreadable`], never a panic.
pub fn read(raw: &[u8]) -> Result<Incoming, Unreadable> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(Unreadable::Empty);
    }
    let message = MessageParser::default().parse(raw).ok_or(Unreadable::NotMail)?;
    // A message needs at least a sender or a recipient header; arbitrary bytes parse as a body.
    if message.from().is_none() && message.to().is_none() && message.message_id().is_none() {
        return Err(Unreadable::NotMail);
    }
    let message_id = match message.message_id().map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => format!("<{}>", id.trim_matches(['<', '>'])),
        None => {
            let digest = Sha256::digest(raw);
            let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
            format!("<sha256.{hex}@portico.invalid>")
        }
    };
    let sender = message
        .from()
        .and_then(|from| from.first())
        .and_then(|addr| addr.address())
        .map(|address| address.trim().to_lowercase())
        .filter(|address| address.contains('@'));
    let mut recipients: Vec<String> = message
        .all_to()
        .chain(message.all_cc())
        .flat_map(|list| list.iter())
        .filter_map(|addr| addr.address())
        .map(|address| address.trim().to_lowercase())
        .collect();
    for header in ["Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"] {
        for value in message.header_values(header) {
            if let Some(text) = value.as_text() {
                recipients.push(text.trim().trim_matches(['<', '>']).to_lowercase());
            }
        }
    }
    recipients.dedup();
    let mut answers = Vec::new();
    for value in [message.in_reply_to(), message.references()] {
        for id in ids(value) {
            let id = format!("<{}>", id.trim().trim_matches(['<', '>']));
            if !answers.contains(&id) {
                answers.push(id);
            }
        }
    }
    let body = message.body_text(0).map(|text| text.into_owned()).unwrap_or_default();
    let files = message
        .attachments()
        .filter(|part| !part.contents().is_empty())
        .map(|part| (part.attachment_name().unwrap_or("attachment").to_string(), part.contents().to_vec()))
        .collect();
    Ok(Incoming {
        message_id,
        sender,
        recipients,
        subject: message.subject().unwrap_or_default().trim().to_string(),
        answers,
        automated: automated(&message),
        text: new_text(&body),
        files,
    })
}

fn ids<'a>(value: &'a HeaderValue<'a>) -> Vec<&'a str> {
    match value {
        HeaderValue::Text(id) => vec![id.as_ref()],
        HeaderValue::TextList(list) => list.iter().map(|id| id.as_ref()).collect(),
        _ => Vec::new(),
    }
}

/// Why a machine sent the message, so that two systems never answer each other in a loop.
fn automated(message: &mail_parser::Message<'_>) -> Option<String> {
    let raw = |name: &str| message.header_raw(name).map(|value| value.trim().to_lowercase());
    if let Some(value) = raw("Auto-Submitted")
        && !value.is_empty()
        && !value.starts_with("no")
    {
        return Some(format!("it is automatic (Auto-Submitted: {value})"));
    }
    if let Some(value) = raw("Precedence")
        && ["bulk", "junk", "list", "auto_reply"].iter().any(|p| value.starts_with(p))
    {
        return Some(format!("it is bulk or automatic mail (Precedence: {value})"));
    }
    for header in ["X-Autoreply", "X-Autorespond", "X-Autoresponder"] {
        if raw(header).is_some() {
            return Some(format!("it is an auto-reply ({header})"));
        }
    }
    if raw("X-Auto-Response-Suppress").is_some_and(|value| value.contains("all") || value.contains("oof"))
        && raw("Auto-Submitted").is_some()
    {
        return Some("it is an auto-reply".to_string());
    }
    if message.root_part().is_content_type("multipart", "report") {
        return Some("it is a delivery or read report".to_string());
    }
    let sender = message
        .from()
        .and_then(|from| from.first())
        .and_then(|addr| addr.address())
        .map(str::to_lowercase)
        .unwrap_or_default();
    let local = sender.split('@').next().unwrap_or_default();
    if ["mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply", "donotreply"].contains(&local) {
        return Some(format!("it comes from an automatic sender ({sender})"));
    }
    if message.header_raw("Return-Path").is_some_and(|value| value.trim() == "<>") {
        return Some("it is a bounce (empty Return-Path)".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
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
        let daemon =
            mail("From: MAILER-DAEMON@mx.example\nTo: help@msp.example\nSubject: Undeliverable", "x");
        assert!(read(&daemon).unwrap().automated.is_some());
        let person =
            mail("From: erin@acme.example\nTo: help@msp.example\nAuto-Submitted: no\nSubject: Hi", "x");
        assert_eq!(read(&person).unwrap().automated, None);
    }

    #[test]
    fn a_message_without_an_id_gets_one_from_its_bytes() {
        let raw = mail("From: erin@acme.example\nTo: help@msp.example\nSubject: Hi", "x");
        let first = read(&raw).unwrap().message_id;
        assert_eq!(first, read(&raw).unwrap().message_id);
        assert!(first.starts_with("<sha256."));
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
}
