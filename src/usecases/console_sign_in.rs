//! A team member entering the console through the MSP's own identity provider: the verified
//! identity is admitted by [`crate::domain::console_sign_in`], linked at the first sign-in in one
//! transaction with its event (audited), and the member comes back for the session.

use super::UseCaseResult;
use crate::domain::actor::Actor;
use crate::domain::console_sign_in::{self, Admission, Facts, Member, Refusal};
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::sso::admission::VerifiedIdentity;
use crate::domain::team::TeamMember;
use crate::store::{Store, StoreError};

/// The team member the identity signs in as, or why it may not.
pub async fn admit(store: &Store, identity: &VerifiedIdentity) -> UseCaseResult<Result<TeamMember, Refusal>> {
    let linked = match store.console_identity_member(&identity.issuer, &identity.subject).await? {
        Some(id) => {
            let member = store.team_member(id).await?;
            Some(Member { id, active: member.active, has_identity: true })
        }
        None => None,
    };
    let same_email = match console_sign_in::lookup_email(identity) {
        Some(email) if linked.is_none() => match store.team_member_by_email(&email).await {
            Ok(member) => Some(Member {
                id: member.id,
                active: member.active,
                has_identity: store.has_console_identity(member.id, &identity.issuer).await?,
            }),
            Err(StoreError::NotFound { .. }) => None,
            Err(other) => return Err(other.into()),
        },
        _ => None,
    };
    match console_sign_in::admit(identity, &Facts { linked, same_email }) {
        Ok(Admission::Known(id)) => {
            store.console_identity_seen(&identity.issuer, &identity.subject).await?;
            Ok(Ok(store.team_member(id).await?))
        }
        Ok(Admission::Link(id)) => {
            let member = store.team_member(id).await?;
            let actor = Actor::team_member(member.id, &member.name, member.role);
            let mut tx = store.begin_write().await?;
            if !tx.link_console_identity(member.id, &identity.issuer, &identity.subject).await? {
                return Ok(Err(Refusal::LinkedElsewhere));
            }
            let event = NewEvent::new(
                EventKind::TeamMemberUpdated,
                member.id,
                format!(
                    "linked {} to the console sign-in identity {} at {}",
                    member.email, identity.subject, identity.issuer
                ),
            )
            .with("fields", vec!["console_identity"]);
            tx.record(&actor, event).await?;
            tx.commit().await?;
            Ok(Ok(member))
        }
        Err(refusal) => Ok(Err(refusal)),
    }
}
