//! Team members and their password hashes.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use uuid::Uuid;

use super::conditions::Conditions;
use super::{RowExt, Store, StoreError, StoreResult, Tx, now_ms, unique_as};
use portico_domain::email::EmailAddress;
use portico_domain::page::{Cursor, Page, PageRequest};
use portico_domain::secret::TokenHash;
use portico_domain::team::{NewTeamMember, Role, TeamMember, TeamMemberChanges};
use portico_domain::text::sort_key;

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
        let mut conditions = Conditions::default();
        conditions.like_any(&["sort_key", "email"], search)?.after_cursor("sort_key, id", page);
        let sql = format!(
            "SELECT * FROM team_members{} ORDER BY sort_key, id LIMIT {}",
            conditions.clause(),
            conditions.next_placeholder()
        );
        let rows = conditions.query(sql).bind(i64::from(page.limit) + 1).fetch_all(&self.pool).await?;
        let members = rows.iter().map(team_member).collect::<StoreResult<Vec<_>>>()?;
        Ok(page.page_from(members, |m| Cursor { sort_key: sort_key(&m.name), id: m.id.to_string() }))
    }

    /// The names of the team members among `ids`, to label rows that refer to them.
    pub async fn team_member_names(
        &self,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> StoreResult<HashMap<Uuid, String>> {
        self.names_in("team_members", ids).await
    }

    pub async fn count_team_members(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM team_members").fetch_one(&self.pool).await?;
        row.int("n")
    }
}

impl Tx {
    pub async fn insert_team_member(
        &mut self,
        new: &NewTeamMember,
        password_hash: &str,
    ) -> StoreResult<TeamMember> {
        let row = sqlx::query(
            "INSERT INTO team_members (id, email, name, sort_key, role, password_hash, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING *",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(new.email.as_str())
        .bind(&new.name)
        .bind(sort_key(&new.name))
        .bind(new.role.as_str())
        .bind(password_hash)
        .bind(true)
        .bind(now_ms())
        .fetch_one(&mut **self)
        .await
        .map_err(unique_as("email", "A team member with this e-mail address already exists."))?;
        team_member(&row)
    }

    /// Makes other changes to who is an admin wait until this transaction ends (SQLite's write
    /// lock does so already; in PostgreSQL the built-in group's row serves as the lock), so two
    /// admins demoting each other at once cannot leave nobody in charge.
    pub async fn hold_admin_changes(&mut self) -> StoreResult<()> {
        sqlx::query("UPDATE assignment_groups SET updated_at = updated_at WHERE builtin = $1")
            .bind(true)
            .execute(&mut **self)
            .await?;
        Ok(())
    }

    /// The member as this transaction sees it.
    pub async fn team_member(&mut self, id: Uuid) -> StoreResult<TeamMember> {
        let row = sqlx::query("SELECT * FROM team_members WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut **self)
            .await?
            .ok_or(StoreError::not_found("team member"))?;
        team_member(&row)
    }

    /// Writes the name, role and standing that `changes` names.
    pub async fn update_team_member(
        &mut self,
        id: Uuid,
        changes: &TeamMemberChanges,
    ) -> StoreResult<TeamMember> {
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
        .fetch_optional(&mut **self)
        .await?
        .ok_or(StoreError::not_found("team member"))?;
        team_member(&row)
    }

    pub async fn count_active_admins(&mut self) -> StoreResult<i64> {
        sqlx::query("SELECT COUNT(*) AS n FROM team_members WHERE role = $1 AND active = $2")
            .bind(Role::Admin.as_str())
            .bind(true)
            .fetch_one(&mut **self)
            .await?
            .int("n")
    }

    pub async fn set_password_hash(&mut self, id: Uuid, password_hash: &str) -> StoreResult<()> {
        let done = sqlx::query("UPDATE team_members SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(now_ms())
            .bind(id.to_string())
            .execute(&mut **self)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("team member"));
        }
        Ok(())
    }

    /// Ends a member's console sessions: all, or all but `keep` (a session token's hash).
    pub async fn end_console_sessions(&mut self, id: Uuid, keep: Option<&TokenHash>) -> StoreResult<()> {
        sqlx::query("DELETE FROM console_sessions WHERE team_member_id = $1 AND token_hash <> $2")
            .bind(id.to_string())
            .bind(keep.map_or("", TokenHash::as_str))
            .execute(&mut **self)
            .await?;
        Ok(())
    }
}
