//! Assignment groups and their members. The built-in Everyone group has no member rows:
//! its members are every active team member, and it cannot be changed.

use std::collections::HashSet;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::team::after;
use super::{RowExt, Store, StoreError, StoreResult, clear_or_set, now_ms, unique_as};
use crate::domain::actor::Actor;
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::group::{AssignmentGroup, EVERYONE_ID, GroupChanges, NewGroup};
use crate::domain::page::{Cursor, Page, PageRequest, like_pattern};
use crate::domain::text::sort_key;

const NAME_TAKEN: &str = "another group with this name already exists for the same customer (or globally)";
const BUILTIN: &str = "the built-in Everyone group cannot be edited or deleted";

#[derive(Debug, Clone, Default)]
pub struct GroupFilter {
    pub search: Option<String>,
    /// Only groups usable for this customer: the global ones and its own.
    pub usable_for: Option<Uuid>,
}

impl Store {
    async fn group_from_row(&self, row: &AnyRow) -> StoreResult<AssignmentGroup> {
        let id = row.uuid("id")?;
        let builtin = row.flag("builtin")?;
        let member_ids = if builtin {
            self.active_team_member_ids().await?
        } else {
            let rows = sqlx::query(
                "SELECT team_member_id FROM assignment_group_members WHERE group_id = $1 ORDER BY team_member_id",
            )
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(|r| r.uuid("team_member_id")).collect::<StoreResult<_>>()?
        };
        Ok(AssignmentGroup {
            id,
            name: row.text("name")?,
            customer_id: row.opt_uuid("customer_id")?,
            manager_id: row.opt_uuid("manager_id")?,
            member_ids,
            builtin,
            created_at: row.time("created_at")?,
            updated_at: row.time("updated_at")?,
        })
    }

    pub async fn group(&self, id: Uuid) -> StoreResult<AssignmentGroup> {
        let row = sqlx::query("SELECT * FROM assignment_groups WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("assignment group"))?;
        self.group_from_row(&row).await
    }

    pub async fn list_groups(
        &self,
        filter: &GroupFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AssignmentGroup>> {
        let (after_key, after_id) = after(page);
        let rows = sqlx::query(
            "SELECT * FROM assignment_groups
             WHERE ($1 IS NULL OR sort_key LIKE $1 ESCAPE '\\')
               AND ($2 IS NULL OR customer_id IS NULL OR customer_id = $2)
               AND ($3 IS NULL OR (sort_key, id) > ($3, $4))
             ORDER BY sort_key, id LIMIT $5",
        )
        .bind(filter.search.as_deref().filter(|s| !s.trim().is_empty()).map(like_pattern))
        .bind(filter.usable_for.map(|id| id.to_string()))
        .bind(after_key)
        .bind(after_id)
        .bind(i64::from(page.limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut groups = Vec::with_capacity(rows.len());
        for row in &rows {
            groups.push(self.group_from_row(row).await?);
        }
        Ok(page.page_from(groups, |g| Cursor { sort_key: sort_key(&g.name), id: g.id.to_string() }))
    }

    pub async fn create_group(&self, new: &NewGroup, actor: &Actor) -> StoreResult<AssignmentGroup> {
        if let Some(customer_id) = new.customer_id {
            let customer = self
                .customer(customer_id)
                .await
                .map_err(|_| StoreError::conflict("customer_id", "no such customer"))?;
            if customer.archived {
                return Err(StoreError::conflict("customer_id", "the customer is archived"));
            }
        }
        let mut tx = self.begin_write().await?;
        check_team_members(&mut tx, new.manager_id, &new.member_ids).await?;
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
        .execute(&mut *tx)
        .await
        .map_err(unique_as("name", NAME_TAKEN))?;
        replace_members(&mut tx, id, &new.member_ids).await?;
        let scope = if new.customer_id.is_some() { "customer" } else { "global" };
        let summary = format!("created {scope} group {} with {} members", new.name, new.member_ids.len());
        tx.record(actor, NewEvent::new(EventKind::GroupCreated, id, summary)).await?;
        tx.commit().await?;
        self.group(id).await
    }

    pub async fn update_group(
        &self,
        id: Uuid,
        changes: &GroupChanges,
        actor: &Actor,
    ) -> StoreResult<AssignmentGroup> {
        refuse_builtin(id)?;
        let mut tx = self.begin_write().await?;
        check_team_members(
            &mut tx,
            changes.manager_id.flatten(),
            changes.member_ids.as_deref().unwrap_or_default(),
        )
        .await?;
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
        .execute(&mut *tx)
        .await
        .map_err(unique_as("name", NAME_TAKEN))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("assignment group"));
        }
        if let Some(members) = &changes.member_ids {
            replace_members(&mut tx, id, members).await?;
        }
        let summary = changes.summary();
        tx.record(actor, NewEvent::new(EventKind::GroupUpdated, id, summary)).await?;
        tx.commit().await?;
        self.group(id).await
    }

    pub async fn delete_group(&self, id: Uuid, actor: &Actor) -> StoreResult<()> {
        refuse_builtin(id)?;
        let group = self.group(id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM assignment_groups WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(|error| match &error {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::conflict(
                    "id",
                    "is the default assignment group of a portal; choose another group in that portal first",
                ),
                _ => StoreError::Database(error),
            })?;
        let summary = format!("deleted group {}", group.name);
        tx.record(actor, NewEvent::new(EventKind::GroupDeleted, id, summary)).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn refuse_builtin(id: Uuid) -> StoreResult<()> {
    if id == EVERYONE_ID {
        return Err(StoreError::conflict("id", BUILTIN));
    }
    Ok(())
}

/// Managers and members must be existing team members; names the field that is wrong.
async fn check_team_members(
    connection: &mut AnyConnection,
    manager_id: Option<Uuid>,
    member_ids: &[Uuid],
) -> StoreResult<()> {
    if manager_id.is_none() && member_ids.is_empty() {
        return Ok(());
    }
    let rows = sqlx::query("SELECT id FROM team_members").fetch_all(&mut *connection).await?;
    let known: HashSet<Uuid> = rows.iter().map(|r| r.uuid("id")).collect::<StoreResult<_>>()?;
    if let Some(manager) = manager_id
        && !known.contains(&manager)
    {
        return Err(StoreError::conflict("manager_id", format!("no team member has the id {manager}")));
    }
    if let Some(unknown) = member_ids.iter().find(|id| !known.contains(id)) {
        return Err(StoreError::conflict("member_ids", format!("no team member has the id {unknown}")));
    }
    Ok(())
}

async fn replace_members(
    connection: &mut AnyConnection,
    group_id: Uuid,
    member_ids: &[Uuid],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM assignment_group_members WHERE group_id = $1")
        .bind(group_id.to_string())
        .execute(&mut *connection)
        .await?;
    for member in member_ids {
        sqlx::query("INSERT INTO assignment_group_members (group_id, team_member_id) VALUES ($1, $2)")
            .bind(group_id.to_string())
            .bind(member.to_string())
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}
