//! Assignment groups in the console.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::directory;
use super::flash::{self, Done};
use super::layout::Nav;
use super::page_error::{PageError, PageResult};
use super::session::{ConsoleForm, ConsoleUser, NoFields, PageId};
use crate::error::AppError;
use crate::state::AppState;
use portico_core::paths;
use portico_core::usecases::customers;
use portico_core::usecases::groups;
use portico_core::usecases::team;
use portico_domain::actor::Actor;
use portico_domain::customer::Customer;
use portico_domain::group::GroupFilter;
use portico_domain::group::{AssignmentGroup, GroupDraft, check_editable};
use portico_domain::page::PageRequest;
use portico_domain::team::TeamMember;
use portico_domain::validation::{FieldError, ValidationErrors};

/// A group as the list shows it, with names instead of ids.
struct GroupRow {
    group: AssignmentGroup,
    scope: String,
    manager: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/groups/list.html")]
struct ListPage {
    nav: Nav,
    q: String,
    rows: Vec<GroupRow>,
    next_page: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    cursor: Option<String>,
}

/// Every team member and every active customer: the form's choices.
async fn directory(state: &AppState, actor: &Actor) -> PageResult<(Vec<TeamMember>, Vec<Customer>)> {
    Ok((directory::team_members(state, actor).await?, directory::customers(state, actor).await?))
}

pub async fn list(
    State(state): State<AppState>,
    user: ConsoleUser,
    Query(query): Query<ListQuery>,
) -> PageResult<Response> {
    let page = PageRequest::parse(query.cursor.as_deref(), Some(50))?;
    let q = query.q.unwrap_or_default();
    let filter = GroupFilter { search: Some(q.clone()), usable_for: None };
    let found = groups::list_groups(&state.core, &user.actor(), &filter, &page).await?;
    // Only the names this page shows, each kind in one query.
    let customers = customers::customer_names(
        &state.core,
        &user.actor(),
        found.items.iter().filter_map(|g| g.customer_id),
    )
    .await?;
    let managers =
        team::team_member_names(&state.core, &user.actor(), found.items.iter().filter_map(|g| g.manager_id))
            .await?;
    let rows = found
        .items
        .into_iter()
        .map(|group| GroupRow {
            scope: group.customer_id.map_or_else(|| "Global".to_string(), |id| label(&customers, id)),
            manager: group.manager_id.map_or_else(|| "—".to_string(), |id| label(&managers, id)),
            group,
        })
        .collect();
    let next_page = found.next_cursor.map(|cursor| {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &q)
            .append_pair("cursor", &cursor)
            .finish();
        format!("{}?{query}", paths::GROUPS)
    });
    Ok(ListPage { nav: user.nav("groups"), q, rows, next_page }.into_response())
}

fn label(names: &HashMap<Uuid, String>, id: Uuid) -> String {
    names.get(&id).cloned().unwrap_or_else(|| "—".to_string())
}

/// The group form's fields as submitted.
#[derive(Debug, Default, Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    name: String,
    /// Empty: global. Only read when creating.
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    manager_id: String,
    #[serde(default)]
    member_ids: Vec<String>,
}

impl GroupForm {
    fn from_group(group: &AssignmentGroup) -> Self {
        Self {
            name: group.name.clone(),
            customer_id: group.customer_id.map(|id| id.to_string()).unwrap_or_default(),
            manager_id: group.manager_id.map(|id| id.to_string()).unwrap_or_default(),
            member_ids: group.member_ids.iter().map(Uuid::to_string).collect(),
        }
    }

    fn draft(&self) -> Result<GroupDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut optional_id = |field: &str, raw: &str| match raw.trim() {
            "" => None,
            raw => errors.check(Uuid::parse_str(raw).map(Some).map_err(|_| {
                FieldError::new(
                    field,
                    format!("{} is not a valid choice.", portico_domain::validation::label(field)),
                )
            })),
        };
        let customer_id = optional_id("customer_id", &self.customer_id).flatten();
        let manager_id = optional_id("manager_id", &self.manager_id).flatten();
        let mut member_ids = Vec::new();
        for raw in &self.member_ids {
            member_ids.extend(optional_id("member_ids", raw).flatten());
        }
        errors.into_result()?;
        Ok(GroupDraft {
            name: Some(self.name.clone()),
            customer_id: Some(customer_id),
            manager_id: Some(manager_id),
            member_ids: Some(member_ids),
        })
    }

    fn has_member(&self, id: &Uuid) -> bool {
        self.member_ids.iter().any(|m| m == &id.to_string())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/groups/form.html")]
struct FormPage {
    nav: Nav,
    group_id: Option<Uuid>,
    action: String,
    form: GroupForm,
    errors: ValidationErrors,
    members: Vec<TeamMember>,
    customers: Vec<Customer>,
    /// The customer a group being edited belongs to (its scope cannot change).
    scope_name: String,
}

impl FormPage {
    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }

    fn is_selected(&self, value: &str, id: &Uuid) -> bool {
        value == id.to_string()
    }
}

async fn form_page(
    state: &AppState,
    user: &ConsoleUser,
    group_id: Option<Uuid>,
    form: GroupForm,
    errors: ValidationErrors,
) -> PageResult<Response> {
    let (members, customers) = directory(state, &user.actor()).await?;
    let scope_name = match Uuid::parse_str(&form.customer_id) {
        Ok(id) => {
            customers::customer(&state.core, &user.actor(), id).await.map(|c| c.name).unwrap_or_default()
        }
        Err(_) => "Global".to_string(),
    };
    let action = group_id.map_or(paths::GROUPS.to_string(), paths::group);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page =
        FormPage { nav: user.nav("groups"), group_id, action, form, errors, members, customers, scope_name };
    Ok((status, page).into_response())
}

#[derive(Debug, Deserialize)]
pub struct NewQuery {
    customer_id: Option<Uuid>,
}

pub async fn new_form(
    State(state): State<AppState>,
    user: ConsoleUser,
    Query(query): Query<NewQuery>,
) -> PageResult<Response> {
    user.require_admin()?;
    let form = GroupForm {
        customer_id: query.customer_id.map(|id| id.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    form_page(&state, &user, None, form, ValidationErrors::new()).await
}

pub async fn create(
    State(state): State<AppState>,
    ConsoleForm { user, form }: ConsoleForm<GroupForm>,
) -> PageResult<Response> {
    let result = match form.draft() {
        Ok(draft) => groups::create_group(&state.core, &user.actor(), draft).await,
        Err(errors) => Err(errors.into()),
    };
    match result {
        Ok(group) => Ok(flash::redirect(paths::GROUPS, Done::GroupCreated(group.id), None)),
        Err(error) => form_page(&state, &user, None, form, PageError::form_errors_of(error)?).await,
    }
}

/// The console offers no form for the built-in group: asking for one is forbidden.
fn refuse_builtin(id: Uuid) -> PageResult<()> {
    check_editable(id)
        .map_err(|_| AppError::Forbidden("The built-in Everyone group cannot be edited or deleted."))?;
    Ok(())
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: ConsoleUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    user.require_admin()?;
    refuse_builtin(id)?;
    let group = groups::group(&state.core, &user.actor(), id).await?;
    form_page(&state, &user, Some(id), GroupForm::from_group(&group), ValidationErrors::new()).await
}

pub async fn update(
    State(state): State<AppState>,
    PageId(id): PageId,
    ConsoleForm { user, mut form }: ConsoleForm<GroupForm>,
) -> PageResult<Response> {
    refuse_builtin(id)?;
    // The scope is fixed: what the form says about it is ignored.
    let group = groups::group(&state.core, &user.actor(), id).await?;
    form.customer_id = group.customer_id.map(|c| c.to_string()).unwrap_or_default();
    let result = match form.draft() {
        Ok(draft) => groups::update_group(&state.core, &user.actor(), id, draft).await,
        Err(errors) => Err(errors.into()),
    };
    match result {
        Ok(group) => Ok(flash::redirect(paths::GROUPS, Done::GroupSaved(group.id), None)),
        Err(error) => form_page(&state, &user, Some(id), form, PageError::form_errors_of(error)?).await,
    }
}

pub async fn delete(
    State(state): State<AppState>,
    PageId(id): PageId,
    form: ConsoleForm<NoFields>,
) -> PageResult<Response> {
    refuse_builtin(id)?;
    groups::delete_group(&state.core, &form.user.actor(), id).await.map_err(AppError::from)?;
    Ok(flash::redirect(paths::GROUPS, Done::GroupDeleted, None))
}
