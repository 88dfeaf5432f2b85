//! The technicians' side of tickets: the queue, and each ticket with replies, internal notes,
//! status, group and assignee.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::directory;
use super::flash::{self, Done};
use super::layout::Nav;
use super::page_error::{PageError, PageResult};
use super::session::{ConsoleForm, ConsoleUpload, ConsoleUser, PageId};
use crate::downloads;
use crate::error::AppError;
use crate::state::AppState;
use crate::ticket_forms::ShareForm;
use portico_core::paths;
use portico_core::usecases::UseCaseError;
use portico_core::usecases::attachments;
use portico_core::usecases::customers;
use portico_core::usecases::end_users;
use portico_core::usecases::groups;
use portico_core::usecases::request_types;
use portico_core::usecases::team;
use portico_core::usecases::tickets::{self, Files, Visibility};
use portico_domain::attachment::Attachment;
use portico_domain::customer::Customer;
use portico_domain::end_user::EndUser;
use portico_domain::group::AssignmentGroup;
use portico_domain::outbox::{DeliveryState, OutboxEntry};
use portico_domain::page::PageRequest;
use portico_domain::team::TeamMember;
use portico_domain::ticket::{Comment, Status, Ticket};
use portico_domain::ticket::{TicketChanges, TicketFilter};
use portico_domain::validation::{FieldError, ValidationErrors};

/// A queue row with names instead of ids.
pub struct Row {
    pub ticket: Ticket,
    pub customer: String,
    pub requester: String,
    pub group: String,
    pub assignee: String,
}

impl Row {
    /// How long ago the ticket was opened, in the largest whole unit.
    pub fn age(&self) -> String {
        let age = time::OffsetDateTime::now_utc() - self.ticket.created_at;
        match (age.whole_days(), age.whole_hours(), age.whole_minutes()) {
            (days, _, _) if days >= 1 => format!("{days} d"),
            (_, hours, _) if hours >= 1 => format!("{hours} h"),
            (_, _, minutes) => format!("{} min", minutes.max(1)),
        }
    }
}

/// Saved views of the queue: (key, label).
const VIEWS: &[(&str, &str)] =
    &[("mine", "My open tickets"), ("unassigned", "Unassigned"), ("waiting", "Waiting on customer")];

#[derive(Template, WebTemplate)]
#[template(path = "admin/tickets/list.html")]
struct QueuePage {
    nav: Nav,
    rows: Vec<Row>,
    groups: Vec<AssignmentGroup>,
    customers: Vec<Customer>,
    group: String,
    status: String,
    customer: String,
    /// The request type filter (a type id) and its choices, by name.
    request_type: String,
    request_types: Vec<(Uuid, String)>,
    /// Words searched for in the ticket's text and its answers.
    q: String,
    statuses: &'static [Status],
    next_page: Option<String>,
    /// The saved view shown, if one is.
    view: String,
    views: &'static [(&'static str, &'static str)],
}

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    /// A saved view: `mine` (open tickets assigned to me), `unassigned` (open, nobody
    /// assigned), `waiting` (on hold: waiting on the customer). It replaces the filters.
    view: Option<String>,
    /// `mine` (default: the groups I belong to), `all`, or a group id.
    group: Option<String>,
    /// Empty: open tickets; `all`; or one status.
    status: Option<String>,
    customer: Option<String>,
    /// A request type id: only tickets filed through it.
    request_type: Option<String>,
    /// Words in the short description, the description or the answers, or a ticket number.
    q: Option<String>,
    cursor: Option<String>,
}

impl QueuePage {
    /// A saved view's link, keeping the search and the request type filter.
    fn view_link(&self, view: &str) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if !view.is_empty() {
            query.append_pair("view", view);
        }
        if !self.q.is_empty() {
            query.append_pair("q", &self.q);
        }
        if !self.request_type.is_empty() {
            query.append_pair("request_type", &self.request_type);
        }
        let query = query.finish();
        if query.is_empty() { paths::TICKETS.to_string() } else { format!("{}?{query}", paths::TICKETS) }
    }
}

pub async fn queue(
    State(state): State<AppState>,
    user: ConsoleUser,
    Query(query): Query<QueueQuery>,
) -> PageResult<Response> {
    let group = query.group.clone().unwrap_or_else(|| "mine".into());
    let status = query.status.clone().unwrap_or_default();
    let customer = query.customer.clone().unwrap_or_default();
    let assignment_group_ids = match group.as_str() {
        "all" => None,
        "mine" => Some(groups::groups_of_member(&state.core, &user.actor(), user.member.id).await?),
        raw => Some(vec![
            Uuid::parse_str(raw)
                .map_err(|_| FieldError::new("group", "The group filter does not name a group."))?,
        ]),
    };
    let mut filter = TicketFilter { assignment_group_ids, ..Default::default() };
    match status.as_str() {
        "" => filter.open_only = true,
        "all" => {}
        raw => filter.status = Some(Status::parse(raw)?),
    }
    if !customer.is_empty() {
        filter.customer_id = Some(
            Uuid::parse_str(&customer)
                .map_err(|_| FieldError::new("customer", "The customer filter does not name a customer."))?,
        );
    }
    let view = query.view.clone().unwrap_or_default();
    filter = match view.as_str() {
        "" => filter,
        "mine" => TicketFilter { assignee_id: Some(user.member.id), open_only: true, ..Default::default() },
        "unassigned" => TicketFilter { unassigned: true, open_only: true, ..Default::default() },
        "waiting" => TicketFilter { status: Some(Status::OnHold), ..Default::default() },
        _ => return Err(FieldError::new("view", "The view must be mine, unassigned or waiting.").into()),
    };
    // The search and the request type narrow a saved view as well as the filters.
    let q = query.q.clone().unwrap_or_default().trim().to_string();
    if !q.is_empty() {
        filter.search = Some(q.clone());
    }
    let request_type = query.request_type.clone().unwrap_or_default();
    if !request_type.is_empty() {
        filter.request_type_id = Some(Uuid::parse_str(&request_type).map_err(|_| {
            FieldError::new("request_type", "The request type filter does not name a request type.")
        })?);
    }
    let page = PageRequest::parse(query.cursor.as_deref(), Some(50))?;
    let found = tickets::list_tickets(&state.core, &user.actor(), &filter, &page).await?;
    // The filters offer every group and customer; the rows are labelled with one query per
    // kind of name, for the ids on this page only.
    let groups = directory::groups(&state, &user.actor(), None).await?;
    let customers = directory::customers(&state, &user.actor()).await?;
    let group_names: HashMap<Uuid, &str> = groups.iter().map(|g| (g.id, g.name.as_str())).collect();
    let customer_names =
        customers::customer_names(&state.core, &user.actor(), found.items.iter().map(|t| t.customer_id))
            .await?;
    let member_names =
        team::team_member_names(&state.core, &user.actor(), found.items.iter().filter_map(|t| t.assignee_id))
            .await?;
    let requester_names =
        end_users::end_user_names(&state.core, &user.actor(), found.items.iter().map(|t| t.requester_id))
            .await?;
    let rows = found
        .items
        .into_iter()
        .map(|ticket| Row {
            customer: customer_names.get(&ticket.customer_id).cloned().unwrap_or_else(|| "—".into()),
            requester: requester_names.get(&ticket.requester_id).cloned().unwrap_or_else(|| "—".into()),
            group: group_names.get(&ticket.assignment_group_id).unwrap_or(&"—").to_string(),
            assignee: ticket
                .assignee_id
                .and_then(|id| member_names.get(&id).cloned())
                .unwrap_or_else(|| "Unassigned".into()),
            ticket,
        })
        .collect();
    let next_page = found.next_cursor.map(|cursor| {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("view", &view)
            .append_pair("group", &group)
            .append_pair("status", &status)
            .append_pair("customer", &customer)
            .append_pair("request_type", &request_type)
            .append_pair("q", &q)
            .append_pair("cursor", &cursor)
            .finish();
        format!("{}?{query}", paths::TICKETS)
    });
    Ok(QueuePage {
        nav: user.nav("tickets"),
        rows,
        groups,
        customers,
        group,
        status,
        customer,
        request_type,
        request_types: request_types::list_request_types(&state.core, &user.actor())
            .await?
            .into_iter()
            .map(|t| (t.id, t.settings.name))
            .collect(),
        q,
        statuses: Status::ALL,
        next_page,
        view,
        views: VIEWS,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/tickets/show.html")]
struct TicketPage {
    nav: Nav,
    ticket: Ticket,
    customer: Customer,
    requester: EndUser,
    followers: Vec<EndUser>,
    comments: Vec<Comment>,
    groups: Vec<AssignmentGroup>,
    members: Vec<TeamMember>,
    statuses: &'static [Status],
    errors: ValidationErrors,
    draft: String,
    /// The mail sent about the ticket, newest first.
    mail: Vec<OutboxEntry>,
    files: Vec<Attachment>,
    file_limit: String,
    /// The name of the request type the ticket was filed through, while the type exists.
    request_type: Option<String>,
}

impl TicketPage {
    fn delivery(&self, mail: &OutboxEntry) -> &'static str {
        match mail.state {
            DeliveryState::Sent => "Sent",
            DeliveryState::Queued if mail.last_error.is_some() => "Retrying",
            DeliveryState::Queued | DeliveryState::Sending => "Sending",
            DeliveryState::Failed => "Not delivered",
        }
    }

    fn error(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or_default()
    }

    /// A time of day people read at a glance; the console's script shows it in the viewer's
    /// time zone.
    fn when(&self, at: &time::OffsetDateTime) -> String {
        at.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC"))
            .unwrap_or_default()
    }

    fn written_by_requester(&self, comment: &Comment) -> bool {
        comment.author_kind == portico_domain::ticket::AuthorKind::EndUser
    }

    /// The description without the answers it begins with (they are listed above it): what the
    /// requester added in their own words.
    fn own_words(&self) -> &str {
        let answers = portico_domain::request_type::answers_text(&self.ticket.answers);
        match self.ticket.description.strip_prefix(&answers) {
            Some(rest) if !self.ticket.answers.is_empty() => rest.trim(),
            _ => &self.ticket.description,
        }
    }

    fn is_assignee(&self, id: &Uuid) -> bool {
        self.ticket.assignee_id == Some(*id)
    }
}

async fn ticket_page(
    state: &AppState,
    user: &ConsoleUser,
    id: Uuid,
    errors: ValidationErrors,
    draft: String,
) -> PageResult<Response> {
    let ticket = tickets::ticket(&state.core, &user.actor(), id).await?;
    let customer = customers::customer(&state.core, &user.actor(), ticket.customer_id).await?;
    let requester = end_users::end_user(&state.core, &user.actor(), ticket.requester_id).await?;
    let comments = tickets::comments(&state.core, &user.actor(), id).await?;
    let groups = directory::groups(state, &user.actor(), Some(ticket.customer_id)).await?;
    let group = groups::group(&state.core, &user.actor(), ticket.assignment_group_id).await?;
    let members = directory::team_members(state, &user.actor())
        .await?
        .into_iter()
        .filter(|m| m.active && group.member_ids.contains(&m.id))
        .collect();
    let request_type = match ticket.request_type_id {
        Some(type_id) => match request_types::request_type(&state.core, &user.actor(), type_id).await {
            Ok(found) => Some(found.settings.name),
            Err(portico_core::usecases::UseCaseError::NotFound(_)) => None,
            Err(other) => return Err(other.into()),
        },
        None => None,
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = TicketPage {
        nav: user.nav("tickets"),
        ticket,
        customer,
        requester,
        followers: tickets::followers_of(&state.core, &user.actor(), id).await.map_err(AppError::from)?,
        comments,
        groups,
        members,
        statuses: Status::ALL,
        errors,
        draft,
        mail: tickets::mail_of_ticket(&state.core, &user.actor(), id).await?,
        files: attachments::files_of(&state.core, &user.actor(), id).await.map_err(AppError::from)?,
        file_limit: state.core.attachments().settings.file_limit_text(),
        request_type,
    };
    Ok((status, page).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    ticket_page(&state, &user, id, ValidationErrors::new(), String::new()).await
}

#[derive(Debug, Default, Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    body: String,
    /// `public` (a reply the requester sees) or `internal`.
    #[serde(default)]
    visibility: String,
}

pub async fn comment(
    State(state): State<AppState>,
    PageId(id): PageId,
    ConsoleUpload { user, form, files, upload_error }: ConsoleUpload<CommentForm>,
) -> PageResult<Response> {
    let visibility = if form.visibility == "internal" { Visibility::Internal } else { Visibility::Public };
    if let Some(message) = upload_error {
        let mut errors = ValidationErrors::new();
        errors.push(FieldError::new("files", message));
        return ticket_page(&state, &user, id, errors, form.body).await;
    }
    let files = Files { attachments: state.core.attachments(), staged: files };
    match tickets::comment_with_files(&state.core, &user.actor(), id, &form.body, visibility, files).await {
        Ok(_) => {
            let done =
                if visibility == Visibility::Internal { Done::TicketNoted } else { Done::TicketReplied };
            Ok(flash::redirect(&paths::ticket(id), done, Some("latest")))
        }
        Err(UseCaseError::TooLarge { message, .. }) => {
            let mut errors = ValidationErrors::new();
            errors.push(FieldError::new("files", message));
            ticket_page(&state, &user, id, errors, form.body).await
        }
        Err(error) => {
            let errors = PageError::from(AppError::from(error)).into_form_errors()?;
            ticket_page(&state, &user, id, errors, form.body).await
        }
    }
}

/// Shares the ticket with a colleague of the requester, by e-mail address.
pub async fn share(
    State(state): State<AppState>,
    PageId(id): PageId,
    ConsoleForm { user, form }: ConsoleForm<ShareForm>,
) -> PageResult<Response> {
    match tickets::add_follower_by_email(&state.core, &user.actor(), id, &form.email).await {
        Ok(follower) => {
            Ok(flash::redirect(&paths::ticket(id), Done::FollowerAdded(follower.id), Some("followers")))
        }
        Err(error) => {
            let errors = PageError::from(AppError::from(error)).into_form_errors()?;
            ticket_page(&state, &user, id, errors, String::new()).await
        }
    }
}

/// Stops sharing the ticket with a follower.
pub async fn unshare(
    State(state): State<AppState>,
    Path((id, end_user_id)): Path<(Uuid, Uuid)>,
    ConsoleForm { user, form: _ }: ConsoleForm<std::collections::HashMap<String, String>>,
) -> PageResult<Response> {
    tickets::remove_follower(&state.core, &user.actor(), id, end_user_id).await.map_err(AppError::from)?;
    Ok(flash::redirect(&paths::ticket(id), Done::FollowerRemoved(end_user_id), Some("followers")))
}

/// A ticket's file, as a download.
pub async fn file(
    State(state): State<AppState>,
    user: ConsoleUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    let attachment = attachments::file_for(&state.core, &user.actor(), id).await.map_err(AppError::from)?;
    Ok(downloads::content(state.core.attachments(), &attachment).await.map_err(AppError::Internal)?)
}

/// An image file's preview.
pub async fn file_thumbnail(
    State(state): State<AppState>,
    user: ConsoleUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    let attachment = attachments::file_for(&state.core, &user.actor(), id).await.map_err(AppError::from)?;
    Ok(downloads::thumbnail(state.core.attachments(), &attachment).await.map_err(AppError::Internal)?)
}

#[derive(Debug, Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    assignment_group_id: String,
    #[serde(default)]
    assignee_id: String,
}

pub async fn update(
    State(state): State<AppState>,
    PageId(id): PageId,
    ConsoleForm { user, form }: ConsoleForm<UpdateForm>,
) -> PageResult<Response> {
    let current = tickets::ticket(&state.core, &user.actor(), id).await?;
    let mut errors = ValidationErrors::new();
    let status = errors.check(Status::parse(&form.status));
    let group = errors.check(
        Uuid::parse_str(form.assignment_group_id.trim())
            .map_err(|_| FieldError::new("assignment_group_id", "Choose an assignment group.")),
    );
    let assignee = match form.assignee_id.trim() {
        "" => Some(None),
        raw => errors.check(
            Uuid::parse_str(raw)
                .map(Some)
                .map_err(|_| FieldError::new("assignee_id", "Choose a team member as the assignee.")),
        ),
    };
    let Some(group) = group.filter(|_| errors.is_empty()) else {
        return ticket_page(&state, &user, id, errors, String::new()).await;
    };
    let changes = TicketChanges {
        status,
        assignment_group_id: Some(group),
        // A new group starts unassigned unless the assignee belongs to it.
        assignee_id: if group == current.assignment_group_id { assignee } else { None },
        urgency: None,
    };
    match tickets::update_ticket(&state.core, &user.actor(), id, changes).await {
        Ok(_) => Ok(flash::redirect(&paths::ticket(id), Done::TicketUpdated, None)),
        Err(error) => {
            let errors = PageError::from(AppError::from(error)).into_form_errors()?;
            ticket_page(&state, &user, id, errors, String::new()).await
        }
    }
}
