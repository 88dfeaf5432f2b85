//! End users' identities at their IdPs: the facts admission decides on, and what it writes. An identity is keyed by
//! (SSO configuration, issuer, subject): the same subject from two configurations is two people.

use uuid::Uuid;

use super::{RowExt, StoreError, StoreResult, Tx, now_ms};
use portico_domain::email::EmailAddress;
use portico_domain::end_user::{CustomerRole, RoleSource};
use portico_domain::sso::admission::{Candidate, Facts, VerifiedIdentity};
use portico_domain::text::sort_key;

impl Tx {
    /// What the store knows about a signing-in identity inside the customer: the end user the
    /// identity is linked to, and the end user with its e-mail address (if any).
    pub async fn admission_facts(
        &mut self,
        customer_id: Uuid,
        config_id: Uuid,
        identity: &VerifiedIdentity,
    ) -> StoreResult<Facts> {
        let linked = sqlx::query(
            "SELECT u.id, u.active, u.role, u.role_source, 1 AS has_identity FROM end_user_identities i JOIN end_users u ON u.id = i.end_user_id
             WHERE i.sso_config_id = $1 AND i.issuer = $2 AND i.subject = $3 AND u.customer_id = $4",
        )
        .bind(config_id.to_string())
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .bind(customer_id.to_string())
        .fetch_optional(&mut **self)
        .await?;
        let same_email = match identity.claimed_email() {
            Some(email) => {
                sqlx::query(
                    "SELECT u.id, u.active, u.role, u.role_source,
                            CASE WHEN EXISTS (SELECT 1 FROM end_user_identities i WHERE i.end_user_id = u.id) THEN 1 ELSE 0 END AS has_identity
                     FROM end_users u WHERE u.customer_id = $1 AND u.email = $2",
                )
                .bind(customer_id.to_string())
                .bind(email.as_str())
                .fetch_optional(&mut **self)
                .await?
            }
            None => None,
        };
        let candidate = |row: Option<sqlx::any::AnyRow>| -> StoreResult<Option<Candidate>> {
            row.map(|row| {
                let (role, source) = (row.text("role")?, row.text("role_source")?);
                Ok(Candidate {
                    id: row.uuid("id")?,
                    active: row.flag("active")?,
                    has_identity: row.int("has_identity")? != 0,
                    role: CustomerRole::parse(&role)
                        .map_err(|_| StoreError::Corrupt(format!("end user role {role}")))?,
                    role_source: RoleSource::parse(&source)
                        .ok_or_else(|| StoreError::Corrupt(format!("end user role source {source}")))?,
                })
            })
            .transpose()
        };
        Ok(Facts { linked: candidate(linked)?, same_email: candidate(same_email)? })
    }

    /// Notes that a known identity signed in again (Microsoft's tenant and object ids may be new).
    pub async fn touch_identity(&mut self, config_id: Uuid, identity: &VerifiedIdentity) -> StoreResult<()> {
        sqlx::query(
            "UPDATE end_user_identities SET last_seen_at = $4, tenant_id = $5, object_id = $6
             WHERE sso_config_id = $1 AND issuer = $2 AND subject = $3",
        )
        .bind(config_id.to_string())
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .bind(now_ms())
        .bind(identity.tenant_id.as_deref())
        .bind(identity.object_id.as_deref())
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    pub async fn link_identity(
        &mut self,
        end_user_id: Uuid,
        config_id: Uuid,
        identity: &VerifiedIdentity,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO end_user_identities (id, end_user_id, sso_config_id, issuer, subject, tenant_id, object_id, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(end_user_id.to_string())
        .bind(config_id.to_string())
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .bind(identity.tenant_id.as_deref())
        .bind(identity.object_id.as_deref())
        .bind(now_ms())
        .execute(&mut **self)
        .await?;
        Ok(())
    }

    /// An end user created at their first sign-in (just-in-time provisioning).
    pub async fn provision_end_user(
        &mut self,
        customer_id: Uuid,
        name: &str,
        email: &EmailAddress,
    ) -> StoreResult<Uuid> {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO end_users (id, customer_id, name, sort_key, email, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(id.to_string())
        .bind(customer_id.to_string())
        .bind(name)
        .bind(sort_key(name))
        .bind(email.as_str())
        .bind(true)
        .bind(now_ms())
        .execute(&mut **self)
        .await?;
        Ok(id)
    }

    pub async fn mark_signed_in(&mut self, end_user_id: Uuid) -> StoreResult<()> {
        sqlx::query(
            "UPDATE end_users SET last_sign_in_at = $2, first_sign_in_at = COALESCE(first_sign_in_at, $2) WHERE id = $1",
        )
        .bind(end_user_id.to_string())
        .bind(now_ms())
        .execute(&mut **self)
        .await?;
        Ok(())
    }
}
