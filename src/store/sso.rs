//! SSO configurations, sign-ins in progress, end-user identities and portal sessions. Every
//! query names the customer: nothing of one portal is reachable from another.

use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, AuditEvent};
use super::{RowExt, Store, StoreError, StoreResult, from_ms, now_ms, to_ms};
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::domain::end_user::EndUser;
use crate::domain::sso::{SsoConfig, SsoSettings};
use crate::domain::text::sort_key;

fn sso_config(row: &AnyRow) -> StoreResult<SsoConfig> {
    let settings: SsoSettings = serde_json::from_str(&row.text("settings")?)
        .map_err(|e| StoreError::Corrupt(format!("sso settings: {e}")))?;
    Ok(SsoConfig {
        id: row.uuid("id")?,
        customer_id: row.uuid("customer_id")?,
        settings,
        has_secret: row.opt_text("secret")?.is_some(),
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

/// A sign-in between the redirect to the IdP and its answer.
#[derive(Debug, Clone)]
pub struct LoginState {
    pub customer_id: Uuid,
    pub sso_config_id: Uuid,
    pub browser_hash: String,
    pub nonce: String,
    /// Sealed.
    pub pkce_verifier: String,
    pub redirect_uri: String,
    pub return_to: String,
    pub expires_at: OffsetDateTime,
}

/// Who the IdP says signed in, after the id_token was verified.
#[derive(Debug, Clone, Default)]
pub struct VerifiedIdentity {
    pub issuer: String,
    pub subject: String,
    pub tenant_id: Option<String>,
    pub object_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
}

/// Why a verified identity may still not enter the portal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("your account at this organisation has been deactivated")]
    Deactivated,
    #[error("you are not registered for this portal; ask your IT contact to add you")]
    NotRegistered,
    #[error("your identity provider did not confirm an e-mail address in a domain this portal accepts")]
    EmailDomainNotAllowed,
    #[error(
        "your identity provider did not send an e-mail address, which this portal needs to create your account"
    )]
    NoEmail,
    #[error(
        "an account with your e-mail address exists, but your identity provider did not confirm the address"
    )]
    UnverifiedEmailTaken,
}

/// A session to open after a successful sign-in.
pub struct NewPortalSession<'a> {
    pub token_hash: &'a str,
    pub customer_id: Uuid,
    pub end_user_id: Uuid,
    pub sso_config_id: Uuid,
    pub csrf_token: &'a str,
    /// The id_token, sealed: the hint for the IdP's logout.
    pub sealed_id_token: Option<&'a str>,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct PortalSession {
    pub customer_id: Uuid,
    pub sso_config_id: Uuid,
    pub csrf_token: String,
    /// Sealed id_token, the hint for the IdP's logout.
    pub id_token: Option<String>,
    pub end_user: EndUser,
}

impl Store {
    pub async fn create_sso_config(
        &self,
        customer_id: Uuid,
        settings: &SsoSettings,
        seal_secret: impl FnOnce(Uuid) -> String,
        actor: &Actor,
    ) -> StoreResult<SsoConfig> {
        self.customer(customer_id).await?;
        let id = Uuid::now_v7();
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sso_configs (id, customer_id, settings, secret, enabled, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(id.to_string())
        .bind(customer_id.to_string())
        .bind(serde_json::to_string(settings).expect("settings serialise"))
        .bind(seal_secret(id))
        .bind(settings.enabled)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let summary = format!("added SSO configuration '{}' ({})", settings.label, settings.provider.title());
        audit::record(
            &mut tx,
            actor,
            AuditEvent {
                target_kind: "sso_config",
                target_id: &id.to_string(),
                action: "create",
                summary: &summary,
            },
        )
        .await?;
        tx.commit().await?;
        self.sso_config(customer_id, id).await
    }

    pub async fn sso_configs(&self, customer_id: Uuid) -> StoreResult<Vec<SsoConfig>> {
        let rows = sqlx::query("SELECT * FROM sso_configs WHERE customer_id = $1 ORDER BY created_at, id")
            .bind(customer_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(sso_config).collect()
    }

    /// One configuration of this customer's portal; another customer's id is "not found".
    pub async fn sso_config(&self, customer_id: Uuid, id: Uuid) -> StoreResult<SsoConfig> {
        let row = sqlx::query("SELECT * FROM sso_configs WHERE id = $1 AND customer_id = $2")
            .bind(id.to_string())
            .bind(customer_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("SSO configuration"))?;
        sso_config(&row)
    }

    /// The sealed client secret of a configuration.
    pub async fn sso_secret(&self, customer_id: Uuid, id: Uuid) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT secret FROM sso_configs WHERE id = $1 AND customer_id = $2")
            .bind(id.to_string())
            .bind(customer_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::not_found("SSO configuration"))?;
        row.opt_text("secret")
    }

    pub async fn has_enabled_sso(&self, customer_id: Uuid) -> StoreResult<bool> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM sso_configs WHERE customer_id = $1 AND enabled = $2")
                .bind(customer_id.to_string())
                .bind(true)
                .fetch_one(&self.pool)
                .await?;
        Ok(row.int("n")? > 0)
    }

    /// Saves changed settings and, when given, a newly sealed secret.
    pub async fn update_sso_config(
        &self,
        customer_id: Uuid,
        id: Uuid,
        settings: &SsoSettings,
        sealed_secret: Option<String>,
        actor: &Actor,
    ) -> StoreResult<SsoConfig> {
        let before = self.sso_config(customer_id, id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE sso_configs SET settings = $3, secret = COALESCE($4, secret), enabled = $5, updated_at = $6
             WHERE id = $1 AND customer_id = $2",
        )
        .bind(id.to_string())
        .bind(customer_id.to_string())
        .bind(serde_json::to_string(settings).expect("settings serialise"))
        .bind(sealed_secret.as_deref())
        .bind(settings.enabled)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let mut changes = Vec::new();
        if before.settings != *settings {
            changes.push("changed settings");
        }
        if sealed_secret.is_some() {
            changes.push("replaced the client secret");
        }
        if before.settings.enabled != settings.enabled {
            changes.push(if settings.enabled { "enabled it" } else { "disabled it" });
        }
        let summary = format!("SSO configuration '{}': {}", settings.label, changes.join(", "));
        audit::record(
            &mut tx,
            actor,
            AuditEvent {
                target_kind: "sso_config",
                target_id: &id.to_string(),
                action: "update",
                summary: &summary,
            },
        )
        .await?;
        tx.commit().await?;
        self.sso_config(customer_id, id).await
    }

    pub async fn delete_sso_config(&self, customer_id: Uuid, id: Uuid, actor: &Actor) -> StoreResult<()> {
        let config = self.sso_config(customer_id, id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sso_configs WHERE id = $1 AND customer_id = $2")
            .bind(id.to_string())
            .bind(customer_id.to_string())
            .execute(&mut *tx)
            .await?;
        let summary = format!("removed SSO configuration '{}'", config.settings.label);
        audit::record(
            &mut tx,
            actor,
            AuditEvent {
                target_kind: "sso_config",
                target_id: &id.to_string(),
                action: "delete",
                summary: &summary,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_login_state(&self, state_hash: &str, state: &LoginState) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO login_states (state_hash, customer_id, sso_config_id, browser_hash, nonce, pkce_verifier,
                                       redirect_uri, return_to, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(state_hash)
        .bind(state.customer_id.to_string())
        .bind(state.sso_config_id.to_string())
        .bind(&state.browser_hash)
        .bind(&state.nonce)
        .bind(&state.pkce_verifier)
        .bind(&state.redirect_uri)
        .bind(&state.return_to)
        .bind(now_ms())
        .bind(to_ms(state.expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes a sign-in state out of the store: a state is good for one answer only.
    pub async fn take_login_state(&self, state_hash: &str) -> StoreResult<Option<LoginState>> {
        let row = sqlx::query("DELETE FROM login_states WHERE state_hash = $1 RETURNING *")
            .bind(state_hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(LoginState {
            customer_id: row.uuid("customer_id")?,
            sso_config_id: row.uuid("sso_config_id")?,
            browser_hash: row.text("browser_hash")?,
            nonce: row.text("nonce")?,
            pkce_verifier: row.text("pkce_verifier")?,
            redirect_uri: row.text("redirect_uri")?,
            return_to: row.text("return_to")?,
            expires_at: from_ms(row.int("expires_at")?)?,
        }))
    }

    pub async fn prune_login_states(&self) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM login_states WHERE expires_at <= $1")
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Lets a verified identity into the customer's portal, or says why not: finds the end user
    /// by (configuration, issuer, subject); else links an existing one by a verified e-mail;
    /// else, with just-in-time provisioning, creates one.
    pub async fn admit_end_user(
        &self,
        customer_id: Uuid,
        config: &SsoConfig,
        identity: &VerifiedIdentity,
    ) -> StoreResult<Result<EndUser, Refusal>> {
        let settings = &config.settings;
        let verified_email = identity
            .email
            .as_deref()
            .filter(|_| identity.email_verified)
            .and_then(|raw| EmailAddress::parse("email", raw).ok());
        let domain_allowed = match &verified_email {
            Some(email) => settings.allows_email_domain(email.domain()),
            None => settings.allowed_email_domains.is_empty(),
        };
        if !domain_allowed {
            return Ok(Err(Refusal::EmailDomainNotAllowed));
        }
        let mut tx = self.begin_write().await?;
        let now = now_ms();
        let linked = sqlx::query(
            "SELECT u.id, u.active FROM end_user_identities i JOIN end_users u ON u.id = i.end_user_id
             WHERE i.sso_config_id = $1 AND i.issuer = $2 AND i.subject = $3 AND u.customer_id = $4",
        )
        .bind(config.id.to_string())
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .bind(customer_id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let user_id = match linked {
            Some(row) => {
                if !row.flag("active")? {
                    return Ok(Err(Refusal::Deactivated));
                }
                sqlx::query(
                    "UPDATE end_user_identities SET last_seen_at = $4, tenant_id = $5, object_id = $6
                             WHERE sso_config_id = $1 AND issuer = $2 AND subject = $3",
                )
                .bind(config.id.to_string())
                .bind(&identity.issuer)
                .bind(&identity.subject)
                .bind(now)
                .bind(identity.tenant_id.as_deref())
                .bind(identity.object_id.as_deref())
                .execute(&mut *tx)
                .await?;
                row.uuid("id")?
            }
            None => {
                let existing = match &verified_email {
                    Some(email) => {
                        sqlx::query("SELECT id, active FROM end_users WHERE customer_id = $1 AND email = $2")
                            .bind(customer_id.to_string())
                            .bind(email.as_str())
                            .fetch_optional(&mut *tx)
                            .await?
                    }
                    None => None,
                };
                let user_id = match existing {
                    Some(row) => {
                        if !row.flag("active")? {
                            return Ok(Err(Refusal::Deactivated));
                        }
                        row.uuid("id")?
                    }
                    None if !settings.jit_provisioning => return Ok(Err(Refusal::NotRegistered)),
                    None => {
                        let email = match (&verified_email, identity.email.as_deref()) {
                            (Some(email), _) => email.clone(),
                            (None, Some(raw)) => match EmailAddress::parse("email", raw) {
                                Ok(email) => {
                                    let taken = sqlx::query("SELECT 1 AS taken FROM end_users WHERE customer_id = $1 AND email = $2")
                                        .bind(customer_id.to_string())
                                        .bind(email.as_str())
                                        .fetch_optional(&mut *tx)
                                        .await?
                                        .is_some();
                                    if taken {
                                        return Ok(Err(Refusal::UnverifiedEmailTaken));
                                    }
                                    email
                                }
                                Err(_) => return Ok(Err(Refusal::NoEmail)),
                            },
                            (None, None) => return Ok(Err(Refusal::NoEmail)),
                        };
                        let name =
                            identity.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| {
                                email.as_str().split('@').next().unwrap_or_default().to_string()
                            });
                        let name: String =
                            name.trim().chars().take(crate::domain::end_user::NAME_MAX).collect();
                        let id = Uuid::now_v7();
                        sqlx::query(
                            "INSERT INTO end_users (id, customer_id, name, sort_key, email, active, created_at, updated_at)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                        )
                        .bind(id.to_string())
                        .bind(customer_id.to_string())
                        .bind(&name)
                        .bind(sort_key(&name))
                        .bind(email.as_str())
                        .bind(true)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        let summary =
                            format!("created end user {email} at first sign-in through '{}'", settings.label);
                        audit::record(
                            &mut tx,
                            &Actor::system(),
                            AuditEvent {
                                target_kind: "end_user",
                                target_id: &id.to_string(),
                                action: "create",
                                summary: &summary,
                            },
                        )
                        .await?;
                        id
                    }
                };
                sqlx::query(
                    "INSERT INTO end_user_identities (id, end_user_id, sso_config_id, issuer, subject, tenant_id, object_id, created_at, last_seen_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                )
                .bind(Uuid::now_v7().to_string())
                .bind(user_id.to_string())
                .bind(config.id.to_string())
                .bind(&identity.issuer)
                .bind(&identity.subject)
                .bind(identity.tenant_id.as_deref())
                .bind(identity.object_id.as_deref())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                user_id
            }
        };
        sqlx::query("UPDATE end_users SET last_sign_in_at = $2, first_sign_in_at = COALESCE(first_sign_in_at, $2) WHERE id = $1")
            .bind(user_id.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(self.end_user(user_id).await?))
    }

    pub async fn create_portal_session(&self, session: &NewPortalSession<'_>) -> StoreResult<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO portal_sessions (token_hash, customer_id, end_user_id, sso_config_id, csrf_token, id_token,
                                          created_at, last_seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
        )
        .bind(session.token_hash)
        .bind(session.customer_id.to_string())
        .bind(session.end_user_id.to_string())
        .bind(session.sso_config_id.to_string())
        .bind(session.csrf_token)
        .bind(session.sealed_id_token)
        .bind(now)
        .bind(to_ms(session.expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session for `token_hash` at this customer's portal: not expired, not idle too
    /// long, its end user still active. A session of another portal is simply not found.
    pub async fn portal_session(
        &self,
        token_hash: &str,
        customer_id: Uuid,
        idle_ms: i64,
    ) -> StoreResult<Option<PortalSession>> {
        let now = now_ms();
        let row = sqlx::query(
            "SELECT s.*, u.active FROM portal_sessions s JOIN end_users u ON u.id = s.end_user_id
             WHERE s.token_hash = $1 AND s.customer_id = $2 AND u.customer_id = $2
               AND s.expires_at > $3 AND s.last_seen_at > $4",
        )
        .bind(token_hash)
        .bind(customer_id.to_string())
        .bind(now)
        .bind(now - idle_ms)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if !row.flag("active")? {
            return Ok(None);
        }
        if now - row.int("last_seen_at")? > 60_000 {
            sqlx::query("UPDATE portal_sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(PortalSession {
            customer_id,
            sso_config_id: row.uuid("sso_config_id")?,
            csrf_token: row.text("csrf_token")?,
            id_token: row.opt_text("id_token")?,
            end_user: self.end_user(row.uuid("end_user_id")?).await?,
        }))
    }

    pub async fn delete_portal_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM portal_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_stale_portal_sessions(&self, idle_ms: i64) -> StoreResult<u64> {
        let now = now_ms();
        let done = sqlx::query("DELETE FROM portal_sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now)
            .bind(now - idle_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
