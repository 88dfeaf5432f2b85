//! Customers in the console: list, create, profile (Customer Details, End Users, Service
//! Management), edit, archive, and the customer's end users.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::flash::{self, Done};
use super::layout::Nav;
use super::page_error::{PageError, PageResult};
use super::session::{ConsoleForm, ConsoleUser, NoFields, PageId};
use crate::error::AppError;
use crate::state::AppState;
use portico_core::paths;
use portico_core::usecases::history;
use portico_core::usecases::portals;
use portico_core::usecases::tickets;
use portico_core::usecases::{customers, end_users};
use portico_domain::audit::AuditEntry;
use portico_domain::customer::CustomerFilter;
use portico_domain::customer::{Customer, CustomerDraft};
use portico_domain::end_user::{CustomerRole, EndUser, EndUserDraft};
use portico_domain::page::PageRequest;
use portico_domain::ticket::Ticket;
use portico_domain::ticket::TicketFilter;
use portico_domain::validation::ValidationErrors;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    cursor: Option<String>,
    archived: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/customers/list.html")]
struct ListPage {
    nav: Nav,
    q: String,
    show_archived: bool,
    customers: Vec<Customer>,
    next_page: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: ConsoleUser,
    Query(query): Query<ListQuery>,
) -> PageResult<Response> {
    let page = PageRequest::parse(query.cursor.as_deref(), Some(25))?;
    let show_archived = query.archived.as_deref() == Some("1");
    let q = query.q.unwrap_or_default();
    let filter = CustomerFilter { search: Some(q.clone()), include_archived: show_archived };
    let found = customers::list_customers(&state.core, &user.actor(), &filter, &page).await?;
    let next_page = found.next_cursor.map(|cursor| {
        let mut url = form_urlencoded::Serializer::new(String::new());
        url.append_pair("q", &q).append_pair("cursor", &cursor);
        if show_archived {
            url.append_pair("archived", "1");
        }
        format!("{}?{}", paths::CUSTOMERS, url.finish())
    });
    Ok(ListPage { nav: user.nav("customers"), q, show_archived, customers: found.items, next_page }
        .into_response())
}

/// The customer form's fields as typed, so a refused form comes back as the person left it.
#[derive(Debug, Default, Deserialize)]
pub struct CustomerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    email_domains: String,
}

impl CustomerForm {
    fn from_customer(customer: &Customer) -> Self {
        Self {
            name: customer.name.clone(),
            slug: customer.slug.to_string(),
            contact_email: customer.contact_email.as_ref().map(ToString::to_string).unwrap_or_default(),
            phone: customer.phone.clone().unwrap_or_default(),
            website: customer.website.clone().unwrap_or_default(),
            notes: customer.notes.clone(),
            email_domains: customer.email_domains.join(", "),
        }
    }

    fn draft(&self) -> CustomerDraft {
        CustomerDraft {
            name: Some(self.name.clone()),
            slug: Some(self.slug.clone()),
            contact_email: Some(Some(self.contact_email.clone())),
            phone: Some(Some(self.phone.clone())),
            website: Some(Some(self.website.clone())),
            notes: Some(self.notes.clone()),
            email_domains: Some(
                self.email_domains
                    .split([',', ' ', '\n'])
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            archived: None,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/customers/form.html")]
struct FormPage {
    nav: Nav,
    /// `None` while creating.
    customer_id: Option<Uuid>,
    action: String,
    form: CustomerForm,
    errors: ValidationErrors,
}

impl FormPage {
    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }
}

fn form_page(
    user: &ConsoleUser,
    customer_id: Option<Uuid>,
    form: CustomerForm,
    errors: ValidationErrors,
) -> Response {
    let action = customer_id.map_or(paths::CUSTOMERS.to_string(), paths::customer);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, FormPage { nav: user.nav("customers"), customer_id, action, form, errors }).into_response()
}

pub async fn new_form(user: ConsoleUser) -> PageResult<Response> {
    user.require_admin()?;
    Ok(form_page(&user, None, CustomerForm::default(), ValidationErrors::new()))
}

pub async fn create(
    State(state): State<AppState>,
    ConsoleForm { user, form }: ConsoleForm<CustomerForm>,
) -> PageResult<Response> {
    match customers::create_customer(&state.core, &user.actor(), form.draft()).await {
        Ok(customer) => {
            Ok(flash::redirect(&paths::customer(customer.id), Done::CustomerCreated(customer.id), None))
        }
        Err(error) => Ok(form_page(&user, None, form, PageError::form_errors_of(error)?)),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: ConsoleUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    user.require_admin()?;
    let customer = customers::customer(&state.core, &user.actor(), id).await?;
    Ok(form_page(&user, Some(id), CustomerForm::from_customer(&customer), ValidationErrors::new()))
}

pub async fn update(
    State(state): State<AppState>,
    PageId(id): PageId,
    ConsoleForm { user, form }: ConsoleForm<CustomerForm>,
) -> PageResult<Response> {
    match customers::update_customer(&state.core, &user.actor(), id, form.draft()).await {
        Ok(customer) => {
            Ok(flash::redirect(&paths::customer(customer.id), Done::CustomerSaved(customer.id), None))
        }
        Err(error) => Ok(form_page(&user, Some(id), form, PageError::form_errors_of(error)?)),
    }
}

async fn set_archived(
    state: &AppState,
    user: &ConsoleUser,
    id: Uuid,
    archived: bool,
) -> PageResult<Response> {
    customers::set_archived(&state.core, &user.actor(), id, archived).await.map_err(AppError::from)?;
    let done = if archived { Done::CustomerArchived(id) } else { Done::CustomerRestored(id) };
    Ok(flash::redirect(&paths::customer(id), done, None))
}

pub async fn archive(
    State(state): State<AppState>,
    PageId(id): PageId,
    form: ConsoleForm<NoFields>,
) -> PageResult<Response> {
    set_archived(&state, &form.user, id, true).await
}

pub async fn restore(
    State(state): State<AppState>,
    PageId(id): PageId,
    form: ConsoleForm<NoFields>,
) -> PageResult<Response> {
    set_archived(&state, &form.user, id, false).await
}

/// The add-end-user form's fields as typed.
#[derive(Debug, Default, Deserialize)]
pub struct EndUserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/customers/profile.html")]
struct ProfilePage {
    nav: Nav,
    customer: Customer,
    end_users: Vec<EndUser>,
    more_end_users: bool,
    total_end_users: i64,
    active_end_users: i64,
    new_end_user: EndUserForm,
    end_user_errors: ValidationErrors,
    activity: Vec<AuditEntry>,
    portal_active: bool,
    portal_url: String,
    /// The customer's open tickets, most recently changed first.
    tickets: Vec<Ticket>,
    more_tickets: bool,
}

impl ProfilePage {
    fn end_user_error(&self, field: &str) -> &str {
        self.end_user_errors.message_for(field).unwrap_or_default()
    }
}

async fn profile_page(
    state: &AppState,
    user: &ConsoleUser,
    id: Uuid,
    new_end_user: EndUserForm,
    end_user_errors: ValidationErrors,
) -> PageResult<Response> {
    let customer = customers::customer(&state.core, &user.actor(), id).await?;
    let users =
        end_users::list_end_users(&state.core, &user.actor(), id, None, &PageRequest::first(10)).await?;
    let (total_end_users, active_end_users) =
        end_users::count_end_users(&state.core, &user.actor(), id).await?;
    let activity = history::audit_for(&state.core, &user.actor(), "customer", &id.to_string(), 5).await?;
    let portal = portals::portal(&state.core, &user.actor(), id).await?;
    let filter = TicketFilter { customer_id: Some(id), open_only: true, ..Default::default() };
    let tickets = tickets::list_tickets(&state.core, &user.actor(), &filter, &PageRequest::first(10)).await?;
    let status = if end_user_errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ProfilePage {
        portal_active: portal.settings.active,
        portal_url: state.config.portal_url(&portal.settings),
        nav: user.nav("customers"),
        customer,
        more_end_users: users.next_cursor.is_some(),
        end_users: users.items,
        total_end_users,
        active_end_users,
        new_end_user,
        end_user_errors,
        activity,
        more_tickets: tickets.next_cursor.is_some(),
        tickets: tickets.items,
    };
    Ok((status, page).into_response())
}

pub async fn profile(
    State(state): State<AppState>,
    user: ConsoleUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    profile_page(&state, &user, id, EndUserForm::default(), ValidationErrors::new()).await
}

pub async fn add_end_user(
    State(state): State<AppState>,
    PageId(customer_id): PageId,
    ConsoleForm { user, form }: ConsoleForm<EndUserForm>,
) -> PageResult<Response> {
    let draft =
        EndUserDraft { name: Some(form.name.clone()), email: Some(form.email.clone()), ..Default::default() };
    match end_users::create_end_user(&state.core, &user.actor(), customer_id, draft).await {
        Ok(end_user) => {
            Ok(flash::redirect(&paths::customer(customer_id), Done::EndUserAdded(end_user.id), None))
        }
        Err(error) => profile_page(&state, &user, customer_id, form, PageError::form_errors_of(error)?).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    active: String,
    return_to: Option<String>,
}

/// Deactivates or reactivates an end user, then returns to the page the button was on.
pub async fn set_end_user_active(
    State(state): State<AppState>,
    PageId(id): PageId,
    ConsoleForm { user, form }: ConsoleForm<ActiveForm>,
) -> PageResult<Response> {
    let draft = EndUserDraft { active: Some(form.active == "true"), ..Default::default() };
    let end_user =
        end_users::update_end_user(&state.core, &user.actor(), id, draft).await.map_err(AppError::from)?;
    let back = match form.return_to.as_deref() {
        Some(path) if path.starts_with(&paths::customer(end_user.customer_id)) => {
            flash::without_confirmation(path)
        }
        _ => paths::customer(end_user.customer_id),
    };
    let done = if end_user.active {
        Done::EndUserReactivated(end_user.id)
    } else {
        Done::EndUserDeactivated(end_user.id)
    };
    Ok(flash::redirect(&back, done, None))
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    role: String,
    return_to: Option<String>,
}

/// Makes an end user a member or a manager of their customer (the team's choice from now on).
pub async fn set_end_user_role(
    State(state): State<AppState>,
    PageId(id): PageId,
    ConsoleForm { user, form }: ConsoleForm<RoleForm>,
) -> PageResult<Response> {
    let draft = EndUserDraft { role: Some(form.role.clone()), ..Default::default() };
    let end_user =
        end_users::update_end_user(&state.core, &user.actor(), id, draft).await.map_err(AppError::from)?;
    let back = match form.return_to.as_deref() {
        Some(path) if path.starts_with(&paths::customer(end_user.customer_id)) => {
            flash::without_confirmation(path)
        }
        _ => paths::customer_end_users(end_user.customer_id),
    };
    Ok(flash::redirect(&back, Done::EndUserRoleSet(end_user.id), None))
}

#[derive(Debug, Deserialize)]
pub struct EndUserQuery {
    q: Option<String>,
    cursor: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/customers/end_users.html")]
struct EndUsersPage {
    nav: Nav,
    customer: Customer,
    q: String,
    end_users: Vec<EndUser>,
    next_page: Option<String>,
    here: String,
    roles: &'static [CustomerRole],
}

pub async fn end_users(
    State(state): State<AppState>,
    user: ConsoleUser,
    PageId(id): PageId,
    Query(query): Query<EndUserQuery>,
) -> PageResult<Response> {
    let customer = customers::customer(&state.core, &user.actor(), id).await?;
    let page = PageRequest::parse(query.cursor.as_deref(), Some(50))?;
    let q = query.q.unwrap_or_default();
    let found = end_users::list_end_users(&state.core, &user.actor(), id, Some(&q), &page).await?;
    let base = paths::customer_end_users(id);
    let next_page = found.next_cursor.map(|cursor| {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &q)
            .append_pair("cursor", &cursor)
            .finish();
        format!("{base}?{query}")
    });
    // Where a button on this page comes back to: this list, searched and paged as it is.
    let mut here_query = form_urlencoded::Serializer::new(String::new());
    if !q.is_empty() {
        here_query.append_pair("q", &q);
    }
    if let Some(cursor) = &query.cursor {
        here_query.append_pair("cursor", cursor);
    }
    let here = match here_query.finish() {
        query if query.is_empty() => base.clone(),
        query => format!("{base}?{query}"),
    };
    let page = EndUsersPage {
        nav: user.nav("customers"),
        customer,
        q,
        end_users: found.items,
        next_page,
        here,
        roles: CustomerRole::ALL,
    };
    Ok(page.into_response())
}
