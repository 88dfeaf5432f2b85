//! What the command-line subcommands do, apart from parsing: usable from tests and `main`.
//! Each command is one use case called as the command line; errors are told as they are.

use anyhow::Context as _;
use secrecy::ExposeSecret;
use uuid::Uuid;

use portico_core::Context;
use portico_core::config::Config;
use portico_core::config::StorageArgs;
use portico_core::usecases::UseCaseError;
use portico_core::usecases::team::{self, NewPassword};
use portico_domain::actor::Actor;
use portico_domain::api_token::ApiTokenInfo;
use portico_domain::team::{TeamMember, TeamMemberDraft};
use portico_store::{Store, StoreOptions, redact};

/// Opens the configured database and brings its schema up to date.
pub async fn open_store(storage: &StorageArgs, options: &StoreOptions) -> anyhow::Result<Store> {
    let url = storage.resolve_database_url()?;
    let store = Store::connect(url.expose_secret(), options)
        .await
        .with_context(|| format!("cannot open the database at {}", redact(url.expose_secret())))?;
    store.migrate().await.context("cannot apply database migrations")?;
    Ok(store)
}

/// The core a one-off command works through, over the configured database.
pub async fn open(storage: &StorageArgs, options: &StoreOptions) -> anyhow::Result<Context> {
    let store = open_store(storage, options).await?;
    command_context(storage, store)
}

/// The core a one-off command works through, over `store`.
pub fn command_context(storage: &StorageArgs, store: Store) -> anyhow::Result<Context> {
    Context::new(Config::for_commands(storage)?, store)
}

/// A use case's refusal as one line for the terminal; failures keep their cause.
fn explain(error: UseCaseError) -> anyhow::Error {
    match error {
        UseCaseError::Conflict { message, .. } => anyhow::anyhow!("{message}"),
        UseCaseError::Internal(error) => error,
        other => anyhow::anyhow!("{other}"),
    }
}

fn new_password(chosen: Option<String>) -> NewPassword {
    chosen.map_or(NewPassword::Generated, NewPassword::Chosen)
}

/// The member with this e-mail address; only a missing one is "no team member".
async fn member(cx: &Context, email: &str) -> anyhow::Result<TeamMember> {
    team::member_by_email(cx, &Actor::cli(), email).await.map_err(|error| match error {
        UseCaseError::NotFound(_) => anyhow::anyhow!("No team member has the e-mail address {email}."),
        other => explain(other),
    })
}

/// Creates a team member with the given password, or a generated one (returned).
pub async fn create_team_member(
    cx: &Context,
    email: &str,
    name: &str,
    role: &str,
    chosen_password: Option<String>,
) -> anyhow::Result<(TeamMember, String)> {
    let draft = TeamMemberDraft {
        email: Some(email.to_string()),
        name: Some(name.to_string()),
        role: Some(role.to_string()),
        active: None,
    };
    let (member, password) =
        team::create_team_member(cx, &Actor::cli(), draft, new_password(chosen_password))
            .await
            .map_err(explain)?;
    Ok((member, password.0))
}

pub async fn reset_password(
    cx: &Context,
    email: &str,
    chosen_password: Option<String>,
) -> anyhow::Result<String> {
    let member = member(cx, email).await?;
    let (_, password) = team::reset_password(cx, &Actor::cli(), member.id, new_password(chosen_password))
        .await
        .map_err(explain)?;
    Ok(password.0)
}

/// Removes a member's two-step sign-in: the way back in when the only admin lost both their
/// phone and their recovery codes.
pub async fn reset_mfa(cx: &Context, email: &str) -> anyhow::Result<()> {
    let member = member(cx, email).await?;
    portico_core::usecases::mfa::reset(cx, &Actor::cli(), member.id).await.map_err(explain)?;
    Ok(())
}

/// Creates an API token acting for the team member; the token is shown only now.
pub async fn create_token(cx: &Context, email: &str, label: &str) -> anyhow::Result<(ApiTokenInfo, String)> {
    let member = member(cx, email).await?;
    let (info, token) = team::create_api_token(cx, &Actor::cli(), member.id, label).await.map_err(explain)?;
    Ok((info, token.0))
}

pub async fn list_tokens(cx: &Context, email: &str) -> anyhow::Result<Vec<ApiTokenInfo>> {
    let member = member(cx, email).await?;
    team::api_tokens_of(cx, &Actor::cli(), member.id).await.map_err(explain)
}

/// Revokes a token named by its id or by the token itself.
pub async fn revoke_token(cx: &Context, id_or_token: &str) -> anyhow::Result<ApiTokenInfo> {
    let actor = Actor::cli();
    let id = match Uuid::parse_str(id_or_token.trim()) {
        Ok(id) => id,
        Err(_) => {
            team::api_token_by_secret(cx, &actor, id_or_token)
                .await
                .map_err(|error| match error {
                    UseCaseError::NotFound(_) => anyhow::anyhow!("No API token matches."),
                    other => explain(other),
                })?
                .id
        }
    };
    team::revoke_api_token(cx, &actor, id).await.map_err(|error| match error {
        UseCaseError::NotFound(_) => anyhow::anyhow!("No API token has the ID {id}."),
        other => explain(other),
    })
}
