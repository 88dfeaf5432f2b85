//! End users' identities at their IdPs, and who may enter a portal. An identity is keyed by
//! (SSO configuration, issuer, subject): the same subject from two configurations is two people.

use uuid::Uuid;

use super::{RowExt, Store, StoreResult, now_ms};
use crate::domain::actor::Actor;
use crate::domain::email::EmailAddress;
use crate::domain::end_user::EndUser;
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::sso::SsoConfig;
use crate::domain::text::sort_key;

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

impl Store {
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
                        let event = NewEvent::new(EventKind::EndUserCreated, id, summary)
                            .for_customer(customer_id)
                            .with("sso_config_id", config.id.to_string());
                        tx.record(&Actor::system(), event).await?;
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
}
