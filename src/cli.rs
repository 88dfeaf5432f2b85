//! What the command-line subcommands do, apart from parsing: usable from tests and `main`.

use anyhow::Context;
use secrecy::ExposeSecret;
use uuid::Uuid;

use crate::auth::{password, secret};
use crate::config::StorageArgs;
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::domain::team::{NewTeamMember, TeamMember, check_password};
use crate::store::tokens::ApiTokenInfo;
use crate::store::{Store, StoreError, StoreOptions, redact};

/// Opens the configured database and brings its schema up to date.
pub async fn open_store(storage: &StorageArgs, options: &StoreOptions) -> anyhow::Result<Store> {
    let url = storage.resolve_database_url()?;
    let store = Store::connect(url.expose_secret(), options)
        .await
        .with_context(|| format!("cannot open the database at {}", redact(url.expose_secret())))?;
    store.migrate().await.context("cannot apply database migrations")?;
    Ok(store)
}

fn parse_email(raw: &str) -> anyhow::Result<EmailAddress> {
    EmailAddress::parse("email", raw).map_err(|e| anyhow::anyhow!("--email {}", e.message))
}

/// Creates a team member with the given password, or a generated one (returned).
pub async fn create_team_member(
    store: &Store,
    email: &str,
    name: &str,
    role: &str,
    chosen_password: Option<String>,
) -> anyhow::Result<(TeamMember, String)> {
    let new = NewTeamMember::parse(email, name, role).map_err(|e| anyhow::anyhow!("{e}"))?;
    let password = match chosen_password {
        Some(password) => {
            check_password(&password).map_err(|e| anyhow::anyhow!("password {}", e.message))?;
            password
        }
        None => secret::generate_password(),
    };
    let hash = password::hash_blocking(password.clone()).await?;
    let member = store.create_team_member(&new, &hash, &Actor::cli()).await.map_err(|e| match e {
        StoreError::Conflict { message, .. } => anyhow::anyhow!("{message}"),
        other => other.into(),
    })?;
    Ok((member, password))
}

pub async fn reset_password(
    store: &Store,
    email: &str,
    chosen_password: Option<String>,
) -> anyhow::Result<String> {
    let member = store
        .team_member_by_email(&parse_email(email)?)
        .await
        .map_err(|_| anyhow::anyhow!("no team member has the e-mail address {email}"))?;
    let password = match chosen_password {
        Some(password) => {
            check_password(&password).map_err(|e| anyhow::anyhow!("password {}", e.message))?;
            password
        }
        None => secret::generate_password(),
    };
    let hash = password::hash_blocking(password.clone()).await?;
    store.set_team_member_password(member.id, &hash, &Actor::cli(), None).await?;
    Ok(password)
}

/// Creates an API token acting for the team member; the token is shown only now.
pub async fn create_token(store: &Store, email: &str, label: &str) -> anyhow::Result<(ApiTokenInfo, String)> {
    let label = crate::domain::text::bounded("name", label, 1, 80, false)
        .map_err(|e| anyhow::anyhow!("--name {}", e.message))?;
    let member = store
        .team_member_by_email(&parse_email(email)?)
        .await
        .map_err(|_| anyhow::anyhow!("no team member has the e-mail address {email}"))?;
    if !member.active {
        anyhow::bail!("{email} is not an active team member");
    }
    let token = secret::random_token("pt");
    let info = store.create_api_token(&member, &label, &secret::hash_token(&token), &Actor::cli()).await?;
    Ok((info, token))
}

pub async fn list_tokens(store: &Store, email: &str) -> anyhow::Result<Vec<ApiTokenInfo>> {
    let member = store
        .team_member_by_email(&parse_email(email)?)
        .await
        .map_err(|_| anyhow::anyhow!("no team member has the e-mail address {email}"))?;
    Ok(store.api_tokens_of(member.id).await?)
}

/// Revokes a token named by its id or by the token itself.
pub async fn revoke_token(store: &Store, id_or_token: &str) -> anyhow::Result<ApiTokenInfo> {
    let id = match Uuid::parse_str(id_or_token.trim()) {
        Ok(id) => id,
        Err(_) => {
            store
                .api_token_by_hash(&secret::hash_token(id_or_token.trim()))
                .await
                .map_err(|_| anyhow::anyhow!("no API token matches"))?
                .id
        }
    };
    store.revoke_api_token(id, &Actor::cli()).await.map_err(|e| match e {
        StoreError::NotFound { .. } => anyhow::anyhow!("no API token has the id {id}"),
        other => other.into(),
    })
}
