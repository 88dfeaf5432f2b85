//! Who may enter the console through the MSP's own identity provider: only an existing, active
//! team member. The IdP proves an identity (issuer and subject); the first sign-in links it to
//! the team member whose address the IdP *verified*, and from then on the identity alone counts —
//! never a mutable e-mail claim. Team members are added by admins, never by a sign-in.

use uuid::Uuid;

use super::email::EmailAddress;
use super::sso::admission::VerifiedIdentity;

/// A team member the store found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub id: Uuid,
    pub active: bool,
    /// Whether the member already signs in through some identity of this IdP.
    pub has_identity: bool,
}

/// What the store found about a signing-in identity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    /// The member this exact identity is linked to.
    pub linked: Option<Member>,
    /// The member with the identity's verified e-mail address, if any.
    pub same_email: Option<Member>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A linked identity signs in again.
    Known(Uuid),
    /// The first sign-in of a team member, found by the address the IdP verified.
    Link(Uuid),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("your team account has been deactivated")]
    Deactivated,
    #[error("no team member has your e-mail address; an admin must add you first")]
    NotATeamMember,
    #[error("your identity provider did not confirm your e-mail address")]
    UnverifiedEmail,
    #[error("the team member with your e-mail address already signs in with another identity")]
    LinkedElsewhere,
}

/// The verified address to look a team member up by, if the IdP confirmed one.
pub fn lookup_email(identity: &VerifiedIdentity) -> Option<EmailAddress> {
    identity.verified_email()
}

pub fn admit(identity: &VerifiedIdentity, facts: &Facts) -> Result<Admission, Refusal> {
    if let Some(linked) = facts.linked {
        return if linked.active { Ok(Admission::Known(linked.id)) } else { Err(Refusal::Deactivated) };
    }
    if identity.verified_email().is_none() {
        return Err(if identity.claimed_email().is_some() {
            Refusal::UnverifiedEmail
        } else {
            Refusal::NotATeamMember
        });
    }
    match facts.same_email {
        None => Err(Refusal::NotATeamMember),
        Some(member) if !member.active => Err(Refusal::Deactivated),
        Some(member) if member.has_identity => Err(Refusal::LinkedElsewhere),
        Some(member) => Ok(Admission::Link(member.id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(email: &str, verified: bool) -> VerifiedIdentity {
        VerifiedIdentity {
            issuer: "https://idp.msp.example".into(),
            subject: "sub-1".into(),
            tenant_id: None,
            object_id: None,
            name: Some("Tim".into()),
            email: Some(email.into()),
            email_verified: verified,
            groups: None,
        }
    }

    fn member(active: bool, has_identity: bool) -> Member {
        Member { id: Uuid::from_u128(7), active, has_identity }
    }

    #[test]
    fn a_linked_identity_enters_while_its_member_is_active() {
        let facts = Facts { linked: Some(member(true, true)), same_email: None };
        assert_eq!(
            admit(&identity("x@evil.example", false), &facts),
            Ok(Admission::Known(Uuid::from_u128(7)))
        );
        let facts = Facts { linked: Some(member(false, true)), same_email: None };
        assert_eq!(admit(&identity("tim@msp.example", true), &facts), Err(Refusal::Deactivated));
    }

    #[test]
    fn a_first_sign_in_links_only_by_a_verified_address_to_a_member_without_one() {
        let facts = Facts { linked: None, same_email: Some(member(true, false)) };
        assert_eq!(
            admit(&identity("tim@msp.example", true), &facts),
            Ok(Admission::Link(Uuid::from_u128(7)))
        );
        assert_eq!(admit(&identity("tim@msp.example", false), &facts), Err(Refusal::UnverifiedEmail));
        let taken = Facts { linked: None, same_email: Some(member(true, true)) };
        assert_eq!(admit(&identity("tim@msp.example", true), &taken), Err(Refusal::LinkedElsewhere));
        let inactive = Facts { linked: None, same_email: Some(member(false, false)) };
        assert_eq!(admit(&identity("tim@msp.example", true), &inactive), Err(Refusal::Deactivated));
        assert_eq!(
            admit(&identity("new@msp.example", true), &Facts::default()),
            Err(Refusal::NotATeamMember)
        );
    }
}
