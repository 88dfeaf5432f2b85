//! Submitting a ticket, my tickets, and each ticket's public conversation.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use uuid::Uuid;

use super::chrome::{Chrome, signed_in, ticketing_closed};
use super::pages::{self, Action, Message};
use super::resolve::LivePortal;
use crate::app::AppState;
use crate::auth::secret::{random_token, same_secret};
use crate::domain::page::PageRequest;
use crate::domain::ticket::{Comment, ContactSource, Status, Ticket, TicketDraft, TicketType, Urgency};
use crate::domain::validation::ValidationErrors;
use crate::store::portal_sessions::PortalSession;
use crate::store::tickets::TicketFilter;
use crate::usecases::UseCaseError;
use crate::usecases::tickets::{self, TicketRequest, Visibility};

#[derive(Debug, Default, Deserialize)]
pub struct TicketForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    submission: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    short_description: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    urgency: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/ticket_new.html")]
struct NewPage {
    chrome: Chrome,
    form: TicketForm,
    errors: ValidationErrors,
    types: &'static [TicketType],
    urgencies: &'static [Urgency],
}

impl NewPage {
    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }
}

fn csrf_refused(live: &LivePortal) -> Response {
    pages::message(
        live,
        Message {
            status: StatusCode::FORBIDDEN,
            title: "This form did not come from this portal".into(),
            text: "It may have expired. Go back, reload the page and try again.".into(),
            action: Some(Action { label: "Go to the start page".into(), href: live.link("/") }),
        },
    )
}

pub async fn new_form(State(state): State<AppState>, live: LivePortal, jar: CookieJar) -> Response {
    let session = match guard(&state, &live, &jar, "/tickets/new").await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let form = TicketForm { submission: random_token("sub"), urgency: "medium".into(), ..Default::default() };
    NewPage {
        chrome: Chrome::new(&live, &session),
        form,
        errors: ValidationErrors::new(),
        types: TicketType::ALL,
        urgencies: Urgency::ALL,
    }
    .into_response()
}

async fn guard(
    state: &AppState,
    live: &LivePortal,
    jar: &CookieJar,
    here: &str,
) -> Result<PortalSession, Response> {
    if let Some(page) = ticketing_closed(live) {
        return Err(page);
    }
    signed_in(state, live, jar, here).await
}

pub async fn submit(
    State(state): State<AppState>,
    live: LivePortal,
    jar: CookieJar,
    Form(form): Form<TicketForm>,
) -> Response {
    let session = match guard(&state, &live, &jar, "/tickets/new").await {
        Ok(session) => session,
        Err(page) => return page,
    };
    if !same_secret(&form.csrf, &session.csrf_token) {
        return csrf_refused(&live);
    }
    let user = &session.end_user;
    let request = TicketRequest {
        draft: TicketDraft {
            kind: Some(form.kind.clone()),
            short_description: Some(form.short_description.clone()),
            description: Some(form.description.clone()),
            urgency: Some(form.urgency.clone()),
        },
        customer_id: live.customer.id,
        requester_id: user.id,
        assignment_group_id: None,
        source: ContactSource::Portal,
        submission_key: Some(form.submission.clone()),
    };
    match tickets::submit_ticket(&state.store, &session.actor(), request).await {
        Ok(submitted) => {
            Redirect::to(&live.link(&format!("/tickets/{}?submitted=1", submitted.ticket.id))).into_response()
        }
        Err(UseCaseError::Invalid(errors)) => {
            let page = NewPage {
                chrome: Chrome::new(&live, &session),
                form,
                errors,
                types: TicketType::ALL,
                urgencies: Urgency::ALL,
            };
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(UseCaseError::RateLimited { .. }) => pages::message(
            &live,
            Message {
                status: StatusCode::TOO_MANY_REQUESTS,
                title: "That is a lot of tickets at once".into(),
                text: "You have submitted many tickets in the last few minutes. Please wait a little, or add to one of your tickets instead.".into(),
                action: Some(Action { label: "My tickets".into(), href: live.link("/tickets") }),
            },
        ),
        Err(error) => pages::failure(error.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/ticket_list.html")]
struct ListPage {
    chrome: Chrome,
    tickets: Vec<Ticket>,
    next_page: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    live: LivePortal,
    jar: CookieJar,
    Query(query): Query<ListQuery>,
) -> Response {
    let session = match guard(&state, &live, &jar, "/tickets").await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let page = PageRequest::parse(query.cursor.as_deref(), Some(20)).unwrap_or_default();
    let filter = TicketFilter {
        customer_id: Some(live.customer.id),
        requester_id: Some(session.end_user.id),
        ..Default::default()
    };
    match state.store.list_tickets(&filter, &page).await {
        Ok(found) => {
            let next_page = found.next_cursor.map(|cursor| {
                format!(
                    "{}?cursor={}",
                    live.link("/tickets"),
                    form_urlencoded::byte_serialize(cursor.as_bytes()).collect::<String>()
                )
            });
            ListPage { chrome: Chrome::new(&live, &session), tickets: found.items, next_page }.into_response()
        }
        Err(error) => pages::failure(error.into()),
    }
}

/// The `{ticket_id}` of a ticket path; anything else is "not found".
pub struct TicketId(Uuid);

impl<S: Send + Sync> FromRequestParts<S> for TicketId {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| pages::unknown_portal())?;
        params
            .get("ticket_id")
            .and_then(|raw| Uuid::parse_str(raw).ok())
            .map(Self)
            .ok_or_else(not_found_plain)
    }
}

fn not_found_plain() -> Response {
    pages::plain_message(StatusCode::NOT_FOUND, "Ticket not found", "There is no such ticket among yours.")
}

fn not_found(live: &LivePortal) -> Response {
    pages::message(
        live,
        Message {
            status: StatusCode::NOT_FOUND,
            title: "Ticket not found".into(),
            text: "There is no such ticket among yours.".into(),
            action: Some(Action { label: "My tickets".into(), href: live.link("/tickets") }),
        },
    )
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/ticket.html")]
struct TicketPage {
    chrome: Chrome,
    ticket: Ticket,
    comments: Vec<Comment>,
    submitted: bool,
    reply: String,
    reply_error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TicketQuery {
    submitted: Option<String>,
}

/// The end user's own ticket of this portal, or 404 (never 403: ids must not leak).
async fn own_ticket(
    state: &AppState,
    live: &LivePortal,
    session: &PortalSession,
    id: Uuid,
) -> Result<Ticket, Response> {
    state
        .store
        .ticket_of_requester(id, live.customer.id, session.end_user.id)
        .await
        .map_err(|_| not_found(live))
}

async fn ticket_page(
    state: &AppState,
    live: &LivePortal,
    session: &PortalSession,
    ticket: Ticket,
    view: (bool, String, Option<String>),
) -> Response {
    let (submitted, reply, reply_error) = view;
    match state.store.comments(ticket.id, false).await {
        Ok(comments) => {
            let status =
                if reply_error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            (
                status,
                TicketPage {
                    chrome: Chrome::new(live, session),
                    ticket,
                    comments,
                    submitted,
                    reply,
                    reply_error,
                },
            )
                .into_response()
        }
        Err(error) => pages::failure(error.into()),
    }
}

pub async fn show(
    State(state): State<AppState>,
    live: LivePortal,
    jar: CookieJar,
    TicketId(id): TicketId,
    Query(query): Query<TicketQuery>,
) -> Response {
    let session = match guard(&state, &live, &jar, &format!("/tickets/{id}")).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    match own_ticket(&state, &live, &session, id).await {
        Ok(ticket) => {
            ticket_page(&state, &live, &session, ticket, (query.submitted.is_some(), String::new(), None))
                .await
        }
        Err(page) => page,
    }
}

#[derive(Debug, Deserialize)]
pub struct ReplyForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

pub async fn reply(
    State(state): State<AppState>,
    live: LivePortal,
    jar: CookieJar,
    TicketId(id): TicketId,
    Form(form): Form<ReplyForm>,
) -> Response {
    let session = match guard(&state, &live, &jar, &format!("/tickets/{id}")).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    if !same_secret(&form.csrf, &session.csrf_token) {
        return csrf_refused(&live);
    }
    let ticket = match own_ticket(&state, &live, &session, id).await {
        Ok(ticket) => ticket,
        Err(page) => return page,
    };
    match tickets::comment(&state.store, &session.actor(), id, &form.body, Visibility::Public).await {
        Ok(_) => Redirect::to(&live.link(&format!("/tickets/{id}#latest"))).into_response(),
        Err(UseCaseError::Invalid(errors)) => {
            let message = errors.message_for("body").map(str::to_string);
            ticket_page(&state, &live, &session, ticket, (false, form.body, message)).await
        }
        Err(UseCaseError::NotFound(_)) => not_found(&live),
        Err(error) => pages::failure(error.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    action: String,
}

/// Closing and reopening one's own ticket.
pub async fn change_status(
    State(state): State<AppState>,
    live: LivePortal,
    jar: CookieJar,
    TicketId(id): TicketId,
    Form(form): Form<StatusForm>,
) -> Response {
    let session = match guard(&state, &live, &jar, &format!("/tickets/{id}")).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    if !same_secret(&form.csrf, &session.csrf_token) {
        return csrf_refused(&live);
    }
    let status = match form.action.as_str() {
        "close" => Status::Closed,
        "reopen" => Status::New,
        _ => return not_found(&live),
    };
    match tickets::change_status(&state.store, &session.actor(), id, status).await {
        // Closing a closed ticket (a second click) changes nothing and is no error.
        Ok(_) | Err(UseCaseError::Invalid(_)) => {
            Redirect::to(&live.link(&format!("/tickets/{id}"))).into_response()
        }
        Err(UseCaseError::NotFound(_)) => not_found(&live),
        Err(error) => pages::failure(error.into()),
    }
}
