//! Domain events: the record of every change, written in the same transaction as the change and
//! followed by consumers (the audit log, cache invalidation, and later e-mail and webhooks).

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use super::actor::{Actor, ActorKind};

macro_rules! kinds {
    ($($variant:ident => $name:literal,)+) => {
        /// What happened, named `subject.verb` as integrations see it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventKind { $($variant,)+ }

        impl EventKind {
            pub const ALL: &'static [EventKind] = &[$(Self::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name,)+ }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                match raw { $($name => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

kinds! {
    CustomerCreated => "customer.created",
    CustomerUpdated => "customer.updated",
    CustomerArchived => "customer.archived",
    CustomerRestored => "customer.restored",
    GroupCreated => "group.created",
    GroupUpdated => "group.updated",
    GroupDeleted => "group.deleted",
    EndUserCreated => "end_user.created",
    EndUserUpdated => "end_user.updated",
    EndUserIdentityLinked => "end_user.identity_linked",
    EndUserSignInConflict => "end_user.sign_in_conflict",
    EndUserInvited => "end_user.invited",
    EndUserSignedOut => "end_user.signed_out",
    EndUsersImported => "customer.end_users_imported",
    TeamMemberCreated => "team_member.created",
    TeamMemberUpdated => "team_member.updated",
    TeamMemberPasswordChanged => "team_member.password_changed",
    TeamMemberMfaEnabled => "team_member.mfa_enabled",
    TeamMemberMfaDisabled => "team_member.mfa_disabled",
    TeamMemberMfaReset => "team_member.mfa_reset",
    TeamMemberRecoveryCodesRegenerated => "team_member.recovery_codes_regenerated",
    TeamMemberRecoveryCodeUsed => "team_member.recovery_code_used",
    ConsoleSettingsUpdated => "console_settings.updated",
    ApiTokenCreated => "api_token.created",
    ApiTokenRevoked => "api_token.revoked",
    PortalSaved => "portal.saved",
    SsoConfigChanged => "sso_config.changed",
    ArticleCreated => "article.created",
    ArticleUpdated => "article.updated",
    ArticleDeleted => "article.deleted",
    TicketCreated => "ticket.created",
    TicketReplied => "ticket.replied",
    TicketNoted => "ticket.noted",
    TicketStatusChanged => "ticket.status_changed",
    TicketAssigned => "ticket.assigned",
    TicketUpdated => "ticket.updated",
    TicketAttachmentAdded => "ticket.attachment_added",
    TicketAttachmentRedacted => "ticket.attachment_redacted",
    TicketFollowerAdded => "ticket.follower_added",
    TicketFollowerRemoved => "ticket.follower_removed",
    RequestTypeCreated => "request_type.created",
    RequestTypeUpdated => "request_type.updated",
    RequestTypeDeleted => "request_type.deleted",
    RequestTypeTailored => "request_type.tailored",
}

impl EventKind {
    /// The kind of object the event is about.
    pub fn subject_kind(self) -> SubjectKind {
        use EventKind::*;
        match self {
            CustomerCreated | CustomerUpdated | CustomerArchived | CustomerRestored | EndUsersImported => {
                SubjectKind::Customer
            }
            GroupCreated | GroupUpdated | GroupDeleted => SubjectKind::AssignmentGroup,
            EndUserCreated
            | EndUserUpdated
            | EndUserIdentityLinked
            | EndUserSignInConflict
            | EndUserInvited
            | EndUserSignedOut => SubjectKind::EndUser,
            TeamMemberCreated
            | TeamMemberUpdated
            | TeamMemberPasswordChanged
            | TeamMemberMfaEnabled
            | TeamMemberMfaDisabled
            | TeamMemberMfaReset
            | TeamMemberRecoveryCodesRegenerated
            | TeamMemberRecoveryCodeUsed => SubjectKind::TeamMember,
            ConsoleSettingsUpdated => SubjectKind::ConsoleSettings,
            ApiTokenCreated | ApiTokenRevoked => SubjectKind::ApiToken,
            PortalSaved => SubjectKind::Portal,
            SsoConfigChanged => SubjectKind::SsoConfig,
            ArticleCreated | ArticleUpdated | ArticleDeleted => SubjectKind::Article,
            RequestTypeCreated | RequestTypeUpdated | RequestTypeDeleted | RequestTypeTailored => {
                SubjectKind::RequestType
            }
            TicketCreated
            | TicketReplied
            | TicketNoted
            | TicketStatusChanged
            | TicketAssigned
            | TicketUpdated
            | TicketAttachmentAdded
            | TicketAttachmentRedacted
            | TicketFollowerAdded
            | TicketFollowerRemoved => SubjectKind::Ticket,
        }
    }

    /// Whether the change may alter how a portal resolves: its settings, address, customer,
    /// or whether it can take sign-ins. Resolved portals are cached, and such an event makes
    /// every instance forget them. Every kind is named, so a new one must be decided here.
    pub fn may_change_portals(self) -> bool {
        use EventKind::*;
        match self {
            // A new customer comes with a new portal (an address that was unknown until now).
            CustomerCreated | CustomerUpdated | CustomerArchived | CustomerRestored => true,
            PortalSaved | SsoConfigChanged => true,
            // Request types, articles, tickets, end users and their sessions have read models
            // of their own (`read_areas`).
            EndUsersImported
            | GroupCreated
            | GroupUpdated
            | GroupDeleted
            | EndUserCreated
            | EndUserUpdated
            | EndUserIdentityLinked
            | EndUserSignInConflict
            | EndUserInvited
            | EndUserSignedOut
            | TeamMemberCreated
            | TeamMemberUpdated
            | TeamMemberPasswordChanged
            | TeamMemberMfaEnabled
            | TeamMemberMfaDisabled
            | TeamMemberMfaReset
            | TeamMemberRecoveryCodesRegenerated
            | TeamMemberRecoveryCodeUsed
            | ConsoleSettingsUpdated
            | ApiTokenCreated
            | ApiTokenRevoked
            | ArticleCreated
            | ArticleUpdated
            | ArticleDeleted
            | RequestTypeCreated
            | RequestTypeUpdated
            | RequestTypeDeleted
            | RequestTypeTailored
            | TicketCreated
            | TicketReplied
            | TicketNoted
            | TicketStatusChanged
            | TicketAssigned
            | TicketUpdated
            | TicketAttachmentAdded
            | TicketAttachmentRedacted
            | TicketFollowerAdded
            | TicketFollowerRemoved => false,
        }
    }

    /// The read models the change may make stale. Every kind is named, so a new one must be
    /// decided here: a read model kept after the change it shows is a stale authorization or a
    /// page that lies.
    pub fn read_areas(self) -> &'static [ReadArea] {
        use EventKind::*;
        match self {
            // A session shows its end user: name, role, whether still active.
            EndUserCreated
            | EndUserUpdated
            | EndUserIdentityLinked
            | EndUserInvited
            | EndUserSignedOut
            | EndUsersImported => &[ReadArea::EndUsers],
            ArticleCreated | ArticleUpdated | ArticleDeleted => &[ReadArea::Articles],
            RequestTypeCreated | RequestTypeUpdated | RequestTypeDeleted | RequestTypeTailored => {
                &[ReadArea::RequestTypes]
            }
            TicketCreated
            | TicketReplied
            | TicketNoted
            | TicketStatusChanged
            | TicketAssigned
            | TicketUpdated
            | TicketAttachmentAdded
            | TicketAttachmentRedacted
            | TicketFollowerAdded
            | TicketFollowerRemoved => &[ReadArea::Tickets],
            // Portals, their customers and sign-in configurations have their own generation
            // (`may_change_portals`), which every read model checks too.
            CustomerCreated
            | CustomerUpdated
            | CustomerArchived
            | CustomerRestored
            | PortalSaved
            | SsoConfigChanged
            | EndUserSignInConflict
            | GroupCreated
            | GroupUpdated
            | GroupDeleted
            | TeamMemberCreated
            | TeamMemberUpdated
            | TeamMemberPasswordChanged
            | TeamMemberMfaEnabled
            | TeamMemberMfaDisabled
            | TeamMemberMfaReset
            | TeamMemberRecoveryCodesRegenerated
            | TeamMemberRecoveryCodeUsed
            | ConsoleSettingsUpdated
            | ApiTokenCreated
            | ApiTokenRevoked => &[],
        }
    }

    /// The audit log's verb for this event, or `None` for events the audit log does not keep
    /// (the conversation on tickets is the ticket's own history).
    pub fn audit_action(self, change: Option<Change>) -> Option<&'static str> {
        use EventKind::*;
        Some(match self {
            CustomerCreated | GroupCreated | EndUserCreated | TeamMemberCreated | ApiTokenCreated
            | ArticleCreated | RequestTypeCreated => "create",
            CustomerUpdated
            | GroupUpdated
            | EndUserUpdated
            | TeamMemberUpdated
            | TeamMemberPasswordChanged
            | PortalSaved
            | ArticleUpdated
            | RequestTypeUpdated
            | RequestTypeTailored
            | ConsoleSettingsUpdated => "update",
            TeamMemberMfaEnabled => "enable_mfa",
            TeamMemberMfaDisabled => "disable_mfa",
            TeamMemberMfaReset => "reset_mfa",
            TeamMemberRecoveryCodesRegenerated => "regenerate_recovery_codes",
            TeamMemberRecoveryCodeUsed => "use_recovery_code",
            CustomerArchived => "archive",
            EndUserInvited => "invite",
            EndUsersImported => "import",
            EndUserIdentityLinked => "link_identity",
            EndUserSignInConflict => "sign_in_conflict",
            CustomerRestored => "restore",
            GroupDeleted | ArticleDeleted | RequestTypeDeleted => "delete",
            ApiTokenRevoked => "revoke",
            SsoConfigChanged => match change.unwrap_or(Change::Updated) {
                Change::Created => "create",
                Change::Updated => "update",
                Change::Deleted => "delete",
            },
            TicketAttachmentRedacted => "redact",
            // Sign-outs are announced so that every instance forgets the session; they are not
            // a change an auditor looks for (sign-ins are not recorded either).
            EndUserSignedOut
            | TicketCreated
            | TicketReplied
            | TicketNoted
            | TicketStatusChanged
            | TicketAssigned
            | TicketUpdated
            | TicketAttachmentAdded
            | TicketFollowerAdded
            | TicketFollowerRemoved => return None,
        })
    }
}

/// The kind of object an event is about; with the id it names the event's subject, and events
/// of one subject reach every consumer in the order they happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Customer,
    AssignmentGroup,
    EndUser,
    TeamMember,
    ApiToken,
    Portal,
    SsoConfig,
    Article,
    Ticket,
    RequestType,
    /// The console's own settings (one object, id `console`).
    ConsoleSettings,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::AssignmentGroup => "assignment_group",
            Self::EndUser => "end_user",
            Self::TeamMember => "team_member",
            Self::ApiToken => "api_token",
            Self::Portal => "portal",
            Self::SsoConfig => "sso_config",
            Self::Article => "article",
            Self::Ticket => "ticket",
            Self::RequestType => "request_type",
            Self::ConsoleSettings => "console_settings",
        }
    }
}

/// What portal pages read from memory, by kind: a change of one kind makes what was read of it
/// stale, for one customer when the event names one, else for all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadArea {
    /// Sessions with their end users.
    EndUsers,
    /// Each end user's ticket lists.
    Tickets,
    /// The article lists a portal shows.
    Articles,
    /// The request types a portal offers.
    RequestTypes,
}

impl ReadArea {
    pub const ALL: [ReadArea; 4] = [Self::EndUsers, Self::Tickets, Self::Articles, Self::RequestTypes];

    pub fn index(self) -> usize {
        self as usize
    }
}

/// For events that stand for several changes of one object (`sso_config.changed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    Deleted,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "created" => Some(Self::Created),
            "updated" => Some(Self::Updated),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }
}

/// An event about to be recorded: what happened to which subject, for which customer, with a
/// sentence a person can read and the facts a consumer needs.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: EventKind,
    pub subject_id: String,
    pub customer_id: Option<Uuid>,
    /// A sentence for people ("changed the name to 'Acme'"); never a secret.
    pub summary: String,
    /// The facts consumers act on; never a secret.
    pub data: Map<String, Value>,
}

impl NewEvent {
    pub fn new(kind: EventKind, subject_id: impl ToString, summary: impl Into<String>) -> Self {
        Self {
            kind,
            subject_id: subject_id.to_string(),
            customer_id: None,
            summary: summary.into(),
            data: Map::new(),
        }
    }

    pub fn for_customer(mut self, customer_id: Uuid) -> Self {
        self.customer_id = Some(customer_id);
        self
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.data.insert(key.to_string(), value.into());
        self
    }

    /// The JSON payload as stored: the facts, with the summary beside them.
    pub fn payload(&self) -> Value {
        let mut payload = self.data.clone();
        payload.insert("summary".into(), Value::String(self.summary.clone()));
        Value::Object(payload)
    }
}

/// A recorded event, as consumers and the API see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// The position in the log: strictly increasing in the order of commits.
    pub seq: i64,
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub kind: String,
    pub actor: EventActor,
    pub customer_id: Option<Uuid>,
    pub subject_kind: String,
    pub subject_id: String,
    pub payload: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventActor {
    pub kind: String,
    pub id: Option<Uuid>,
    pub name: String,
}

impl EventActor {
    pub fn from_actor(actor: &Actor) -> Self {
        Self { kind: actor.kind.as_str().to_string(), id: actor.id, name: actor.name.clone() }
    }

    pub fn is(&self, kind: ActorKind) -> bool {
        self.kind == kind.as_str()
    }
}

impl Event {
    pub fn event_kind(&self) -> Option<EventKind> {
        EventKind::parse(&self.kind)
    }

    pub fn summary(&self) -> &str {
        self.payload.get("summary").and_then(Value::as_str).unwrap_or_default()
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.payload.get(key).and_then(Value::as_str)
    }

    pub fn change(&self) -> Option<Change> {
        self.text("change").and_then(Change::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_name_and_names_are_unique() {
        let mut names = std::collections::HashSet::new();
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(*kind));
            assert!(names.insert(kind.as_str()), "{} twice", kind.as_str());
            assert!(
                kind.as_str().starts_with(kind.subject_kind().as_str().trim_start_matches("assignment_"))
            );
        }
        assert_eq!(EventKind::parse("ticket.exploded"), None);
    }

    #[test]
    fn ticket_conversation_events_stay_out_of_the_audit_log() {
        assert_eq!(EventKind::TicketReplied.audit_action(None), None);
        assert_eq!(EventKind::GroupDeleted.audit_action(None), Some("delete"));
        assert_eq!(EventKind::SsoConfigChanged.audit_action(Some(Change::Created)), Some("create"));
        assert_eq!(EventKind::SsoConfigChanged.audit_action(Some(Change::Deleted)), Some("delete"));
    }

    #[test]
    fn every_change_to_two_step_sign_in_is_audited() {
        use EventKind::*;
        for kind in [
            TeamMemberMfaEnabled,
            TeamMemberMfaDisabled,
            TeamMemberMfaReset,
            TeamMemberRecoveryCodesRegenerated,
            TeamMemberRecoveryCodeUsed,
            ConsoleSettingsUpdated,
        ] {
            assert!(kind.audit_action(None).is_some(), "{} is not audited", kind.as_str());
            assert!(!kind.may_change_portals());
        }
        assert_eq!(TeamMemberMfaReset.audit_action(None), Some("reset_mfa"));
        assert_eq!(ConsoleSettingsUpdated.subject_kind(), SubjectKind::ConsoleSettings);
    }

    #[test]
    fn changes_to_portals_customers_and_sign_in_forget_resolved_portals_and_others_do_not() {
        let changing: Vec<&str> =
            EventKind::ALL.iter().filter(|k| k.may_change_portals()).map(|k| k.as_str()).collect();
        assert_eq!(
            changing,
            [
                "customer.created",
                "customer.updated",
                "customer.archived",
                "customer.restored",
                "portal.saved",
                "sso_config.changed"
            ]
        );
    }

    #[test]
    fn the_payload_carries_the_facts_and_the_summary() {
        let event = NewEvent::new(EventKind::TicketStatusChanged, "t1", "changed status to resolved")
            .with("from", "new")
            .with("to", "resolved");
        let payload = event.payload();
        assert_eq!(payload["summary"], "changed status to resolved");
        assert_eq!(payload["from"], "new");
        assert_eq!(payload["to"], "resolved");
    }
}
