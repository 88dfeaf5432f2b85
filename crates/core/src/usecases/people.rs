//! A customer's people as its managers look after them in the portal: the list, invitations
//! and (de)activation. Managers act only within their own customer; the end users they add
//! still sign in through the customer's identity provider, so an invitation is the address
//! being let in, never a password. Every change is an event with the manager as actor.

use crate::context::Context;
use uuid::Uuid;

use super::{UseCaseError, UseCaseResult};
use portico_domain::actor::Actor;
use portico_domain::end_user::{EndUser, EndUserChanges, EndUserDraft};
use portico_domain::event::{EventKind, NewEvent};
use portico_domain::page::{Page, PageRequest};
use portico_domain::sso::AcceptedDomains;

/// The manager's customer's end users, by name.
pub async fn list_people(
    cx: &Context,
    actor: &Actor,
    search: Option<&str>,
    page: &PageRequest,
) -> UseCaseResult<Page<EndUser>> {
    let store = cx.store();
    let (_, customer_id) = actor.require_manager()?;
    Ok(store.list_end_users(customer_id, search, page).await?)
}

/// Invitations one customer's managers may send in [`INVITATION_WINDOW_SECS`]: enough to bring
/// a team aboard, too few to use the MSP's mail server for spam.
pub const INVITATIONS_PER_HOUR: i64 = 20;
const INVITATION_WINDOW_SECS: u64 = 3600;

/// Adds a colleague by name and e-mail address. The address must be in one of the customer's
/// own e-mail domains (its `email_domains`, else the allowed domains of its SSO configurations;
/// with neither, managers cannot invite) and in a domain the portal's sign-in accepts, and must
/// belong to no team member and no other customer's end user: an invitation makes the address
/// an end user of this customer, whose mail then opens tickets here.
/// They are told by e-mail (the `end_user.invited` event) and sign in through the IdP.
pub async fn invite(cx: &Context, actor: &Actor, name: &str, email: &str) -> UseCaseResult<EndUser> {
    let store = cx.store();
    let (_, customer_id) = actor.require_manager()?;
    let draft = EndUserDraft { name: Some(name.into()), email: Some(email.into()), ..Default::default() };
    let new = draft.into_new()?;
    let customer = store.customer(customer_id).await?;
    let configs = store.sso_configs(customer_id).await?;
    let own_domains = if customer.email_domains.is_empty() {
        configs.iter().flat_map(|c| c.settings.allowed_email_domains.iter().cloned()).collect()
    } else {
        customer.email_domains.clone()
    };
    if own_domains.is_empty() {
        return Err(UseCaseError::field(
            "email",
            "Your organisation has no e-mail domains set up for invitations; ask your IT provider to add them.",
        ));
    }
    let domain = new.email.domain();
    let accepted = AcceptedDomains::of(configs.iter().map(|c| &c.settings));
    if !own_domains.iter().any(|own| own.eq_ignore_ascii_case(domain)) || !accepted.accepts(domain) {
        return Err(UseCaseError::field(
            "email",
            format!(
                "Invitations go to your organisation's own addresses ({}) only; ask your IT provider if {domain} should be one.",
                own_domains.join(", ")
            ),
        ));
    }
    let team_member = match store.team_member_by_email(&new.email).await {
        Ok(_) => true,
        Err(portico_store::StoreError::NotFound { .. }) => false,
        Err(other) => return Err(other.into()),
    };
    if team_member || store.email_used_elsewhere(customer_id, &new.email).await? {
        return Err(UseCaseError::field("email", "This address cannot be invited; ask your IT provider."));
    }
    let mut tx = store.begin_write().await?;
    let since = time::OffsetDateTime::now_utc() - time::Duration::seconds(INVITATION_WINDOW_SECS as i64);
    if tx.recent_invitations(customer_id, portico_store::to_ms(since)).await? >= INVITATIONS_PER_HOUR {
        return Err(UseCaseError::RateLimited { retry_after_secs: INVITATION_WINDOW_SECS });
    }
    let created = tx.insert_end_user(customer_id, &new).await?;
    let event = NewEvent::new(EventKind::EndUserInvited, created.id, format!("invited {}", created.email))
        .for_customer(customer_id)
        .with("email", created.email.as_str());
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(created)
}

/// Deactivates (their sessions end at once) or reactivates a colleague. A manager cannot
/// deactivate themselves: another manager or the MSP must.
pub async fn set_active(cx: &Context, actor: &Actor, id: Uuid, active: bool) -> UseCaseResult<EndUser> {
    let store = cx.store();
    let (me, customer_id) = actor.require_manager()?;
    let person = store.end_user(id).await?;
    if person.customer_id != customer_id {
        return Err(UseCaseError::NotFound("end user"));
    }
    if person.id == me && !active {
        return Err(UseCaseError::field("active", "You cannot deactivate yourself; ask another manager."));
    }
    if person.active == active {
        return Ok(person);
    }
    let changes = EndUserChanges { active: Some(active), ..Default::default() };
    let mut tx = store.begin_write().await?;
    let updated = tx.update_end_user(id, &changes).await?;
    if !active {
        tx.end_portal_sessions_of(id).await?;
    }
    let event = NewEvent::new(EventKind::EndUserUpdated, id, changes.summary())
        .for_customer(customer_id)
        .with("fields", changes.changed_fields())
        .with("active", active);
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(updated)
}
