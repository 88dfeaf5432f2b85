//! Submitting a ticket, my tickets, and each ticket's public conversation. What may be done
//! is the tickets use cases' to decide; these handlers translate forms into calls and results
//! into pages.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::chrome::{Chrome, ticketing_closed};
use super::extract::{PortalError, PortalForm, PortalResult, PortalUpload, PortalUser};
use super::pages;
use crate::downloads;
use crate::state::AppState;
use crate::ticket_forms::ShareForm;
use portico_core::paths::portal;
use portico_core::usecases::UseCaseError;
use portico_core::usecases::attachments;
use portico_core::usecases::end_users;
use portico_core::usecases::tickets::{self, Files, TicketRequest, Visibility};
use portico_domain::attachment::Attachment;
use portico_domain::end_user::EndUser;
use portico_domain::page::PageRequest;
use portico_domain::secret::random_token;
use portico_domain::ticket::{ContactSource, Status, Ticket, TicketDraft, TicketType, Urgency};
use portico_domain::timeline::Entry;
use portico_domain::validation::{FieldError, ValidationErrors};

#[derive(Debug, Default, Deserialize)]
pub struct TicketForm {
    #[serde(default)]
    submission: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    short_description: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    urgency: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/ticket_new.html")]
struct NewPage {
    chrome: Chrome,
    file_limit: String,
    form: TicketForm,
    errors: ValidationErrors,
    types: &'static [TicketType],
    urgencies: &'static [Urgency],
}

impl NewPage {
    fn new(state: &AppState, user: &PortalUser, form: TicketForm, errors: ValidationErrors) -> Self {
        Self {
            chrome: user.chrome(),
            file_limit: state.core.attachments().settings.file_limit_text(),
            form,
            errors,
            types: TicketType::ALL,
            urgencies: Urgency::ALL,
        }
    }

    /// The form again, with the refused files named.
    fn files_refused(state: &AppState, user: &PortalUser, form: TicketForm, message: String) -> Response {
        let mut errors = ValidationErrors::new();
        errors.push(FieldError::new("files", message));
        (StatusCode::PAYLOAD_TOO_LARGE, Self::new(state, user, form, errors)).into_response()
    }

    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }
}

/// Ticket pages exist only while the portal takes tickets.
fn open_for_tickets(user: &PortalUser) -> Result<(), PortalError> {
    ticketing_closed(&user.live).map_or(Ok(()), |page| Err(page.into()))
}

/// The page for an end user who submitted too many tickets in a short time.
pub(super) fn too_many_submissions(user: &PortalUser) -> Response {
    pages::message(
        &user.live,
        pages::Message {
            status: StatusCode::TOO_MANY_REQUESTS,
            title: "That is a lot of tickets at once".into(),
            text: "You have submitted many tickets in the last few minutes. Please wait a little, or add to one of your tickets instead.".into(),
            action: Some(pages::Action { label: "My tickets".into(), href: user.live.link(portal::TICKETS) }),
        },
    )
}

/// `/tickets/new/other`: the plain form ("Something else" under the catalogue).
pub async fn new_form(State(state): State<AppState>, user: PortalUser) -> PortalResult {
    open_for_tickets(&user)?;
    let offered = portico_core::usecases::request_types::plain_form_offered(
        &state.core,
        &user.actor(),
        user.live.customer.id,
    )
    .await
    .map_err(|e| user.fail(e))?;
    if !offered {
        return Err(user.fail(UseCaseError::NotFound("ticket form")));
    }
    Ok(plain_form(&state, &user))
}

/// The plain ticket form, empty.
pub fn plain_form(state: &AppState, user: &PortalUser) -> Response {
    let form = TicketForm { submission: random_token("sub"), urgency: "medium".into(), ..Default::default() };
    NewPage::new(state, user, form, ValidationErrors::new()).into_response()
}

pub async fn submit(
    State(state): State<AppState>,
    PortalUpload { user, form, files, upload_error }: PortalUpload<TicketForm>,
) -> PortalResult {
    open_for_tickets(&user)?;
    if let Some(message) = upload_error {
        return Ok(NewPage::files_refused(&state, &user, form, message));
    }
    let request = TicketRequest {
        draft: TicketDraft {
            kind: Some(form.kind.clone()),
            short_description: Some(form.short_description.clone()),
            description: Some(form.description.clone()),
            urgency: Some(form.urgency.clone()),
        },
        customer_id: user.live.customer.id,
        requester_id: user.session.end_user.id,
        assignment_group_id: None,
        source: ContactSource::Portal,
        submission_key: Some(form.submission.clone()),
        typed: None,
    };
    let files = Files { attachments: state.core.attachments(), staged: files };
    match tickets::submit_from_portal(&state.core, &user.visit, request, files).await {
        Ok(submitted) => {
            let target = user.live.link(&format!("{}?submitted=1", portal::ticket(submitted.ticket.id)));
            Ok(Redirect::to(&target).into_response())
        }
        Err(UseCaseError::Invalid(errors)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, NewPage::new(&state, &user, form, errors)).into_response())
        }
        Err(UseCaseError::TooLarge { message, .. }) => {
            Ok(NewPage::files_refused(&state, &user, form, message))
        }
        Err(UseCaseError::RateLimited { .. }) => Ok(too_many_submissions(&user)),
        Err(error) => Err(user.fail(error)),
    }
}

/// A ticket in "My tickets": one's own, or one a colleague shared (who asked is shown).
pub struct ListRow {
    pub ticket: Ticket,
    /// The requester's name when it is someone else.
    pub shared_by: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/ticket_list.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<ListRow>,
    next_page: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: PortalUser,
    Query(query): Query<ListQuery>,
) -> PortalResult {
    open_for_tickets(&user)?;
    user.kept_page(&state, async || ticket_list(&state, &user, query).await).await
}

async fn ticket_list(state: &AppState, user: &PortalUser, query: ListQuery) -> PortalResult {
    let page = PageRequest::parse(query.cursor.as_deref(), Some(20)).map_err(|bad| {
        let back = pages::Action { label: "My tickets".into(), href: user.live.link(portal::TICKETS) };
        PortalError::bad_link(&user.live, bad, back)
    })?;
    let found = tickets::my_tickets(&state.core, &user.actor(), &page).await.map_err(|e| user.fail(e))?;
    let me = user.session.end_user.id;
    let others = found.items.iter().map(|t| t.requester_id).filter(|id| *id != me);
    let names =
        end_users::end_user_names(&state.core, &user.actor(), others).await.map_err(|e| user.fail(e))?;
    let next_page = super::company::next_link(user, "/tickets", &[], found.next_cursor);
    let rows = found
        .items
        .into_iter()
        .map(|ticket| ListRow { shared_by: names.get(&ticket.requester_id).cloned(), ticket })
        .collect();
    Ok(ListPage { chrome: user.chrome(), rows, next_page }.into_response())
}

/// The `{ticket_id}` of a ticket path; anything else is "not found".
#[derive(Deserialize)]
#[serde(from = "TicketParam")]
pub struct TicketId(Uuid);

#[derive(Deserialize)]
struct TicketParam {
    ticket_id: Uuid,
}

impl From<TicketParam> for TicketId {
    fn from(param: TicketParam) -> Self {
        Self(param.ticket_id)
    }
}

crate::path::path_values! { TicketId => Response = not_found_plain(); }

fn not_found_plain() -> Response {
    pages::plain_message(StatusCode::NOT_FOUND, "Ticket not found", "There is no such ticket among yours.")
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/ticket.html")]
struct TicketPage {
    chrome: Chrome,
    ticket: Ticket,
    me: Uuid,
    requester_name: String,
    followers: Vec<EndUser>,
    /// The requester and managers may share the ticket with colleagues.
    may_share: bool,
    share: ShareForm,
    share_error: Option<String>,
    /// Messages and status changes, oldest first.
    entries: Vec<Entry>,
    /// The ticket's own files (those of a message show with it).
    files: Vec<Attachment>,
    file_limit: String,
    submitted: bool,
    reply: String,
    reply_error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TicketQuery {
    submitted: Option<String>,
}

/// What the page shows besides the ticket: a refused reply's text, or a refused share's.
#[derive(Default)]
struct Refusals {
    reply: (String, Option<String>),
    share: (ShareForm, Option<String>),
}

/// The ticket page: a ticket of this portal the end user may see (theirs, shared with them,
/// or any of the company's for a manager), or "not found" (never "forbidden": ids must not leak).
async fn ticket_page(
    state: &AppState,
    user: &PortalUser,
    id: Uuid,
    submitted: bool,
    refusals: Refusals,
) -> PortalResult {
    let actor = user.actor();
    let tickets::TicketTimeline { ticket, entries, files } =
        tickets::timeline(&state.core, &actor, id).await.map_err(|e| user.fail(e))?;
    let followers = tickets::followers_of(&state.core, &actor, id).await.map_err(|e| user.fail(e))?;
    let me = user.session.end_user.id;
    let requester_name = if ticket.requester_id == me {
        user.session.end_user.name.clone()
    } else {
        end_users::end_user(&state.core, &actor, ticket.requester_id)
            .await
            .map(|u| u.name)
            .unwrap_or_default()
    };
    let may_share = ticket.requester_id == me || actor.as_manager().is_some();
    let Refusals { reply: (reply, reply_error), share: (share, share_error) } = refusals;
    let refused = reply_error.is_some() || share_error.is_some();
    let status = if refused { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = TicketPage {
        chrome: user.chrome(),
        me,
        requester_name,
        followers,
        may_share,
        share,
        share_error,
        ticket,
        entries,
        files,
        file_limit: state.core.attachments().settings.file_limit_text(),
        submitted,
        reply,
        reply_error,
    };
    Ok((status, page).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    user: PortalUser,
    TicketId(id): TicketId,
    Query(query): Query<TicketQuery>,
) -> PortalResult {
    open_for_tickets(&user)?;
    ticket_page(&state, &user, id, query.submitted.is_some(), Refusals::default()).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
}

pub async fn reply(
    State(state): State<AppState>,
    TicketId(id): TicketId,
    PortalUpload { user, form, files, upload_error }: PortalUpload<ReplyForm>,
) -> PortalResult {
    open_for_tickets(&user)?;
    if let Some(message) = upload_error {
        let refusals = Refusals { reply: (form.body, Some(message)), ..Default::default() };
        return ticket_page(&state, &user, id, false, refusals).await;
    }
    let files = Files { attachments: state.core.attachments(), staged: files };
    match tickets::comment_with_files(&state.core, &user.actor(), id, &form.body, Visibility::Public, files)
        .await
    {
        Ok(_) => Ok(Redirect::to(&user.live.link(&format!("{}#latest", portal::ticket(id)))).into_response()),
        Err(UseCaseError::Invalid(errors)) => {
            let message = errors.errors().first().map(|e| e.message.clone());
            let refusals = Refusals { reply: (form.body, message), ..Default::default() };
            ticket_page(&state, &user, id, false, refusals).await
        }
        Err(UseCaseError::TooLarge { message, .. }) => {
            let refusals = Refusals { reply: (form.body, Some(message)), ..Default::default() };
            ticket_page(&state, &user, id, false, refusals).await
        }
        Err(error) => Err(user.fail(error)),
    }
}

/// `/tickets/{ticket_id}/files/{file_id}`: a file of one's own ticket, as a download.
pub async fn file(
    state: State<AppState>,
    user: PortalUser,
    params: Path<HashMap<String, String>>,
) -> PortalResult {
    serve_file(state, user, params, false).await
}

/// `/tickets/{ticket_id}/files/{file_id}/thumbnail`: an image file's preview.
pub async fn file_thumbnail(
    state: State<AppState>,
    user: PortalUser,
    params: Path<HashMap<String, String>>,
) -> PortalResult {
    serve_file(state, user, params, true).await
}

async fn serve_file(
    State(state): State<AppState>,
    user: PortalUser,
    Path(params): Path<HashMap<String, String>>,
    thumbnail: bool,
) -> PortalResult {
    open_for_tickets(&user)?;
    let id = |key: &str| params.get(key).and_then(|raw| Uuid::parse_str(raw).ok());
    let (Some(ticket_id), Some(file_id)) = (id("ticket_id"), id("file_id")) else {
        return Ok(not_found_plain());
    };
    let attachment = match attachments::file_for(&state.core, &user.actor(), file_id).await {
        Ok(attachment) if attachment.ticket_id == ticket_id => attachment,
        Ok(_) | Err(UseCaseError::NotFound(_)) => return Ok(not_found_plain()),
        Err(error) => return Err(user.fail(error)),
    };
    let served = if thumbnail {
        downloads::thumbnail(state.core.attachments(), &attachment).await
    } else {
        downloads::content(state.core.attachments(), &attachment).await
    };
    served.map_err(|error| user.fail(UseCaseError::Internal(error)))
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    action: String,
}

/// Closing and reopening one's own ticket.
pub async fn change_status(
    State(state): State<AppState>,
    TicketId(id): TicketId,
    PortalForm { user, form }: PortalForm<StatusForm>,
) -> PortalResult {
    open_for_tickets(&user)?;
    let status = match form.action.as_str() {
        "close" => Status::Closed,
        "reopen" => Status::New,
        _ => return Err(user.fail(UseCaseError::field("action", "The action must be close or reopen."))),
    };
    match tickets::change_status(&state.core, &user.actor(), id, status).await {
        // Closing a closed ticket (a second click) changes nothing and is no error.
        Ok(_) | Err(UseCaseError::Invalid(_)) => {
            Ok(Redirect::to(&user.live.link(&portal::ticket(id))).into_response())
        }
        Err(error) => Err(user.fail(error)),
    }
}

/// Shares the ticket with a colleague, by their e-mail address.
pub async fn share(
    State(state): State<AppState>,
    TicketId(id): TicketId,
    PortalForm { user, form }: PortalForm<ShareForm>,
) -> PortalResult {
    open_for_tickets(&user)?;
    match tickets::add_follower_by_email(&state.core, &user.actor(), id, &form.email).await {
        Ok(_) => {
            Ok(Redirect::to(&user.live.link(&format!("{}#followers", portal::ticket(id)))).into_response())
        }
        Err(UseCaseError::Invalid(errors)) => {
            let message = errors.errors().first().map(|e| e.message.clone());
            let refusals = Refusals { share: (form, message), ..Default::default() };
            ticket_page(&state, &user, id, false, refusals).await
        }
        Err(error) => Err(user.fail(error)),
    }
}

/// Stops sharing the ticket with someone (or, for a follower, stops following it).
pub async fn unshare(
    State(state): State<AppState>,
    TicketId(id): TicketId,
    Path(params): Path<HashMap<String, String>>,
    PortalForm { user, form: _ }: PortalForm<HashMap<String, String>>,
) -> PortalResult {
    open_for_tickets(&user)?;
    let Some(person) = params.get("end_user_id").and_then(|raw| Uuid::parse_str(raw).ok()) else {
        return Ok(not_found_plain());
    };
    let actor = user.actor();
    tickets::remove_follower(&state.core, &actor, id, person).await.map_err(|e| user.fail(e))?;
    // Someone who stopped following a ticket they may no longer see goes back to their list.
    let target = match tickets::ticket_for(&state.core, &actor, id).await {
        Ok(_) => user.live.link(&format!("{}#followers", portal::ticket(id))),
        Err(_) => user.live.link(portal::TICKETS),
    };
    Ok(Redirect::to(&target).into_response())
}
