//! The member's own two-step sign-in, under their account: set up an authenticator app
//! (confirmed by a code before it counts), see and renew recovery codes, turn it off.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::flash::{self, Done};
use super::layout::Nav;
use super::page_error::{PageError, PageResult};
use super::session::{ConsoleForm, ConsoleUser, NoFields};
use crate::client_ip::ClientIp;
use crate::state::AppState;
use portico_core::paths;
use portico_core::usecases::UseCaseResult;
use portico_core::usecases::console_sign_in;
use portico_core::usecases::mfa::{self, Enrolment, RecoveryCodes};
use portico_domain::mfa::MfaState;
use portico_domain::validation::ValidationErrors;

#[derive(Template, WebTemplate)]
#[template(path = "admin/mfa.html")]
struct MfaPage {
    nav: Nav,
    state: MfaState,
    codes_left: i64,
    required: bool,
    /// The secret waiting for its first code.
    enrolment: Option<Enrolment>,
    /// Its set-up address as a QR code (a `data:` URI of an SVG image).
    qr_code: Option<String>,
    errors: ValidationErrors,
    /// Which form the errors belong to (`confirm`, `off`, `renew`).
    failed: &'static str,
    /// Passkeys can be used here (the console is reached at a host name).
    passkeys_available: bool,
    passkeys: Vec<PasskeyLine>,
    /// Why adding a passkey failed, or what just happened to one.
    passkey_error: String,
    passkey_notice: Option<&'static str>,
}

pub struct PasskeyLine {
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub remove: String,
}

impl MfaPage {
    fn error_of(&self, form: &str) -> &str {
        if self.failed == form { self.errors.message_for("code").unwrap_or_default() } else { "" }
    }

    fn is_on(&self) -> bool {
        self.state == MfaState::On
    }
}

async fn page(
    state: &AppState,
    user: &ConsoleUser,
    errors: ValidationErrors,
    failed: &'static str,
) -> PageResult<Response> {
    page_with(state, user, errors, failed, String::new(), None).await
}

/// The page again with the reason a passkey was refused.
pub(super) async fn passkey_refused(
    state: &AppState,
    user: &ConsoleUser,
    message: String,
) -> PageResult<Response> {
    page_with(state, user, ValidationErrors::new(), "", message, None).await
}

async fn page_with(
    state: &AppState,
    user: &ConsoleUser,
    errors: ValidationErrors,
    failed: &'static str,
    passkey_error: String,
    passkey_notice: Option<&'static str>,
) -> PageResult<Response> {
    let actor = user.actor();
    let (mfa_state, codes_left) = mfa::own_status(&state.core, &actor).await?;
    let required = mfa::mfa_required(&state.core, &actor).await?;
    let enrolment = mfa::pending_enrolment(&state.core, &actor).await?;
    let qr_code = enrolment.as_ref().and_then(|e| portico_core::render::qr::svg_data_uri(&e.otpauth_uri));
    let status = if errors.is_empty() && passkey_error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let day = time::macros::format_description!("[year]-[month]-[day]");
    let passkeys = portico_core::usecases::passkeys::list(&state.core, &actor)
        .await?
        .into_iter()
        .map(|p| PasskeyLine {
            name: p.name,
            created: p.created_at.format(&day).unwrap_or_default(),
            last_used: p.last_used_at.and_then(|at| at.format(&day).ok()).unwrap_or_else(|| "never".into()),
            remove: paths::passkey_remove(p.id),
        })
        .collect();
    let page = MfaPage {
        nav: user.nav("account"),
        state: mfa_state,
        codes_left,
        required,
        enrolment,
        qr_code,
        errors,
        failed,
        passkeys_available: state.core.passkeys().is_some(),
        passkeys,
        passkey_error,
        passkey_notice,
    };
    // The page may show a secret: never cached.
    Ok((status, [(header::CACHE_CONTROL, "no-store")], page).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> PageResult<Response> {
    let notice = match query.as_deref() {
        Some("passkey=added") => Some("Your passkey is added: signing in can use it as the second step."),
        Some("passkey=removed") => Some("The passkey is removed."),
        _ => None,
    };
    page_with(&state, &user, ValidationErrors::new(), "", String::new(), notice).await
}

/// Makes a new secret (replacing one never confirmed) and shows it.
pub async fn setup(
    State(state): State<AppState>,
    ConsoleForm { user, .. }: ConsoleForm<NoFields>,
) -> PageResult<Response> {
    match mfa::start_enrolment(&state.core, &user.actor()).await {
        Ok(_) => Ok(Redirect::to(paths::ACCOUNT_MFA).into_response()),
        Err(error) => page(&state, &user, PageError::form_errors_of(error)?, "setup").await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/recovery_codes.html")]
struct RecoveryCodesPage {
    nav: Nav,
    codes: Vec<String>,
    /// Just set up (rather than renewed).
    enrolled: bool,
}

/// The one page that shows recovery codes: never cached, never shown again.
fn codes_page(user: &ConsoleUser, codes: RecoveryCodes, enrolled: bool) -> Response {
    let mut nav = user.nav("account");
    // Set up just now: the console is open from here on.
    nav.must_enrol = false;
    let page = RecoveryCodesPage { nav, codes: codes.0, enrolled };
    ([(header::CACHE_CONTROL, "no-store")], page).into_response()
}

/// Runs a code-checked change under the sign-in limits: a wrong code counts as a failed
/// sign-in (a borrowed session cannot guess codes), a right one no longer does.
async fn with_code_check<T>(
    state: &AppState,
    user: &ConsoleUser,
    client_ip: std::net::IpAddr,
    change: impl Future<Output = UseCaseResult<T>>,
) -> PageResult<UseCaseResult<T>> {
    Ok(console_sign_in::under_sign_in_limits(&state.core, &user.member, &client_ip.to_string(), change)
        .await?)
}

pub async fn confirm(
    State(state): State<AppState>,
    ClientIp(client_ip): ClientIp,
    ConsoleForm { user, form }: ConsoleForm<CodeForm>,
) -> PageResult<Response> {
    let actor = user.actor();
    let change = mfa::confirm_enrolment(&state.core, &actor, &form.code);
    match with_code_check(&state, &user, client_ip, change).await? {
        Ok(codes) => Ok(codes_page(&user, codes, true)),
        Err(error) => page(&state, &user, PageError::form_errors_of(error)?, "confirm").await,
    }
}

pub async fn turn_off(
    State(state): State<AppState>,
    ClientIp(client_ip): ClientIp,
    ConsoleForm { user, form }: ConsoleForm<CodeForm>,
) -> PageResult<Response> {
    let actor = user.actor();
    let change = mfa::turn_off(&state.core, &actor, &form.code);
    match with_code_check(&state, &user, client_ip, change).await? {
        Ok(()) => Ok(flash::redirect(paths::ACCOUNT_MFA, Done::MfaTurnedOff, None)),
        Err(error) => page(&state, &user, PageError::form_errors_of(error)?, "off").await,
    }
}

pub async fn renew_codes(
    State(state): State<AppState>,
    ClientIp(client_ip): ClientIp,
    ConsoleForm { user, form }: ConsoleForm<CodeForm>,
) -> PageResult<Response> {
    let actor = user.actor();
    let change = mfa::regenerate_recovery_codes(&state.core, &actor, &form.code);
    match with_code_check(&state, &user, client_ip, change).await? {
        Ok(codes) => Ok(codes_page(&user, codes, false)),
        Err(error) => page(&state, &user, PageError::form_errors_of(error)?, "renew").await,
    }
}
