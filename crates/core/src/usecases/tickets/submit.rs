//! Filing a ticket: the requester, the form or the request type and its answers, the receiving
//! group, the submission limits, and the files that come with it.

use super::*;
use crate::usecases::portal_sign_in::Visit;
use portico_domain::request_type::Offered;
use portico_domain::validation::ValidationErrors;

/// End users may submit this many tickets in ten minutes.
pub const SUBMISSIONS_PER_TEN_MINUTES: i64 = 10;
const SUBMISSION_WINDOW_SECS: u64 = 600;

/// A new ticket as a front door received it.
#[derive(Debug, Clone)]
pub struct TicketRequest {
    pub draft: TicketDraft,
    pub customer_id: Uuid,
    pub requester_id: Uuid,
    /// `None`: the customer's portal's default group.
    pub assignment_group_id: Option<Uuid>,
    pub source: ContactSource,
    /// The form's one-time token: the same form submitted twice makes one ticket.
    pub submission_key: Option<String>,
    /// Filed through a request type, with the answers to its form.
    pub typed: Option<TypedRequest>,
}

/// A request type chosen from the catalogue and the answers to its form, as typed.
#[derive(Debug, Clone)]
pub struct TypedRequest {
    pub request_type_id: Uuid,
    pub answers: RawAnswers,
}

/// The ticket, and whether this request created it (`false`: the form had been submitted).
#[derive(Debug)]
pub struct Submitted {
    pub ticket: Ticket,
    pub created: bool,
}

pub async fn submit_ticket(cx: &Context, actor: &Actor, request: TicketRequest) -> UseCaseResult<Submitted> {
    submit(cx, actor, request, None).await
}

/// A new ticket with files, in one transaction.
pub async fn submit_ticket_with_files(
    cx: &Context,
    actor: &Actor,
    request: TicketRequest,
    files: Files<'_>,
) -> UseCaseResult<Submitted> {
    submit(cx, actor, request, Some(files)).await
}

/// What became of a request type's form sent from the portal: the ticket, or the form again
/// with each refusal at its field, and the type as the customer has it, read once.
#[derive(Debug)]
pub enum FormOutcome {
    Filed(Submitted),
    Refused { offered: Offered, errors: ValidationErrors },
}

/// Files a ticket through a request type's form (`request.typed`), reading the type as the
/// customer has it once, for the ticket and, when the form is refused, for showing it again.
pub async fn submit_request_form(
    cx: &Context,
    visit: &Visit,
    request: TicketRequest,
    files: Files<'_>,
) -> UseCaseResult<FormOutcome> {
    let actor = &visit.actor();
    check_submitter(actor, &request)?;
    let typed = request
        .typed
        .as_ref()
        .ok_or_else(|| UseCaseError::field("request_type_id", "Choose a request type."))?;
    let offered =
        crate::usecases::request_types::offered_for(cx.store(), request.customer_id, typed.request_type_id)
            .await?
            .ok_or(UseCaseError::NotFound("request type"))?;
    let refused = |offered, errors| Ok(FormOutcome::Refused { offered, errors });
    let typed = match typed_from(&offered, &request, typed) {
        Ok(typed) => typed,
        Err(UseCaseError::Invalid(errors)) => return refused(offered, errors),
        Err(other) => return Err(other),
    };
    match file(cx, actor, &request, Some(typed), Some(files), Some(visit)).await {
        Ok(submitted) => Ok(FormOutcome::Filed(submitted)),
        Err(UseCaseError::Invalid(errors)) => refused(offered, errors),
        Err(UseCaseError::TooLarge { message, .. }) => {
            refused(offered, FieldError::new("files", message).into())
        }
        Err(other) => Err(other),
    }
}

/// End users file only for themselves, in their own organisation; the team for anyone.
fn check_submitter(actor: &Actor, request: &TicketRequest) -> UseCaseResult<()> {
    match actor.as_end_user() {
        Some((user_id, customer_id)) => {
            if user_id != request.requester_id || customer_id != request.customer_id {
                return Err(UseCaseError::NotFound("end user"));
            }
            Ok(())
        }
        None => Ok(actor.require_team()?),
    }
}

async fn submit(
    cx: &Context,
    actor: &Actor,
    request: TicketRequest,
    files: Option<Files<'_>>,
) -> UseCaseResult<Submitted> {
    check_submitter(actor, &request)?;
    let typed = match &request.typed {
        Some(typed) => {
            let not_offered = || {
                UseCaseError::field(
                    "request_type_id",
                    "No request type with this ID is offered to this customer.",
                )
            };
            let offered = crate::usecases::request_types::offered_for(
                cx.store(),
                request.customer_id,
                typed.request_type_id,
            )
            .await?
            .ok_or_else(not_offered)?;
            Some(typed_from(&offered, &request, typed)?)
        }
        None => None,
    };
    file(cx, actor, &request, typed, files, None).await
}

/// Files a ticket through the portal's own form (no request type), for the end user of `visit`.
pub async fn submit_from_portal(
    cx: &Context,
    visit: &Visit,
    request: TicketRequest,
    files: Files<'_>,
) -> UseCaseResult<Submitted> {
    let actor = &visit.actor();
    check_submitter(actor, &request)?;
    if request.typed.is_some() {
        return Err(UseCaseError::field(
            "request_type_id",
            "A request type's form is sent to its own address.",
        ));
    }
    file(cx, actor, &request, None, Some(files), Some(visit)).await
}

/// What a visit says of the requester's customer and portal, instead of reading them: the
/// requester is the visiting end user, and ticketing must be on.
fn ticketing_of(
    visit: &Visit,
    request: &TicketRequest,
) -> UseCaseResult<portico_domain::portal::document::Ticketing> {
    if visit.session().end_user.id != request.requester_id || visit.customer().id != request.customer_id {
        return Err(UseCaseError::NotFound("end user"));
    }
    let ticketing = visit.portal().settings.features.ticketing.clone();
    if !ticketing.enabled {
        return Err(UseCaseError::NotFound("ticketing feature"));
    }
    Ok(ticketing)
}

/// Files the ticket, its type (if any) already read and its answers checked.
async fn file(
    cx: &Context,
    actor: &Actor,
    request: &TicketRequest,
    typed: Option<Typed>,
    files: Option<Files<'_>>,
    visit: Option<&Visit>,
) -> UseCaseResult<Submitted> {
    let store = cx.store();
    // A visit vouches for the customer, the requester and the portal's set-up: nothing to re-read.
    let visited = visit.map(|visit| ticketing_of(visit, request)).transpose()?;
    // In the portal, the plain form exists only where the portal offers it.
    if actor.is_end_user() && typed.is_none() && request.source == ContactSource::Portal {
        let offered = match &visited {
            Some(ticketing) if ticketing.plain_form => true,
            Some(_) => {
                crate::usecases::request_types::catalogue(cx, actor, request.customer_id).await?.is_empty()
            }
            None => {
                crate::usecases::request_types::plain_form_offered(cx, actor, request.customer_id).await?
            }
        };
        if !offered {
            return Err(UseCaseError::NotFound("ticket form"));
        }
    }
    let new = match &typed {
        Some(typed) => typed.new.clone(),
        None => request.draft.clone().into_new()?,
    };
    // The key is the requester's own: another user's form token can never find their ticket.
    let key = request
        .submission_key
        .as_deref()
        .filter(|key| !key.is_empty())
        .map(|key| portico_domain::secret::hash_token(&format!("{}:{key}", request.requester_id)));
    if let Some(key) = &key
        && let Some(existing) = store.ticket_by_submission(key).await?
    {
        return Ok(Submitted { ticket: existing, created: false });
    }
    let group = match typed.as_ref().and_then(|typed| typed.assignment_group_id) {
        // The type's (or the customer's own) group, unless the team chose one.
        Some(group) if request.assignment_group_id.is_none() || actor.is_end_user() => {
            check_requester(store, request).await?;
            open_ticketing(store, actor, request.customer_id).await?;
            group
        }
        _ => receiving_group(store, actor, request).await?,
    };
    let submission = Submission {
        customer_id: request.customer_id,
        requester_id: request.requester_id,
        assignment_group_id: group,
        source: request.source,
        submission_key: key.as_ref(),
        request_type: typed.as_ref().map(|typed| (typed.request_type_id, typed.answers.as_slice())),
    };
    if let Some(files) = &files {
        attachments::put_contents(store, files.attachments, None, &files.staged).await?;
    }
    let mut tx = store.begin_write().await?;
    if actor.is_end_user() {
        check_submission_limit(&mut tx, request.requester_id).await?;
    }
    let ticket = match tx.insert_ticket(&new, &submission).await {
        Ok(ticket) => ticket,
        Err(StoreError::Conflict { field: "submission_key", .. }) => {
            // The same form, submitted twice at once: the other request made the ticket.
            tx.rollback().await?;
            let existing = match &key {
                Some(key) => store.ticket_by_submission(key).await?,
                None => None,
            };
            return Ok(Submitted {
                ticket: existing.ok_or(UseCaseError::NotFound("ticket"))?,
                created: false,
            });
        }
        Err(other) => return Err(other.into()),
    };
    let event = NewEvent::new(EventKind::TicketCreated, ticket.id, format!("submitted {}", ticket.number))
        .for_customer(ticket.customer_id)
        .with("number", ticket.number.as_str())
        .with("requester_id", ticket.requester_id.to_string())
        .with("assignment_group_id", ticket.assignment_group_id.to_string())
        .with("contact_source", ticket.contact_source.as_str());
    tx.record(actor, event).await?;
    if let Some(files) = &files {
        attachments::record_files(&mut tx, files.attachments, actor, &ticket, None, &files.staged, true)
            .await?;
    }
    tx.commit().await?;
    Ok(Submitted { ticket, created: true })
}

/// A ticket filed through a request type: what it says, and where it goes.
struct Typed {
    request_type_id: Uuid,
    new: portico_domain::ticket::NewTicket,
    answers: Vec<Answer>,
    assignment_group_id: Option<Uuid>,
}

/// The ticket a type's form makes: only answers its form asks for, each checked for its kind.
fn typed_from(offered: &Offered, request: &TicketRequest, typed: &TypedRequest) -> UseCaseResult<Typed> {
    let settings = &offered.request_type.settings;
    let answers = answer(&settings.fields, &typed.answers)?;
    // What the requester adds in their own words goes after the answers.
    let mut description = answers_text(&answers);
    if let Some(words) = request.draft.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(words);
    }
    let urgency = match request.draft.urgency.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(raw) => portico_domain::ticket::Urgency::parse(raw)?,
        None => settings.default_urgency,
    };
    let short_description = match request.draft.short_description.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => portico_domain::text::bounded(
            "short_description",
            text,
            1,
            portico_domain::ticket::SHORT_DESCRIPTION_MAX,
            false,
        )?,
        _ => settings.name.clone(),
    };
    let new = portico_domain::ticket::NewTicket {
        kind: settings.ticket_type,
        short_description,
        description: portico_domain::text::bounded(
            "description",
            &description,
            0,
            portico_domain::ticket::DESCRIPTION_MAX,
            true,
        )?,
        urgency,
    };
    Ok(Typed {
        request_type_id: offered.request_type.id,
        new,
        answers,
        assignment_group_id: offered.assignment_group_id,
    })
}

/// The requester must be an active end user of the customer, and the customer not archived:
/// an archived customer's people open nothing, by any path.
async fn check_requester(store: &Store, request: &TicketRequest) -> UseCaseResult<()> {
    let customer = store
        .customer(request.customer_id)
        .await
        .map_err(|_| UseCaseError::field("customer_id", "No customer has this customer ID."))?;
    if customer.archived {
        return Err(UseCaseError::field("customer_id", "The customer is archived; restore it first."));
    }
    let requester = store.end_user(request.requester_id).await.ok();
    if !requester.is_some_and(|user| user.customer_id == request.customer_id && user.active) {
        return Err(UseCaseError::field(
            "requester_id",
            "The requester must be an active end user of the customer.",
        ));
    }
    Ok(())
}

/// The customer's portal's ticketing settings; end users file tickets only while it is on.
async fn open_ticketing(
    store: &Store,
    actor: &Actor,
    customer_id: Uuid,
) -> UseCaseResult<portico_domain::portal::document::Ticketing> {
    let ticketing = store.portal(customer_id).await?.settings.features.ticketing;
    if actor.is_end_user() && !ticketing.enabled {
        return Err(UseCaseError::NotFound("ticketing feature"));
    }
    Ok(ticketing)
}

/// The requester must be an end user of the customer, and the group one that serves it: the
/// one asked for (team only), else the portal's default group.
async fn receiving_group(store: &Store, actor: &Actor, request: &TicketRequest) -> UseCaseResult<Uuid> {
    check_requester(store, request).await?;
    if let Some(group) = request.assignment_group_id.filter(|_| !actor.is_end_user()) {
        let found = store
            .group(group)
            .await
            .map_err(|_| UseCaseError::field("assignment_group_id", "No assignment group has this ID."))?;
        if !found.serves(request.customer_id) {
            return Err(UseCaseError::field(
                "assignment_group_id",
                "The assignment group belongs to another customer.",
            ));
        }
        return Ok(group);
    }
    let ticketing = open_ticketing(store, actor, request.customer_id).await?;
    ticketing.default_assignment_group_id.ok_or_else(|| {
        UseCaseError::field(
            "assignment_group_id",
            "An assignment group is required: the customer's portal has no default group.",
        )
    })
}

/// Counted inside the transaction that adds the ticket, with the end user held, so a burst of
/// parallel submissions cannot race past the limit.
async fn check_submission_limit(tx: &mut Tx, requester_id: Uuid) -> UseCaseResult<()> {
    tx.hold_end_user(requester_id).await?;
    let since = OffsetDateTime::now_utc() - time::Duration::seconds(SUBMISSION_WINDOW_SECS as i64);
    let recent = tx.recent_submissions(requester_id, portico_store::to_ms(since)).await?;
    if recent >= SUBMISSIONS_PER_TEN_MINUTES {
        return Err(UseCaseError::RateLimited { retry_after_secs: SUBMISSION_WINDOW_SECS });
    }
    Ok(())
}
