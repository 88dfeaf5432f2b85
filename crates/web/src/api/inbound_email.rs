//! `/inbound-email`: mail services and MTAs hand over a raw message by HTTP; it is handled as a
//! message fetched from the mailbox would be.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::ApiCaller;
use crate::error::{AppResult, Problem};
use crate::state::AppState;
use portico_core::usecases::inbound_mail;

/// What became of a message.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboundOutcome {
    /// `comment_added`, `ticket_created`, `ignored` (sent by a machine) or `rejected`.
    pub outcome: String,
    /// The ticket the message was added to or created.
    pub ticket_id: Option<Uuid>,
    /// Why it was ignored or rejected.
    pub reason: Option<String>,
}

/// Hands over one raw e-mail message (RFC 5322) for Portico to handle (admins only): a reply
/// to a ticket becomes a public reply, a new message from a known end user a ticket. The same
/// message sent again is handled once and answered the same way.
#[utoipa::path(post, path = "/inbound-email", tag = "e-mail",
    request_body(content = Vec<u8>, content_type = "message/rfc822", description = "The raw message"),
    security(("bearer" = [])),
    responses((status = 202, body = InboundOutcome), (status = 403, body = Problem), (status = 415, body = Problem)))]
pub async fn receive(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    body: Body,
) -> AppResult<(StatusCode, Json<InboundOutcome>)> {
    caller.require_admin()?;
    super::extract::require_media_type(
        &headers,
        "message/rfc822",
        "send the raw message as Content-Type: message/rfc822",
    )?;
    let limit = state.config.mail.max_inbound_bytes;
    let received = match axum::body::to_bytes(body, limit).await {
        Ok(raw) => inbound_mail::receive(&state.core, &caller.actor(), &raw).await?,
        // Past the limit: refused as the use case would refuse it, without reading the rest.
        Err(_) => inbound_mail::Received {
            outcome: inbound_mail::Outcome::Rejected,
            ticket_id: None,
            reason: Some(format!(
                "the message is larger than the limit of {}",
                state.config.mail.inbound_limit_text()
            )),
            repeated: false,
        },
    };
    Ok((
        StatusCode::ACCEPTED,
        Json(InboundOutcome {
            outcome: received.outcome.as_str().to_string(),
            ticket_id: received.ticket_id,
            reason: received.reason,
        }),
    ))
}
