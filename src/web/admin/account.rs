//! The signed-in member's own account: who they are, and changing their password.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::layout::Nav;
use super::page_error::PageResult;
use super::session::{ConsoleForm, ConsoleUser};
use crate::app::AppState;
use crate::auth::password;
use crate::domain::team::{TeamMember, check_password};
use crate::domain::validation::{FieldError, ValidationErrors};
use crate::error::AppError;
use crate::web::client_ip::ClientIp;

#[derive(Template, WebTemplate)]
#[template(path = "admin/account.html")]
struct AccountPage {
    nav: Nav,
    member: TeamMember,
    errors: ValidationErrors,
    changed: bool,
}

impl AccountPage {
    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }
}

fn page(user: &ConsoleUser, errors: ValidationErrors, changed: bool) -> Response {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = AccountPage { nav: user.nav("account"), member: user.member.clone(), errors, changed };
    (status, page).into_response()
}

pub async fn show(user: ConsoleUser) -> Response {
    page(&user, ValidationErrors::new(), false)
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// Changes the member's own password; their other sessions end, this one stays. Wrong current
/// passwords count as failed sign-ins, so a borrowed session cannot be used to guess it.
pub async fn change_password(
    State(state): State<AppState>,
    ClientIp(client_ip): ClientIp,
    ConsoleForm { user, form }: ConsoleForm<PasswordForm>,
) -> PageResult<Response> {
    let email_key = user.member.email.to_string();
    let client_ip = client_ip.to_string();
    let attempt = super::login::reserve_password_check(&state, &email_key, &client_ip).await?;

    let mut errors = ValidationErrors::new();
    errors.check(check_password(&form.new_password).map_err(|e| FieldError::new("new_password", e.message)));
    if form.confirm_password != form.new_password {
        errors.push(FieldError::new("confirm_password", "does not match the new password"));
    }
    let stored = state.store.team_member_credentials(&user.member.email).await?.map(|(_, hash)| hash);
    if password::verify_blocking(form.current_password.clone(), stored).await {
        state.store.release_sign_in_attempt(attempt).await?;
    } else {
        errors.push(FieldError::new("current_password", "is not your current password"));
    }
    if !errors.is_empty() {
        return Ok(page(&user, errors, false));
    }
    let hash = password::hash_blocking(form.new_password)
        .await
        .map_err(anyhow::Error::from)
        .map_err(AppError::from)?;
    state
        .store
        .set_team_member_password(user.member.id, &hash, &user.actor(), Some(&user.session_hash))
        .await?;
    Ok(page(&user, ValidationErrors::new(), true))
}
