//! Request types in the console: the list, the builder (fields added, moved and removed by plain
//! form posts that re-render the unsaved draft, with the portal's own rendering of the form as
//! the preview), deleting with a confirmation step, and each customer's tailoring.

pub mod form;
pub mod tailoring;

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use self::form::{BuilderForm, Edit, FieldForm};
use super::directory;
use super::flash::{self, Done};
use super::layout::Nav;
use super::page_error::{PageError, PageResult};
use super::session::{ConsoleForm, ConsoleUser, NoFields, PageId};
use crate::error::AppError;
use crate::state::AppState;
use portico_core::paths;
use portico_core::usecases::customers;
use portico_core::usecases::request_types;
use portico_domain::actor::Actor;
use portico_domain::customer::Customer;
use portico_domain::request_type::{FieldKind, RawAnswers, RequestType};
use portico_domain::ticket::{TicketType, Urgency};
use portico_domain::validation::ValidationErrors;

/// A type as the list shows it.
struct TypeRow {
    request_type: RequestType,
    audience: String,
    group: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/request_types/list.html")]
struct ListPage {
    nav: Nav,
    rows: Vec<TypeRow>,
}

/// Every group's name for the choices, a customer's own group naming its customer.
async fn group_choices(state: &AppState, actor: &Actor) -> PageResult<Vec<(Uuid, String)>> {
    let groups = directory::groups(state, actor, None).await?;
    let customers =
        customers::customer_names(&state.core, actor, groups.iter().filter_map(|g| g.customer_id)).await?;
    Ok(groups
        .into_iter()
        .map(|g| {
            let name = match g.customer_id.and_then(|c| customers.get(&c)) {
                Some(customer) => format!("{} ({customer} only)", g.name),
                None => g.name,
            };
            (g.id, name)
        })
        .collect())
}

pub async fn list(State(state): State<AppState>, user: ConsoleUser) -> PageResult<Response> {
    let types = request_types::list_request_types(&state.core, &user.actor()).await?;
    let groups: HashMap<Uuid, String> = group_choices(&state, &user.actor()).await?.into_iter().collect();
    let rows = types
        .into_iter()
        .map(|t| {
            let chosen = t.settings.customer_ids.len();
            TypeRow {
                audience: match chosen {
                    0 => "All customers".into(),
                    1 => "1 chosen customer".into(),
                    n => format!("{n} chosen customers"),
                },
                group: t.settings.assignment_group_id.map_or_else(
                    || "Portal's default group".into(),
                    |id| groups.get(&id).cloned().unwrap_or_else(|| "—".into()),
                ),
                request_type: t,
            }
        })
        .collect();
    Ok(ListPage { nav: user.nav("request-types"), rows }.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/request_types/form.html")]
struct BuilderPage {
    nav: Nav,
    type_id: Option<Uuid>,
    action: String,
    form: BuilderForm,
    errors: ValidationErrors,
    groups: Vec<(Uuid, String)>,
    customers: Vec<Customer>,
    kinds: &'static [FieldKind],
    urgencies: &'static [Urgency],
    ticket_types: &'static [TicketType],
    /// The portal's rendering of the draft's fields.
    preview: String,
    /// Whether the preview is of a valid draft (else as near as it allows).
    preview_complete: bool,
    read_only: bool,
    /// The id of the control to focus after an edit, so the page opens where the work is.
    focus: String,
}

/// Where each of the form's inputs is: an error at another path goes to the page's top.
const PLACES: &[&str] =
    &["name", "description", "icon", "category", "assignment_group_id", "default_urgency", "ticket_type"];
const FIELD_PARTS: &[&str] = &["key", "label", "kind", "help", "show_when.field", "show_when.equals"];

impl BuilderPage {
    fn error(&self, path: &str) -> &str {
        self.errors.message_for(path).unwrap_or_default()
    }

    fn field_error(&self, index: impl Position, part: &str) -> &str {
        let index = index.at();
        self.errors.message_for(&format!("fields[{index}].{part}")).unwrap_or_default()
    }

    /// Every refusal of the field's options: of the list, or of one line of it.
    fn options_error(&self, index: impl Position) -> String {
        let index = index.at();
        let whole = format!("fields[{index}].options");
        self.errors
            .errors()
            .iter()
            .filter_map(|e| {
                if e.field == whole {
                    return Some(e.message.clone());
                }
                let line = e.field.strip_prefix(&format!("{whole}["))?.strip_suffix(']')?;
                let line = line.parse::<usize>().ok()? + 1;
                Some(format!("Line {line}: {}", e.message))
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn customers_error(&self) -> String {
        self.errors
            .errors()
            .iter()
            .filter(|e| e.field == "customer_ids" || e.field.starts_with("customer_ids["))
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Refusals no input shows (a limit on the whole list of fields, say).
    fn unplaced(&self) -> Vec<&str> {
        let placed = |field: &str| {
            if PLACES.contains(&field) || field == "customer_ids" || field.starts_with("customer_ids[") {
                return true;
            }
            let Some(rest) = field.strip_prefix("fields[") else { return false };
            let Some((index, part)) = rest.split_once("].") else { return false };
            index.parse::<usize>().is_ok_and(|i| i < self.form.fields.len())
                && (FIELD_PARTS.contains(&part) || part == "options" || part.starts_with("options["))
        };
        self.errors.errors().iter().filter(|e| !placed(&e.field)).map(|e| e.message.as_str()).collect()
    }

    /// The fields before this one: what a condition may name.
    fn earlier(&self, index: impl Position) -> &[FieldForm] {
        &self.form.fields[..index.at()]
    }

    /// Whether the field's condition names a field that is not before it (moved, or gone):
    /// the choice is kept, and saving says what is wrong with it.
    fn condition_elsewhere(&self, index: impl Position) -> bool {
        let index = index.at();
        let wanted = self.form.fields[index].show_field.trim();
        !wanted.is_empty() && !self.earlier(index).iter().any(|f| f.key.trim() == wanted)
    }

    fn title(&self, field: &FieldForm) -> String {
        match (field.label.trim(), field.key.trim()) {
            ("", "") => "New field".into(),
            ("", key) => key.into(),
            (label, _) => label.into(),
        }
    }

    fn is_focus(&self, id: &str) -> bool {
        self.focus == id
    }
}

/// A field's place in the list, however the template passes it (by value or by reference).
trait Position {
    fn at(&self) -> usize;
}

impl Position for usize {
    fn at(&self) -> usize {
        *self
    }
}

impl<T: Position> Position for &T {
    fn at(&self) -> usize {
        (**self).at()
    }
}

struct Builder<'a> {
    state: &'a AppState,
    user: &'a ConsoleUser,
    type_id: Option<Uuid>,
}

impl Builder<'_> {
    async fn page(&self, form: BuilderForm, errors: ValidationErrors, focus: String) -> PageResult<Response> {
        let (fields, preview_complete) = form.preview_fields();
        let preview =
            portico_core::render::request_form::render(&fields, &RawAnswers::new(), &ValidationErrors::new())
                .map_err(|e| AppError::Internal(e.into()))?;
        let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
        let page = BuilderPage {
            nav: self.user.nav("request-types"),
            type_id: self.type_id,
            action: self.type_id.map_or(paths::REQUEST_TYPES.to_string(), paths::request_type),
            form,
            errors,
            groups: group_choices(self.state, &self.user.actor()).await?,
            customers: directory::customers(self.state, &self.user.actor()).await?,
            kinds: FieldKind::ALL,
            urgencies: Urgency::ALL,
            ticket_types: TicketType::ALL,
            preview,
            preview_complete,
            read_only: !self.user.member.role.may_change_settings(),
            focus,
        };
        Ok((status, page).into_response())
    }

    /// A post: an edit re-renders the draft; a save saves it or shows why not.
    async fn submit(&self, pairs: &[(String, String)]) -> PageResult<Response> {
        self.user.require_admin()?;
        let (mut form, edit) = BuilderForm::from_pairs(pairs);
        if edit != Edit::Save {
            let focus = if form.edit(edit) { focus_after(edit, form.fields.len()) } else { String::new() };
            return self.page(form, ValidationErrors::new(), focus).await;
        }
        let actor = self.user.actor();
        let saved = match form.draft() {
            Err(errors) => Err(errors.into()),
            Ok(draft) => match self.type_id {
                None => request_types::create_request_type(&self.state.core, &actor, draft).await,
                Some(id) => request_types::update_request_type(&self.state.core, &actor, id, draft).await,
            },
        };
        match saved {
            Ok(saved) => {
                let done = match self.type_id {
                    None => Done::RequestTypeCreated(saved.id),
                    Some(_) => Done::RequestTypeSaved(saved.id),
                };
                Ok(flash::redirect(paths::REQUEST_TYPES, done, None))
            }
            Err(error) => self.page(form, PageError::form_errors_of(error)?, String::new()).await,
        }
    }
}

/// The control to focus after an edit: the new field's label, or the moved field's button
/// for moving on in the same direction (the other one at either end).
fn focus_after(edit: Edit, count: usize) -> String {
    let moved = |at: usize, up: bool| {
        let up = if at == 0 {
            false
        } else if at + 1 == count {
            true
        } else {
            up
        };
        format!("f{at}-{}", if up { "up" } else { "down" })
    };
    match edit {
        Edit::Add => format!("f{}-label", count - 1),
        Edit::Up(n) => moved(n - 1, true),
        Edit::Down(n) => moved(n + 1, false),
        Edit::Remove(_) => "add-field".into(),
        Edit::Save | Edit::Refresh => String::new(),
    }
}

pub async fn new_form(State(state): State<AppState>, user: ConsoleUser) -> PageResult<Response> {
    user.require_admin()?;
    let mut form = BuilderForm::default();
    form.edit(Edit::Add);
    Builder { state: &state, user: &user, type_id: None }
        .page(form, ValidationErrors::new(), String::new())
        .await
}

pub async fn create(
    State(state): State<AppState>,
    ConsoleForm { user, form }: ConsoleForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    Builder { state: &state, user: &user, type_id: None }.submit(&form).await
}

pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    let found = request_types::request_type(&state.core, &user.actor(), id).await?;
    let form = BuilderForm::from_settings(&found.settings);
    Builder { state: &state, user: &user, type_id: Some(id) }
        .page(form, ValidationErrors::new(), String::new())
        .await
}

pub async fn update(
    State(state): State<AppState>,
    PageId(id): PageId,
    ConsoleForm { user, form }: ConsoleForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    // An unknown type is a missing page, not a form to fill in.
    request_types::request_type(&state.core, &user.actor(), id).await?;
    Builder { state: &state, user: &user, type_id: Some(id) }.submit(&form).await
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/request_types/delete.html")]
struct DeletePage {
    nav: Nav,
    request_type: RequestType,
}

pub async fn delete_form(
    State(state): State<AppState>,
    user: ConsoleUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    user.require_admin()?;
    let request_type = request_types::request_type(&state.core, &user.actor(), id).await?;
    Ok(DeletePage { nav: user.nav("request-types"), request_type }.into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    PageId(id): PageId,
    form: ConsoleForm<NoFields>,
) -> PageResult<Response> {
    request_types::delete_request_type(&state.core, &form.user.actor(), id).await?;
    Ok(flash::redirect(paths::REQUEST_TYPES, Done::RequestTypeDeleted, None))
}
