//! Assignment groups and their members. The built-in Everyone group has no member rows:
//! its members are every active team member, and it cannot be changed.

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::conditions::Conditions;
use super::{RowExt, Store, StoreError, StoreResult, Tx, clear_or_set, now_ms, unique_as};
pub use portico_domain::group::GroupFilter;
use portico_domain::group::{AssignmentGroup, GroupChanges, NewGroup};
use portico_domain::page::{Cursor, Page, PageRequest};
use portico_domain::text::sort_key;

const NAME_TAKEN: &str =
    "Name: another group with this name already exists for the same customer (or globally).";

/// The groups of `rows`, with the members of all of them read in one query (and the team,
/// once, when Everyone is among them).
async fn groups_of(connection: &mut AnyConnection, rows: &[AnyRow]) -> StoreResult<Vec<AssignmentGroup>> {
    let mut own_member_rows = Vec::new();
    let mut has_everyone = false;
    for row in rows {
        if row.flag("builtin")? {
            has_everyone = true;
        } else {
            own_member_rows.push(row.text("id")?);
        }
    }
    let mut members: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    if !own_member_rows.is_empty() {
        let mut conditions = Conditions::default();
        conditions.any_of("group_id", own_member_rows);
        let sql = format!(
            "SELECT group_id, team_member_id FROM assignment_group_members{} ORDER BY group_id, team_member_id",
            conditions.clause()
        );
        for row in conditions.query(sql).fetch_all(&mut *connection).await? {
            members.entry(row.uuid("group_id")?).or_default().push(row.uuid("team_member_id")?);
        }
    }
    let everyone = if has_everyone { active_member_ids(connection).await? } else { Vec::new() };
    rows.iter()
        .map(|row| {
            let id = row.uuid("id")?;
            let builtin = row.flag("builtin")?;
            Ok(AssignmentGroup {
                id,
                name: row.text("name")?,
                customer_id: row.opt_uuid("customer_id")?,
                manager_id: row.opt_uuid("manager_id")?,
                member_ids: if builtin { everyone.clone() } else { members.remove(&id).unwrap_or_default() },
                builtin,
                created_at: row.time("created_at")?,
                updated_at: row.time("updated_at")?,
            })
        })
        .collect()
}

/// The members of Everyone: every active team member.
async fn active_member_ids(connection: &mut AnyConnection) -> StoreResult<Vec<Uuid>> {
    let rows = sqlx::query("SELECT id FROM team_members WHERE active = $1 ORDER BY id")
        .bind(true)
        .fetch_all(&mut *connection)
        .await?;
    rows.iter().map(|row| row.uuid("id")).collect()
}

async fn group_by_id(connection: &mut AnyConnection, id: Uuid) -> StoreResult<AssignmentGroup> {
    let row = sqlx::query("SELECT * FROM assignment_groups WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *connection)
        .await?
        .ok_or(StoreError::not_found("assignment group"))?;
    let mut groups = groups_of(connection, &[row]).await?;
    groups.pop().ok_or(StoreError::not_found("assignment group"))
}

impl Store {
    pub async fn group(&self, id: Uuid) -> StoreResult<AssignmentGroup> {
        group_by_id(&mut *self.pool.acquire().await?, id).await
    }

    pub async fn list_groups(
        &self,
        filter: &GroupFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AssignmentGroup>> {
        let mut conditions = Conditions::default();
        conditions.like_any(&["sort_key"], filter.search.as_deref())?;
        if let Some(customer_id) = filter.usable_for {
            conditions.text("(customer_id IS NULL OR customer_id = ?)", customer_id.to_string());
        }
        conditions.after_cursor("sort_key, id", page);
        let sql = format!(
            "SELECT * FROM assignment_groups{} ORDER BY sort_key, id LIMIT {}",
            conditions.clause(),
            conditions.next_placeholder()
        );
        let mut connection = self.pool.acquire().await?;
        let rows = conditions.query(sql).bind(i64::from(page.limit) + 1).fetch_all(&mut *connection).await?;
        let groups = groups_of(&mut connection, &rows).await?;
        Ok(page.page_from(groups, |g| Cursor { sort_key: sort_key(&g.name), id: g.id.to_string() }))
    }
}

impl Tx {
    /// The group as this transaction sees it.
    pub async fn group(&mut self, id: Uuid) -> StoreResult<AssignmentGroup> {
        group_by_id(self, id).await
    }

    /// Which of `ids` are team members.
    pub async fn known_team_members(&mut self, ids: &[Uuid]) -> StoreResult<HashSet<Uuid>> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let mut conditions = Conditions::default();
        conditions.any_of("id", ids.iter().map(Uuid::to_string));
        let sql = format!("SELECT id FROM team_members{}", conditions.clause());
        let rows = conditions.query(sql).fetch_all(&mut **self).await?;
        rows.iter().map(|row| row.uuid("id")).collect()
    }

    /// Adds the group with its members; returns its id.
    pub async fn insert_group(&mut self, new: &NewGroup) -> StoreResult<Uuid> {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO assignment_groups (id, name, sort_key, customer_id, manager_id, builtin, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(id.to_string())
        .bind(&new.name)
        .bind(sort_key(&new.name))
        .bind(new.customer_id.map(|c| c.to_string()))
        .bind(new.manager_id.map(|m| m.to_string()))
        .bind(false)
        .bind(now_ms())
        .execute(&mut **self)
        .await
        .map_err(unique_as("name", NAME_TAKEN))?;
        self.replace_group_members(id, &new.member_ids).await?;
        Ok(id)
    }

    /// Writes the name, manager and members that `changes` names.
    pub async fn update_group(&mut self, id: Uuid, changes: &GroupChanges) -> StoreResult<()> {
        let (set_manager, manager) = clear_or_set(changes.manager_id.map(|m| m.map(|id| id.to_string())));
        let done = sqlx::query(
            "UPDATE assignment_groups SET
               name = COALESCE($2, name),
               sort_key = COALESCE($3, sort_key),
               manager_id = CASE WHEN $4 THEN $5 ELSE manager_id END,
               updated_at = $6
             WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(changes.name.as_deref())
        .bind(changes.name.as_deref().map(sort_key))
        .bind(set_manager)
        .bind(manager)
        .bind(now_ms())
        .execute(&mut **self)
        .await
        .map_err(unique_as("name", NAME_TAKEN))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("assignment group"));
        }
        if let Some(members) = &changes.member_ids {
            self.replace_group_members(id, members).await?;
        }
        Ok(())
    }

    /// Deletes the group; one that a portal routes tickets to is a conflict on `id`.
    pub async fn delete_group(&mut self, id: Uuid) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM assignment_groups WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut **self)
            .await
            .map_err(|error| match &error {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::conflict(
                    "id",
                    "This group is the default assignment group of a portal: choose another group in that portal first.",
                ),
                _ => StoreError::Database(error),
            })?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("assignment group"));
        }
        Ok(())
    }

    async fn replace_group_members(&mut self, group_id: Uuid, member_ids: &[Uuid]) -> StoreResult<()> {
        sqlx::query("DELETE FROM assignment_group_members WHERE group_id = $1")
            .bind(group_id.to_string())
            .execute(&mut **self)
            .await?;
        for member in member_ids {
            sqlx::query("INSERT INTO assignment_group_members (group_id, team_member_id) VALUES ($1, $2)")
                .bind(group_id.to_string())
                .bind(member.to_string())
                .execute(&mut **self)
                .await?;
        }
        Ok(())
    }
}
