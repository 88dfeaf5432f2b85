//! Pages only a customer's managers have: every ticket of their organisation, and its people
//! (invite, deactivate, reactivate). To anyone else they do not exist ("not found").

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use uuid::Uuid;

use super::chrome::{Chrome, ticketing_closed};
use super::extract::{PortalError, PortalForm, PortalResult, PortalUser};
use super::pages::Action;
use crate::state::AppState;
use portico_core::paths::portal;
use portico_core::usecases::end_users;
use portico_core::usecases::tickets::{self, CompanyFilter};
use portico_core::usecases::{UseCaseError, people};
use portico_domain::actor::Refused;
use portico_domain::end_user::EndUser;
use portico_domain::page::PageRequest;
use portico_domain::ticket::{Status, Ticket};
use portico_domain::validation::ValidationErrors;

/// A refusal for someone who is not a manager reads as a page that is not there.
fn fail(user: &PortalUser, error: UseCaseError) -> PortalError {
    match error {
        UseCaseError::Forbidden(Refused::NotManager) => user.fail(UseCaseError::NotFound("page")),
        other => user.fail(other),
    }
}

/// The link to the next page of a list at `path`, keeping its filters (empty ones left out).
pub(super) fn next_link(
    user: &PortalUser,
    path: &str,
    query: &[(&str, &str)],
    cursor: Option<String>,
) -> Option<String> {
    cursor.map(|cursor| {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (key, value) in query.iter().filter(|(_, value)| !value.is_empty()) {
            serializer.append_pair(key, value);
        }
        serializer.append_pair("cursor", &cursor);
        format!("{}?{}", user.live.link(path), serializer.finish())
    })
}

/// A company ticket as its row shows it: who asked, too.
pub struct CompanyRow {
    pub ticket: Ticket,
    pub requester: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/company_tickets.html")]
struct CompanyPage {
    chrome: Chrome,
    rows: Vec<CompanyRow>,
    query: CompanyQuery,
    statuses: &'static [Status],
    next_page: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CompanyQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    requester: String,
    #[serde(default)]
    q: String,
    cursor: Option<String>,
}

/// `/company/tickets`: every ticket of the manager's organisation, with filters.
pub async fn tickets(
    State(state): State<AppState>,
    user: PortalUser,
    Query(query): Query<CompanyQuery>,
) -> PortalResult {
    if let Some(page) = ticketing_closed(&user.live) {
        return Err(page.into());
    }
    let back = || Action { label: "Company tickets".into(), href: user.live.link(portal::COMPANY_TICKETS) };
    let page = PageRequest::parse(query.cursor.as_deref(), Some(25))
        .map_err(|bad| PortalError::bad_link(&user.live, bad, back()))?;
    let status = match query.status.as_str() {
        "" => None,
        raw => Some(Status::parse(raw).map_err(|error| {
            PortalError::bad_link(&user.live, portico_domain::page::BadQuery(error), back())
        })?),
    };
    let filter = CompanyFilter {
        status,
        requester: Some(query.requester.trim().to_string()).filter(|s| !s.is_empty()),
        search: Some(query.q.trim().to_string()).filter(|s| !s.is_empty()),
    };
    let found = tickets::company_tickets(&state.core, &user.actor(), filter, &page)
        .await
        .map_err(|error| fail(&user, error))?;
    let names =
        end_users::end_user_names(&state.core, &user.actor(), found.items.iter().map(|t| t.requester_id))
            .await
            .map_err(|error| user.fail(error))?;
    let rows = found
        .items
        .into_iter()
        .map(|ticket| CompanyRow {
            requester: names.get(&ticket.requester_id).cloned().unwrap_or_default(),
            ticket,
        })
        .collect();
    let next_page = next_link(
        &user,
        "/company/tickets",
        &[("status", &query.status), ("requester", &query.requester), ("q", &query.q)],
        found.next_cursor,
    );
    let page = CompanyPage { chrome: user.chrome(), rows, query, statuses: Status::ALL, next_page };
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/people.html")]
struct PeoplePage {
    chrome: Chrome,
    me: Uuid,
    people: Vec<EndUser>,
    q: String,
    next_page: Option<String>,
    invite: InviteForm,
    errors: ValidationErrors,
    done: Option<String>,
}

impl PeoplePage {
    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PeopleQuery {
    #[serde(default)]
    q: String,
    cursor: Option<String>,
    /// What was just done, from a fixed list (never echoed as given).
    #[serde(default)]
    done: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

async fn people_page(
    state: &AppState,
    user: &PortalUser,
    query: PeopleQuery,
    invite: InviteForm,
    errors: ValidationErrors,
) -> PortalResult {
    let back = || Action { label: "People".into(), href: user.live.link(portal::PEOPLE) };
    let page = PageRequest::parse(query.cursor.as_deref(), Some(50))
        .map_err(|bad| PortalError::bad_link(&user.live, bad, back()))?;
    let search = Some(query.q.trim()).filter(|s| !s.is_empty());
    let found =
        people::list_people(&state.core, &user.actor(), search, &page).await.map_err(|e| fail(user, e))?;
    let next_page = next_link(user, "/people", &[("q", &query.q)], found.next_cursor);
    let done = match query.done.as_str() {
        "invited" => {
            Some("The invitation is sent. They can sign in with their work account now.".to_string())
        }
        "deactivated" => Some("Deactivated: they are signed out and cannot sign in any more.".to_string()),
        "activated" => Some("Reactivated: they can sign in again.".to_string()),
        _ => None,
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = PeoplePage {
        chrome: user.chrome(),
        me: user.session.end_user.id,
        people: found.items,
        q: query.q,
        next_page,
        invite,
        errors,
        done,
    };
    Ok((status, page).into_response())
}

/// `/people`: the organisation's end users, for its managers.
pub async fn people_list(
    State(state): State<AppState>,
    user: PortalUser,
    Query(query): Query<PeopleQuery>,
) -> PortalResult {
    people_page(&state, &user, query, InviteForm::default(), ValidationErrors::new()).await
}

/// Invites a colleague; a refused invitation comes back with what was typed and why.
pub async fn invite(
    State(state): State<AppState>,
    PortalForm { user, form }: PortalForm<InviteForm>,
) -> PortalResult {
    match people::invite(&state.core, &user.actor(), &form.name, &form.email).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("{}?done=invited", user.live.link(portal::PEOPLE))).into_response())
        }
        Err(UseCaseError::Invalid(errors)) => {
            people_page(&state, &user, PeopleQuery::default(), form, errors).await
        }
        Err(UseCaseError::Conflict { field: "email", .. }) => {
            let message = "This address is already one of your organisation's people.";
            let errors = portico_domain::validation::FieldError::new("email", message).into();
            people_page(&state, &user, PeopleQuery::default(), form, errors).await
        }
        Err(error) => Err(fail(&user, error)),
    }
}

#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    active: String,
}

/// Deactivates or reactivates a colleague.
pub async fn set_active(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    PortalForm { user, form }: PortalForm<ActiveForm>,
) -> PortalResult {
    let id = params.get("person_id").and_then(|raw| Uuid::parse_str(raw).ok());
    let id = id.ok_or_else(|| user.fail(UseCaseError::NotFound("end user")))?;
    let active = match form.active.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(user.fail(UseCaseError::field("active", "Active must be 'true' or 'false'."))),
    };
    match people::set_active(&state.core, &user.actor(), id, active).await {
        Ok(_) => {
            let done = if active { "activated" } else { "deactivated" };
            Ok(Redirect::to(&format!("{}?done={done}", user.live.link(portal::PEOPLE))).into_response())
        }
        Err(error) => Err(fail(&user, error)),
    }
}
