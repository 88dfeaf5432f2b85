//! "Submit a ticket" as a service catalogue: the request types this customer may use, grouped
//! and searchable, each with its own form; the plain form stays as "Something else".

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use uuid::Uuid;

use super::chrome::{Chrome, ticketing_closed};
use super::extract::{PortalError, PortalResult, PortalUpload, PortalUser};
use crate::state::AppState;
use portico_core::paths::portal;
use portico_core::render::request_form;
use portico_core::usecases::tickets::{self, Files, FormOutcome, TicketRequest, TypedRequest};
use portico_core::usecases::{UseCaseError, request_types};
use portico_domain::request_type::{Offered, RawAnswers, answers_from_form};
use portico_domain::secret::random_token;
use portico_domain::ticket::{ContactSource, TicketDraft};
use portico_domain::validation::{FieldError, ValidationErrors};

/// The catalogue's types under one category.
pub struct Category {
    pub name: String,
    pub types: Vec<Offered>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/catalogue.html")]
struct CataloguePage {
    chrome: Chrome,
    q: String,
    categories: Vec<Category>,
    total: usize,
    /// "Something else": the plain form, when the portal offers it.
    plain_form: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct CatalogueQuery {
    #[serde(default)]
    q: String,
}

/// Whether every word of the search is in the type's name, description or category.
pub fn matches(offered: &Offered, words: &[String]) -> bool {
    let settings = &offered.request_type.settings;
    let haystack = format!("{} {} {}", settings.name, settings.description, settings.category).to_lowercase();
    words.iter().all(|word| haystack.contains(word.as_str()))
}

/// The catalogue, or the plain form when the customer has no request types.
pub async fn catalogue(
    State(state): State<AppState>,
    user: PortalUser,
    Query(query): Query<CatalogueQuery>,
) -> PortalResult {
    if let Some(page) = ticketing_closed(&user.live) {
        return Err(page.into());
    }
    let offered = request_types::catalogue(&state.core, &user.actor(), user.live.customer.id)
        .await
        .map_err(|e| user.fail(e))?;
    if offered.is_empty() {
        // Never kept: the form carries a submission key of its own each time.
        return Ok(super::tickets::plain_form(&state, &user));
    }
    user.kept_page(&state, async || Ok(catalogue_page(&user, offered, query))).await
}

fn catalogue_page(
    user: &PortalUser,
    offered: Vec<Offered>,
    query: CatalogueQuery,
) -> axum::response::Response {
    let total = offered.len();
    let words: Vec<String> = query.q.split_whitespace().take(10).map(str::to_lowercase).collect();
    let mut categories: Vec<Category> = Vec::new();
    for offered in offered.into_iter().filter(|o| matches(o, &words)) {
        let name = offered.request_type.settings.category.clone();
        match categories.iter_mut().find(|c| c.name == name) {
            Some(category) => category.types.push(offered),
            None => categories.push(Category { name, types: vec![offered] }),
        }
    }
    let plain_form = user.live.portal.settings.features.ticketing.plain_form;
    CataloguePage { chrome: user.chrome(), q: query.q, categories, total, plain_form }.into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/request_form.html")]
struct RequestPage {
    chrome: Chrome,
    offered: Offered,
    fields_html: String,
    submission: String,
    description: String,
    file_limit: String,
    errors: ValidationErrors,
}

impl RequestPage {
    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }

    /// Refusals no input of the form shows (an answer to a field the form does not have).
    fn other_errors(&self) -> Vec<&str> {
        let fields = &self.offered.request_type.settings.fields;
        self.errors
            .errors()
            .iter()
            .filter(|e| {
                let shown = e.field == "description"
                    || e.field == "files"
                    || fields.iter().any(|f| e.field == format!("fields.{}", f.key));
                !shown
            })
            .map(|e| e.message.as_str())
            .collect()
    }
}

fn type_id(user: &PortalUser, params: &HashMap<String, String>) -> Result<Uuid, PortalError> {
    params
        .get("type_id")
        .and_then(|raw| Uuid::parse_str(raw).ok())
        .ok_or_else(|| user.fail(UseCaseError::NotFound("request type")))
}

async fn request_page(
    state: &AppState,
    user: &PortalUser,
    offered: Offered,
    answers: &RawAnswers,
    form: (String, String),
    errors: ValidationErrors,
) -> PortalResult {
    let fields_html = request_form::render(&offered.request_type.settings.fields, answers, &errors)
        .map_err(|e| user.fail(UseCaseError::Internal(e.into())))?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let (submission, description) = form;
    let page = RequestPage {
        chrome: user.chrome(),
        offered,
        fields_html,
        submission,
        description,
        file_limit: state.core.attachments().settings.file_limit_text(),
        errors,
    };
    Ok((status, page).into_response())
}

/// `/tickets/new/{type_id}`: the type's form.
pub async fn request_form(
    State(state): State<AppState>,
    user: PortalUser,
    Path(params): Path<HashMap<String, String>>,
) -> PortalResult {
    if let Some(page) = ticketing_closed(&user.live) {
        return Err(page.into());
    }
    let id = type_id(&user, &params)?;
    let offered = request_types::offered_type(&state.core, &user.actor(), user.live.customer.id, id)
        .await
        .map_err(|e| user.fail(e))?;
    let form = (random_token("sub"), String::new());
    request_page(&state, &user, offered, &RawAnswers::new(), form, ValidationErrors::new()).await
}

/// Files the ticket; a refused form comes back with every answer kept and each refusal at its field.
pub async fn submit_request(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    PortalUpload { user, form, files, upload_error }: PortalUpload<Vec<(String, String)>>,
) -> PortalResult {
    if let Some(page) = ticketing_closed(&user.live) {
        return Err(page.into());
    }
    let id = type_id(&user, &params)?;
    let answers = answers_from_form(form.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let kept = (field("submission"), field("description"));
    if let Some(message) = upload_error {
        let offered = request_types::offered_type(&state.core, &user.actor(), user.live.customer.id, id)
            .await
            .map_err(|e| user.fail(e))?;
        let errors = FieldError::new("files", message).into();
        return request_page(&state, &user, offered, &answers, kept, errors).await;
    }
    let request = TicketRequest {
        draft: TicketDraft { description: Some(kept.1.clone()), ..Default::default() },
        customer_id: user.live.customer.id,
        requester_id: user.session.end_user.id,
        assignment_group_id: None,
        source: ContactSource::Portal,
        submission_key: Some(kept.0.clone()),
        typed: Some(TypedRequest { request_type_id: id, answers: answers.clone() }),
    };
    // The type is read once, by the use case: for the ticket, or for the form shown again.
    let files = Files { attachments: state.core.attachments(), staged: files };
    match tickets::submit_request_form(&state.core, &user.visit, request, files).await {
        Ok(FormOutcome::Filed(submitted)) => {
            let target = user.live.link(&format!("{}?submitted=1", portal::ticket(submitted.ticket.id)));
            Ok(Redirect::to(&target).into_response())
        }
        Ok(FormOutcome::Refused { offered, errors }) => {
            request_page(&state, &user, offered, &answers, kept, errors).await
        }
        Err(UseCaseError::RateLimited { .. }) => Ok(super::tickets::too_many_submissions(&user)),
        Err(error) => Err(user.fail(error)),
    }
}
