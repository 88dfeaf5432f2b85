//! What the API and the console both do with team members: create them with a password shown
//! once, change their name, role and standing, and set a new password.

use uuid::Uuid;

use crate::app::AppState;
use crate::auth::{password, secret};
use crate::domain::actor::Actor;
use crate::domain::team::{TeamMember, TeamMemberDraft};
use crate::error::AppError;

/// A generated password, to be shown to the admin once and never again.
pub struct OneTimePassword(pub String);

async fn fresh_password() -> Result<(OneTimePassword, String), AppError> {
    let password = secret::generate_password();
    let hash = password::hash_blocking(password.clone()).await.map_err(anyhow::Error::from)?;
    Ok((OneTimePassword(password), hash))
}

pub async fn create(
    state: &AppState,
    draft: TeamMemberDraft,
    actor: &Actor,
) -> Result<(TeamMember, OneTimePassword), AppError> {
    let new = draft.into_new()?;
    let (password, hash) = fresh_password().await?;
    let member = state.store.create_team_member(&new, &hash, actor).await?;
    Ok((member, password))
}

pub async fn update(
    state: &AppState,
    id: Uuid,
    draft: TeamMemberDraft,
    actor: &Actor,
) -> Result<TeamMember, AppError> {
    let changes = draft.into_changes()?;
    changes.check_not_own(id, actor.id)?;
    Ok(state.store.update_team_member(id, &changes, actor).await?)
}

/// Sets a generated password and ends the member's console sessions.
pub async fn reset_password(
    state: &AppState,
    id: Uuid,
    actor: &Actor,
) -> Result<(TeamMember, OneTimePassword), AppError> {
    let member = state.store.team_member(id).await?;
    let (password, hash) = fresh_password().await?;
    state.store.set_team_member_password(id, &hash, actor, None).await?;
    Ok((member, password))
}
