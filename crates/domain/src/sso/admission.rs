//! Who may enter a portal after their IdP vouched for them: a pure decision over the facts the
//! store found, so every rule can be tested without a database.
//!
//! An identity is keyed by (SSO configuration, issuer, subject), never by an e-mail claim alone.
//! An e-mail address only ever *claims* an end user the MSP registered beforehand and who has no
//! identity yet; an end user who already signs in some way is never handed to a new identity
//! with the same address (a re-created IdP account, a reused mailbox, another configuration):
//! that would be an account takeover.

use uuid::Uuid;

use super::SsoSettings;
use crate::email::EmailAddress;
use crate::end_user::{CustomerRole, NAME_MAX, RoleSource};
use crate::text;

/// Who the IdP says signed in, after the id_token was verified.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifiedIdentity {
    pub issuer: String,
    pub subject: String,
    pub tenant_id: Option<String>,
    pub object_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    /// The configured groups claim's values, when the id_token carried it as a string or an
    /// array of strings (bounded: see the core's `sso::flow`).
    pub groups: Option<Vec<String>>,
}

impl VerifiedIdentity {
    /// The e-mail address, if the IdP confirmed it and it is one.
    pub fn verified_email(&self) -> Option<EmailAddress> {
        self.email
            .as_deref()
            .filter(|_| self.email_verified)
            .and_then(|raw| EmailAddress::parse("email", raw).ok())
    }

    /// The e-mail address as claimed, confirmed or not, if it is one.
    pub fn claimed_email(&self) -> Option<EmailAddress> {
        self.email.as_deref().and_then(|raw| EmailAddress::parse("email", raw).ok())
    }
}

/// Why a verified identity may still not enter the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
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
    #[error(
        "an account with your e-mail address already signs in with another identity; ask your IT contact to check your account"
    )]
    EmailLinkedElsewhere,
}

impl Refusal {
    /// Refusals the MSP should see in the console: someone else may be trying to take over an account.
    pub fn is_conflict(self) -> bool {
        matches!(self, Self::EmailLinkedElsewhere | Self::UnverifiedEmailTaken)
    }
}

/// An end user the store found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub id: Uuid,
    pub active: bool,
    /// Whether the end user already signs in through some identity.
    pub has_identity: bool,
    pub role: CustomerRole,
    pub role_source: RoleSource,
}

/// What the store found about a signing-in identity, inside the customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The end user this exact identity is linked to.
    pub linked: Option<Candidate>,
    /// The end user with the identity's e-mail address (as claimed), if any.
    pub same_email: Option<Candidate>,
}

/// What to do with the identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// A known identity signs in again.
    Known(Uuid),
    /// A pre-registered end user (no identity yet) is claimed by this identity's verified e-mail.
    Claim(Uuid),
    /// Just-in-time provisioning: a new end user.
    Create { email: EmailAddress, name: String },
}

pub fn admit(
    settings: &SsoSettings,
    identity: &VerifiedIdentity,
    facts: &Facts,
) -> Result<Admission, Refusal> {
    let verified = identity.verified_email();
    let domain_allowed = match &verified {
        Some(email) => settings.allows_email_domain(email.domain()),
        None => settings.allowed_email_domains.is_empty(),
    };
    if !domain_allowed {
        return Err(Refusal::EmailDomainNotAllowed);
    }
    if let Some(linked) = facts.linked {
        return if linked.active { Ok(Admission::Known(linked.id)) } else { Err(Refusal::Deactivated) };
    }
    match (facts.same_email, &verified) {
        (Some(existing), _) if !existing.active => Err(Refusal::Deactivated),
        (Some(existing), Some(_)) if !existing.has_identity => Ok(Admission::Claim(existing.id)),
        (Some(_), Some(_)) => Err(Refusal::EmailLinkedElsewhere),
        (Some(_), None) => Err(Refusal::UnverifiedEmailTaken),
        (None, _) if !settings.jit_provisioning => Err(Refusal::NotRegistered),
        (None, _) => {
            let email = verified.or_else(|| identity.claimed_email()).ok_or(Refusal::NoEmail)?;
            Ok(Admission::Create { name: display_name(identity.name.as_deref(), &email), email })
        }
    }
}

/// The IdP's name claim through the same text rules as everything people type; when nothing
/// usable is left, the e-mail address's local part. A bad claim never fails a sign-in.
pub fn display_name(claim: Option<&str>, email: &EmailAddress) -> String {
    claim.and_then(|raw| text::cleaned_name(raw, NAME_MAX)).unwrap_or_else(|| {
        let local = email.as_str().split('@').next().unwrap_or_default();
        text::cleaned_name(local, NAME_MAX).unwrap_or_else(|| "End user".to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sso::Provider;

    fn settings(jit: bool, domains: &[&str]) -> SsoSettings {
        let mut settings = SsoSettings::example(Provider::Oidc);
        settings.jit_provisioning = jit;
        settings.allowed_email_domains = domains.iter().map(std::string::ToString::to_string).collect();
        settings
    }

    fn identity(email: &str, verified: bool) -> VerifiedIdentity {
        VerifiedIdentity {
            issuer: "https://idp.example".into(),
            subject: "sub-1".into(),
            email: Some(email.into()),
            email_verified: verified,
            name: Some("Ada Lovelace".into()),
            ..Default::default()
        }
    }

    fn candidate(active: bool, has_identity: bool) -> Candidate {
        Candidate {
            id: Uuid::now_v7(),
            active,
            has_identity,
            role: CustomerRole::Member,
            role_source: RoleSource::Team,
        }
    }

    #[test]
    fn a_known_identity_signs_in_unless_deactivated() {
        let known = candidate(true, true);
        let facts = Facts { linked: Some(known), same_email: None };
        assert_eq!(
            admit(&settings(false, &[]), &identity("a@acme.example", true), &facts),
            Ok(Admission::Known(known.id))
        );
        let facts = Facts { linked: Some(candidate(false, true)), same_email: None };
        assert_eq!(
            admit(&settings(true, &[]), &identity("a@acme.example", true), &facts),
            Err(Refusal::Deactivated)
        );
    }

    #[test]
    fn a_verified_email_claims_only_a_pre_registered_user_without_identity() {
        let registered = candidate(true, false);
        let facts = Facts { linked: None, same_email: Some(registered) };
        assert_eq!(
            admit(&settings(false, &[]), &identity("a@acme.example", true), &facts),
            Ok(Admission::Claim(registered.id))
        );
    }

    #[test]
    fn an_email_never_takes_over_a_user_who_already_signs_in() {
        // A re-created IdP account or another configuration with the same verified address.
        let facts = Facts { linked: None, same_email: Some(candidate(true, true)) };
        for jit in [false, true] {
            assert_eq!(
                admit(&settings(jit, &[]), &identity("a@acme.example", true), &facts),
                Err(Refusal::EmailLinkedElsewhere)
            );
        }
    }

    #[test]
    fn an_unverified_email_never_claims_and_never_duplicates() {
        let facts = Facts { linked: None, same_email: Some(candidate(true, false)) };
        assert_eq!(
            admit(&settings(true, &[]), &identity("a@acme.example", false), &facts),
            Err(Refusal::UnverifiedEmailTaken)
        );
    }

    #[test]
    fn without_just_in_time_provisioning_strangers_are_not_registered() {
        let facts = Facts::default();
        assert_eq!(
            admit(&settings(false, &[]), &identity("a@acme.example", true), &facts),
            Err(Refusal::NotRegistered)
        );
        match admit(&settings(true, &[]), &identity("a@acme.example", true), &facts) {
            Ok(Admission::Create { email, name }) => {
                assert_eq!(email.as_str(), "a@acme.example");
                assert_eq!(name, "Ada Lovelace");
            }
            other => panic!("expected a new end user, got {other:?}"),
        }
    }

    #[test]
    fn allowed_domains_need_a_verified_address_in_them() {
        let facts = Facts::default();
        let only_acme = settings(true, &["acme.example"]);
        assert!(admit(&only_acme, &identity("a@acme.example", true), &facts).is_ok());
        assert_eq!(
            admit(&only_acme, &identity("a@evil.example", true), &facts),
            Err(Refusal::EmailDomainNotAllowed)
        );
        assert_eq!(
            admit(&only_acme, &identity("a@acme.example", false), &facts),
            Err(Refusal::EmailDomainNotAllowed)
        );
    }

    #[test]
    fn a_missing_email_cannot_create_an_account() {
        let mut nobody = identity("x", false);
        nobody.email = None;
        assert_eq!(admit(&settings(true, &[]), &nobody, &Facts::default()), Err(Refusal::NoEmail));
    }

    #[test]
    fn hostile_name_claims_become_safe_names_never_failures() {
        let email = EmailAddress::parse("email", "ada@acme.example").unwrap();
        assert_eq!(display_name(Some("Ada\u{0}\u{1b}[31m\r\nLovelace"), &email), "Ada [31m Lovelace");
        assert_eq!(display_name(Some("Invoice\u{202e}gnp.exe"), &email), "Invoice gnp.exe");
        assert_eq!(display_name(Some("\u{200b}\u{200b}"), &email), "ada");
        assert_eq!(display_name(None, &email), "ada");
        assert_eq!(display_name(Some(&"x".repeat(500)), &email).chars().count(), NAME_MAX);
    }
}
