//! One customer's request types: each type meant for it, hidden for it or not, and the group
//! its tickets go to for this customer.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::super::directory;
use super::super::flash::{self, Done};
use super::super::layout::Nav;
use super::super::page_error::{PageError, PageResult};
use super::super::session::{ConsoleForm, ConsoleUser, PageId};
use crate::state::AppState;
use portico_core::paths;
use portico_core::usecases::customers;
use portico_core::usecases::request_types::{self, Tailored};
use portico_domain::customer::Customer;
use portico_domain::group::AssignmentGroup;
use portico_domain::request_type::Override;
use portico_domain::validation::{FieldError, ValidationErrors};

/// A type as this customer has it, with the refusal of its last save.
struct TailoredRow {
    tailored: Tailored,
    /// Where the type sends tickets unless the customer says otherwise.
    own_group: String,
    errors: ValidationErrors,
}

impl TailoredRow {
    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }

    fn routes_to(&self, id: &Uuid) -> bool {
        self.tailored.own.assignment_group_id == Some(*id)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/request_types/tailoring.html")]
struct TailoringPage {
    nav: Nav,
    customer: Customer,
    rows: Vec<TailoredRow>,
    /// The groups that serve this customer: global ones and its own.
    groups: Vec<AssignmentGroup>,
    read_only: bool,
}

async fn page(
    state: &AppState,
    user: &ConsoleUser,
    customer_id: Uuid,
    refused: Option<(Uuid, Override, ValidationErrors)>,
) -> PageResult<Response> {
    let customer = customers::customer(&state.core, &user.actor(), customer_id).await?;
    let types = request_types::types_of_customer(&state.core, &user.actor(), customer_id).await?;
    let all_groups = directory::groups(state, &user.actor(), None).await?;
    let name_of = |id: Option<Uuid>| match id {
        None => "the portal's default group".to_string(),
        Some(id) => all_groups.iter().find(|g| g.id == id).map_or_else(|| "—".into(), |g| g.name.clone()),
    };
    let mut status = StatusCode::OK;
    let rows = types
        .into_iter()
        .map(|mut tailored| {
            let own_group = name_of(tailored.request_type.settings.assignment_group_id);
            let errors = match &refused {
                Some((id, own, errors)) if *id == tailored.request_type.id => {
                    // The refused choice stays on screen.
                    tailored.own = *own;
                    status = StatusCode::UNPROCESSABLE_ENTITY;
                    errors.clone()
                }
                _ => ValidationErrors::new(),
            };
            TailoredRow { tailored, own_group, errors }
        })
        .collect();
    let groups = all_groups.into_iter().filter(|g| g.serves(customer_id)).collect();
    let page = TailoringPage {
        nav: user.nav("customers"),
        customer,
        rows,
        groups,
        read_only: !user.member.role.may_change_settings(),
    };
    Ok((status, page).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    PageId(customer_id): PageId,
) -> PageResult<Response> {
    page(&state, &user, customer_id, None).await
}

#[derive(Debug, Deserialize)]
pub struct TailorForm {
    #[serde(default)]
    hidden: Option<String>,
    /// Empty: the type's own group.
    #[serde(default)]
    assignment_group_id: String,
}

pub async fn save(
    State(state): State<AppState>,
    Path((customer_id, type_id)): Path<(Uuid, Uuid)>,
    ConsoleForm { user, form }: ConsoleForm<TailorForm>,
) -> PageResult<Response> {
    let hidden = form.hidden.as_deref() == Some("true");
    let group = match form.assignment_group_id.trim() {
        "" => Ok(None),
        raw => Uuid::parse_str(raw)
            .map(Some)
            .map_err(|_| FieldError::new("assignment_group_id", "Choose a group from the list.")),
    };
    let result = match group {
        Ok(assignment_group_id) => {
            let own = Override { hidden, assignment_group_id };
            request_types::tailor(&state.core, &user.actor(), customer_id, type_id, own).await.map(|_| own)
        }
        Err(error) => Err(ValidationErrors::from(error).into()),
    };
    match result {
        Ok(_) => Ok(flash::redirect(
            &paths::customer_request_types(customer_id),
            Done::RequestTypeTailored(type_id),
            Some(&format!("type-{type_id}")),
        )),
        Err(error) => {
            let errors = PageError::form_errors_of(error)?;
            let own = Override { hidden, assignment_group_id: None };
            page(&state, &user, customer_id, Some((type_id, own, errors))).await
        }
    }
}
