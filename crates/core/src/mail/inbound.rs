//! An incoming message, read with `mail-parser` into the few facts Portico acts on: who sent
//! it, to which addresses, what it answers, whether a machine sent it, and its new text.
//!
//! Everything here comes from a stranger, so every part of it is bounded before it is believed:
//! how many messages it encloses and how deep, how many files, how long its identifiers are,
//! and how many senders it claims.

use mail_parser::{HeaderValue, MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

use super::auto_reply;
use super::quotes::new_text;

/// How many enclosed messages (`message/rfc822`, `message/global`, digest parts) a message may
/// carry. Forwarded chains have a handful; thousands only serve to exhaust the parser's stack.
pub const MAX_ENCLOSED_MESSAGES: usize = 64;
/// How deep enclosed messages may nest, counted on the parsed message as well: a forward of a
/// forward of a forward is real, twenty levels are not.
pub const MAX_NESTING: usize = 16;
/// Identifiers (Message-ID, References) longer than this are kept as a digest: real ones are
/// well under 200 characters, and database indexes have row limits.
pub const MAX_ID_LENGTH: usize = 250;
/// How many addresses of To, Cc and each delivery header are looked at for a reply token.
const MAX_RECIPIENTS: usize = 100;
/// How many earlier messages a reply's In-Reply-To and References may name for the look-up.
const MAX_ANSWERED_IDS: usize = 32;
/// The stack of the thread that parses: the parser builds enclosed messages recursively, so
/// even within the bounds above it gets room of its own, never a runtime thread's.
const PARSER_STACK: usize = 64 * 1024 * 1024;

/// What Portico needs to know about an incoming message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// Its Message-ID in angle brackets; a digest of the bytes when it has none, so the same
    /// message delivered twice is still recognised.
    pub message_id: String,
    /// The sender's address (the one address of the one `From` header), ASCII-lower-cased.
    pub sender: Option<String>,
    /// The `Authentication-Results` headers, topmost (added last, by the receiving server) first.
    pub authentication_results: Vec<String>,
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
    #[error("the message encloses more than {MAX_ENCLOSED_MESSAGES} messages")]
    TooManyEnclosed,
    #[error("the message nests enclosed messages more than {MAX_NESTING} deep")]
    TooDeep,
    #[error(
        "the message encloses a base64 or quoted-printable encoded message, which RFC 2046 does not allow"
    )]
    EncodedEnclosure,
    #[error("the message has more than one From header or more than one sender address")]
    SeveralSenders,
    #[error("the message could not be read")]
    ParserFailed,
}

/// [`read`] on a thread of its own with a stack of its own, so no message, however built, can
/// exhaust a runtime thread's stack or hold a runtime thread while it is parsed.
pub async fn read_apart(raw: std::sync::Arc<[u8]>) -> Result<Incoming, Unreadable> {
    // Two messages are parsed at once at most, whatever arrives: each may take a second of CPU
    // and many megabytes.
    static PARSERS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let Ok(_permit) = PARSERS.get_or_init(|| tokio::sync::Semaphore::new(2)).acquire().await else {
        return Err(Unreadable::ParserFailed);
    };
    let (done, result) = tokio::sync::oneshot::channel();
    let spawned =
        std::thread::Builder::new().name("mail-parser".into()).stack_size(PARSER_STACK).spawn(move || {
            let _ = done.send(read(&raw));
        });
    if spawned.is_err() {
        return Err(Unreadable::ParserFailed);
    }
    result.await.unwrap_or(Err(Unreadable::ParserFailed))
}

/// Reads a raw message; anything at all comes back as facts or as [`Unreadable`], never a panic.
pub fn read(raw: &[u8]) -> Result<Incoming, Unreadable> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(Unreadable::Empty);
    }
    let markers = enclosed_markers(raw);
    if markers.messages + markers.digests > MAX_ENCLOSED_MESSAGES {
        return Err(Unreadable::TooManyEnclosed);
    }
    if encloses_encoded_message(raw, markers.digests > 0) {
        return Err(Unreadable::EncodedEnclosure);
    }
    // The parser promises never to panic, yet a fuzzed message made it (an assertion about part
    // ids in mail-parser 0.11): a panic here is one unreadable message, not a stopped service.
    let parsed = std::panic::catch_unwind(|| MessageParser::default().parse(raw));
    let message = parsed.map_err(|_| Unreadable::ParserFailed)?.ok_or(Unreadable::NotMail)?;
    let facts = facts_of(raw, &message);
    dismantle(message);
    facts
}

/// The places in the raw bytes that could open an enclosed message.
struct Markers {
    /// `message/` content types.
    messages: usize,
    /// Digests, whose parts are messages by default.
    digests: usize,
}

/// Counts the [`Markers`]. Nesting in the open needs one per level, so this bounds the depth
/// before the parser builds anything.
fn enclosed_markers(raw: &[u8]) -> Markers {
    let count = |needle: &[u8]| raw.windows(needle.len()).filter(|w| w.eq_ignore_ascii_case(needle)).count();
    Markers { messages: count(b"message/"), digests: count(b"/digest") }
}

/// Whether a header block declares an enclosed message sent base64 or quoted-printable. RFC 2046
/// forbids encoding `message/rfc822` bodies, so no real client does; the parser would decode one
/// and parse what is inside — recursively, where the markers cannot be counted. With a digest
/// in the message, a part without a content type counts as a message too.
fn encloses_encoded_message(raw: &[u8], has_digest: bool) -> bool {
    let mut content_type: Option<String> = None;
    let mut encoded = false;
    let mut in_block = false;
    let mut last: Option<&'static str> = None;
    let mut verdict = false;
    let mut close = |content_type: &mut Option<String>, encoded: &mut bool| {
        let enclosed = match content_type.as_deref() {
            Some(value) => value.starts_with("message/"),
            None => has_digest,
        };
        verdict |= *encoded && enclosed;
        *content_type = None;
        *encoded = false;
    };
    for line in raw.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let continuation = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        // A header name as mail-parser reads it: the bytes before the colon without any blanks
        // ("Content-Type :" and "Content-\tType:" are Content-Type to it, so they are here).
        let header_name = line.iter().position(|&b| b == b':').filter(|&colon| {
            line[..colon].iter().any(|b| !b.is_ascii_whitespace())
                && line[..colon].iter().all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
        });
        let compact = |value: &[u8]| -> String {
            String::from_utf8_lossy(value)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase()
        };
        if continuation && in_block {
            match last {
                Some("content-type") => {
                    if let Some(value) = content_type.as_mut() {
                        value.push_str(&compact(line));
                    }
                }
                Some("content-transfer-encoding") => encoded |= is_encoding(&compact(line)),
                _ => {}
            }
            continue;
        }
        match header_name {
            Some(colon) => {
                in_block = true;
                let name = compact(&line[..colon]);
                let value = compact(&line[colon + 1..]);
                last = match name.as_str() {
                    "content-type" => {
                        content_type = Some(without_comments(&value));
                        Some("content-type")
                    }
                    "content-transfer-encoding" => {
                        encoded |= is_encoding(&value);
                        Some("content-transfer-encoding")
                    }
                    _ => None,
                };
            }
            None if in_block => {
                close(&mut content_type, &mut encoded);
                in_block = false;
                last = None;
            }
            None => {}
        }
    }
    if in_block {
        close(&mut content_type, &mut encoded);
    }
    verdict
}

fn is_encoding(value: &str) -> bool {
    let value = without_comments(value);
    value.starts_with("base64") || value.starts_with("quoted-printable")
}

/// A header value without `( … )` comments, which may stand anywhere between its tokens.
fn without_comments(value: &str) -> String {
    let mut depth = 0usize;
    value
        .chars()
        .filter(|&c| match c {
            '(' => {
                depth += 1;
                false
            }
            ')' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ => depth == 0,
        })
        .collect()
}

/// How deep enclosed messages nest, walked without recursion.
fn nesting(message: &mail_parser::Message<'_>) -> usize {
    let mut deepest = 0;
    let mut stack: Vec<(&mail_parser::Message<'_>, usize)> = vec![(message, 0)];
    while let Some((message, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        if depth > MAX_NESTING {
            break;
        }
        for part in &message.parts {
            if let PartType::Message(inner) = &part.body {
                stack.push((inner, depth + 1));
            }
        }
    }
    deepest
}

/// Drops a parsed message level by level: dropping it whole would recurse once per enclosed
/// message.
fn dismantle(message: mail_parser::Message<'_>) {
    let mut pending = vec![message];
    while let Some(mut message) = pending.pop() {
        for part in &mut message.parts {
            if let PartType::Message(inner) = std::mem::take(&mut part.body) {
                pending.push(inner);
            }
        }
    }
}

fn facts_of(raw: &[u8], message: &mail_parser::Message<'_>) -> Result<Incoming, Unreadable> {
    // A message needs at least a sender or a recipient header; arbitrary bytes parse as a body.
    if message.from().is_none() && message.to().is_none() && message.message_id().is_none() {
        return Err(Unreadable::NotMail);
    }
    if nesting(message) > MAX_NESTING {
        return Err(Unreadable::TooDeep);
    }
    let message_id = match message.message_id().map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => bounded_id(id),
        None => format!("<sha256.{}@portico.invalid>", hex_digest(raw)),
    };
    let sender = sender_of(message)?;
    let mut recipients: Vec<String> = message
        .all_to()
        .chain(message.all_cc())
        .flat_map(|list| list.iter())
        .filter_map(|addr| addr.address())
        .map(|address| address.trim().to_ascii_lowercase())
        .take(MAX_RECIPIENTS)
        .collect();
    for header in ["Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"] {
        for value in message.header_values(header).take(MAX_RECIPIENTS) {
            if let Some(text) = value.as_text() {
                recipients.push(text.trim().trim_matches(['<', '>']).to_ascii_lowercase());
            }
        }
    }
    recipients.sort();
    recipients.dedup();
    let mut answers = Vec::new();
    for value in [message.in_reply_to(), message.references()] {
        for id in ids(value) {
            // Our own Message-IDs are short: a longer one cannot be ours.
            if id.len() > MAX_ID_LENGTH || answers.len() >= MAX_ANSWERED_IDS {
                continue;
            }
            let id = format!("<{}>", id.trim().trim_matches(['<', '>']));
            if !answers.contains(&id) {
                answers.push(id);
            }
        }
    }
    let authentication_results = message
        .header_values("Authentication-Results")
        .filter_map(|value| value.as_text().map(str::to_string))
        .take(16)
        .collect();
    let body = message.body_text(0).map(std::borrow::Cow::into_owned).unwrap_or_default();
    let subject = message.subject().unwrap_or_default().trim().to_string();
    let files = message
        .attachments()
        .filter(|part| !part.contents().is_empty())
        .map(|part| (part.attachment_name().unwrap_or("attachment").to_string(), part.contents().to_vec()))
        .collect();
    let automated = automated(message, sender.as_deref().unwrap_or_default())
        .or_else(|| auto_reply::by_wording(&subject, &body));
    Ok(Incoming {
        message_id,
        sender,
        authentication_results,
        recipients,
        subject,
        answers,
        automated,
        text: new_text(&body),
        files,
    })
}

/// The one sender of the message. Two `From` headers, or one naming several addresses, leave
/// it open which of them wrote it, so such a message has no sender Portico could believe.
fn sender_of(message: &mail_parser::Message<'_>) -> Result<Option<String>, Unreadable> {
    let from_headers = message.header_values("From").count();
    if from_headers > 1 {
        return Err(Unreadable::SeveralSenders);
    }
    let Some(from) = message.from() else { return Ok(None) };
    if from.iter().count() > 1 {
        return Err(Unreadable::SeveralSenders);
    }
    Ok(from
        .first()
        .and_then(|addr| addr.address())
        .map(|address| address.trim().to_ascii_lowercase())
        .filter(|address| address.contains('@')))
}

/// A Message-ID in angle brackets, or a digest of it when it is too long to keep.
pub fn bounded_id(id: &str) -> String {
    let id = id.trim().trim_matches(['<', '>']);
    if id.len() > MAX_ID_LENGTH {
        format!("<sha256.{}@long-id.portico.invalid>", hex_digest(id.as_bytes()))
    } else {
        format!("<{id}>")
    }
}

fn hex_digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

fn ids<'a>(value: &'a HeaderValue<'a>) -> Vec<&'a str> {
    match value {
        HeaderValue::Text(id) => vec![id.as_ref()],
        HeaderValue::TextList(list) => list.iter().map(std::convert::AsRef::as_ref).collect(),
        _ => Vec::new(),
    }
}

/// Why a machine sent the message, so that two systems never answer each other in a loop.
fn automated(message: &mail_parser::Message<'_>, sender: &str) -> Option<String> {
    let raw = |name: &str| message.header_raw(name).map(|value| value.trim().to_ascii_lowercase());
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
mod tests;
