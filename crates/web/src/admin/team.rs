//! Team members in the console: the list, and for admins adding, changing, deactivating and
//! setting new passwords.

use std::collections::HashSet;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::flash::{self, Done};
use super::layout::Nav;
use super::page_error::{PageError, PageResult};
use super::session::{ConsoleForm, ConsoleUser, NoFields, PageId};
use super::tokens::{self, TokenRow};
use crate::error::AppError;
use crate::state::AppState;
use portico_core::paths;
use portico_core::usecases::mfa;
use portico_core::usecases::team::{self, NewPassword, OneTimePassword};
use portico_domain::page::PageRequest;
use portico_domain::team::{TeamMember, TeamMemberDraft};
use portico_domain::validation::ValidationErrors;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    cursor: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/team/list.html")]
struct ListPage {
    nav: Nav,
    q: String,
    members: Vec<TeamMember>,
    next_page: Option<String>,
    /// Members whose second step is on.
    with_mfa: HashSet<Uuid>,
    mfa_required: bool,
}

impl ListPage {
    fn has_mfa(&self, member: &TeamMember) -> bool {
        self.with_mfa.contains(&member.id)
    }
}

pub async fn list(
    State(state): State<AppState>,
    user: ConsoleUser,
    Query(query): Query<ListQuery>,
) -> PageResult<Response> {
    let page = PageRequest::parse(query.cursor.as_deref(), Some(50))?;
    let q = query.q.unwrap_or_default();
    let found = team::list_team_members(&state.core, &user.actor(), Some(&q), &page).await?;
    let next_page = found.next_cursor.map(|cursor| {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &q)
            .append_pair("cursor", &cursor)
            .finish();
        format!("{}?{query}", paths::TEAM)
    });
    let with_mfa = team::members_with_second_step(&state.core, &user.actor()).await?;
    let mfa_required = mfa::mfa_required(&state.core, &user.actor()).await?;
    let page = ListPage { nav: user.nav("team"), q, members: found.items, next_page, with_mfa, mfa_required };
    Ok(page.into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct MfaRequiredForm {
    /// A checkbox: absent when unticked.
    #[serde(default)]
    required: Option<String>,
}

/// Admins decide whether every member must use two-step sign-in.
pub async fn set_mfa_required(
    State(state): State<AppState>,
    ConsoleForm { user, form }: ConsoleForm<MfaRequiredForm>,
) -> PageResult<Response> {
    let required = form.required.is_some();
    mfa::set_mfa_required(&state.core, &user.actor(), required).await.map_err(AppError::from)?;
    Ok(flash::redirect(paths::TEAM, Done::MfaRequired(required), None))
}

/// An admin resets another member's two-step sign-in (a lost phone): their app and recovery
/// codes stop working and they are signed out.
pub async fn reset_mfa(
    State(state): State<AppState>,
    PageId(id): PageId,
    form: ConsoleForm<NoFields>,
) -> PageResult<Response> {
    mfa::reset(&state.core, &form.user.actor(), id).await.map_err(AppError::from)?;
    Ok(flash::redirect(&paths::team_member(id), Done::MfaReset(id), None))
}

/// The team member form's fields as submitted. A checkbox is absent when unticked, so the
/// edit form says that it carries `active`.
#[derive(Debug, Default, Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    active: Option<String>,
}

impl MemberForm {
    fn from_member(member: &TeamMember) -> Self {
        Self {
            email: member.email.to_string(),
            name: member.name.clone(),
            role: member.role.as_str().to_string(),
            active: member.active.then(|| "on".to_string()),
        }
    }

    fn is_active(&self) -> bool {
        self.active.is_some()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/team/form.html")]
struct FormPage {
    nav: Nav,
    /// The member being edited; `None` on the add form.
    member: Option<TeamMember>,
    form: MemberForm,
    errors: ValidationErrors,
    /// Editing oneself: role and standing are not offered.
    is_self: bool,
    /// The member's second step is on (editing only).
    mfa_on: bool,
    tokens: Vec<TokenRow>,
}

impl FormPage {
    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }

    fn action(&self) -> String {
        self.member.as_ref().map_or(paths::TEAM.to_string(), |m| paths::team_member(m.id))
    }
}

async fn form_page(
    state: &AppState,
    user: &ConsoleUser,
    member: Option<TeamMember>,
    form: MemberForm,
    errors: ValidationErrors,
) -> PageResult<Response> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let is_self = member.as_ref().is_some_and(|m| m.id == user.member.id);
    let (mfa_on, tokens) = match &member {
        Some(member) => (
            team::second_step_due(&state.core, &user.actor(), member.id).await?,
            tokens::rows(&team::api_tokens_of(&state.core, &user.actor(), member.id).await?),
        ),
        None => (false, Vec::new()),
    };
    let page = FormPage { nav: user.nav("team"), member, form, errors, is_self, mfa_on, tokens };
    Ok((status, page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/team/password.html")]
struct PasswordPage {
    nav: Nav,
    member: TeamMember,
    password: String,
    created: bool,
}

/// The one page that shows a password: never cached, never shown again.
fn password_page(
    user: &ConsoleUser,
    member: TeamMember,
    password: OneTimePassword,
    created: bool,
) -> Response {
    let page = PasswordPage { nav: user.nav("team"), member, password: password.0, created };
    ([(header::CACHE_CONTROL, "no-store")], page).into_response()
}

pub async fn new_form(State(state): State<AppState>, user: ConsoleUser) -> PageResult<Response> {
    user.require_admin()?;
    let form = MemberForm { role: "technician".into(), ..Default::default() };
    form_page(&state, &user, None, form, ValidationErrors::new()).await
}

pub async fn create(
    State(state): State<AppState>,
    ConsoleForm { user, form }: ConsoleForm<MemberForm>,
) -> PageResult<Response> {
    let draft = TeamMemberDraft {
        email: Some(form.email.clone()),
        name: Some(form.name.clone()),
        role: Some(form.role.clone()),
        active: None,
    };
    match team::create_team_member(&state.core, &user.actor(), draft, NewPassword::Generated).await {
        Ok((member, password)) => Ok(password_page(&user, member, password, true)),
        Err(error) => form_page(&state, &user, None, form, PageError::form_errors_of(error)?).await,
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: ConsoleUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    user.require_admin()?;
    let member = team::team_member(&state.core, &user.actor(), id).await?;
    let form = MemberForm::from_member(&member);
    form_page(&state, &user, Some(member), form, ValidationErrors::new()).await
}

pub async fn update(
    State(state): State<AppState>,
    PageId(id): PageId,
    ConsoleForm { user, mut form }: ConsoleForm<MemberForm>,
) -> PageResult<Response> {
    let member = team::team_member(&state.core, &user.actor(), id).await?;
    form.email = member.email.to_string();
    // One's own role and standing are not on one's form: they stay as they are.
    let own = id == user.member.id;
    let draft = TeamMemberDraft {
        email: None,
        name: Some(form.name.clone()),
        role: (!own).then(|| form.role.clone()),
        active: (!own).then(|| form.is_active()),
    };
    match team::update_team_member(&state.core, &user.actor(), id, draft).await {
        Ok(member) => Ok(flash::redirect(paths::TEAM, Done::TeamMemberSaved(member.id), None)),
        Err(error) => {
            let errors = PageError::form_errors_of(error)?;
            form_page(&state, &user, Some(member), form, errors).await
        }
    }
}

pub async fn reset_password(
    State(state): State<AppState>,
    PageId(id): PageId,
    form: ConsoleForm<NoFields>,
) -> PageResult<Response> {
    let (member, password) =
        team::reset_password(&state.core, &form.user.actor(), id, NewPassword::Generated)
            .await
            .map_err(AppError::from)?;
    Ok(password_page(&form.user, member, password, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unticked_active_box_means_inactive() {
        let form: MemberForm = serde_html_form::from_str("name=A&role=admin").unwrap();
        assert!(!form.is_active());
        let form: MemberForm = serde_html_form::from_str("name=A&role=admin&active=on").unwrap();
        assert!(form.is_active());
    }
}
