//! The End User Portal setup drawer: step 1 (settings), step 2 (landing page layout),
//! View Preview at every step, revisions with restore. Plain form posts do everything;
//! `static/drawer.js` only adds drag-and-drop, in-place reordering and a live preview panel.

mod page;
pub mod state;
pub mod submission;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;

use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use self::page::*;
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
#[derive(Deserialize)]
#[serde(from = "(Uuid, i64)")]
pub struct RevisionPath {
    customer_id: Uuid,
    number: i64,
}

impl From<(Uuid, i64)> for RevisionPath {
    fn from((customer_id, number): (Uuid, i64)) -> Self {
        Self { customer_id, number }
    }
}

crate::path::path_values! { RevisionPath => PageError = AppError::NotFound("revision").into(); }

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
