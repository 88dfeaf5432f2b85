//! The End User Portal setup drawer: step 1 (settings), step 2 (landing page layout),
//! View Preview at every step, revisions with restore. Plain form posts do everything;
//! `static/drawer.js` only adds drag-and-drop, in-place reordering and a live preview panel.

pub mod state;
pub mod submission;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use self::state::{Action, DrawerState};
use self::submission::{ChosenLogo, DrawerSubmission};
use super::flash::{self, Done};
use super::layout::Nav;
use super::page_error::{PageError, PageResult};
use super::session::{ConsoleForm, ConsoleUser, PageId};
use crate::error::AppError;
use crate::portal_view;
use crate::state::AppState;
use portico_core::paths;
use portico_core::usecases::UseCaseError;
use portico_core::usecases::customers;
use portico_core::usecases::history;
use portico_core::usecases::portals;
use portico_core::usecases::sso;
use portico_domain::actor::Actor;
use portico_domain::customer::Customer;
use portico_domain::event::EventKind;
use portico_domain::portal::address::PortalAddressing;
use portico_domain::portal::colour::{Colour, Theme};
use portico_domain::portal::document::PortalSettings;
use portico_domain::portal::hostname::Hostname;
use portico_domain::portal::stored::PortalRevision;
use portico_domain::slug::Slug;
use portico_domain::validation::{FieldError, ValidationErrors};

/// A group the default-group select offers.
pub struct GroupOption {
    pub id: String,
    pub name: String,
    pub global: bool,
}

/// An SSO configuration as the drawer lists it.
pub struct SsoSummary {
    pub label: String,
    pub provider_title: &'static str,
    pub enabled: bool,
    pub redirect_uri: String,
    pub secret_warning: Option<String>,
    pub edit_url: String,
    /// It signs in through Portico's built-in demo identity provider.
    pub demo: bool,
    pub last_failure: Option<super::sso::FailureRow>,
}

/// Someone saved while this form was open.
pub struct Conflict {
    pub newer: Vec<PortalRevision>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/drawer.html")]
struct DrawerPage {
    nav: Nav,
    customer: Customer,
    state: DrawerState,
    step: u8,
    errors: ValidationErrors,
    error_summary: Vec<(String, String)>,
    notice: Option<String>,
    conflict: Option<Conflict>,
    groups: Vec<GroupOption>,
    url_prefix: String,
    url_suffix: String,
    /// The address to share, or why there is none yet.
    portal_url: Result<String, &'static str>,
    contrast_warning: Option<String>,
    logo_url: Option<String>,
    revisions: Vec<PortalRevision>,
    sso_configs: Vec<SsoSummary>,
    has_enabled_sso: bool,
    sign_in_conflicts: Vec<SignInConflict>,
    read_only: bool,
    action_url: String,
    preview_url: String,
    /// The request types offered to this customer: (button target, name), for adding buttons.
    request_types: Vec<(String, String)>,
}

/// A refused sign-in that may have been an attempt to take over an end user's account.
struct SignInConflict {
    at: String,
    at_text: String,
    summary: String,
}

const CONFLICT_TIME: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");

impl DrawerPage {
    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }

    fn link_error(&self, index: &usize, field: &str) -> &str {
        self.error(&format!("features.external_links.links[{index}].{field}"))
    }

    fn button_error(&self, index: &usize, field: &str) -> &str {
        self.error(&format!("layout.buttons[{index}].{field}"))
    }

    fn section_error(&self, index: &usize, field: &str) -> &str {
        self.error(&format!("layout.sections[{index}].{field}"))
    }

    fn target_title(&self, target: &str) -> String {
        match self.request_types.iter().find(|(t, _)| t == target) {
            Some((_, name)) => format!("Request type: {name}"),
            None => self.state.target_title(target),
        }
    }

    /// Whether a button opens a request type (such buttons can be removed).
    fn is_request_button(&self, target: &str) -> bool {
        target.starts_with("request_type:")
    }

    /// Request types without a button yet.
    fn addable_request_types(&self) -> Vec<&(String, String)> {
        self.request_types
            .iter()
            .filter(|(t, _)| !self.state.buttons.iter().any(|b| &b.target == t))
            .collect()
    }

    fn section_title(&self, kind: &str) -> &'static str {
        DrawerState::section_title(kind)
    }

    fn picker(&self, colour: &str) -> String {
        state::picker_value(colour)
    }

    fn group_selected(&self, id: &str) -> bool {
        self.state.ticketing_group == id
    }
}

/// The request types offered to the customer, for the layout's buttons.
async fn offered_types(
    app: &AppState,
    user: &ConsoleUser,
    customer_id: Uuid,
) -> PageResult<Vec<portico_domain::request_type::Offered>> {
    Ok(portico_core::usecases::request_types::catalogue(&app.core, &user.actor(), customer_id)
        .await
        .map_err(AppError::from)?)
}

/// Adds a button for the chosen request type, named and described as the type is; a type
/// not offered to the customer, or one with a button already, adds nothing.
async fn add_request_button(
    app: &AppState,
    user: &ConsoleUser,
    customer_id: Uuid,
    state: &mut DrawerState,
    chosen: &str,
) -> PageResult<()> {
    let offered = offered_types(app, user, customer_id).await?;
    let Some(found) = offered.into_iter().find(|o| format!("request_type:{}", o.request_type.id) == chosen)
    else {
        return Ok(());
    };
    if state.buttons.iter().any(|b| b.target == chosen) {
        return Ok(());
    }
    let settings = &found.request_type.settings;
    state.buttons.push(state::ButtonRow {
        target: chosen.to_string(),
        size: "small".into(),
        label: settings.name.chars().take(portico_domain::portal::layout::LABEL_MAX).collect(),
        description: settings
            .description
            .replace(['\n', '\r'], " ")
            .chars()
            .take(portico_domain::portal::layout::DESCRIPTION_MAX)
            .collect(),
    });
    Ok(())
}

/// Where a field's input is, for the error summary's links; and what people call it.
fn locate(field: &str) -> (String, String) {
    let indexed = |prefix: &str| -> Option<(usize, String)> {
        let rest = field.strip_prefix(prefix)?;
        let (index, name) = rest.split_once("].")?;
        Some((index.parse().ok()?, name.to_string()))
    };
    if let Some((i, name)) = indexed("features.external_links.links[") {
        return (format!("link-{i}-{name}"), format!("External link {} {name}", i + 1));
    }
    if let Some((i, name)) = indexed("layout.buttons[") {
        return (format!("button-{i}-{name}"), format!("Button {} {name}", i + 1));
    }
    if let Some((i, name)) = indexed("layout.sections[") {
        return (format!("section-{i}-{name}"), format!("Section {} {name}", i + 1));
    }
    let (anchor, label) = match field {
        "slug" => ("slug", "Portal URL"),
        "custom_domain" => ("custom_domain", "Custom domain"),
        "design.primary_color" => ("primary_color", "Primary colour"),
        "design.secondary_color" => ("secondary_color", "Secondary colour"),
        "features.ticketing.default_assignment_group_id" => ("ticketing_group", "Default assignment group"),
        "features.external_links.links" => ("links", "External links"),
        "layout.sections" => ("sections", "Sections"),
        "logo" => ("logo", "Logo"),
        other => (other, other),
    };
    (anchor.to_string(), label.to_string())
}

/// Layout errors show on step 2, everything else on step 1.
fn step_for(errors: &ValidationErrors) -> u8 {
    if !errors.is_empty() && errors.errors().iter().all(|e| e.field.starts_with("layout.")) { 2 } else { 1 }
}

async fn usable_groups(state: &AppState, actor: &Actor, customer_id: Uuid) -> PageResult<Vec<GroupOption>> {
    let groups = super::directory::groups(state, actor, Some(customer_id)).await?;
    Ok(groups
        .into_iter()
        .map(|g| GroupOption { id: g.id.to_string(), global: g.customer_id.is_none(), name: g.name })
        .collect())
}

struct View {
    state: DrawerState,
    step: u8,
    errors: ValidationErrors,
    notice: Option<String>,
    conflict: Option<Conflict>,
}

async fn render(app: &AppState, user: &ConsoleUser, customer: Customer, view: View) -> PageResult<Response> {
    let state = view.state;
    // The same address the API and the portal use, from the drawer's unsaved state; while the
    // custom domain (or, without one, the slug) is invalid, no address but a note saying why:
    // never a made-up one, and never the portal's own while another was asked for.
    let addressing = app.config.addressing();
    let (url_prefix, url_suffix) = addressing.around_slug();
    let portal_url = shared_address(&addressing, &state);
    let contrast_warning = match (
        Colour::parse("primary", &state.primary_color),
        Colour::parse("secondary", &state.secondary_color),
    ) {
        (Ok(primary), Ok(secondary)) => Theme::new(primary, secondary).weak_pair_warning(),
        _ => None,
    };
    let error_summary = view
        .errors
        .errors()
        .iter()
        .map(|e| {
            // Messages are sentences that name their field; the link goes to it.
            let (anchor, _) = locate(&e.field);
            (anchor, e.message.clone())
        })
        .collect();
    let status = if view.conflict.is_some() {
        StatusCode::CONFLICT
    } else if view.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let stored = portals::portal(&app.core, &user.actor(), customer.id).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let sso_configs: Vec<SsoSummary> = sso::sso_configs(&app.core, &user.actor(), customer.id)
        .await?
        .into_iter()
        .map(|config| SsoSummary {
            label: config.settings.label.clone(),
            provider_title: config.settings.provider.title(),
            enabled: config.settings.enabled,
            redirect_uri: app.config.sso_redirect_uri(&stored.settings, config.id),
            secret_warning: config.settings.secret_warning(today),
            edit_url: paths::customer_sso(customer.id, config.id),
            demo: crate::demo_idp::is_demo_discovery(
                &app.config.public_url,
                &config.settings.discovery_url(),
            ),
            last_failure: config.last_failure.as_ref().map(super::sso::FailureRow::of),
        })
        .collect();
    let has_enabled_sso = sso_configs.iter().any(|c| c.enabled);
    let sign_in_conflicts =
        history::customer_events(&app.core, &user.actor(), customer.id, EventKind::EndUserSignInConflict, 5)
            .await?
            .into_iter()
            .map(|event| SignInConflict {
                at: event.at.format(&Rfc3339).unwrap_or_default(),
                at_text: event.at.format(CONFLICT_TIME).unwrap_or_default(),
                summary: format!("{} (end user {})", event.summary(), event.subject_id),
            })
            .collect();
    let request_types = offered_types(app, user, customer.id)
        .await?
        .into_iter()
        .map(|offered| {
            (format!("request_type:{}", offered.request_type.id), offered.request_type.settings.name)
        })
        .collect();
    let page = DrawerPage {
        request_types,
        sign_in_conflicts,
        nav: user.nav("customers"),
        sso_configs,
        groups: usable_groups(app, &user.actor(), customer.id).await?,
        revisions: portals::portal_revisions(&app.core, &user.actor(), customer.id).await?,
        logo_url: (!state.logo_id.is_empty()).then(|| paths::logo(&state.logo_id)),
        action_url: paths::customer_portal(customer.id),
        preview_url: paths::customer_portal_preview(customer.id),
        read_only: !user.member.role.may_change_settings(),
        has_enabled_sso,
        customer,
        state,
        step: view.step,
        errors: view.errors,
        error_summary,
        notice: view.notice,
        conflict: view.conflict,
        url_prefix,
        url_suffix,
        portal_url,
        contrast_warning,
    };
    Ok((status, page).into_response())
}

/// The address to share for the drawer's state, or why there is none yet.
fn shared_address(addressing: &PortalAddressing, state: &DrawerState) -> Result<String, &'static str> {
    let typed_domain = state.custom_domain.trim();
    if !typed_domain.is_empty() {
        return Hostname::parse("custom_domain", typed_domain)
            .map(|domain| format!("https://{}/", domain.as_str()))
            .map_err(|_| NO_ADDRESS_DOMAIN);
    }
    Slug::parse("slug", &state.slug)
        .map(|slug| addressing.address(&slug, None).url())
        .map_err(|_| NO_ADDRESS_SLUG)
}

pub const NO_ADDRESS_DOMAIN: &str = "None yet: the custom domain is not a valid host name.";
pub const NO_ADDRESS_SLUG: &str = "None yet: the Portal URL is not valid.";

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    step: Option<u8>,
}

pub async fn show(
    State(app): State<AppState>,
    user: ConsoleUser,
    PageId(id): PageId,
    Query(query): Query<ShowQuery>,
) -> PageResult<Response> {
    let customer = customers::customer(&app.core, &user.actor(), id).await?;
    let portal = portals::portal(&app.core, &user.actor(), id).await?;
    let state = DrawerState::from_settings(&portal.settings, portal.logo_id.as_deref(), portal.revision);
    let step = if query.step == Some(2) { 2 } else { 1 };
    render(
        &app,
        &user,
        customer,
        View { state, step, errors: ValidationErrors::new(), notice: None, conflict: None },
    )
    .await
}

/// Takes a logo file that came with the form, whatever button was pressed: it is stored
/// (content-addressed) and chosen in the form, but the portal changes only on Save. A file too
/// large, or Upload without a file, is refused with the form's edits kept.
async fn take_logo(
    app: &AppState,
    submission: &DrawerSubmission,
    action: &Action,
    state: &mut DrawerState,
) -> Result<Option<String>, FieldError> {
    let bytes = match &submission.logo {
        ChosenLogo::File(bytes) => bytes.clone(),
        ChosenLogo::NotChosen if *action == Action::UploadLogo => {
            return Err(FieldError::new(
                "logo",
                "No logo file was chosen: choose an image with the file button, then press Upload.",
            ));
        }
        ChosenLogo::NotChosen => return Ok(None),
        ChosenLogo::TooLarge { size } => {
            return Err(FieldError::new(
                "logo",
                format!(
                    "The logo file is {:.1} MB; logos may be at most 2 MB. Choose a smaller image: your other changes are kept.",
                    *size as f64 / (1024.0 * 1024.0)
                ),
            ));
        }
    };
    if !submission.user.member.role.may_change_settings() {
        return Err(FieldError::new("logo", "Only admins may change the logo."));
    }
    let _permit = portico_core::attachments::stage::decode_permits()
        .acquire()
        .await
        .map_err(|_| FieldError::new("logo", "The logo could not be processed."))?;
    let processed = tokio::task::spawn_blocking(move || portico_core::logo::process(&bytes))
        .await
        .map_err(|_| FieldError::new("logo", "The logo could not be processed."))?
        .map_err(|e| FieldError::new("logo", e.to_string()))?;
    portals::keep_logo_upload(&app.core, &submission.user.actor(), &processed)
        .await
        .map_err(|_| FieldError::new("logo", "The logo could not be stored."))?;
    state.logo_id = processed.id;
    Ok(Some(format!(
        "Logo uploaded ({}×{}). It shows in the preview and is saved with the portal.",
        processed.width, processed.height
    )))
}

/// Validates the form as the drawer understands it: features switched off lose their buttons.
fn validated(state: &mut DrawerState) -> Result<PortalSettings, ValidationErrors> {
    state.drop_buttons_of_disabled_features();
    state.to_draft().validate()
}

pub async fn submit(
    State(app): State<AppState>,
    PageId(id): PageId,
    submission: DrawerSubmission,
) -> PageResult<Response> {
    let user = submission.user.clone();
    let customer = customers::customer(&app.core, &submission.user.actor(), id).await?;
    let mut state = DrawerState::from_pairs(&submission.pairs);
    let action = Action::parse(submission.field("action"));
    let mut step = if submission.field("step") == "2" { 2 } else { 1 };
    let mut errors = ValidationErrors::new();
    let mut notice = match take_logo(&app, &submission, &action, &mut state).await {
        Ok(notice) => notice,
        Err(error) => {
            errors.push(error);
            None
        }
    };
    state.apply(&action);
    if action == Action::AddRequestButton {
        add_request_button(&app, &user, id, &mut state, submission.field("add_request_type")).await?;
    }
    let mut conflict = None;
    match action {
        Action::Back => step = 1,
        Action::Next if errors.is_empty() => match validated(&mut state) {
            Ok(settings) => {
                // A slug or custom domain another portal has is found here, not only at Save.
                let taken = portals::address_conflicts(&app.core, id, &settings).await?;
                if !taken.is_empty() {
                    let view = View { state, step: 1, errors: taken, notice, conflict: None };
                    return render(&app, &user, customer, view).await;
                }
                state = DrawerState::from_settings(
                    &settings,
                    Some(&state.logo_id).filter(|l| !l.is_empty()).map(std::string::String::as_str),
                    state.revision,
                );
                step = 2;
            }
            Err(found) => {
                step = step_for(&found);
                errors = found;
            }
        },
        Action::Save if errors.is_empty() => {
            user.require_admin()?;
            match validated(&mut state) {
                Ok(settings) => {
                    let logo = Some(state.logo_id.as_str()).filter(|l| !l.is_empty());
                    match portals::save_portal(
                        &app.core,
                        &user.actor(),
                        id,
                        &settings,
                        Some(logo),
                        state.revision,
                    )
                    .await
                    {
                        Ok(saved) => {
                            let target = format!("{}?step=2", paths::customer_portal(id));
                            return Ok(flash::redirect(&target, Done::PortalSaved(saved.revision), None));
                        }
                        Err(UseCaseError::Stale { current, .. }) => {
                            let newer = portals::portal_revisions(&app.core, &user.actor(), id)
                                .await?
                                .into_iter()
                                .filter(|r| r.revision > state.revision)
                                .collect();
                            conflict = Some(Conflict { newer });
                            state.revision = current;
                        }
                        Err(UseCaseError::Conflict { field, message }) => {
                            errors.push(FieldError::new(field, message));
                            step = step_for(&errors);
                        }
                        Err(other) => return Err(other.into()),
                    }
                }
                Err(found) => {
                    step = step_for(&found);
                    errors = found;
                }
            }
        }
        Action::Preview => return preview_of(&customer, state).await,
        Action::AddLink => notice = Some("A new external link was added at the end of the list.".into()),
        _ => {}
    }
    render(&app, &user, customer, View { state, step, errors, notice, conflict }).await
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/preview_errors.html")]
struct PreviewErrors {
    customer_name: String,
    errors: Vec<(String, String)>,
}

async fn preview_of(customer: &Customer, mut state: DrawerState) -> PageResult<Response> {
    match validated(&mut state) {
        Ok(settings) => {
            let logo = Some(state.logo_id.as_str()).filter(|l| !l.is_empty());
            Ok(portal_view::preview_response(customer, &settings, logo)?)
        }
        Err(errors) => {
            let errors = errors.errors().iter().map(|e| {
                let (_, label) = locate(&e.field);
                (label, e.message.clone())
            });
            let page = PreviewErrors { customer_name: customer.name.clone(), errors: errors.collect() };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// View Preview: the form's current, unsaved state, rendered as the live portal would.
pub async fn preview(
    State(app): State<AppState>,
    PageId(id): PageId,
    submission: DrawerSubmission,
) -> PageResult<Response> {
    let customer = customers::customer(&app.core, &submission.user.actor(), id).await?;
    let mut state = DrawerState::from_pairs(&submission.pairs);
    let action = Action::parse(submission.field("action"));
    state.apply(&action);
    if let Err(error) = take_logo(&app, &submission, &action, &mut state).await {
        let page = PreviewErrors {
            customer_name: customer.name.clone(),
            errors: vec![("Logo".into(), error.message)],
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    preview_of(&customer, state).await
}

/// The `{id}` and `{n}` of a revision restore path.
pub struct RevisionPath {
    customer_id: Uuid,
    number: i64,
}

impl<S: Send + Sync> FromRequestParts<S> for RevisionPath {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<(Uuid, i64)>::from_request_parts(parts, state)
            .await
            .map(|Path((customer_id, number))| Self { customer_id, number })
            .map_err(|_| AppError::NotFound("revision").into())
    }
}

#[derive(Debug, Deserialize)]
pub struct RestoreForm {
    revision: i64,
}

pub async fn restore(
    State(app): State<AppState>,
    path: RevisionPath,
    ConsoleForm { user, form }: ConsoleForm<RestoreForm>,
) -> PageResult<Response> {
    user.require_admin()?;
    let restored = portals::restore_revision(
        &app.core,
        &user.actor(),
        path.customer_id,
        path.number,
        Some(form.revision),
    )
    .await?;
    let target = paths::customer_portal(path.customer_id);
    Ok(flash::redirect(&target, Done::PortalRestored(restored.revision), None))
}
