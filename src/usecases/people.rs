//! A customer's people as its managers look after them in the portal: the list, invitations
//! and (de)activation. Managers act only within their own customer; the end users they add
//! still sign in through the customer's identity provider, so an invitation is the address
//! being let in, never a password. Every change is an event with the manager as actor.

use uuid::Uuid;

use super::{UseCaseError, UseCaseResult};
use crate::domain::actor::Actor;
use crate::domain::end_user::{EndUser, EndUserChanges, EndUserDraft};
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::page::{Page, PageRequest};
use crate::domain::sso::AcceptedDomains;
use crate::store::Store;

/// The manager's customer's end users, by name.
pub async fn list_people(
    store: &Store,
    actor: &Actor,
    search: Option<&str>,
    page: &PageRequest,
) -> UseCaseResult<Page<EndUser>> {
    let (_, customer_id) = actor.require_manager()?;
    Ok(store.list_end_users(customer_id, search, page).await?)
}

/// Adds a colleague by name and e-mail address, in a domain the portal's sign-in accepts.
/// They are told by e-mail (the `end_user.invited` event) and sign in through the IdP.
pub async fn invite(store: &Store, actor: &Actor, name: &str, email: &str) -> UseCaseResult<EndUser> {
    let (_, customer_id) = actor.require_manager()?;
    let draft = EndUserDraft { name: Some(name.into()), email: Some(email.into()), ..Default::default() };
    let new = draft.into_new()?;
    let configs = store.sso_configs(customer_id).await?;
    if !AcceptedDomains::of(configs.iter().map(|c| &c.settings)).accepts(new.email.domain()) {
        return Err(UseCaseError::field(
            "email",
            format!(
                "The address is in the domain {}, which your organisation's sign-in does not accept; ask your IT provider if it should.",
                new.email.domain()
            ),
        ));
    }
    let mut tx = store.begin_write().await?;
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
pub async fn set_active(store: &Store, actor: &Actor, id: Uuid, active: bool) -> UseCaseResult<EndUser> {
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
