//! Tickets and their conversations. End users' reads always name the customer and requester.

use sqlx::any::AnyRow;
use uuid::Uuid;

use super::conditions::{Conditions, Keyed};
use super::{RowExt, Store, StoreError, StoreResult, Tx, now_ms, unique_as};
use portico_domain::group::EVERYONE_ID;
use portico_domain::page::{Cursor, Page, PageRequest};
use portico_domain::request_type::{Answer, answers_text};
use portico_domain::secret::TokenHash;
use portico_domain::ticket::{
    AuthorKind, Comment, ContactSource, NewTicket, Status, Ticket, TicketScope, TicketType, Urgency,
    display_number,
};
pub use portico_domain::ticket::{TicketChanges, TicketFilter};

fn ticket(row: &AnyRow) -> StoreResult<Ticket> {
    let corrupt = |what: &str, raw: String| StoreError::Corrupt(format!("{what} {raw}"));
    let kind = row.text("kind")?;
    let urgency = row.text("urgency")?;
    let status = row.text("status")?;
    let source = row.text("contact_source")?;
    Ok(Ticket {
        id: row.uuid("id")?,
        number: display_number(row.int("number")?),
        customer_id: row.uuid("customer_id")?,
        requester_id: row.uuid("requester_id")?,
        kind: TicketType::parse(&kind).map_err(|_| corrupt("type", kind))?,
        short_description: row.text("short_description")?,
        description: row.text("description")?,
        urgency: Urgency::parse(&urgency).map_err(|_| corrupt("urgency", urgency))?,
        status: Status::parse(&status).map_err(|_| corrupt("status", status))?,
        assignment_group_id: row.uuid("assignment_group_id")?,
        assignee_id: row.opt_uuid("assignee_id")?,
        contact_source: ContactSource::parse(&source).map_err(|_| corrupt("contact source", source))?,
        request_type_id: row.opt_uuid("request_type_id")?,
        answers: match row.opt_text("answers")? {
            Some(json) => serde_json::from_str(&json).map_err(|e| corrupt("answers", e.to_string()))?,
            None => Vec::new(),
        },
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

fn comment(row: &AnyRow) -> StoreResult<Comment> {
    Ok(Comment {
        id: row.uuid("id")?,
        ticket_id: row.uuid("ticket_id")?,
        body: row.text("body")?,
        public: row.flag("public")?,
        author_kind: {
            let raw = row.text("author_kind")?;
            AuthorKind::parse(&raw).map_err(|_| StoreError::Corrupt(format!("author kind {raw}")))?
        },
        author_id: row.uuid("author_id")?,
        author_name: row.text("author_name")?,
        created_at: row.time("created_at")?,
    })
}

/// Who writes a comment.
pub struct Author<'a> {
    pub kind: AuthorKind,
    pub id: Uuid,
    pub name: &'a str,
}

/// Everything a new ticket needs besides its own fields.
pub struct Submission<'a> {
    pub customer_id: Uuid,
    pub requester_id: Uuid,
    pub assignment_group_id: Uuid,
    pub source: ContactSource,
    /// The form's one-time token (hashed): a second submit with it finds the first ticket.
    pub submission_key: Option<&'a TokenHash>,
    /// The request type and the answers to its form, when filed through one.
    pub request_type: Option<(Uuid, &'a [Answer])>,
}

/// Tickets an end user asked for or follows; `?` is the end user.
const INVOLVING: &str =
    "(requester_id = ? OR id IN (SELECT ticket_id FROM ticket_followers WHERE end_user_id = ?))";

/// A ticket's new state, decided by the use case: every field is written.
pub struct TicketState {
    pub status: Status,
    pub urgency: Urgency,
    pub assignment_group_id: Uuid,
    pub assignee_id: Option<Uuid>,
}

/// Lists sort open tickets first, then by last change, newest first.
fn rank(ticket: &Ticket) -> i64 {
    i64::from(ticket.status.is_open())
}

fn list_cursor(ticket: &Ticket) -> Cursor {
    let updated = (ticket.updated_at.unix_timestamp_nanos() / 1_000_000) as i64;
    Cursor { sort_key: format!("{}:{updated}", rank(ticket)), id: ticket.id.to_string() }
}

impl Store {
    pub async fn ticket_by_submission(&self, key: &TokenHash) -> StoreResult<Option<Ticket>> {
        let row = sqlx::query("SELECT * FROM tickets WHERE submission_key = $1")
            .bind(key.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(ticket).transpose()
    }

    pub async fn ticket(&self, id: Uuid) -> StoreResult<Ticket> {
        let row = sqlx::query("SELECT * FROM tickets WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("ticket"))?;
        ticket(&row)
    }

    /// A ticket of this customer, or nothing: what more an end user may see is the use case's.
    pub async fn ticket_of_customer(&self, id: Uuid, customer_id: Uuid) -> StoreResult<Ticket> {
        let row = sqlx::query("SELECT * FROM tickets WHERE id = $1 AND customer_id = $2")
            .bind(id.to_string())
            .bind(customer_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("ticket"))?;
        ticket(&row)
    }

    pub async fn list_tickets(&self, filter: &TicketFilter, page: &PageRequest) -> StoreResult<Page<Ticket>> {
        const OPEN_RANK: &str = "CASE WHEN status IN ('resolved', 'closed') THEN 0 ELSE 1 END";
        let mut conditions = Conditions::default();
        if let Some(id) = filter.customer_id {
            conditions.text("customer_id = ?", id.to_string());
        }
        if let Some(id) = filter.requester_id {
            conditions.text("requester_id = ?", id.to_string());
        }
        if let Some(status) = filter.status {
            conditions.text("status = ?", status.as_str());
        }
        if filter.open_only {
            conditions.fixed("status NOT IN ('resolved', 'closed')");
        }
        if let Some(id) = filter.assignee_id {
            conditions.text("assignee_id = ?", id.to_string());
        }
        if filter.unassigned {
            conditions.fixed("assignee_id IS NULL");
        }
        if let Some(groups) = &filter.assignment_group_ids {
            conditions.any_of("assignment_group_id", groups.iter().map(Uuid::to_string));
        }
        if let Some(id) = filter.request_type_id {
            conditions.text("request_type_id = ?", id.to_string());
        }
        if let Some(id) = filter.involving {
            conditions.text_each(INVOLVING, id.to_string());
        }
        if let Some(who) = filter.requester_matching.as_deref().filter(|s| !s.trim().is_empty()) {
            let pattern = conditions.like_placeholder(who)?;
            let customer = match filter.customer_id {
                Some(id) => format!(" AND customer_id = {}", conditions.text_placeholder(id.to_string())),
                None => String::new(),
            };
            conditions.raw(format!(
                "requester_id IN (SELECT id FROM end_users WHERE (sort_key LIKE {pattern} ESCAPE '\\' \
                 OR LOWER(email) LIKE {pattern} ESCAPE '\\'){customer})"
            ));
        }
        if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
            match portico_domain::ticket::parse_number(search) {
                Some(number) => {
                    conditions.int("number = ?", number);
                }
                None => {
                    conditions.like_any(
                        &["LOWER(short_description)", "LOWER(description)", "answers_text"],
                        Some(search),
                    )?;
                }
            }
        }
        if let Some(cursor) = &page.after {
            let (rank, updated) = cursor.sort_key.split_once(':').unwrap_or(("0", "0"));
            let key = vec![
                Keyed::Int(rank.parse().unwrap_or(0)),
                Keyed::Int(updated.parse().unwrap_or(0)),
                Keyed::Text(cursor.id.clone()),
            ];
            conditions.before(&format!("{OPEN_RANK}, updated_at, id"), key);
        }
        let sql = format!(
            "SELECT *, {OPEN_RANK} AS open_rank FROM tickets{}
             ORDER BY open_rank DESC, updated_at DESC, id DESC LIMIT {}",
            conditions.clause(),
            conditions.next_placeholder()
        );
        let rows = conditions.query(sql).bind(i64::from(page.limit) + 1).fetch_all(&self.pool).await?;
        let tickets = rows.iter().map(ticket).collect::<StoreResult<Vec<_>>>()?;
        Ok(page.page_from(tickets, list_cursor))
    }

    /// The conversation, oldest first; internal notes only when asked for.
    pub async fn comments(&self, ticket_id: Uuid, include_internal: bool) -> StoreResult<Vec<Comment>> {
        let rows = sqlx::query(
            "SELECT * FROM ticket_comments WHERE ticket_id = $1 AND (public = $2 OR $3 = 1) ORDER BY created_at, id",
        )
        .bind(ticket_id.to_string())
        .bind(true)
        .bind(i64::from(include_internal))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(comment).collect()
    }

    /// Open tickets, and how many of them nobody is assigned to.
    pub async fn open_ticket_counts(&self) -> StoreResult<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS open, COALESCE(SUM(CASE WHEN assignee_id IS NULL THEN 1 ELSE 0 END), 0) AS unassigned \
             FROM tickets WHERE status NOT IN ('resolved', 'closed')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.int("open")?, row.int("unassigned")?))
    }

    pub async fn comment(&self, id: Uuid) -> StoreResult<Comment> {
        let row = sqlx::query("SELECT * FROM ticket_comments WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("comment"))?;
        comment(&row)
    }

    /// A ticket by its number (`T-000123` is number 123).
    pub async fn ticket_by_number(&self, number: i64) -> StoreResult<Option<Ticket>> {
        let row = sqlx::query("SELECT * FROM tickets WHERE number = $1")
            .bind(number)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(ticket).transpose()
    }

    /// The active team members of a group (every active member for Everyone).
    pub async fn active_group_members(&self, group_id: Uuid) -> StoreResult<Vec<Uuid>> {
        let rows = if group_id == EVERYONE_ID {
            sqlx::query("SELECT id FROM team_members WHERE active = $1 ORDER BY id")
                .bind(true)
                .fetch_all(&self.pool)
                .await?
        } else {
            sqlx::query(
                "SELECT m.id AS id FROM assignment_group_members g JOIN team_members m ON m.id = g.team_member_id \
                 WHERE g.group_id = $1 AND m.active = $2 ORDER BY m.id",
            )
            .bind(group_id.to_string())
            .bind(true)
            .fetch_all(&self.pool)
            .await?
        };
        rows.iter().map(|row| row.uuid("id")).collect()
    }

    /// The tickets within `scope` whose number, short description or description contains
    /// every word, most recently changed first. (The newest 500 of the scope are read: an end
    /// user's own are few; a manager's search looks at the company's recent tickets.)
    pub async fn search_tickets(
        &self,
        customer_id: Uuid,
        scope: TicketScope,
        words: &[String],
        limit: usize,
    ) -> StoreResult<Vec<Ticket>> {
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut conditions = Conditions::default();
        conditions.text("customer_id = ?", customer_id.to_string());
        if let TicketScope::Involving(user) = scope {
            conditions.text_each(INVOLVING, user.to_string());
        }
        let sql = format!("SELECT * FROM tickets{} ORDER BY updated_at DESC LIMIT 500", conditions.clause());
        let rows = conditions.query(sql).fetch_all(&self.pool).await?;
        let mut found = Vec::new();
        for row in &rows {
            let ticket = ticket(row)?;
            let haystack = format!("{} {} {}", ticket.number, ticket.short_description, ticket.description)
                .to_lowercase();
            if words.iter().all(|w| haystack.contains(w.as_str())) {
                found.push(ticket);
                if found.len() >= limit {
                    break;
                }
            }
        }
        Ok(found)
    }

    /// The groups a team member belongs to (Everyone included).
    pub async fn groups_of(&self, member_id: Uuid) -> StoreResult<Vec<Uuid>> {
        let rows = sqlx::query("SELECT group_id FROM assignment_group_members WHERE team_member_id = $1")
            .bind(member_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        let mut groups: Vec<Uuid> = rows.iter().map(|r| r.uuid("group_id")).collect::<StoreResult<_>>()?;
        groups.push(EVERYONE_ID);
        Ok(groups)
    }
}

impl Tx {
    /// Creates a ticket with the next instance-wide number. A submission key already used is a
    /// conflict on `submission_key` (the same form sent twice at once).
    pub async fn insert_ticket(
        &mut self,
        new: &NewTicket,
        submission: &Submission<'_>,
    ) -> StoreResult<Ticket> {
        let number = sqlx::query(
            "UPDATE ticket_numbers SET last_value = last_value + 1 WHERE id = 1 RETURNING last_value",
        )
        .fetch_one(&mut **self)
        .await?
        .int("last_value")?;
        let now = now_ms();
        let row = sqlx::query(
            "INSERT INTO tickets (id, number, customer_id, requester_id, kind, short_description, description, urgency,
                                  status, assignment_group_id, assignee_id, contact_source, submission_key, created_at, updated_at,
                                  request_type_id, answers, answers_text)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $12, $13, $13, $14, $15, $16) RETURNING *",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(number)
        .bind(submission.customer_id.to_string())
        .bind(submission.requester_id.to_string())
        .bind(new.kind.as_str())
        .bind(&new.short_description)
        .bind(&new.description)
        .bind(new.urgency.as_str())
        .bind(Status::New.as_str())
        .bind(submission.assignment_group_id.to_string())
        .bind(submission.source.as_str())
        .bind(submission.submission_key.map(TokenHash::as_str))
        .bind(now)
        .bind(submission.request_type.map(|(id, _)| id.to_string()))
        .bind(submission.request_type.map(|(_, answers)| super::json_text(answers, "answers")).transpose()?)
        .bind(submission.request_type.map(|(_, answers)| answers_text(answers).to_lowercase()))
        .fetch_one(&mut **self)
        .await
        .map_err(unique_as("submission_key", "This form was already submitted."))?;
        ticket(&row)
    }

    /// How many tickets an end user submitted since `since_ms`. Taken inside the transaction
    /// that adds the next one, after [`Tx::hold_end_user`], so a burst cannot race past a limit.
    pub async fn recent_submissions(&mut self, requester_id: Uuid, since_ms: i64) -> StoreResult<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM tickets WHERE requester_id = $1 AND created_at > $2")
            .bind(requester_id.to_string())
            .bind(since_ms)
            .fetch_one(&mut **self)
            .await?
            .int("n")
    }

    /// Makes other transactions about this end user wait until this one ends (SQLite's write
    /// lock does so already; in PostgreSQL the end user's row is the lock).
    pub async fn hold_end_user(&mut self, id: Uuid) -> StoreResult<()> {
        sqlx::query("UPDATE end_users SET id = id WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    /// The ticket, locked against concurrent changes until this transaction ends.
    pub async fn ticket_for_update(&mut self, id: Uuid) -> StoreResult<Ticket> {
        let row = sqlx::query("UPDATE tickets SET updated_at = updated_at WHERE id = $1 RETURNING *")
            .bind(id.to_string())
            .fetch_optional(&mut **self)
            .await?
            .ok_or(StoreError::not_found("ticket"))?;
        ticket(&row)
    }

    pub async fn write_ticket_state(&mut self, id: Uuid, state: &TicketState) -> StoreResult<Ticket> {
        let row = sqlx::query(
            "UPDATE tickets SET status = $2, urgency = $3, assignment_group_id = $4, assignee_id = $5, updated_at = $6
             WHERE id = $1 RETURNING *",
        )
        .bind(id.to_string())
        .bind(state.status.as_str())
        .bind(state.urgency.as_str())
        .bind(state.assignment_group_id.to_string())
        .bind(state.assignee_id.map(|m| m.to_string()))
        .bind(now_ms())
        .fetch_one(&mut **self)
        .await?;
        ticket(&row)
    }

    pub async fn insert_comment(
        &mut self,
        ticket_id: Uuid,
        author: &Author<'_>,
        body: &str,
        public: bool,
    ) -> StoreResult<Comment> {
        let now = now_ms();
        let row = sqlx::query(
            "INSERT INTO ticket_comments (id, ticket_id, body, public, author_kind, author_id, author_name, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(ticket_id.to_string())
        .bind(body)
        .bind(public)
        .bind(author.kind.as_str())
        .bind(author.id.to_string())
        .bind(author.name)
        .bind(now)
        .fetch_one(&mut **self)
        .await?;
        sqlx::query("UPDATE tickets SET updated_at = $2 WHERE id = $1")
            .bind(ticket_id.to_string())
            .bind(now)
            .execute(&mut **self)
            .await?;
        comment(&row)
    }

    /// Whether `member` belongs to the group (every active team member belongs to Everyone).
    pub async fn is_group_member(&mut self, group_id: Uuid, member_id: Uuid) -> StoreResult<bool> {
        let row = if group_id == EVERYONE_ID {
            sqlx::query("SELECT 1 AS found FROM team_members WHERE id = $1 AND active = $2")
                .bind(member_id.to_string())
                .bind(true)
                .fetch_optional(&mut **self)
                .await?
        } else {
            sqlx::query(
                "SELECT 1 AS found FROM assignment_group_members WHERE group_id = $1 AND team_member_id = $2",
            )
            .bind(group_id.to_string())
            .bind(member_id.to_string())
            .fetch_optional(&mut **self)
            .await?
        };
        Ok(row.is_some())
    }

    /// The customer a group is limited to (`None`: a global group), or not found.
    pub async fn group_owner(&mut self, group_id: Uuid) -> StoreResult<Option<Uuid>> {
        let row = sqlx::query("SELECT customer_id FROM assignment_groups WHERE id = $1")
            .bind(group_id.to_string())
            .fetch_optional(&mut **self)
            .await?
            .ok_or(StoreError::not_found("assignment group"))?;
        row.opt_uuid("customer_id")
    }
}
