//! The team: members added with a password shown once, their name, role and standing changed,
//! passwords reset by admins or changed by members themselves, and the API tokens that act for
//! them. Never leaves Portico without an active admin; no password or token is ever put in an
//! event.

use crate::context::Context;
use std::fmt;

use uuid::Uuid;

use super::{UseCaseError, UseCaseResult};
use crate::auth::password;
use portico_domain::actor::{Actor, ActorKind, Refused};
use portico_domain::email::EmailAddress;
use portico_domain::event::{EventKind, NewEvent};
use portico_domain::page::{Page, PageRequest};
use portico_domain::secret;
use portico_domain::team::{
    LastAdmin, TeamMember, TeamMemberDraft, api_token_label, check_an_admin_remains, check_password,
};
use portico_domain::validation::{FieldError, ValidationErrors};
use portico_store::tokens::ApiTokenInfo;
use std::collections::{HashMap, HashSet};

impl From<LastAdmin> for UseCaseError {
    fn from(refused: LastAdmin) -> Self {
        Self::Conflict { field: refused.field, message: LastAdmin::MESSAGE.into() }
    }
}

/// Where a new password comes from.
pub enum NewPassword {
    /// Portico makes one up (and shows it once).
    Generated,
    /// The operator typed one (the command line's `--password-stdin`); it must meet the rules.
    Chosen(String),
}

/// A password as it was set, to be shown once and never again.
pub struct OneTimePassword(pub String);

impl fmt::Debug for OneTimePassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimePassword(***)")
    }
}

/// The one place a password is checked and hashed; a refusal names `field`.
async fn hashed(password: NewPassword, field: &str) -> UseCaseResult<(OneTimePassword, String)> {
    let plain = match password {
        NewPassword::Generated => secret::generate_password(),
        NewPassword::Chosen(chosen) => {
            check_password(&chosen).map_err(|error| FieldError::new(field, error.message))?;
            chosen
        }
    };
    let hash = password::hash_blocking(plain.clone()).await.map_err(anyhow::Error::from)?;
    Ok((OneTimePassword(plain), hash))
}

/// The team member with this e-mail address.
pub async fn member_by_email(cx: &Context, actor: &Actor, email: &str) -> UseCaseResult<TeamMember> {
    let store = cx.store();
    actor.require_team()?;
    let email = EmailAddress::parse("email", email)?;
    Ok(store.team_member_by_email(&email).await?)
}

pub async fn create_team_member(
    cx: &Context,
    actor: &Actor,
    draft: TeamMemberDraft,
    password: NewPassword,
) -> UseCaseResult<(TeamMember, OneTimePassword)> {
    let store = cx.store();
    actor.require_admin()?;
    let new = draft.into_new()?;
    let (password, hash) = hashed(password, "password").await?;
    let mut tx = store.begin_write().await?;
    let member = tx.insert_team_member(&new, &hash).await?;
    let summary = format!("created {} ({})", member.email, member.role);
    let event = NewEvent::new(EventKind::TeamMemberCreated, member.id, summary)
        .with("role", member.role.as_str())
        .with("active", member.active);
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok((member, password))
}

/// Changes the name, role or standing. Nobody changes their own role or deactivates
/// themselves, the last active admin stays one, and deactivating ends the member's console
/// sessions (their API tokens stop working while they are inactive).
pub async fn update_team_member(
    cx: &Context,
    actor: &Actor,
    id: Uuid,
    draft: TeamMemberDraft,
) -> UseCaseResult<TeamMember> {
    let store = cx.store();
    actor.require_admin()?;
    let changes = draft.into_changes()?;
    changes.check_not_own(id, actor.id)?;
    let mut tx = store.begin_write().await?;
    tx.hold_admin_changes().await?;
    let before = tx.team_member(id).await?;
    let member = tx.update_team_member(id, &changes).await?;
    if changes.takes_away_admin() {
        let admins = tx.count_active_admins().await?;
        check_an_admin_remains(before.is_active_admin(), &changes, admins)?;
    }
    if changes.active == Some(false) {
        tx.end_console_sessions(id, None).await?;
    }
    let event = NewEvent::new(EventKind::TeamMemberUpdated, id, changes.summary())
        .with("fields", changes.changed_fields())
        .with("role", member.role.as_str())
        .with("active", member.active);
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(member)
}

/// An admin sets a new password for a member; every console session of theirs ends. API
/// tokens are separate credentials and keep working.
pub async fn reset_password(
    cx: &Context,
    actor: &Actor,
    id: Uuid,
    password: NewPassword,
) -> UseCaseResult<(TeamMember, OneTimePassword)> {
    let store = cx.store();
    actor.require_admin()?;
    let (password, hash) = hashed(password, "password").await?;
    let mut tx = store.begin_write().await?;
    let member = tx.team_member(id).await?;
    tx.set_password_hash(id, &hash).await?;
    tx.end_console_sessions(id, None).await?;
    let event =
        NewEvent::new(EventKind::TeamMemberPasswordChanged, id, PASSWORD_CHANGED).with("by_admin", true);
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok((member, password))
}

const PASSWORD_CHANGED: &str = "changed password";

/// A member's own password change, as typed into the account page.
pub struct OwnPasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub confirm: &'a str,
}

/// Where the change comes from: the session that stays, and the sign-in attempt reserved for
/// checking the current password (it stays counted as a failure unless the password is right).
pub struct Origin<'a> {
    pub session_hash: &'a portico_domain::secret::TokenHash,
    pub reserved_attempt: super::console_sign_in::Reservation,
}

/// A member changes their own password; their other sessions end, this one stays. A wrong
/// current password counts as a failed sign-in, so a borrowed session cannot be used to guess it.
pub async fn change_own_password(
    cx: &Context,
    actor: &Actor,
    change: OwnPasswordChange<'_>,
    origin: Origin<'_>,
) -> UseCaseResult<()> {
    let store = cx.store();
    let id = actor.id.filter(|_| actor.kind == ActorKind::TeamMember).ok_or(Refused::NotTeam)?;
    let member = store.team_member(id).await?;
    let mut errors = ValidationErrors::new();
    errors.check(check_password(change.new).map_err(|e| FieldError::new("new_password", e.message)));
    if change.confirm != change.new {
        errors.push(FieldError::new("confirm_password", "The confirmation does not match the new password."));
    }
    let stored = store.team_member_credentials(&member.email).await?.map(|(_, hash)| hash);
    if password::verify_blocking(change.current.to_string(), stored).await {
        store.release_sign_in_attempt(origin.reserved_attempt.id()).await?;
    } else {
        errors.push(FieldError::new("current_password", "This is not your current password."));
    }
    errors.into_result()?;
    let (_, hash) = hashed(NewPassword::Chosen(change.new.to_string()), "new_password").await?;
    let mut tx = store.begin_write().await?;
    tx.set_password_hash(id, &hash).await?;
    tx.end_console_sessions(id, Some(origin.session_hash)).await?;
    let event =
        NewEvent::new(EventKind::TeamMemberPasswordChanged, id, PASSWORD_CHANGED).with("by_admin", false);
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(())
}

/// An API token, shown only when it is made; Portico keeps its hash.
pub struct ApiTokenSecret(pub String);

impl fmt::Debug for ApiTokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiTokenSecret(***)")
    }
}

/// Makes an API token acting for an active team member.
pub async fn create_api_token(
    cx: &Context,
    actor: &Actor,
    member_id: Uuid,
    label: &str,
) -> UseCaseResult<(ApiTokenInfo, ApiTokenSecret)> {
    let store = cx.store();
    actor.require_admin()?;
    let label = api_token_label(label)?;
    let mut tx = store.begin_write().await?;
    let member = tx.team_member(member_id).await?;
    if !member.active {
        return Err(UseCaseError::Conflict {
            field: "team_member_id",
            message: format!("{} is not an active team member.", member.email),
        });
    }
    let token = secret::random_token("pt");
    let info = tx.insert_api_token(member.id, &label, &secret::hash_token(&token)).await?;
    let summary = format!("created API token '{label}' for {}", member.email);
    let event = NewEvent::new(EventKind::ApiTokenCreated, info.id, summary)
        .with("team_member_id", member.id.to_string())
        .with("label", label.as_str());
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok((info, ApiTokenSecret(token)))
}

/// Revokes a token at once; revoking it again changes nothing but is recorded.
pub async fn revoke_api_token(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<ApiTokenInfo> {
    let store = cx.store();
    actor.require_admin()?;
    let mut tx = store.begin_write().await?;
    let info = tx.revoke_api_token(id).await?;
    let event = NewEvent::new(EventKind::ApiTokenRevoked, id, format!("revoked API token '{}'", info.label))
        .with("team_member_id", info.team_member_id.to_string())
        .with("label", info.label.as_str());
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(info)
}

/// The API token a token string belongs to (to revoke a token named by itself).
pub async fn api_token_by_secret(cx: &Context, actor: &Actor, token: &str) -> UseCaseResult<ApiTokenInfo> {
    let store = cx.store();
    actor.require_admin()?;
    Ok(store.api_token_by_hash(&secret::hash_token(token.trim())).await?)
}

/// The active team member an API token acts for, if the token is a live one; its use (and the
/// client address) is recorded now and then.
pub async fn authenticate_api_token(
    cx: &Context,
    token: &str,
    client_ip: Option<&str>,
) -> UseCaseResult<Option<TeamMember>> {
    Ok(cx.store().authenticate_api_token(&secret::hash_token(token), client_ip).await?)
}

/// A member's API tokens, with when and from where each was last used: for the member
/// themselves and for admins.
pub async fn api_tokens_of(cx: &Context, actor: &Actor, member_id: Uuid) -> UseCaseResult<Vec<ApiTokenInfo>> {
    let store = cx.store();
    actor.require_team()?;
    if actor.id != Some(member_id) {
        actor.require_admin()?;
    }
    store.team_member(member_id).await?;
    Ok(store.api_tokens_of(member_id).await?)
}

/// One team member. The team only.
pub async fn team_member(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<TeamMember> {
    actor.require_team()?;
    Ok(cx.store().team_member(id).await?)
}

/// A page of team members, optionally those matching `search`. The team only.
pub async fn list_team_members(
    cx: &Context,
    actor: &Actor,
    search: Option<&str>,
    page: &PageRequest,
) -> UseCaseResult<Page<TeamMember>> {
    actor.require_team()?;
    Ok(cx.store().list_team_members(search, page).await?)
}

/// The names of these team members, by id. The team only.
pub async fn team_member_names(
    cx: &Context,
    actor: &Actor,
    ids: impl IntoIterator<Item = Uuid>,
) -> UseCaseResult<HashMap<Uuid, String>> {
    actor.require_team()?;
    Ok(cx.store().team_member_names(ids).await?)
}

/// The members whose second step is on. The team only.
pub async fn members_with_second_step(cx: &Context, actor: &Actor) -> UseCaseResult<HashSet<Uuid>> {
    actor.require_team()?;
    Ok(cx.store().members_with_mfa().await?)
}

/// Whether signing in as this member takes a second step. The team only.
pub async fn second_step_due(cx: &Context, actor: &Actor, member_id: Uuid) -> UseCaseResult<bool> {
    actor.require_team()?;
    Ok(cx.store().second_step_due(member_id).await?)
}
