//! SSO configurations in the console: the drawer lists them; here they are added, edited,
//! tested and removed, with the redirect URI to register and short set-up steps per provider.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;

use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::flash::{self, Done};
use super::layout::Nav;
use super::page_error::{PageError, PageResult};
use super::session::{ConsoleForm, ConsoleUser, NoFields, PageId};
use crate::api::sso_service::{self, SsoConfigView};
use crate::error::AppError;
use crate::state::AppState;
use portico_core::paths;
use portico_core::sso::provider::Check;
use portico_core::usecases::customers;
use portico_core::usecases::portals;
use portico_core::usecases::sso;
use portico_domain::customer::Customer;
use portico_domain::sso::SignInFailure;
use portico_domain::sso::draft::SsoDraft;
use portico_domain::validation::ValidationErrors;

/// The form's fields as typed.
#[derive(Debug, Default, Deserialize)]
pub struct SsoForm {
    /// A new configuration's id, made when the form is first shown so that its redirect URI
    /// can be registered before the first save.
    #[serde(default)]
    id: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    okta_domain: String,
    #[serde(default)]
    authorization_server: String,
    #[serde(default)]
    tenant_id: String,
    #[serde(default)]
    discovery_url: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    secret_expires_at: String,
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    allowed_email_domains: String,
    jit_provisioning: Option<String>,
    enabled: Option<String>,
    multi_tenant_acknowledged: Option<String>,
    #[serde(default)]
    groups_claim: String,
    /// One group per line.
    #[serde(default)]
    manager_groups: String,
    action: Option<String>,
}

impl SsoForm {
    fn from_view(view: &SsoConfigView) -> Self {
        Self {
            id: view.id.to_string(),
            label: view.label.clone(),
            provider: view.provider.as_str().to_string(),
            okta_domain: view.okta_domain.clone().unwrap_or_default(),
            authorization_server: view.authorization_server.clone().unwrap_or_default(),
            tenant_id: view.tenant_id.clone().unwrap_or_default(),
            discovery_url: view.discovery_url.clone().unwrap_or_default(),
            client_id: view.client_id.clone(),
            client_secret: String::new(),
            secret_expires_at: view.secret_expires_at.clone().unwrap_or_default(),
            scopes: view.scopes.clone(),
            allowed_email_domains: view.allowed_email_domains.join(", "),
            jit_provisioning: view.jit_provisioning.then(|| "on".into()),
            enabled: view.enabled.then(|| "on".into()),
            multi_tenant_acknowledged: view.multi_tenant_acknowledged.then(|| "on".into()),
            groups_claim: view.groups_claim.clone(),
            manager_groups: view.manager_groups.join("\n"),
            action: None,
        }
    }

    fn blank() -> Self {
        Self {
            id: portico_core::usecases::sso::new_config_id().to_string(),
            provider: "okta".into(),
            scopes: portico_domain::sso::DEFAULT_SCOPES.into(),
            groups_claim: portico_domain::sso::DEFAULT_GROUPS_CLAIM.into(),
            enabled: Some("on".into()),
            ..Default::default()
        }
    }

    /// Every field counts: an empty optional one clears it; an empty secret keeps the stored one.
    fn draft(&self) -> SsoDraft {
        let optional = |raw: &str| Some(Some(raw.trim().to_string()).filter(|v| !v.is_empty()));
        SsoDraft {
            label: Some(self.label.clone()),
            provider: Some(self.provider.clone()),
            okta_domain: optional(&self.okta_domain),
            authorization_server: optional(&self.authorization_server),
            tenant_id: optional(&self.tenant_id),
            discovery_url: optional(&self.discovery_url),
            client_id: Some(self.client_id.clone()),
            client_secret: Some(self.client_secret.clone()).filter(|s| !s.trim().is_empty()),
            secret_expires_at: optional(&self.secret_expires_at),
            scopes: Some(self.scopes.clone()),
            allowed_email_domains: Some(
                self.allowed_email_domains
                    .split([',', ' ', '\n'])
                    .map(str::to_string)
                    .filter(|d| !d.trim().is_empty())
                    .collect(),
            ),
            jit_provisioning: Some(self.jit_provisioning.is_some()),
            enabled: Some(self.enabled.is_some()),
            multi_tenant_acknowledged: Some(self.multi_tenant_acknowledged.is_some()),
            // Left empty, the claim is the usual one.
            groups_claim: Some(match self.groups_claim.trim() {
                "" => portico_domain::sso::DEFAULT_GROUPS_CLAIM.to_string(),
                claim => claim.to_string(),
            }),
            manager_groups: Some(self.manager_groups.lines().map(str::to_string).collect()),
            ..Default::default()
        }
    }

    fn is(&self, provider: &str) -> bool {
        self.provider == provider
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/sso_form.html")]
struct SsoPage {
    nav: Nav,
    customer: Customer,
    sso_id: Option<Uuid>,
    view: Option<SsoConfigView>,
    form: SsoForm,
    errors: ValidationErrors,
    checks: Vec<Check>,
    notice: Option<String>,
    action: String,
    drawer: String,
    /// The redirect URI to register (and a second one where the portal also answers in path
    /// mode): a new configuration's, from the id its form carries, before the first save.
    redirect_uri: String,
    path_mode_redirect_uri: Option<String>,
    /// The configuration's last failed end-user sign-in.
    last_failure: Option<FailureRow>,
}

/// A failed sign-in as the console shows it.
pub struct FailureRow {
    pub at: String,
    pub at_text: String,
    pub reference: String,
    pub detail: String,
}

impl FailureRow {
    pub fn of(failure: &SignInFailure) -> Self {
        Self {
            at: failure.at.format(&Rfc3339).unwrap_or_default(),
            at_text: failure.at.format(FAILURE_TIME).unwrap_or_default(),
            reference: failure.reference.clone(),
            detail: failure.detail.clone(),
        }
    }
}

const FAILURE_TIME: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");

impl SsoPage {
    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }
}

struct Render {
    last_failure: Option<SignInFailure>,
    sso_id: Option<Uuid>,
    view: Option<SsoConfigView>,
    form: SsoForm,
    errors: ValidationErrors,
    checks: Vec<Check>,
    notice: Option<String>,
}

async fn render(
    state: &AppState,
    user: &ConsoleUser,
    customer: Customer,
    page: Render,
) -> PageResult<Response> {
    let portal = portals::portal(&state.core, &user.actor(), customer.id).await?;
    let id = page.sso_id.or_else(|| Uuid::parse_str(page.form.id.trim()).ok());
    let (redirect_uri, path_mode_redirect_uri) = match id {
        Some(id) => sso_service::redirect_uris(state, &portal.settings, id),
        // A form whose id was tampered with: the pattern, until a fresh form is loaded.
        None => {
            let nil = sso_service::redirect_uris(state, &portal.settings, Uuid::nil()).0;
            (nil.replace(&Uuid::nil().to_string(), "{id}"), None)
        }
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let action = match page.sso_id {
        Some(id) => paths::customer_sso(customer.id, id),
        None => paths::new_customer_sso(customer.id),
    };
    let body = SsoPage {
        nav: user.nav("customers"),
        drawer: paths::customer_portal(customer.id),
        customer,
        sso_id: page.sso_id,
        view: page.view,
        form: page.form,
        errors: page.errors,
        checks: page.checks,
        notice: page.notice,
        action,
        redirect_uri,
        path_mode_redirect_uri,
        last_failure: page.last_failure.as_ref().map(FailureRow::of),
    };
    Ok((status, body).into_response())
}

pub async fn new_form(
    State(state): State<AppState>,
    user: ConsoleUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    user.require_admin()?;
    let customer = customers::customer(&state.core, &user.actor(), id).await?;
    let page = Render {
        last_failure: None,
        sso_id: None,
        view: None,
        form: SsoForm::blank(),
        errors: ValidationErrors::new(),
        checks: vec![],
        notice: None,
    };
    render(&state, &user, customer, page).await
}

pub async fn create(
    State(state): State<AppState>,
    PageId(id): PageId,
    ConsoleForm { user, form }: ConsoleForm<SsoForm>,
) -> PageResult<Response> {
    user.require_admin()?;
    let customer = customers::customer(&state.core, &user.actor(), id).await?;
    let proposed_id = match form.id.trim() {
        "" => Ok(None),
        raw => Uuid::parse_str(raw).map(Some).map_err(|_| {
            AppError::from(portico_core::usecases::UseCaseError::field(
                "id",
                "The configuration id is not a valid id.",
            ))
        }),
    };
    let created = match proposed_id {
        Ok(proposed_id) => sso_service::create(&state, id, form.draft(), &user.actor(), proposed_id).await,
        Err(error) => Err(error),
    };
    match created {
        Ok(config) => Ok(flash::redirect(
            &paths::customer_sso(id, config.id),
            Done::SsoAdded { customer_id: id, id: config.id },
            None,
        )),
        Err(error) => {
            let errors = PageError::from(error).into_form_errors()?;
            let mut form = form;
            if errors.message_for("id").is_some() {
                // The form's id cannot be used: it gets a new one, and shows its redirect URI.
                form.id = portico_core::usecases::sso::new_config_id().to_string();
            }
            let page = Render {
                last_failure: None,
                sso_id: None,
                view: None,
                form,
                errors,
                checks: vec![],
                notice: None,
            };
            render(&state, &user, customer, page).await
        }
    }
}

/// The `{id}` (customer) and `{sso_id}` of a configuration's console page.
#[derive(serde::Deserialize)]
#[serde(from = "(Uuid, Uuid)")]
pub struct SsoPath {
    customer_id: Uuid,
    sso_id: Uuid,
}

impl From<(Uuid, Uuid)> for SsoPath {
    fn from((customer_id, sso_id): (Uuid, Uuid)) -> Self {
        Self { customer_id, sso_id }
    }
}

crate::path::path_values! { SsoPath => PageError = AppError::NotFound("SSO configuration").into(); }

pub async fn edit_form(
    State(state): State<AppState>,
    user: ConsoleUser,
    path: SsoPath,
) -> PageResult<Response> {
    user.require_admin()?;
    let customer = customers::customer(&state.core, &user.actor(), path.customer_id).await?;
    let config = sso::sso_config(&state.core, &user.actor(), path.customer_id, path.sso_id).await?;
    let view = sso_service::view(&state, &user.actor(), &config).await?;
    let page = Render {
        last_failure: config.last_failure.clone(),
        sso_id: Some(config.id),
        form: SsoForm::from_view(&view),
        view: Some(view),
        errors: ValidationErrors::new(),
        checks: vec![],
        notice: None,
    };
    render(&state, &user, customer, page).await
}

/// Saves the form, or (with the Test button) fetches discovery and keys and shows the result.
pub async fn update(
    State(state): State<AppState>,
    path: SsoPath,
    ConsoleForm { user, form }: ConsoleForm<SsoForm>,
) -> PageResult<Response> {
    user.require_admin()?;
    let customer = customers::customer(&state.core, &user.actor(), path.customer_id).await?;
    let config = sso::sso_config(&state.core, &user.actor(), path.customer_id, path.sso_id).await?;
    if form.action.as_deref() == Some("test") {
        let checks = sso::test_sso_config(&state.core, &user.actor(), path.customer_id, path.sso_id).await?;
        let view = sso_service::view(&state, &user.actor(), &config).await?;
        let notice = checks
            .iter()
            .all(|c| c.ok)
            .then(|| "Test passed: the identity provider answers as expected.".to_string());
        let page = Render {
            last_failure: config.last_failure.clone(),
            sso_id: Some(config.id),
            form: SsoForm::from_view(&view),
            view: Some(view),
            errors: ValidationErrors::new(),
            checks,
            notice,
        };
        return render(&state, &user, customer, page).await;
    }
    match sso_service::update(&state, path.customer_id, path.sso_id, form.draft(), &user.actor()).await {
        Ok(_) => Ok(flash::redirect(
            &paths::customer_portal(path.customer_id),
            Done::SsoSaved { customer_id: path.customer_id, id: path.sso_id },
            None,
        )),
        Err(error) => {
            let errors = PageError::from(error).into_form_errors()?;
            let view = sso_service::view(&state, &user.actor(), &config).await?;
            let page = Render {
                last_failure: config.last_failure.clone(),
                sso_id: Some(config.id),
                view: Some(view),
                form,
                errors,
                checks: vec![],
                notice: None,
            };
            render(&state, &user, customer, page).await
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    path: SsoPath,
    ConsoleForm { user, .. }: ConsoleForm<NoFields>,
) -> PageResult<Response> {
    user.require_admin()?;
    sso_service::delete(&state, path.customer_id, path.sso_id, &user.actor()).await?;
    Ok(flash::redirect(&paths::customer_portal(path.customer_id), Done::SsoRemoved, None))
}
