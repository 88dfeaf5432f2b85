//! The signed-in member's own account: who they are, and changing their password.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::flash::{self, Done};
use super::layout::Nav;
use super::page_error::{PageError, PageResult};
use super::session::{ConsoleForm, ConsoleUser};
use super::tokens::{self, TokenRow};
use crate::client_ip::ClientIp;
use crate::state::AppState;
use portico_core::paths;
use portico_core::usecases::console_sign_in;
use portico_core::usecases::mfa;
use portico_core::usecases::team::{self, Origin, OwnPasswordChange};
use portico_domain::team::TeamMember;
use portico_domain::validation::ValidationErrors;

#[derive(Template, WebTemplate)]
#[template(path = "admin/account.html")]
struct AccountPage {
    nav: Nav,
    member: TeamMember,
    errors: ValidationErrors,
    mfa_on: bool,
    tokens: Vec<TokenRow>,
}

impl AccountPage {
    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }
}

async fn page(state: &AppState, user: &ConsoleUser, errors: ValidationErrors) -> PageResult<Response> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let actor = user.actor();
    let (mfa_state, _) = mfa::own_status(&state.core, &actor).await?;
    let tokens = team::api_tokens_of(&state.core, &actor, user.member.id).await?;
    let page = AccountPage {
        nav: user.nav("account"),
        member: user.member.clone(),
        errors,
        mfa_on: mfa_state.is_on(),
        tokens: tokens::rows(&tokens),
    };
    Ok((status, page).into_response())
}

pub async fn show(State(state): State<AppState>, user: ConsoleUser) -> PageResult<Response> {
    page(&state, &user, ValidationErrors::new()).await
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
    let attempt = console_sign_in::reserve_check(&state.core, &email_key, &client_ip).await?;

    let change = OwnPasswordChange {
        current: &form.current_password,
        new: &form.new_password,
        confirm: &form.confirm_password,
    };
    let origin = Origin { session_hash: &user.session_hash, reserved_attempt: attempt };
    match team::change_own_password(&state.core, &user.actor(), change, origin).await {
        Ok(()) => Ok(flash::redirect(paths::ACCOUNT, Done::PasswordChanged, None)),
        Err(error) => page(&state, &user, PageError::form_errors_of(error)?).await,
    }
}
