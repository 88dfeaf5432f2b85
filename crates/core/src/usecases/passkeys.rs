//! Console passkeys: a team member registers their own, and uses one as the second step of the
//! console's sign-in. Each ceremony has two steps; its state travels between them sealed under
//! the server key and bound to the member (so no one else's ceremony can be finished with it),
//! with a deadline, and is spent when it is answered (a captured answer cannot be replayed).

use crate::context::Context;
use uuid::Uuid;
use webauthn_rs::Webauthn;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, RequestChallengeResponse,
};

use super::{UseCaseError, UseCaseResult};
use crate::crypto::{SealContext, Sealer};
use portico_domain::actor::Actor;
use portico_domain::event::{EventKind, NewEvent};
use portico_domain::team::TeamMember;
use portico_store::Store;
use portico_store::passkeys::StoredPasskey;

/// A member may keep this many passkeys.
pub const PASSKEYS_MAX: usize = 10;
/// How long a ceremony may take between its two steps.
const CEREMONY_WINDOW: time::Duration = time::Duration::minutes(5);
/// A member who already has a second step adds a passkey only this soon after signing in with
/// it: a borrowed session must not add a factor of its own.
pub const RECENT_SIGN_IN: time::Duration = time::Duration::minutes(10);

/// A ceremony's state with its deadline, sealed to its member.
#[derive(serde::Serialize, serde::Deserialize)]
struct Ceremony<T> {
    state: T,
    /// Unix seconds.
    expires_at: i64,
}

fn seal<T: serde::Serialize>(sealer: &Sealer, member_id: Uuid, state: T) -> UseCaseResult<String> {
    let expires_at = (time::OffsetDateTime::now_utc() + CEREMONY_WINDOW).unix_timestamp();
    let json = serde_json::to_string(&Ceremony { state, expires_at })
        .map_err(|e| UseCaseError::Internal(e.into()))?;
    Ok(sealer.seal(&json, SealContext::PasskeyCeremony(member_id)))
}

/// The state of a ceremony sealed here for this member, before its deadline, answered once.
async fn open<T: serde::de::DeserializeOwned>(
    store: &Store,
    sealer: &Sealer,
    member_id: Uuid,
    sealed: &str,
) -> UseCaseResult<T> {
    let expired =
        || UseCaseError::field("passkey", "The passkey request expired or belongs elsewhere. Try again.");
    let json = sealer.open(sealed, SealContext::PasskeyCeremony(member_id)).map_err(|_| expired())?;
    let ceremony: Ceremony<T> = serde_json::from_str(&json).map_err(|_| expired())?;
    let deadline = time::OffsetDateTime::from_unix_timestamp(ceremony.expires_at).map_err(|_| expired())?;
    if deadline < time::OffsetDateTime::now_utc() {
        return Err(expired());
    }
    if !store.spend_login_state(&portico_domain::secret::hash_token(sealed), deadline).await? {
        return Err(expired());
    }
    Ok(ceremony.state)
}

fn credential_of(stored: &StoredPasskey) -> UseCaseResult<Passkey> {
    serde_json::from_str(&stored.credential).map_err(|e| {
        UseCaseError::Internal(anyhow::anyhow!("stored passkey {} is unreadable: {e}", stored.id))
    })
}

fn credential_key(passkey: &Passkey) -> UseCaseResult<String> {
    serde_json::to_string(passkey.cred_id()).map_err(|e| UseCaseError::Internal(e.into()))
}

/// Passkeys are a member's own, managed in their console session: never through an API token,
/// which could otherwise add a second factor to an account it does not sign in to.
fn member_of(actor: &Actor) -> UseCaseResult<Uuid> {
    match (actor.kind, actor.id) {
        (portico_domain::actor::ActorKind::TeamMember, Some(id)) => Ok(id),
        _ => Err(UseCaseError::Forbidden(portico_domain::actor::Refused::NotTeam)),
    }
}

/// The first step of adding a passkey: the options for the browser, and the sealed state.
pub async fn start_registration(
    cx: &Context,
    actor: &Actor,
    signed_in_at: time::OffsetDateTime,
) -> UseCaseResult<(CreationChallengeResponse, String)> {
    let store = cx.store();
    let webauthn = relying_party(cx)?;
    let sealer = cx.sealer();
    let member = store.team_member(member_of(actor)?).await?;
    if store.second_step_due(member.id).await?
        && signed_in_at + RECENT_SIGN_IN < time::OffsetDateTime::now_utc()
    {
        return Err(UseCaseError::field(
            "passkey",
            "For your security, a passkey can be added only within 10 minutes of signing in: sign out, sign in again and add it then.",
        ));
    }
    let existing = store.passkeys_of(member.id).await?;
    if existing.len() >= PASSKEYS_MAX {
        return Err(UseCaseError::field(
            "passkey",
            format!("You have {PASSKEYS_MAX} passkeys; remove one first."),
        ));
    }
    let exclude = existing
        .iter()
        .map(credential_of)
        .map(|p| p.map(|p| p.cred_id().clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let (options, state) = webauthn
        .start_passkey_registration(member.id, member.email.as_str(), &member.name, Some(exclude))
        .map_err(|e| UseCaseError::Internal(anyhow::anyhow!("passkey registration could not start: {e}")))?;
    Ok((options, seal(sealer, member.id, state)?))
}

/// The second step: the browser's answer checked against the state, kept under `name`.
pub async fn finish_registration(
    cx: &Context,
    actor: &Actor,
    name: &str,
    sealed_state: &str,
    answer: &RegisterPublicKeyCredential,
) -> UseCaseResult<Uuid> {
    let store = cx.store();
    let webauthn = relying_party(cx)?;
    let sealer = cx.sealer();
    let member = store.team_member(member_of(actor)?).await?;
    let name = crate::auth::passkeys::passkey_name(name)?;
    let state: PasskeyRegistration = open(store, sealer, member.id, sealed_state).await?;
    let passkey = webauthn
        .finish_passkey_registration(answer, &state)
        .map_err(|e| UseCaseError::field("passkey", format!("The passkey was not accepted: {e}.")))?;
    let credential = serde_json::to_string(&passkey).map_err(|e| UseCaseError::Internal(e.into()))?;
    let mut tx = store.begin_write().await?;
    let id = tx.insert_passkey(member.id, &name, &credential_key(&passkey)?, &credential).await?;
    let event = NewEvent::new(EventKind::TeamMemberUpdated, member.id, format!("added the passkey '{name}'"))
        .with("fields", vec!["passkeys"]);
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes one of the actor's own passkeys.
pub async fn remove(cx: &Context, actor: &Actor, id: Uuid) -> UseCaseResult<()> {
    let store = cx.store();
    let member_id = member_of(actor)?;
    let mut tx = store.begin_write().await?;
    let name = tx.delete_passkey(member_id, id).await?;
    let event =
        NewEvent::new(EventKind::TeamMemberUpdated, member_id, format!("removed the passkey '{name}'"))
            .with("fields", vec!["passkeys"]);
    tx.record(actor, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The first step of signing in with a passkey, or `None` when the member has none.
pub async fn start_authentication(
    cx: &Context,
    member: &TeamMember,
) -> UseCaseResult<Option<(RequestChallengeResponse, String)>> {
    let store = cx.store();
    let webauthn = relying_party(cx)?;
    let sealer = cx.sealer();
    let stored = store.passkeys_of(member.id).await?;
    if stored.is_empty() {
        return Ok(None);
    }
    let passkeys = stored.iter().map(credential_of).collect::<Result<Vec<_>, _>>()?;
    let (options, state) = webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(|e| UseCaseError::Internal(anyhow::anyhow!("passkey sign-in could not start: {e}")))?;
    Ok(Some((options, seal(sealer, member.id, state)?)))
}

/// The second step: `true` when one of the member's passkeys signed the challenge.
pub async fn finish_authentication(
    cx: &Context,
    member: &TeamMember,
    sealed_state: &str,
    answer: &PublicKeyCredential,
) -> UseCaseResult<bool> {
    let store = cx.store();
    let webauthn = relying_party(cx)?;
    let sealer = cx.sealer();
    let Ok(state) = open::<PasskeyAuthentication>(store, sealer, member.id, sealed_state).await else {
        return Ok(false);
    };
    let Ok(result) = webauthn.finish_passkey_authentication(answer, &state) else { return Ok(false) };
    for stored in store.passkeys_of(member.id).await? {
        let mut passkey = credential_of(&stored)?;
        if passkey.cred_id() == result.cred_id() {
            passkey.update_credential(&result);
            let credential = serde_json::to_string(&passkey).map_err(|e| UseCaseError::Internal(e.into()))?;
            store.passkey_used(stored.id, &credential).await?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// The member's passkeys, for their account page.
pub async fn list(cx: &Context, actor: &Actor) -> UseCaseResult<Vec<StoredPasskey>> {
    let store = cx.store();
    Ok(store.passkeys_of(member_of(actor)?).await?)
}

/// The console's passkey relying party, where passkeys work (the console at a domain name).
fn relying_party(cx: &Context) -> UseCaseResult<&Webauthn> {
    cx.passkeys().ok_or_else(|| UseCaseError::Conflict {
        field: "passkey",
        message: "Passkeys work only where the console is reached by a domain name, not an IP address."
            .into(),
    })
}
