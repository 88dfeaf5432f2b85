//! A team member entering the console, and leaving it: by password (under the sign-in limits),
//! the second step (a code or a passkey), or the MSP's own identity provider, whose verified
//! identity is admitted by [`portico_domain::console_sign_in`] and linked at the first sign-in in
//! one transaction with its event (audited). Every way ends in [`open_session`]; a sign-in that
//! is refused says why with a [`SignInRefusal`].

use std::future::Future;

use secrecy::ExposeSecret;
use time::OffsetDateTime;
use uuid::Uuid;
use webauthn_rs::prelude::PublicKeyCredential;

use super::mfa::{self, SecondStepUsed};
use super::{UseCaseError, UseCaseResult};
use crate::auth::password;
use crate::auth::pending::{PendingSignIn, password_fingerprint};
use crate::context::Context;
use crate::sso::flow;
use crate::sso::pending::{PendingSignIn as ProviderSignIn, SignInState};
use portico_domain::actor::Actor;
use portico_domain::console_sign_in::{self, Admission, Facts, Member, Refusal};
use portico_domain::email::EmailAddress;
use portico_domain::event::{EventKind, NewEvent};
use portico_domain::secret::{hash_token, random_token, same_secret};
use portico_domain::session::ConsoleSession;
use portico_domain::sso::admission::VerifiedIdentity;
use portico_domain::team::TeamMember;
use portico_store::StoreError;
use portico_store::sessions::SessionKind;
use portico_store::sign_in::Attempt;

/// The team member the identity signs in as, or why it may not.
pub async fn admit(cx: &Context, identity: &VerifiedIdentity) -> UseCaseResult<Result<TeamMember, Refusal>> {
    let store = cx.store();
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

/// Why a sign-in does not go on, in the words the sign-in page shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInRefusal {
    #[error("Password sign-in is turned off: sign in through your organisation's account.")]
    PasswordsOff,
    #[error("The e-mail address or password is not right.")]
    WrongCredentials,
    /// The half-done sign-in is void (expired, spent, or the password or second step changed).
    #[error("The sign-in expired. Start again with your password.")]
    StartOver,
    /// The second step's code or passkey was not accepted; the message says which.
    #[error("{0}")]
    SecondStepRefused(String),
}

/// A member signed in: the session's secret token, for the cookie, and who it is.
#[derive(Debug)]
pub struct SignedIn {
    pub member: TeamMember,
    pub session_token: String,
}

/// Where a right password leads.
#[derive(Debug)]
pub enum PasswordChecked {
    SignedIn(SignedIn),
    /// The second step is due: the half-done sign-in, to seal into its cookie.
    SecondStepDue(PendingSignIn),
}

/// A password check reserved under the sign-in limits: it counts as a failure until released.
#[derive(Debug, Clone, Copy)]
pub struct Reservation(i64);

impl Reservation {
    pub(crate) fn id(self) -> i64 {
        self.0
    }
}

/// Reserves one password (or code) check for this account and address, or refuses while either
/// has too many recent failures. The reservation counts as a failure until released, so a burst
/// of parallel guesses gets no more checks than the limits allow.
pub async fn reserve_check(cx: &Context, email_key: &str, client_ip: &str) -> UseCaseResult<Reservation> {
    let limits = &cx.config().sign_in_limits;
    let window_ms = i64::try_from(limits.window.as_millis()).unwrap_or(i64::MAX);
    let attempt = cx
        .store()
        .reserve_sign_in_attempt(email_key, client_ip, window_ms, limits.per_account, limits.per_address)
        .await?;
    match attempt {
        Attempt::Reserved(id) => Ok(Reservation(id)),
        Attempt::Limited(recent) => {
            let now = portico_store::to_ms(OffsetDateTime::now_utc());
            let retry_after_ms = recent.oldest_at.map_or(window_ms, |oldest| oldest + window_ms - now);
            let retry_after_secs = u64::try_from(retry_after_ms.max(1000) / 1000).unwrap_or(1);
            tracing::warn!(email = %email_key, %client_ip, "console sign-in checks rate limited");
            Err(UseCaseError::RateLimited { retry_after_secs })
        }
    }
}

/// Runs a code-checked change of a signed-in member under the sign-in limits: a wrong code
/// counts as a failed sign-in (a borrowed session cannot guess codes), a right one does not.
pub async fn under_sign_in_limits<T>(
    cx: &Context,
    member: &TeamMember,
    client_ip: &str,
    change: impl Future<Output = UseCaseResult<T>>,
) -> UseCaseResult<UseCaseResult<T>> {
    let reservation = reserve_check(cx, member.email.as_str(), client_ip).await?;
    let result = change.await;
    if result.is_ok() {
        cx.store().release_sign_in_attempt(reservation.0).await?;
    }
    Ok(result)
}

/// The first step: the e-mail address and password. `next` is where to go once signed in
/// (already checked to be a console path).
pub async fn with_password(
    cx: &Context,
    email: &str,
    password: &str,
    client_ip: &str,
    next: &str,
) -> UseCaseResult<Result<PasswordChecked, SignInRefusal>> {
    if !cx.config().console_password_sign_in {
        return Ok(Err(SignInRefusal::PasswordsOff));
    }
    let store = cx.store();
    let email_key = email.trim().to_ascii_lowercase();
    let reservation = reserve_check(cx, &email_key, client_ip).await?;
    let credentials = match EmailAddress::parse("email", email) {
        Ok(email) => store.team_member_credentials(&email).await?,
        Err(_) => None,
    };
    let stored_hash = credentials.as_ref().map(|(_, hash)| hash.clone());
    let verified = password::verify_blocking(password.to_string(), stored_hash).await;
    let (member, password_hash) = match credentials {
        Some((member, hash)) if verified && member.active => (member, hash),
        // The reservation stays: it is the recorded failure.
        _ => return Ok(Err(SignInRefusal::WrongCredentials)),
    };
    if store.second_step_due(member.id).await? {
        // The password was right, so this check no longer counts; earlier failures stay until
        // the second step succeeds, so re-entering the password never resets the count of
        // wrong codes.
        store.release_sign_in_attempt(reservation.0).await?;
        let pending =
            PendingSignIn::new(member.id, &password_hash, next.to_string(), OffsetDateTime::now_utc());
        return Ok(Ok(PasswordChecked::SecondStepDue(pending)));
    }
    store.clear_sign_in_failures(&email_key).await?;
    Ok(Ok(PasswordChecked::SignedIn(open_session(cx, &member).await?)))
}

/// After the MSP's identity provider vouched for `member`: signed in, or the second step due.
pub async fn after_identity_provider(
    cx: &Context,
    member: &TeamMember,
    next: &str,
) -> UseCaseResult<PasswordChecked> {
    let store = cx.store();
    if !store.second_step_due(member.id).await? {
        return Ok(PasswordChecked::SignedIn(open_session(cx, member).await?));
    }
    let password_hash =
        store.team_member_credentials(&member.email).await?.map(|(_, hash)| hash).unwrap_or_default();
    let pending = PendingSignIn::new(member.id, &password_hash, next.to_string(), OffsetDateTime::now_utc());
    Ok(PasswordChecked::SecondStepDue(pending))
}

/// The member a half-done sign-in is for, while it still holds: the member is active, their
/// password is the one that was right, and the second step is still due (an admin's reset of
/// it, or a changed password, voids the sign-in).
pub async fn pending_member(cx: &Context, pending: &PendingSignIn) -> UseCaseResult<Option<TeamMember>> {
    let store = cx.store();
    let member = match store.team_member(pending.member_id).await {
        Ok(member) if member.active => member,
        _ => return Ok(None),
    };
    let current = store.team_member_credentials(&member.email).await?.map(|(_, hash)| hash);
    if !current.is_some_and(|hash| same_secret(&password_fingerprint(&hash), &pending.password))
        || !store.second_step_due(member.id).await?
    {
        return Ok(None);
    }
    Ok(Some(member))
}

/// The ways the member's second step can be taken here: an authenticator app (or its recovery
/// codes), and a passkey.
#[derive(Debug, Clone, Copy)]
pub struct SecondStepWays {
    pub app: bool,
    pub passkey: bool,
}

pub async fn second_step_ways(cx: &Context, pending: &PendingSignIn) -> UseCaseResult<SecondStepWays> {
    let store = cx.store();
    let app = store.mfa_state(pending.member_id).await?.is_on();
    let passkey = cx.passkeys().is_some() && !store.passkeys_of(pending.member_id).await?.is_empty();
    Ok(SecondStepWays { app, passkey })
}

/// The second step with a code from the authenticator app or a recovery code.
pub async fn with_code(
    cx: &Context,
    pending: &PendingSignIn,
    code: &str,
    client_ip: &str,
) -> UseCaseResult<Result<SignedIn, SignInRefusal>> {
    let Some(member) = pending_member(cx, pending).await? else { return Ok(Err(SignInRefusal::StartOver)) };
    let email_key = member.email.to_string();
    // Stays counted as a failure unless the code is right.
    reserve_check(cx, &email_key, client_ip).await?;
    match mfa::complete_sign_in(cx, &member, code).await {
        Ok(used) => {
            if let SecondStepUsed::RecoveryCode { left } = used {
                tracing::warn!(member = %member.email, left, "console sign-in with a recovery code");
            }
            finish_second_step(cx, pending, member).await
        }
        Err(UseCaseError::Invalid(errors)) => {
            let message = errors.message_for("code").unwrap_or("This code is not right.").to_string();
            Ok(Err(SignInRefusal::SecondStepRefused(message)))
        }
        Err(other) => Err(other),
    }
}

/// The second step with a passkey: the browser's answer to the challenge sealed in
/// `sealed_challenge`. A failure counts against the sign-in limits like a wrong code.
pub async fn with_passkey(
    cx: &Context,
    pending: &PendingSignIn,
    sealed_challenge: &str,
    answer: Option<&PublicKeyCredential>,
    client_ip: &str,
) -> UseCaseResult<Result<SignedIn, SignInRefusal>> {
    let Some(member) = pending_member(cx, pending).await? else { return Ok(Err(SignInRefusal::StartOver)) };
    reserve_check(cx, member.email.as_str(), client_ip).await?;
    let accepted = match answer {
        Some(answer) => super::passkeys::finish_authentication(cx, &member, sealed_challenge, answer)
            .await
            .unwrap_or(false),
        None => false,
    };
    if !accepted {
        let message = "The passkey was not accepted. Try again, or enter a code.".to_string();
        return Ok(Err(SignInRefusal::SecondStepRefused(message)));
    }
    tracing::info!(member = %member.email, "console second step with a passkey");
    finish_second_step(cx, pending, member).await
}

async fn finish_second_step(
    cx: &Context,
    pending: &PendingSignIn,
    member: TeamMember,
) -> UseCaseResult<Result<SignedIn, SignInRefusal>> {
    let store = cx.store();
    store.clear_sign_in_failures(member.email.as_str()).await?;
    if !pending.spend(store).await? {
        return Ok(Err(SignInRefusal::StartOver));
    }
    Ok(Ok(open_session(cx, &member).await?))
}

/// Signs `member` in: a new session, whose token only the caller sees (the store keeps its hash).
pub async fn open_session(cx: &Context, member: &TeamMember) -> UseCaseResult<SignedIn> {
    let token = random_token("pcs");
    let csrf = random_token("csrf");
    let expires_at = OffsetDateTime::now_utc() + cx.config().session_max;
    cx.store().create_console_session(&hash_token(&token), member, &csrf, expires_at).await?;
    tracing::info!(member = %member.email, "console sign-in");
    Ok(SignedIn { member: member.clone(), session_token: token })
}

/// The live session a console cookie holds, if any (expired and idle ones are not).
pub async fn session(cx: &Context, token: &str) -> UseCaseResult<Option<ConsoleSession>> {
    let idle_ms = i64::try_from(cx.config().session_idle.as_millis()).unwrap_or(i64::MAX);
    Ok(cx.store().console_session(&hash_token(token), idle_ms).await?)
}

/// Ends the session a console cookie holds.
pub async fn sign_out(cx: &Context, token: &str) -> UseCaseResult<()> {
    Ok(cx.store().delete_session(SessionKind::Console, &hash_token(token)).await?)
}

/// Spends the state of a sign-in through an identity provider: `false` when it was spent before
/// (a replayed callback).
pub async fn spend_provider_state(
    cx: &Context,
    state: &str,
    expires_at: OffsetDateTime,
) -> UseCaseResult<bool> {
    Ok(cx.store().spend_login_state(&hash_token(state), expires_at).await?)
}

/// Why a sign-in through the MSP's own identity provider does not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderRefusal {
    /// Single sign-on is not set up for the console.
    NotSetUp,
    /// The provider cannot be reached, or the sign-in could not be started.
    Unreachable,
    /// The answer was used already, expired, started elsewhere, or lacks its parts.
    UsedOrExpired,
    /// The provider did not let the person in.
    ProviderRefused,
    /// The provider's answer could not be accepted; `reference` ties the log line to the page.
    Failed { reference: String },
    /// The identity is not a team member who may sign in; the reason in words.
    NotAdmitted(String),
}

/// How long the provider may take.
const PROVIDER_WINDOW: time::Duration = time::Duration::minutes(10);

/// Where to send the browser to sign in, and what the answer must match (for a cookie of the
/// callback's path). `next` is where to go once signed in (already checked to be a console path).
pub async fn start_with_provider(
    cx: &Context,
    next: &str,
) -> UseCaseResult<Result<(url::Url, String), ProviderRefusal>> {
    let config = cx.config();
    let Some(sso) = config.console_sso.as_ref() else { return Ok(Err(ProviderRefusal::NotSetUp)) };
    let info =
        match cx.providers().get(cx.outbound(), &sso.settings.discovery_url(), sso.settings.provider).await {
            Ok(info) => info,
            Err(error) => {
                tracing::warn!(%error, "console single sign-on: the provider cannot be reached");
                return Ok(Err(ProviderRefusal::Unreachable));
            }
        };
    // The console's state names no customer and no configuration: portals refuse it, and it
    // refuses theirs.
    let sealed_state =
        SignInState::new(Uuid::nil(), Uuid::nil(), OffsetDateTime::now_utc() + PROVIDER_WINDOW)
            .seal(cx.sealer());
    let callback = config.url_for(crate::paths::CONSOLE_SSO_CALLBACK);
    let request = match flow::authorization_request(&info, &sso.settings, &callback, sealed_state.clone()) {
        Ok(request) => request,
        Err(error) => {
            tracing::warn!(%error, "console single sign-on could not start");
            return Ok(Err(ProviderRefusal::Unreachable));
        }
    };
    let pending =
        ProviderSignIn::new(&sealed_state, request.nonce, request.pkce_verifier, callback, next.to_string());
    Ok(Ok((request.url, pending.seal(cx.sealer()))))
}

/// Completes a sign-in through the MSP's identity provider with its answer and the browser's
/// sealed cookie: the state is spent at its first answer; the identity is admitted as a team
/// member (linked at the first sign-in); then the session, or the second step when it is due.
pub async fn complete_with_provider(
    cx: &Context,
    sealed: Option<&str>,
    state: Option<&str>,
    code: Option<&str>,
    error: Option<&str>,
    iss: Option<&str>,
) -> UseCaseResult<Result<(PasswordChecked, String), ProviderRefusal>> {
    use ProviderRefusal as Refusal;
    let config = cx.config();
    let Some(sso) = config.console_sso.as_ref() else { return Ok(Err(Refusal::NotSetUp)) };
    let Some(state_value) = state.filter(|s| !s.is_empty()) else { return Ok(Err(Refusal::UsedOrExpired)) };
    let Some(sign_in) = SignInState::open(cx.sealer(), state_value)
        .filter(|s| s.customer_id.is_nil() && s.sso_config_id.is_nil() && !s.expired())
    else {
        return Ok(Err(Refusal::UsedOrExpired));
    };
    if !spend_provider_state(cx, state_value, sign_in.expires_at()).await? {
        return Ok(Err(Refusal::UsedOrExpired));
    }
    let Some(pending) = sealed.and_then(|sealed| ProviderSignIn::open_for(cx.sealer(), sealed, state_value))
    else {
        return Ok(Err(Refusal::UsedOrExpired));
    };
    if let Some(error) = error {
        tracing::warn!(error, "console single sign-on: the provider refused");
        return Ok(Err(Refusal::ProviderRefused));
    }
    let Some(code) = code.filter(|c| !c.is_empty()) else { return Ok(Err(Refusal::UsedOrExpired)) };
    let answer = flow::Answer {
        code,
        pkce_verifier: &pending.pkce_verifier,
        nonce: &pending.nonce,
        redirect_uri: &pending.redirect_uri,
        iss,
    };
    let completed = match flow::complete(
        cx.outbound(),
        cx.providers(),
        &sso.settings,
        sso.secret.expose_secret(),
        &answer,
    )
    .await
    {
        Ok(completed) => completed,
        Err(error) => {
            let reference = random_token("ref");
            tracing::warn!(%error, reference, "console single sign-on failed");
            return Ok(Err(Refusal::Failed { reference }));
        }
    };
    let member = match admit(cx, &completed.identity).await? {
        Ok(member) => member,
        Err(refusal) => {
            tracing::warn!(issuer = completed.identity.issuer, subject = completed.identity.subject, %refusal,
                "console single sign-on refused");
            return Ok(Err(Refusal::NotAdmitted(refusal.to_string())));
        }
    };
    tracing::info!(member = %member.email, "console sign-in through single sign-on");
    let next = pending.return_to.clone();
    Ok(Ok((after_identity_provider(cx, &member, &next).await?, next)))
}
