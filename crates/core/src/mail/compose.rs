//! Notification mails, composed: branded with the customer's portal, threaded per ticket, and
//! addressed so that a reply finds its ticket.

use askama::Template;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use portico_domain::email::EmailAddress;
use portico_domain::notification::Notice;
use portico_domain::portal::colour::Theme;
use portico_domain::ticket::{Comment, Status, Ticket};

/// The line above which people write their reply; everything from it down is quoted history.
pub const REPLY_MARKER: &str = "##- Please type your reply above this line -##";

/// How a customer's portal looks, for its mail.
#[derive(Debug, Clone)]
pub struct Brand {
    pub name: String,
    /// An absolute URL; mail clients that block images show the name instead.
    pub logo_url: Option<String>,
    pub theme: Theme,
}

/// One mail's content: what happened, to whom, and where to follow it.
pub struct Letter<'a> {
    pub notice: Notice,
    pub ticket: &'a Ticket,
    pub brand: &'a Brand,
    pub requester_name: &'a str,
    /// The reply a notice is about.
    pub comment: Option<&'a Comment>,
    /// The ticket's page: in the portal for the requester, in the console for the team.
    pub link: String,
}

impl Letter<'_> {
    pub fn subject(&self) -> String {
        // One subject for the whole thread, so every mail client groups it.
        format!("[{}] {}", self.ticket.number, self.ticket.short_description)
    }

    pub fn heading(&self) -> String {
        match self.notice {
            Notice::Acknowledgement => format!("We received your request {}", self.ticket.number),
            Notice::NewTicket => format!("New ticket {} from {}", self.ticket.number, self.requester_name),
            Notice::TeamReplied => {
                format!(
                    "{} replied to your request",
                    self.comment.map_or("The service desk", |c| &c.author_name)
                )
            }
            Notice::RequesterReplied => {
                format!(
                    "{} replied to {}",
                    self.comment.map_or(self.requester_name, |c| &c.author_name),
                    self.ticket.number
                )
            }
            Notice::Finished(Status::Closed) => format!("Your request {} was closed", self.ticket.number),
            Notice::Finished(_) => format!("Your request {} was resolved", self.ticket.number),
        }
    }

    pub fn lead(&self) -> String {
        let summary = &self.ticket.short_description;
        match self.notice {
            Notice::Acknowledgement => format!(
                "Thank you. Your request \u{201c}{summary}\u{201d} has reached the service desk. We will answer by e-mail and in your portal."
            ),
            Notice::NewTicket => format!(
                "{} of {} submitted \u{201c}{summary}\u{201d} ({} urgency).",
                self.requester_name,
                self.brand.name,
                self.ticket.urgency.title()
            ),
            Notice::TeamReplied => format!("A new reply on \u{201c}{summary}\u{201d}:"),
            Notice::RequesterReplied => format!("A new reply on \u{201c}{summary}\u{201d}:"),
            Notice::Finished(_) => format!(
                "\u{201c}{summary}\u{201d} is marked {}. If something is still not right, reply to this e-mail or reopen the request in your portal.",
                match self.notice {
                    Notice::Finished(status) => status.title().to_lowercase(),
                    _ => String::new(),
                }
            ),
        }
    }

    /// The text the mail quotes: the request itself, or the reply.
    pub fn quoted(&self) -> Option<&str> {
        match self.notice {
            Notice::Acknowledgement | Notice::NewTicket => Some(self.ticket.description.as_str()),
            Notice::TeamReplied | Notice::RequesterReplied => self.comment.map(|c| c.body.as_str()),
            Notice::Finished(_) => None,
        }
        .filter(|text| !text.trim().is_empty())
    }

    pub fn link_label(&self) -> &'static str {
        if self.notice.to_requester() { "View your request" } else { "Open the ticket" }
    }

    pub fn reply_hint(&self) -> &'static str {
        "To add something, reply to this e-mail. The link opens your portal, where you sign in as usual."
    }
}

#[derive(Template)]
#[template(path = "mail/notice.txt", escape = "none")]
struct PlainText<'a> {
    letter: &'a Letter<'a>,
}

#[derive(Template)]
#[template(path = "mail/notice.html")]
struct Html<'a> {
    letter: &'a Letter<'a>,
    brand: &'a Brand,
}

/// A manager's invitation of a colleague to the customer's portal.
pub struct Invitation<'a> {
    pub brand: &'a Brand,
    pub invitee_name: &'a str,
    pub inviter_name: &'a str,
    /// The portal's start page, where they sign in with their work account.
    pub link: String,
}

impl Invitation<'_> {
    pub fn subject(&self) -> String {
        format!("{} invited you to the {} service portal", self.inviter_name, self.brand.name)
    }
}

#[derive(Template)]
#[template(path = "mail/invitation.txt", escape = "none")]
struct InvitationText<'a> {
    invitation: &'a Invitation<'a>,
}

#[derive(Template)]
#[template(path = "mail/invitation.html")]
struct InvitationHtml<'a> {
    invitation: &'a Invitation<'a>,
    brand: &'a Brand,
}

/// A composed message, ready for the outbox.
#[derive(Debug, Clone)]
pub struct Composed {
    pub message_id: String,
    pub subject: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("cannot render the mail: {0}")]
    Render(#[from] askama::Error),
    #[error("cannot build the mail: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("not a deliverable address: {0}")]
    Address(String),
}

/// Composes mail from one sender, with replies going to the tagged inbound address.
#[derive(Debug, Clone)]
pub struct Composer {
    from: Mailbox,
    reply_address: Option<EmailAddress>,
}

impl Composer {
    pub fn new(from: Mailbox, reply_address: Option<EmailAddress>) -> Self {
        Self { from, reply_address }
    }

    /// The domain of our Message-IDs: the sender's.
    fn id_domain(&self) -> &str {
        self.from.email.domain()
    }

    /// The Message-ID of the mail about `event_id` to `recipient`: the same inputs always give
    /// the same id, so the outbox keeps one copy however often the event is handled.
    pub fn message_id(&self, event_id: Uuid, recipient: &str) -> String {
        let digest = Sha256::digest(recipient.to_ascii_lowercase().as_bytes());
        let tag: String = digest.iter().take(6).map(|byte| format!("{byte:02x}")).collect();
        format!("<{}.{tag}@{}>", event_id.simple(), self.id_domain())
    }

    /// The id every mail of a ticket refers to, so clients thread them together.
    pub fn thread_id(&self, ticket_id: Uuid) -> String {
        format!("<ticket.{}@{}>", ticket_id.simple(), self.id_domain())
    }

    /// Where replies about a ticket go: the inbound address tagged with the ticket's token.
    pub fn reply_to(&self, token: &str) -> Option<Mailbox> {
        let address = self.reply_address.as_ref()?;
        let (local, domain) = address.as_str().rsplit_once('@')?;
        format!("{local}+t-{token}@{domain}")
            .parse()
            .ok()
            .map(|email| Mailbox::new(self.from.name.clone(), email))
    }

    pub fn compose(
        &self,
        letter: &Letter<'_>,
        to: (&str, &str),
        reply_token: &str,
        event_id: Uuid,
    ) -> Result<Composed, ComposeError> {
        let (message_id, mut builder) = self.automatic(to, event_id)?;
        let thread = self.thread_id(letter.ticket.id);
        let subject = letter.subject();
        let text = PlainText { letter }.render()?;
        let html = Html { letter, brand: letter.brand }.render()?;
        builder = builder.subject(subject.clone()).in_reply_to(thread.clone()).references(thread);
        if let Some(reply_to) = self.reply_to(reply_token) {
            builder = builder.reply_to(reply_to);
        }
        let message = builder.multipart(MultiPart::alternative_plain_html(text, html))?;
        Ok(Composed { message_id, subject, bytes: message.formatted() })
    }

    /// An invitation to the portal; replies go to the sender (no ticket to tag them with).
    pub fn compose_invitation(
        &self,
        invitation: &Invitation<'_>,
        to: (&str, &str),
        event_id: Uuid,
    ) -> Result<Composed, ComposeError> {
        let (message_id, builder) = self.automatic(to, event_id)?;
        let subject = invitation.subject();
        let text = InvitationText { invitation }.render()?;
        let html = InvitationHtml { invitation, brand: invitation.brand }.render()?;
        let message =
            builder.subject(subject.clone()).multipart(MultiPart::alternative_plain_html(text, html))?;
        Ok(Composed { message_id, subject, bytes: message.formatted() })
    }

    /// A message from Portico to `to` about `event_id`, marked as sent automatically.
    fn automatic(
        &self,
        to: (&str, &str),
        event_id: Uuid,
    ) -> Result<(String, lettre::message::MessageBuilder), ComposeError> {
        let (name, address) = to;
        let recipient = Mailbox::new(
            Some(name.to_string()).filter(|name| !name.trim().is_empty()),
            address.parse().map_err(|_| ComposeError::Address(address.to_string()))?,
        );
        let message_id = self.message_id(event_id, address);
        let builder = lettre::Message::builder()
            .from(self.from.clone())
            .to(recipient)
            .message_id(Some(message_id.clone()))
            .date_now()
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_string(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"),
                "All".to_string(),
            ));
        Ok((message_id, builder))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_domain::portal::colour::Colour;
    use portico_domain::ticket::{ContactSource, TicketType, Urgency};

    fn ticket() -> Ticket {
        let now = time::OffsetDateTime::now_utc();
        Ticket {
            id: Uuid::now_v7(),
            number: "T-000042".into(),
            customer_id: Uuid::now_v7(),
            requester_id: Uuid::now_v7(),
            kind: TicketType::Incident,
            short_description: "Printer <b>jams</b> — ünïcode".into(),
            description: "It jams on page 2.\nEvery time.".into(),
            urgency: Urgency::High,
            status: portico_domain::ticket::Status::New,
            assignment_group_id: Uuid::now_v7(),
            assignee_id: None,
            contact_source: ContactSource::Portal,
            request_type_id: None,
            answers: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }

    fn composer() -> Composer {
        Composer::new(
            "Acme Service Desk <support@msp.example>".parse().unwrap(),
            Some(EmailAddress::parse("inbound", "help@msp.example").unwrap()),
        )
    }

    fn brand() -> Brand {
        Brand {
            name: "Acme & Sons".into(),
            logo_url: Some("https://desk.example/assets/logos/abc.png".into()),
            theme: Theme::new(
                Colour::parse("primary", "#0052cc").unwrap(),
                Colour::parse("secondary", "#ffab00").unwrap(),
            ),
        }
    }

    fn parsed(bytes: &[u8]) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(bytes).expect("a parseable message")
    }

    #[test]
    fn an_acknowledgement_is_multipart_threaded_tagged_and_marked_automatic() {
        let ticket = ticket();
        let brand = brand();
        let letter = Letter {
            notice: Notice::Acknowledgement,
            ticket: &ticket,
            brand: &brand,
            requester_name: "Erin",
            comment: None,
            link: "https://desk.example/p/acme/tickets/1".into(),
        };
        let event = Uuid::now_v7();
        let composed =
            composer().compose(&letter, ("Erin End", "erin@acme.example"), "tok3n", event).unwrap();
        assert_eq!(
            composed.message_id,
            composer().message_id(event, "ERIN@acme.example"),
            "stable, case-blind"
        );
        let message = parsed(&composed.bytes);
        assert_eq!(message.subject(), Some("[T-000042] Printer <b>jams</b> — ünïcode"));
        assert_eq!(
            message.reply_to().and_then(|a| a.first()).and_then(|a| a.address()),
            Some("help+t-tok3n@msp.example")
        );
        assert_eq!(message.header_raw("Auto-Submitted").map(str::trim), Some("auto-generated"));
        let thread = format!("ticket.{}@msp.example", ticket.id.simple());
        assert_eq!(message.in_reply_to().as_text(), Some(thread.as_str()));
        assert_eq!(message.message_id(), Some(composed.message_id.trim_matches(['<', '>'])));
        let text = message.body_text(0).unwrap();
        assert!(
            text.contains("It jams on page 2.") && text.contains("https://desk.example/p/acme/tickets/1"),
            "{text}"
        );
        assert!(text.starts_with(REPLY_MARKER), "{text}");
        let html = message.body_html(0).unwrap();
        assert!(html.contains("Printer &#60;b&#62;jams") && !html.contains("<b>"), "escaped in HTML: {html}");
        assert!(html.contains("<span>Acme &#38; Sons</span>"), "the name shows without images: {html}");
        assert!(html.contains("alt=\"Acme &#38; Sons\""), "{html}");
        assert!(html.contains("prefers-color-scheme: dark"));
    }

    #[test]
    fn without_an_inbound_address_there_is_no_reply_to() {
        let composer = Composer::new("Desk <desk@msp.example>".parse().unwrap(), None);
        assert!(composer.reply_to("abc").is_none());
    }

    #[test]
    fn a_reply_notice_quotes_the_reply_and_a_finished_one_invites_a_reply() {
        let ticket = ticket();
        let brand = brand();
        let comment = Comment {
            id: Uuid::now_v7(),
            ticket_id: ticket.id,
            body: "Try turning it off and on.".into(),
            public: true,
            author_kind: portico_domain::ticket::AuthorKind::TeamMember,
            author_id: Uuid::now_v7(),
            author_name: "Tim Tech".into(),
            created_at: ticket.created_at,
        };
        let reply = Letter {
            notice: Notice::TeamReplied,
            ticket: &ticket,
            brand: &brand,
            requester_name: "Erin",
            comment: Some(&comment),
            link: "https://x".into(),
        };
        assert_eq!(reply.heading(), "Tim Tech replied to your request");
        assert_eq!(reply.quoted(), Some("Try turning it off and on."));
        let finished = Letter { notice: Notice::Finished(Status::Resolved), comment: None, ..reply };
        assert!(finished.lead().contains("is marked resolved") && finished.quoted().is_none());
    }
}
