//! Team members and their password hashes.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::{RowExt, Store, StoreError, StoreResult, Tx, now_ms, unique_as};
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::page::{Cursor, Page, PageRequest, like_pattern};
use crate::domain::team::{NewTeamMember, Role, TeamMember, TeamMemberChanges};
use crate::domain::text::sort_key;

fn team_member(row: &AnyRow) -> StoreResult<TeamMember> {
    let role = row.text("role")?;
    Ok(TeamMember {
        id: row.uuid("id")?,
        email: EmailAddress::from_trusted(row.text("email")?),
        name: row.text("name")?,
        role: role.parse::<Role>().map_err(|_| StoreError::Corrupt(format!("role {role}")))?,
        active: row.flag("active")?,
        created_at: row.time("created_at")?,
    })
}

impl Store {
    pub async fn create_team_member(
        &self,
        new: &NewTeamMember,
        password_hash: &str,
        actor: &Actor,
    ) -> StoreResult<TeamMember> {
        let mut tx = self.begin_write().await?;
        let id = Uuid::now_v7();
        let now = now_ms();
        let row = sqlx::query(
            "INSERT INTO team_members (id, email, name, sort_key, role, password_hash, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING *",
        )
        .bind(id.to_string())
        .bind(new.email.as_str())
        .bind(&new.name)
        .bind(sort_key(&new.name))
        .bind(new.role.as_str())
        .bind(password_hash)
        .bind(true)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_as("email", "a team member with this e-mail address already exists"))?;
        let member = team_member(&row)?;
        let summary = format!("created {} ({})", member.email, member.role);
        tx.record(actor, NewEvent::new(EventKind::TeamMemberCreated, id, summary)).await?;
        tx.commit().await?;
        Ok(member)
    }

    pub async fn team_member(&self, id: Uuid) -> StoreResult<TeamMember> {
        let row = sqlx::query("SELECT * FROM team_members WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("team member"))?;
        team_member(&row)
    }

    /// The member and their password hash, for signing in.
    pub async fn team_member_credentials(
        &self,
        email: &EmailAddress,
    ) -> StoreResult<Option<(TeamMember, String)>> {
        let row = sqlx::query("SELECT * FROM team_members WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| Ok((team_member(&row)?, row.text("password_hash")?))).transpose()
    }

    pub async fn team_member_by_email(&self, email: &EmailAddress) -> StoreResult<TeamMember> {
        Ok(self.team_member_credentials(email).await?.ok_or(StoreError::not_found("team member"))?.0)
    }

    pub async fn list_team_members(
        &self,
        search: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<TeamMember>> {
        let (after_key, after_id) = after(page);
        let rows = sqlx::query(
            "SELECT * FROM team_members
             WHERE ($1 IS NULL OR sort_key LIKE $1 ESCAPE '\\' OR email LIKE $1 ESCAPE '\\')
               AND ($2 IS NULL OR (sort_key, id) > ($2, $3))
             ORDER BY sort_key, id LIMIT $4",
        )
        .bind(search.filter(|s| !s.trim().is_empty()).map(like_pattern))
        .bind(after_key)
        .bind(after_id)
        .bind(i64::from(page.limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let members = rows.iter().map(team_member).collect::<StoreResult<Vec<_>>>()?;
        Ok(page.page_from(members, |m| Cursor { sort_key: sort_key(&m.name), id: m.id.to_string() }))
    }

    /// All active team members' ids: the membership of the Everyone group.
    pub async fn active_team_member_ids(&self) -> StoreResult<Vec<Uuid>> {
        let rows = sqlx::query("SELECT id FROM team_members WHERE active = $1 ORDER BY id")
            .bind(true)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| row.uuid("id")).collect()
    }

    pub async fn count_team_members(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM team_members").fetch_one(&self.pool).await?;
        row.int("n")
    }

    /// Changes a team member. Refused when it would leave no active admin; deactivating ends the
    /// member's console sessions (their API tokens stop working while they are inactive).
    pub async fn update_team_member(
        &self,
        id: Uuid,
        changes: &TeamMemberChanges,
        actor: &Actor,
    ) -> StoreResult<TeamMember> {
        let mut tx = self.begin_write().await?;
        // Changes to who is an admin wait for each other (SQLite's write lock does this already;
        // in PostgreSQL the built-in group's row serves as the lock), so two admins demoting each
        // other at once cannot leave nobody in charge.
        sqlx::query("UPDATE assignment_groups SET updated_at = updated_at WHERE builtin = $1")
            .bind(true)
            .execute(&mut *tx)
            .await?;
        let before = sqlx::query("SELECT * FROM team_members WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::not_found("team member"))?;
        let was_active_admin = team_member(&before).map(|m| m.active && m.role == Role::Admin)?;
        let row = sqlx::query(
            "UPDATE team_members SET
               name = COALESCE($2, name),
               sort_key = COALESCE($3, sort_key),
               role = COALESCE($4, role),
               active = COALESCE($5, active),
               updated_at = $6
             WHERE id = $1 RETURNING *",
        )
        .bind(id.to_string())
        .bind(changes.name.as_deref())
        .bind(changes.name.as_deref().map(sort_key))
        .bind(changes.role.map(Role::as_str))
        .bind(changes.active)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let member = team_member(&row)?;
        if was_active_admin && changes.takes_away_admin() {
            let admins =
                sqlx::query("SELECT COUNT(*) AS n FROM team_members WHERE role = $1 AND active = $2")
                    .bind(Role::Admin.as_str())
                    .bind(true)
                    .fetch_one(&mut *tx)
                    .await?
                    .int("n")?;
            if admins == 0 {
                let field = if changes.active == Some(false) { "active" } else { "role" };
                return Err(StoreError::conflict(field, "Portico needs at least one active admin"));
            }
        }
        if changes.active == Some(false) {
            end_console_sessions(&mut tx, id, None).await?;
        }
        audit_change(&mut tx, actor, id, &changes.summary()).await?;
        tx.commit().await?;
        Ok(member)
    }

    /// Sets a new password hash and ends the member's console sessions, all of them or all but
    /// `keep_session` (the hash of the session that made the change).
    pub async fn set_team_member_password(
        &self,
        id: Uuid,
        password_hash: &str,
        actor: &Actor,
        keep_session: Option<&str>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE team_members SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(now_ms())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("team member"));
        }
        // A new password ends the sessions opened with the old one.
        end_console_sessions(&mut tx, id, keep_session).await?;
        audit_change(&mut tx, actor, id, PASSWORD_CHANGED).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Ends a member's console sessions: all, or all but `keep` (a session token's hash).
async fn end_console_sessions(tx: &mut AnyConnection, id: Uuid, keep: Option<&str>) -> StoreResult<()> {
    sqlx::query("DELETE FROM console_sessions WHERE team_member_id = $1 AND token_hash <> $2")
        .bind(id.to_string())
        .bind(keep.unwrap_or_default())
        .execute(&mut *tx)
        .await?;
    Ok(())
}

async fn audit_change(tx: &mut Tx, actor: &Actor, id: Uuid, summary: &str) -> StoreResult<()> {
    let kind = if summary == PASSWORD_CHANGED {
        EventKind::TeamMemberPasswordChanged
    } else {
        EventKind::TeamMemberUpdated
    };
    tx.record(actor, NewEvent::new(kind, id, summary)).await?;
    Ok(())
}

const PASSWORD_CHANGED: &str = "changed password";

/// The keyset position of a page request as bind values.
pub(crate) fn after(page: &PageRequest) -> (Option<String>, Option<String>) {
    match &page.after {
        Some(cursor) => (Some(cursor.sort_key.clone()), Some(cursor.id.clone())),
        None => (None, None),
    }
}
