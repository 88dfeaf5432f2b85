//! The service catalogue: request types defined once by the MSP's admins, offered to every
//! customer or to chosen ones, and tailored per customer (hidden, or routed to another group).
//! End users see only what their customer may use.

use crate::context::Context;
use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use super::{UseCaseError, UseCaseResult};
use portico_domain::actor::Actor;
use portico_domain::event::{EventKind, NewEvent};
use portico_domain::request_type::{
    Offered, Override, RequestType, RequestTypeDraft, RequestTypeSettings, offered_to,
};
use portico_store::{Store, StoreError};

/// Every type, by name (the MSP's team).
pub async fn list_request_types(cx: &Context, actor: &Actor) -> UseCaseResult<Vec<RequestType>> {
    let store = cx.store();
    actor.require_team()?;
    Ok(store.request_types().await?)
}

pub async fn request_type(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<RequestType> {
    let store = cx.store();
    actor.require_team()?;
    Ok(store.request_type(id).await?)
}

/// The group and the customers a type names must exist, and a customer's own group can only
/// receive that customer's requests.
async fn check_references(store: &Store, settings: &RequestTypeSettings) -> UseCaseResult<()> {
    for (index, customer_id) in settings.customer_ids.iter().enumerate() {
        if store.customer(*customer_id).await.is_err() {
            return Err(UseCaseError::field(
                &format!("customer_ids[{index}]"),
                "No customer has this customer ID.",
            ));
        }
    }
    if let Some(group_id) = settings.assignment_group_id {
        let group = store
            .group(group_id)
            .await
            .map_err(|_| UseCaseError::field("assignment_group_id", "No assignment group has this ID."))?;
        let serves_all = settings.customer_ids.iter().all(|customer| group.serves(*customer));
        if !serves_all || (settings.customer_ids.is_empty() && !group.is_global()) {
            return Err(UseCaseError::field(
                "assignment_group_id",
                "The assignment group belongs to one customer; a type for other customers needs a global group.",
            ));
        }
    }
    Ok(())
}

pub async fn create_request_type(
    cx: &Context,
    actor: &Actor,
    draft: RequestTypeDraft,
) -> UseCaseResult<RequestType> {
    let store = cx.store();
    actor.require_admin()?;
    let settings = draft.apply(None)?;
    check_references(store, &settings).await?;
    let id = Uuid::now_v7();
    let mut tx = store.begin_write().await?;
    tx.insert_request_type(id, &settings).await?;
    let event =
        NewEvent::new(EventKind::RequestTypeCreated, id, format!("added request type '{}'", settings.name))
            .with("fields", settings.fields.len())
            .with("customer_ids", settings.customer_ids.iter().map(Uuid::to_string).collect::<Vec<_>>());
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(store.request_type(id).await?)
}

/// Changes a type. Tickets already filed keep their answers and labels as they were.
pub async fn update_request_type(
    cx: &Context,
    actor: &Actor,
    id: Uuid,
    draft: RequestTypeDraft,
) -> UseCaseResult<RequestType> {
    let store = cx.store();
    actor.require_admin()?;
    let current = store.request_type(id).await?;
    let settings = draft.apply(Some(&current.settings))?;
    if settings == current.settings {
        return Ok(current);
    }
    check_references(store, &settings).await?;
    let mut tx = store.begin_write().await?;
    if !tx.update_request_type(id, &settings).await? {
        return Err(StoreError::not_found("request type").into());
    }
    let event =
        NewEvent::new(EventKind::RequestTypeUpdated, id, format!("changed request type '{}'", settings.name))
            .with("fields", settings.fields.len());
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(store.request_type(id).await?)
}

/// Removes a type from the catalogue; tickets filed through it keep their answers.
pub async fn delete_request_type(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<RequestType> {
    let store = cx.store();
    actor.require_admin()?;
    let current = store.request_type(id).await?;
    let mut tx = store.begin_write().await?;
    if !tx.delete_request_type(id).await? {
        return Err(StoreError::not_found("request type").into());
    }
    let event = NewEvent::new(
        EventKind::RequestTypeDeleted,
        id,
        format!("removed request type '{}'", current.settings.name),
    );
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(current)
}

/// A type as one customer has it: whether it is offered, hidden by the customer, and where its
/// tickets go.
#[derive(Debug, Clone)]
pub struct Tailored {
    pub request_type: RequestType,
    pub own: Override,
}

/// The types meant for a customer, with the customer's own tailoring (hidden ones included).
pub async fn types_of_customer(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
) -> UseCaseResult<Vec<Tailored>> {
    let store = cx.store();
    actor.require_team()?;
    store.customer(customer_id).await?;
    let mut overrides = store.request_type_overrides(customer_id).await?;
    Ok(store
        .request_types()
        .await?
        .into_iter()
        .filter(|t| t.is_for(customer_id))
        .map(|t| Tailored { own: overrides.remove(&t.id).unwrap_or_default(), request_type: t })
        .collect())
}

/// Hides a type for a customer or routes its tickets to another group (one that serves the
/// customer); the defaults (shown, the type's group) undo it.
pub async fn tailor(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
    id: Uuid,
    own: Override,
) -> UseCaseResult<Tailored> {
    let store = cx.store();
    actor.require_admin()?;
    let customer = store.customer(customer_id).await?;
    let found = store.request_type(id).await?;
    if !found.is_for(customer_id) {
        return Err(UseCaseError::NotFound("request type"));
    }
    if let Some(group_id) = own.assignment_group_id {
        let group = store
            .group(group_id)
            .await
            .map_err(|_| UseCaseError::field("assignment_group_id", "No assignment group has this ID."))?;
        if !group.serves(customer_id) {
            return Err(UseCaseError::field(
                "assignment_group_id",
                "The assignment group belongs to another customer.",
            ));
        }
    }
    let mut tx = store.begin_write().await?;
    tx.set_request_type_override(id, customer_id, own).await?;
    let what = match (own.hidden, own.assignment_group_id) {
        (true, _) => "hid".to_string(),
        (false, Some(_)) => "routed to its own group".to_string(),
        (false, None) => "reset".to_string(),
    };
    let event = NewEvent::new(
        EventKind::RequestTypeTailored,
        id,
        format!("{what} request type '{}' for {}", found.settings.name, customer.name),
    )
    .for_customer(customer_id)
    .with("hidden", own.hidden)
    .with("assignment_group_id", own.assignment_group_id.map(|g| g.to_string()));
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(Tailored { request_type: found, own })
}

/// The catalogue a customer's end users see: the types offered to it, by category then name.
pub async fn catalogue(cx: &Context, actor: &Actor, customer_id: Uuid) -> UseCaseResult<Vec<Offered>> {
    match actor.as_end_user() {
        Some((_, own)) if own != customer_id => return Err(UseCaseError::NotFound("customer")),
        Some(_) => {}
        None => actor.require_team()?,
    }
    let offered = cx
        .read_models()
        .catalogues
        .get_or_load(customer_id, customer_id, async || {
            Ok::<_, UseCaseError>(Arc::new(read_catalogue(cx, customer_id).await?))
        })
        .await?;
    Ok(offered.as_ref().clone())
}

/// What `catalogue` keeps: the request types offered to the customer, in the order shown.
async fn read_catalogue(cx: &Context, customer_id: Uuid) -> UseCaseResult<Vec<Offered>> {
    let store = cx.store();
    let mut overrides: HashMap<Uuid, Override> = store.request_type_overrides(customer_id).await?;
    let mut offered: Vec<Offered> = store
        .request_types()
        .await?
        .into_iter()
        .filter_map(|t| {
            let own = overrides.remove(&t.id);
            offered_to(customer_id, t, own)
        })
        .collect();
    offered.sort_by(|a, b| {
        let key = |o: &Offered| {
            let s = &o.request_type.settings;
            (s.category.is_empty(), s.category.to_lowercase(), s.name.to_lowercase())
        };
        key(a).cmp(&key(b))
    });
    Ok(offered)
}

/// Whether the customer's portal offers its plain ticket form: when the portal says so, and
/// always when there is no request type to choose from.
pub async fn plain_form_offered(cx: &Context, actor: &Actor, customer_id: Uuid) -> UseCaseResult<bool> {
    let store = cx.store();
    if store.portal(customer_id).await?.settings.features.ticketing.plain_form {
        return Ok(true);
    }
    Ok(catalogue(cx, actor, customer_id).await?.is_empty())
}

/// The type as the customer has it, if it is offered to the customer (not another customer's,
/// not one it hides): the type and the customer's own setting of it, read once each.
pub(crate) async fn offered_for(
    store: &Store,
    customer_id: Uuid,
    type_id: Uuid,
) -> UseCaseResult<Option<Offered>> {
    let found = match store.request_type(type_id).await {
        Ok(found) => found,
        Err(StoreError::NotFound { .. }) => return Ok(None),
        Err(other) => return Err(other.into()),
    };
    let own = store.request_type_overrides(customer_id).await?.remove(&found.id);
    Ok(offered_to(customer_id, found, own))
}

/// One type as the customer's end users may use it, or "not found".
pub async fn offered_type(
    cx: &Context,
    actor: &Actor,
    customer_id: Uuid,
    id: Uuid,
) -> UseCaseResult<Offered> {
    match actor.as_end_user() {
        Some((_, own)) if own != customer_id => return Err(UseCaseError::NotFound("customer")),
        Some(_) => {}
        None => actor.require_team()?,
    }
    // The one type and the customer's setting of it, not the whole catalogue.
    offered_for(cx.store(), customer_id, id).await?.ok_or(UseCaseError::NotFound("request type"))
}
