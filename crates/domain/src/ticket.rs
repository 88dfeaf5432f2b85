//! Tickets: what end users ask for, and the conversation about it.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::text;
use super::validation::{FieldError, ValidationErrors};

pub const SHORT_DESCRIPTION_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 20_000;
pub const COMMENT_MAX: usize = 20_000;

macro_rules! named_enum {
    ($name:ident, $field:literal, { $($variant:ident => $text:literal, $title:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// How people read it.
            pub fn title(self) -> &'static str {
                match self { $($name::$variant => $title),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, FieldError> {
                match raw.trim() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(FieldError::new($field, format!("{} must be one of: {}.", crate::validation::label($field), [$($text),+].join(", ")))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum!(TicketType, "type", {
    Incident => "incident", "Something is broken",
    ServiceRequest => "service_request", "I need something",
});

named_enum!(Urgency, "urgency", {
    Low => "low", "Low",
    Medium => "medium", "Medium",
    High => "high", "High",
});

named_enum!(Status, "status", {
    New => "new", "New",
    InProgress => "in_progress", "In progress",
    OnHold => "on_hold", "On hold",
    Resolved => "resolved", "Resolved",
    Closed => "closed", "Closed",
});

named_enum!(AuthorKind, "author_kind", {
    EndUser => "end_user", "End user",
    TeamMember => "team_member", "Team member",
});

named_enum!(ContactSource, "contact_source", {
    Portal => "portal", "Portal",
    Console => "console", "Console",
    Api => "api", "API",
    Email => "email", "E-mail",
});

impl Status {
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Resolved | Self::Closed)
    }

    /// What an end user may do with their own ticket: close it while it is open, and reopen it
    /// (as new) once resolved or closed. Everything else is the team's to decide.
    pub fn end_user_may_change(from: Status, to: Status) -> bool {
        match to {
            Self::Closed => from.is_open(),
            Self::New => !from.is_open(),
            _ => false,
        }
    }
}

/// Who is assigned after a change of group or assignee: a requested assignee must belong to
/// the ticket's (new) group; without a request, moving to another group keeps the current
/// assignee only if they belong to it. `is_member` answers for the candidates.
pub fn assignee_after(
    requested: Option<Option<Uuid>>,
    current: Option<Uuid>,
    is_member: impl Fn(Uuid) -> bool,
) -> Result<Option<Uuid>, FieldError> {
    match requested {
        Some(Some(member)) if is_member(member) => Ok(Some(member)),
        Some(Some(_)) => Err(FieldError::new(
            "assignee_id",
            "The assignee must be a member of the ticket's assignment group.",
        )),
        Some(None) => Ok(None),
        None => Ok(current.filter(|member| is_member(*member))),
    }
}

/// `T-000123`: what people quote on the phone.
pub fn display_number(number: i64) -> String {
    format!("T-{number:06}")
}

/// The number in `T-000123` (any case, leading zeros optional), as someone types it in a search.
pub fn parse_number(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    let digits = raw.strip_prefix("T-").or_else(|| raw.strip_prefix("t-"))?;
    (!digits.is_empty() && digits.len() <= 12 && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

#[derive(Debug, Clone, Serialize)]
pub struct Ticket {
    pub id: Uuid,
    /// The human-readable number, e.g. `T-000123`.
    pub number: String,
    pub customer_id: Uuid,
    pub requester_id: Uuid,
    #[serde(rename = "type")]
    pub kind: TicketType,
    pub short_description: String,
    pub description: String,
    pub urgency: Urgency,
    pub status: Status,
    pub assignment_group_id: Uuid,
    pub assignee_id: Option<Uuid>,
    pub contact_source: ContactSource,
    /// The request type it was filed through, if any (and while the type exists).
    pub request_type_id: Option<Uuid>,
    /// The answers to the type's form, with the labels they had when filed.
    pub answers: Vec<crate::answer::Answer>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub body: String,
    /// `false` for internal notes, which end users never see.
    pub public: bool,
    pub author_kind: AuthorKind,
    pub author_id: Uuid,
    pub author_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A new ticket's own fields, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TicketDraft {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub short_description: Option<String>,
    pub description: Option<String>,
    pub urgency: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    pub kind: TicketType,
    pub short_description: String,
    pub description: String,
    pub urgency: Urgency,
}

impl TicketDraft {
    pub fn into_new(self) -> Result<NewTicket, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = match self.kind.as_deref() {
            Some(raw) if !raw.trim().is_empty() => errors.check(TicketType::parse(raw)),
            _ => {
                errors.push(FieldError::new(
                    "type",
                    "Type is required: choose whether something is broken or you need something.",
                ));
                None
            }
        };
        let short = errors.check(text::bounded(
            "short_description",
            self.short_description.as_deref().unwrap_or_default(),
            1,
            SHORT_DESCRIPTION_MAX,
            false,
        ));
        let description = errors.check(text::bounded(
            "description",
            self.description.as_deref().unwrap_or_default(),
            0,
            DESCRIPTION_MAX,
            true,
        ));
        let urgency = match self.urgency.as_deref() {
            Some(raw) if !raw.trim().is_empty() => errors.check(Urgency::parse(raw)),
            _ => Some(Urgency::Medium),
        };
        errors.into_result()?;
        Ok(NewTicket {
            kind: ValidationErrors::checked(kind, "kind")?,
            short_description: ValidationErrors::checked(short, "short")?,
            description: ValidationErrors::checked(description, "description")?,
            urgency: ValidationErrors::checked(urgency, "urgency")?,
        })
    }
}

pub fn comment_body(raw: &str) -> Result<String, FieldError> {
    text::bounded("body", raw, 1, COMMENT_MAX, true)
}

/// Which of their customer's tickets an end user may see, open and reply to. Whatever is
/// outside it is "not found" to them. (Their customer is always the other half of the rule.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketScope {
    /// The tickets they asked for and those they follow.
    Involving(Uuid),
    /// Every ticket of the customer: a manager's.
    Company,
}

impl TicketScope {
    pub fn of(end_user_id: Uuid, role: super::end_user::CustomerRole) -> Self {
        match role {
            super::end_user::CustomerRole::Manager => Self::Company,
            super::end_user::CustomerRole::Member => Self::Involving(end_user_id),
        }
    }

    /// The rule itself, for a ticket already of their customer.
    pub fn covers(self, requester_id: Uuid, followers: &[Uuid]) -> bool {
        match self {
            Self::Company => true,
            Self::Involving(user) => requester_id == user || followers.contains(&user),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub customer_id: Option<Uuid>,
    pub requester_id: Option<Uuid>,
    /// Tickets of any of these groups.
    pub assignment_group_ids: Option<Vec<Uuid>>,
    pub status: Option<Status>,
    /// Only tickets not yet resolved or closed.
    pub open_only: bool,
    /// Only tickets assigned to this team member.
    pub assignee_id: Option<Uuid>,
    /// Only tickets nobody is assigned to.
    pub unassigned: bool,
    /// Only tickets this end user asked for or follows.
    pub involving: Option<Uuid>,
    /// Words found in the short description or the description (any case), or the number.
    pub search: Option<String>,
    /// Only tickets whose requester's name or e-mail address contains this (any case).
    pub requester_matching: Option<String>,
    /// Only tickets filed through this request type.
    pub request_type_id: Option<Uuid>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketChanges {
    pub status: Option<Status>,
    pub assignment_group_id: Option<Uuid>,
    pub assignee_id: Option<Option<Uuid>>,
    pub urgency: Option<Urgency>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_number_is_read_as_people_type_it() {
        assert_eq!(parse_number("T-000123"), Some(123));
        assert_eq!(parse_number(" t-42 "), Some(42));
        assert_eq!(parse_number("T-"), None);
        assert_eq!(parse_number("printer T-1"), None);
        assert_eq!(parse_number("T-12a"), None);
    }

    #[test]
    fn members_see_what_they_asked_for_or_follow_and_managers_the_company() {
        use crate::end_user::CustomerRole;
        let (me, colleague) = (Uuid::now_v7(), Uuid::now_v7());
        let member = TicketScope::of(me, CustomerRole::Member);
        assert!(member.covers(me, &[]));
        assert!(member.covers(colleague, &[me]));
        assert!(!member.covers(colleague, &[]));
        assert!(!member.covers(colleague, &[Uuid::now_v7()]));
        assert!(TicketScope::of(me, CustomerRole::Manager).covers(colleague, &[]));
    }

    #[test]
    fn end_users_only_close_open_tickets_and_reopen_finished_ones() {
        use Status::*;
        assert!(Status::end_user_may_change(InProgress, Closed));
        assert!(Status::end_user_may_change(Resolved, New));
        assert!(!Status::end_user_may_change(Closed, Closed), "already closed");
        assert!(!Status::end_user_may_change(New, New), "reopening an open ticket");
        assert!(!Status::end_user_may_change(New, Resolved), "resolving is the team's");
        assert!(!Status::end_user_may_change(New, InProgress));
    }

    #[test]
    fn an_assignee_belongs_to_the_group_and_a_move_drops_one_who_does_not() {
        let (ann, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let only_ann = |member: Uuid| member == ann;
        assert_eq!(assignee_after(Some(Some(ann)), None, only_ann), Ok(Some(ann)));
        assert_eq!(assignee_after(Some(Some(bob)), None, only_ann).unwrap_err().field, "assignee_id");
        assert_eq!(assignee_after(Some(None), Some(ann), only_ann), Ok(None), "unassigned on request");
        assert_eq!(assignee_after(None, Some(ann), only_ann), Ok(Some(ann)), "kept in the new group");
        assert_eq!(assignee_after(None, Some(bob), only_ann), Ok(None), "dropped: not in the new group");
    }

    #[test]
    fn numbers_read_like_ticket_numbers() {
        assert_eq!(display_number(123), "T-000123");
        assert_eq!(display_number(1_234_567), "T-1234567");
    }

    #[test]
    fn a_ticket_needs_a_type_and_a_short_description() {
        let errors = TicketDraft::default().into_new().unwrap_err();
        assert!(errors.message_for("type").is_some());
        assert_eq!(errors.message_for("short_description"), Some("Short description must not be empty."));
    }

    #[test]
    fn lengths_and_choices_are_checked() {
        let draft = TicketDraft {
            kind: Some("complaint".into()),
            short_description: Some("x".repeat(201)),
            description: Some("d".repeat(20_001)),
            urgency: Some("urgent".into()),
        };
        let errors = draft.into_new().unwrap_err();
        for field in ["type", "short_description", "description", "urgency"] {
            assert!(errors.message_for(field).is_some(), "{field}");
        }
    }

    #[test]
    fn urgency_defaults_to_medium_and_multiline_descriptions_are_kept() {
        let new = TicketDraft {
            kind: Some("incident".into()),
            short_description: Some(" Printer jammed ".into()),
            description: Some("Line one\nLine two".into()),
            urgency: None,
        }
        .into_new()
        .unwrap();
        assert_eq!((new.urgency, new.short_description.as_str()), (Urgency::Medium, "Printer jammed"));
        assert!(new.description.contains('\n'));
        assert!(Status::New.is_open() && !Status::Closed.is_open());
    }
}
