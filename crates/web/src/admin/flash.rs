//! Confirmations after a save. A console form that saves redirects with what was done in the
//! query (`?done=customer-saved&of={id}`); the page it lands on says so in a status region above
//! its content. Only the kinds of [`Done`] are understood, and names come from the store: no text
//! of the query ever reaches the page.

use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use portico_core::Context;
use portico_core::usecases::{customers, end_users, groups, kb, request_types, sso, team};
use portico_domain::actor::Actor;

/// What a console form just did, and to what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    CustomerCreated(Uuid),
    CustomerSaved(Uuid),
    CustomerArchived(Uuid),
    CustomerRestored(Uuid),
    EndUserAdded(Uuid),
    EndUserDeactivated(Uuid),
    EndUserReactivated(Uuid),
    EndUserRoleSet(Uuid),
    FollowerAdded(Uuid),
    FollowerRemoved(Uuid),
    /// The portal's revision after the save.
    PortalSaved(i64),
    /// The portal's revision after restoring an earlier one.
    PortalRestored(i64),
    SsoAdded {
        customer_id: Uuid,
        id: Uuid,
    },
    SsoSaved {
        customer_id: Uuid,
        id: Uuid,
    },
    SsoRemoved,
    GroupCreated(Uuid),
    GroupSaved(Uuid),
    GroupDeleted,
    TeamMemberSaved(Uuid),
    ArticleSaved(Uuid),
    ArticleDeleted,
    RequestTypeCreated(Uuid),
    RequestTypeSaved(Uuid),
    RequestTypeDeleted,
    /// A customer's tailoring of a request type.
    RequestTypeTailored(Uuid),
    PasswordChanged,
    TicketReplied,
    TicketNoted,
    TicketUpdated,
    /// One's own second step was turned off.
    MfaTurnedOff,
    /// An admin reset a member's second step.
    MfaReset(Uuid),
    /// The console now requires (or no longer requires) two-step sign-in.
    MfaRequired(bool),
}

/// What a confirmation names, looked up when the page is shown.
enum Subject {
    Customer(Uuid),
    EndUser(Uuid),
    /// An end user, and whether they are a manager.
    EndUserRole(Uuid),
    Group(Uuid),
    TeamMember(Uuid),
    Article(Uuid),
    Sso(Uuid, Uuid),
    RequestType(Uuid),
}

impl Done {
    /// The kind, as the query carries it.
    fn kind(&self) -> &'static str {
        match self {
            Self::CustomerCreated(_) => "customer-created",
            Self::CustomerSaved(_) => "customer-saved",
            Self::CustomerArchived(_) => "customer-archived",
            Self::CustomerRestored(_) => "customer-restored",
            Self::EndUserAdded(_) => "end-user-added",
            Self::EndUserDeactivated(_) => "end-user-deactivated",
            Self::EndUserReactivated(_) => "end-user-reactivated",
            Self::EndUserRoleSet(_) => "end-user-role",
            Self::FollowerAdded(_) => "follower-added",
            Self::FollowerRemoved(_) => "follower-removed",
            Self::PortalSaved(_) => "portal-saved",
            Self::PortalRestored(_) => "portal-restored",
            Self::SsoAdded { .. } => "sso-added",
            Self::SsoSaved { .. } => "sso-saved",
            Self::SsoRemoved => "sso-removed",
            Self::GroupCreated(_) => "group-created",
            Self::GroupSaved(_) => "group-saved",
            Self::GroupDeleted => "group-deleted",
            Self::TeamMemberSaved(_) => "team-member-saved",
            Self::ArticleSaved(_) => "article-saved",
            Self::ArticleDeleted => "article-deleted",
            Self::RequestTypeCreated(_) => "request-type-created",
            Self::RequestTypeSaved(_) => "request-type-saved",
            Self::RequestTypeDeleted => "request-type-deleted",
            Self::RequestTypeTailored(_) => "request-type-tailored",
            Self::PasswordChanged => "password-changed",
            Self::TicketReplied => "reply",
            Self::TicketNoted => "note",
            Self::TicketUpdated => "updated",
            Self::MfaTurnedOff => "mfa-off",
            Self::MfaReset(_) => "mfa-reset",
            Self::MfaRequired(true) => "mfa-required",
            Self::MfaRequired(false) => "mfa-optional",
        }
    }

    /// The `of` parameter: the id or revision the kind is about.
    fn of(&self) -> Option<String> {
        match self {
            Self::CustomerCreated(id)
            | Self::CustomerSaved(id)
            | Self::CustomerArchived(id)
            | Self::CustomerRestored(id)
            | Self::EndUserAdded(id)
            | Self::EndUserDeactivated(id)
            | Self::EndUserReactivated(id)
            | Self::EndUserRoleSet(id)
            | Self::FollowerAdded(id)
            | Self::FollowerRemoved(id)
            | Self::GroupCreated(id)
            | Self::GroupSaved(id)
            | Self::TeamMemberSaved(id)
            | Self::ArticleSaved(id)
            | Self::RequestTypeCreated(id)
            | Self::RequestTypeSaved(id)
            | Self::RequestTypeTailored(id)
            | Self::MfaReset(id) => Some(id.to_string()),
            Self::PortalSaved(revision) | Self::PortalRestored(revision) => Some(revision.to_string()),
            Self::SsoAdded { customer_id, id } | Self::SsoSaved { customer_id, id } => {
                Some(format!("{customer_id}.{id}"))
            }
            Self::SsoRemoved
            | Self::GroupDeleted
            | Self::ArticleDeleted
            | Self::RequestTypeDeleted
            | Self::PasswordChanged
            | Self::TicketReplied
            | Self::TicketNoted
            | Self::TicketUpdated
            | Self::MfaTurnedOff
            | Self::MfaRequired(_) => None,
        }
    }

    /// The query parameters that carry this confirmation.
    pub fn query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("done", self.kind());
        if let Some(of) = self.of() {
            query.append_pair("of", &of);
        }
        query.finish()
    }

    /// Reads a confirmation back from a page's query; anything not made by [`Done::query`] is
    /// ignored.
    pub fn from_query(query: &str) -> Option<Self> {
        let (mut kind, mut of) = (None, None);
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            match name.as_ref() {
                "done" => kind = Some(value.into_owned()),
                "of" => of = Some(value.into_owned()),
                _ => {}
            }
        }
        Self::parse(&kind?, of.as_deref())
    }

    fn parse(kind: &str, of: Option<&str>) -> Option<Self> {
        let id = || of.and_then(|raw| Uuid::parse_str(raw).ok());
        let revision = || of.and_then(|raw| raw.parse::<i64>().ok()).filter(|n| *n > 0);
        let pair = || {
            let (customer_id, id) = of?.split_once('.')?;
            Some((Uuid::parse_str(customer_id).ok()?, Uuid::parse_str(id).ok()?))
        };
        Some(match kind {
            "customer-created" => Self::CustomerCreated(id()?),
            "customer-saved" => Self::CustomerSaved(id()?),
            "customer-archived" => Self::CustomerArchived(id()?),
            "customer-restored" => Self::CustomerRestored(id()?),
            "end-user-added" => Self::EndUserAdded(id()?),
            "end-user-deactivated" => Self::EndUserDeactivated(id()?),
            "end-user-reactivated" => Self::EndUserReactivated(id()?),
            "end-user-role" => Self::EndUserRoleSet(id()?),
            "follower-added" => Self::FollowerAdded(id()?),
            "follower-removed" => Self::FollowerRemoved(id()?),
            "portal-saved" => Self::PortalSaved(revision()?),
            "portal-restored" => Self::PortalRestored(revision()?),
            "sso-added" => pair().map(|(customer_id, id)| Self::SsoAdded { customer_id, id })?,
            "sso-saved" => pair().map(|(customer_id, id)| Self::SsoSaved { customer_id, id })?,
            "sso-removed" => Self::SsoRemoved,
            "group-created" => Self::GroupCreated(id()?),
            "group-saved" => Self::GroupSaved(id()?),
            "group-deleted" => Self::GroupDeleted,
            "team-member-saved" => Self::TeamMemberSaved(id()?),
            "article-saved" => Self::ArticleSaved(id()?),
            "article-deleted" => Self::ArticleDeleted,
            "request-type-created" => Self::RequestTypeCreated(id()?),
            "request-type-saved" => Self::RequestTypeSaved(id()?),
            "request-type-deleted" => Self::RequestTypeDeleted,
            "request-type-tailored" => Self::RequestTypeTailored(id()?),
            "password-changed" => Self::PasswordChanged,
            "reply" => Self::TicketReplied,
            "note" => Self::TicketNoted,
            "updated" => Self::TicketUpdated,
            "mfa-off" => Self::MfaTurnedOff,
            "mfa-reset" => Self::MfaReset(id()?),
            "mfa-required" => Self::MfaRequired(true),
            "mfa-optional" => Self::MfaRequired(false),
            _ => return None,
        })
    }

    fn subject(&self) -> Option<Subject> {
        Some(match *self {
            Self::CustomerCreated(id)
            | Self::CustomerSaved(id)
            | Self::CustomerArchived(id)
            | Self::CustomerRestored(id) => Subject::Customer(id),
            Self::EndUserAdded(id)
            | Self::EndUserDeactivated(id)
            | Self::EndUserReactivated(id)
            | Self::FollowerAdded(id)
            | Self::FollowerRemoved(id) => Subject::EndUser(id),
            Self::EndUserRoleSet(id) => Subject::EndUserRole(id),
            Self::SsoAdded { customer_id, id } | Self::SsoSaved { customer_id, id } => {
                Subject::Sso(customer_id, id)
            }
            Self::GroupCreated(id) | Self::GroupSaved(id) => Subject::Group(id),
            Self::TeamMemberSaved(id) | Self::MfaReset(id) => Subject::TeamMember(id),
            Self::ArticleSaved(id) => Subject::Article(id),
            Self::RequestTypeCreated(id) | Self::RequestTypeSaved(id) | Self::RequestTypeTailored(id) => {
                Subject::RequestType(id)
            }
            _ => return None,
        })
    }

    /// The sentence the page shows; `name` is the subject's name (an article's title and
    /// whether it is published), when it could be found.
    fn sentence(&self, name: Option<(&str, bool)>) -> String {
        let named = |what: &str, done: &str| match name {
            Some((name, _)) => format!("{what} “{name}” {done}."),
            None => format!("{what} {done}."),
        };
        match self {
            Self::CustomerCreated(_) => named("Customer", "created"),
            Self::CustomerSaved(_) => named("Customer", "saved"),
            Self::CustomerArchived(_) => {
                format!("{} It no longer shows in the customer list.", named("Customer", "archived"))
            }
            Self::CustomerRestored(_) => named("Customer", "restored"),
            Self::EndUserAdded(_) => named("End user", "added"),
            Self::EndUserDeactivated(_) => {
                format!("{} They can no longer sign in to the portal.", named("End user", "deactivated"))
            }
            Self::EndUserReactivated(_) => named("End user", "reactivated"),
            Self::EndUserRoleSet(_) => match name {
                Some((_, true)) => format!(
                    "{} They see every ticket of their organisation in the portal.",
                    named("End user", "is now a manager")
                ),
                _ => format!(
                    "{} They see their own tickets and those shared with them.",
                    named("End user", "is now a member")
                ),
            },
            Self::FollowerAdded(_) => match name {
                Some((name, _)) => format!(
                    "The ticket is shared with “{name}”: they see it in the portal, may reply and get its e-mails."
                ),
                None => "The ticket is shared.".into(),
            },
            Self::FollowerRemoved(_) => match name {
                Some((name, _)) => format!("The ticket is no longer shared with “{name}”."),
                None => "The ticket is no longer shared.".into(),
            },
            Self::PortalSaved(revision) => format!("Portal saved as revision {revision}."),
            Self::PortalRestored(revision) => {
                format!("Earlier revision restored: the portal is now at revision {revision}.")
            }
            Self::SsoAdded { .. } => format!(
                "{} Use Test to check it against the identity provider.",
                named("SSO configuration", "added")
            ),
            Self::SsoSaved { .. } => named("SSO configuration", "saved"),
            Self::SsoRemoved => "SSO configuration removed.".into(),
            Self::GroupCreated(_) => named("Assignment group", "created"),
            Self::GroupSaved(_) => named("Assignment group", "saved"),
            Self::GroupDeleted => "Assignment group deleted.".into(),
            Self::TeamMemberSaved(_) => named("Team member", "saved"),
            Self::ArticleSaved(_) => match name {
                Some((_, true)) => named("Article", "published"),
                Some((_, false)) => format!(
                    "{} End users do not see it until it is published.",
                    named("Article", "saved as a draft")
                ),
                None => named("Article", "saved"),
            },
            Self::ArticleDeleted => "Article deleted.".into(),
            Self::RequestTypeCreated(_) => named("Request type", "created"),
            Self::RequestTypeSaved(_) => named("Request type", "saved"),
            Self::RequestTypeDeleted => {
                "Request type deleted. Tickets filed through it keep their answers.".into()
            }
            Self::RequestTypeTailored(_) => named("Request type", "saved for this customer"),
            Self::PasswordChanged => {
                "Your password was changed. Your other sessions have been signed out.".into()
            }
            Self::TicketReplied => "Your reply was added; the requester sees it.".into(),
            Self::TicketNoted => "Your internal note was added; only the team sees it.".into(),
            Self::TicketUpdated => "The ticket was updated.".into(),
            Self::MfaTurnedOff => "Two-step sign-in is off: your password alone signs you in now.".into(),
            Self::MfaReset(_) => match name {
                Some((name, _)) => format!(
                    "Two-step sign-in of “{name}” was reset and they were signed out; they set it up again with a new app."
                ),
                None => "Two-step sign-in was reset.".into(),
            },
            Self::MfaRequired(true) => {
                "Two-step sign-in is now required: members without it set it up at their next page.".into()
            }
            Self::MfaRequired(false) => {
                "Two-step sign-in is no longer required; members who have it keep it.".into()
            }
        }
    }

    /// The confirmation as the page shows it, naming what was saved as it is now.
    pub async fn notice(&self, cx: &Context, actor: &Actor) -> String {
        let name = match self.subject() {
            None => None,
            Some(Subject::Customer(id)) => {
                customers::customer(cx, actor, id).await.ok().map(|c| (c.name, true))
            }
            Some(Subject::EndUser(id)) => {
                end_users::end_user(cx, actor, id).await.ok().map(|u| (u.name, true))
            }
            Some(Subject::EndUserRole(id)) => end_users::end_user(cx, actor, id)
                .await
                .ok()
                .map(|u| (u.name, u.role == portico_domain::end_user::CustomerRole::Manager)),
            Some(Subject::Group(id)) => groups::group(cx, actor, id).await.ok().map(|g| (g.name, true)),
            Some(Subject::TeamMember(id)) => {
                team::team_member(cx, actor, id).await.ok().map(|m| (m.name, true))
            }
            Some(Subject::Article(id)) => {
                kb::article(cx, actor, id).await.ok().map(|a| (a.title, a.published))
            }
            Some(Subject::Sso(customer_id, id)) => {
                sso::sso_config(cx, actor, customer_id, id).await.ok().map(|c| (c.settings.label, true))
            }
            Some(Subject::RequestType(id)) => {
                request_types::request_type(cx, actor, id).await.ok().map(|t| (t.settings.name, true))
            }
        };
        self.sentence(name.as_ref().map(|(name, flag)| (name.as_str(), *flag)))
    }
}

/// A redirect to `path` that confirms `done` there; `fragment` (without `#`) scrolls to a part
/// of the page.
pub fn redirect(path: &str, done: Done, fragment: Option<&str>) -> Response {
    let separator = if path.contains('?') { '&' } else { '?' };
    let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
    Redirect::to(&format!("{path}{separator}{}{fragment}", done.query())).into_response()
}

/// `path` without a confirmation it carries, so a page's own links do not repeat one.
pub fn without_confirmation(path: &str) -> String {
    let Some((base, query)) = path.split_once('?') else {
        return path.to_string();
    };
    let kept: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| name != "done" && name != "of")
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    if kept.is_empty() {
        return base.to_string();
    }
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).finish();
    format!("{base}?{query}")
}

#[cfg(test)]
mod tests;
