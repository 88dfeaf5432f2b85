//! `/events`: every change, in the order it was committed, for integrations that follow changes
//! without webhooks. Admins only: events name people and settings across every customer.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{ApiCaller, ApiQuery};
use crate::error::{AppResult, Problem};
use crate::state::AppState;
use portico_core::usecases::history;
use portico_domain::event::Event;
use portico_domain::page::{BadQuery, EventCursor, MAX_LIMIT};
use portico_domain::validation::FieldError;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventListQuery {
    /// The `seq` of the last event already seen: events after it are listed. Absent or 0: from
    /// the first event.
    after: Option<String>,
    /// At most this many events (1–200, default 100).
    limit: Option<u32>,
}

/// Who made a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventActorView {
    /// `team_member`, `api_token`, `end_user`, `cli` or `system`.
    pub kind: String,
    pub id: Option<Uuid>,
    pub name: String,
}

/// One recorded change.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// The position in the log: strictly increasing in commit order. Pass the last one seen as
    /// `after` to continue.
    pub seq: i64,
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// E.g. `ticket.created`, `portal.saved`, `sso_config.changed`.
    #[serde(rename = "type")]
    pub kind: String,
    pub actor: EventActorView,
    pub customer_id: Option<Uuid>,
    /// E.g. `ticket`, `portal`, `sso_config`.
    pub subject_kind: String,
    pub subject_id: String,
    /// What changed: a `summary` sentence and the facts of the change. Never a secret.
    #[schema(value_type = Object)]
    pub payload: Value,
}

impl From<Event> for EventView {
    fn from(event: Event) -> Self {
        Self {
            seq: event.seq,
            id: event.id,
            at: event.at,
            kind: event.kind,
            actor: EventActorView { kind: event.actor.kind, id: event.actor.id, name: event.actor.name },
            customer_id: event.customer_id,
            subject_kind: event.subject_kind,
            subject_id: event.subject_id,
            payload: event.payload,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    pub items: Vec<EventView>,
    /// Pass as `after` for the next events: the last listed `seq`, or the `after` given when
    /// nothing new happened.
    pub next_after: i64,
}

const DEFAULT_LIMIT: u32 = 100;

/// Events after a position, oldest first.
#[utoipa::path(get, path = "/events", tag = "events", params(EventListQuery), security(("bearer" = [])),
    responses((status = 200, body = EventList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(query): ApiQuery<EventListQuery>,
) -> AppResult<Json<EventList>> {
    caller.require_admin()?;
    let after = EventCursor::parse(query.after.as_deref())?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(BadQuery(FieldError::new(
            "limit",
            format!("The limit must be between 1 and {MAX_LIMIT}."),
        ))
        .into());
    }
    let events = history::events_after(&state.core, &caller.actor(), after, i64::from(limit)).await?;
    let next_after = events.last().map_or(after.0, |event| event.seq);
    Ok(Json(EventList { items: events.into_iter().map(EventView::from).collect(), next_after }))
}
