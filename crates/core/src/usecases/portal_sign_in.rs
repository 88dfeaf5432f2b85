//! An end user signing in to their portal through their organisation's identity provider
//! (authorization code with PKCE), and out again. What the answer must match (state, nonce,
//! PKCE verifier, redirect URI) travels sealed with the browser; nothing is written before the
//! answer. A sign-in that does not go through says why with a [`PortalSignInRefusal`], which
//! the portal turns into its page; failures at the provider are recorded for the console.

use std::sync::Arc;

use time::OffsetDateTime;
use url::Url;
use uuid::Uuid;

use super::{UseCaseError, UseCaseResult};
use crate::context::Context;
use crate::crypto::SealContext;
use crate::portal_cache::ResolvedPortal;
use crate::read_models::KeptSession;
use crate::sso::pending::{PendingSignIn, SignInState};
use crate::sso::{SsoError, flow};
use crate::usecases::sso::secret_context;
use portico_domain::actor::Actor;
use portico_domain::customer::Customer;
use portico_domain::event::{EventKind, NewEvent};
use portico_domain::portal::stored::StoredPortal;
use portico_domain::secret::{hash_token, random_token, reference};
use portico_domain::session::PortalSession;
use portico_domain::sso::SsoConfig;
use portico_store::sessions::NewPortalSession;

/// A sign-in in progress lasts this long.
const LOGIN_WINDOW: time::Duration = time::Duration::minutes(10);

/// How a failed sign-in reads to the end user, and whether trying again can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// The IdP did not answer: perhaps only for a moment.
    NotAnswering,
    /// The configuration or the IdP's set-up is wrong: only the IT team can fix it.
    Setup,
    /// The IdP answered, but not acceptably (a refused code, a token that fails verification).
    Answer,
    /// The person cancelled at the IdP, or the IdP would not let them use this application.
    Cancelled,
}

fn trouble_of(error: &SsoError) -> Trouble {
    match error {
        SsoError::Unreachable(_) => Trouble::NotAnswering,
        SsoError::Blocked(..) | SsoError::Discovery(_) | SsoError::Keys(_) | SsoError::NoSecret => {
            Trouble::Setup
        }
        SsoError::Refused(_) | SsoError::InvalidToken(_) => Trouble::Answer,
    }
}

/// The kind of trouble an IdP's `error` answer (RFC 6749 §4.1.2.1, OpenID Connect §3.1.2.6) is.
fn trouble_of_answer(error: &str) -> Trouble {
    match error {
        "access_denied"
        | "login_required"
        | "interaction_required"
        | "consent_required"
        | "account_selection_required" => Trouble::Cancelled,
        "temporarily_unavailable" | "server_error" => Trouble::NotAnswering,
        _ => Trouble::Setup,
    }
}

/// How Portico learnt of a failure. When Portico's own request to the IdP failed, that is a bad
/// gateway; an error the browser brings back in the callback's query is the IdP's answer to the
/// browser, which no server here failed on (and which anyone holding a state can forge), so it
/// only means "not signed in".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    Directly,
    ThroughBrowser,
}

/// Why a sign-in option cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// Saved before multi-tenant configurations had to be restricted: closed until they are.
    Unrestricted,
    /// Switched off, or not this portal's.
    Off,
}

/// Why a portal sign-in does not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalSignInRefusal {
    /// The provider's answer lacks a part (`"state"` or `"code"`).
    Incomplete(&'static str),
    UsedOrExpired,
    /// The answer was started for another portal or sign-in option.
    BelongsElsewhere,
    TookTooLong,
    /// The answer reached another browser than the one that started the sign-in.
    OtherBrowser,
    Unavailable(Unavailable),
    /// The provider or the configuration failed; the detail is logged and recorded for the
    /// console under `reference`.
    Failed {
        trouble: Trouble,
        heard: Heard,
        reference: String,
    },
    /// The identity is not admitted to this portal; the reason in the end user's words.
    NotAdmitted(String),
}

/// Where to send the browser to sign in, and the sealed state that must come back with it.
#[derive(Debug)]
pub struct Started {
    pub authorization_url: Url,
    /// For the sign-in cookie: what the answer must match.
    pub sealed_login: String,
}

/// An end user signed in: the session's token, for the cookie, and where to go.
#[derive(Debug)]
pub struct PortalSignedIn {
    pub end_user_id: Uuid,
    pub session_token: String,
    pub return_to: String,
}

/// The provider's answer, as the callback's query brings it.
#[derive(Debug, Default)]
pub struct ProviderAnswer<'a> {
    pub state: Option<&'a str>,
    pub code: Option<&'a str>,
    pub iss: Option<&'a str>,
    pub error: Option<&'a str>,
    pub error_description: Option<&'a str>,
}

/// The portal's sign-in options that are on (anyone may see which exist).
pub async fn enabled_configs(cx: &Context, customer_id: Uuid) -> UseCaseResult<Vec<SsoConfig>> {
    let configs = cx.store().sso_configs(customer_id).await?;
    Ok(configs.into_iter().filter(|c| c.settings.enabled).collect())
}

/// One sign-in option of the portal, if it can be used.
pub async fn enabled_config(
    cx: &Context,
    customer_id: Uuid,
    id: Uuid,
) -> UseCaseResult<Result<SsoConfig, Unavailable>> {
    Ok(match cx.store().sso_config(customer_id, id).await {
        Ok(config) if config.settings.enabled && config.settings.multi_tenant_problem().is_some() => {
            tracing::warn!(customer = %customer_id, sso = %id, "unrestricted multi-tenant Microsoft sign-in refused");
            Err(Unavailable::Unrestricted)
        }
        Ok(config) if config.settings.enabled => Ok(config),
        Ok(_) | Err(portico_store::StoreError::NotFound { .. }) => Err(Unavailable::Off),
        Err(other) => return Err(other.into()),
    })
}

/// Records a failure at the provider or of the configuration, and gives the reference the end
/// user is shown; the detail (the relying party's own words) goes only to the log and the console.
async fn failed(
    cx: &Context,
    customer_id: Uuid,
    sso_id: Uuid,
    trouble: Trouble,
    heard: Heard,
    detail: &str,
) -> PortalSignInRefusal {
    let reference = reference();
    tracing::warn!(customer = %customer_id, sso = %sso_id, %reference, detail, "end-user sign-in failed");
    if let Err(error) = super::sso::record_sign_in_failure(cx, customer_id, sso_id, &reference, detail).await
    {
        tracing::error!(%reference, %error, "the failed sign-in could not be recorded");
    }
    PortalSignInRefusal::Failed { trouble, heard, reference }
}

/// Starts a sign-in with one of the portal's options: the provider's authorization URL, and
/// what the answer must match, sealed. `callback` is the redirect URI as this browser reaches
/// the portal; `return_to` where to go once signed in (already checked to be the portal's).
pub async fn start(
    cx: &Context,
    customer_id: Uuid,
    sso_id: Uuid,
    callback: String,
    return_to: String,
) -> UseCaseResult<Result<Started, PortalSignInRefusal>> {
    let config = match enabled_config(cx, customer_id, sso_id).await? {
        Ok(config) => config,
        Err(why) => return Ok(Err(PortalSignInRefusal::Unavailable(why))),
    };
    let settings = &config.settings;
    let sealed_state =
        SignInState::new(customer_id, sso_id, OffsetDateTime::now_utc() + LOGIN_WINDOW).seal(cx.sealer());
    // Both steps fail the same way: the provider or the set-up, recorded for the console.
    let prepared = match cx.providers().get(cx.outbound(), &settings.discovery_url(), settings.provider).await
    {
        Ok(info) => flow::authorization_request(&info, settings, &callback, sealed_state.clone()),
        Err(error) => Err(error),
    };
    let request = match prepared {
        Ok(request) => request,
        Err(error) => {
            let detail = error.to_string();
            return Ok(Err(
                failed(cx, customer_id, sso_id, trouble_of(&error), Heard::Directly, &detail).await
            ));
        }
    };
    let pending =
        PendingSignIn::new(&sealed_state, request.nonce, request.pkce_verifier, callback, return_to);
    Ok(Ok(Started { authorization_url: request.url, sealed_login: pending.seal(cx.sealer()) }))
}

/// Completes a sign-in with the provider's answer and the browser's sealed sign-in cookie:
/// the state is spent at its first answer, whatever comes of it, so a state someone else
/// presented first cannot be used afterwards, even by the browser that started it.
pub async fn complete(
    cx: &Context,
    customer_id: Uuid,
    sso_id: Uuid,
    sealed_login: Option<&str>,
    answer: &ProviderAnswer<'_>,
) -> UseCaseResult<Result<PortalSignedIn, PortalSignInRefusal>> {
    use PortalSignInRefusal as Refusal;
    let Some(state_value) = answer.state.filter(|s| !s.is_empty()) else {
        return Ok(Err(Refusal::Incomplete("state")));
    };
    // A state Portico did not seal is refused before anything is written.
    let Some(sign_in) = SignInState::open(cx.sealer(), state_value) else {
        return Ok(Err(Refusal::UsedOrExpired));
    };
    if sign_in.customer_id != customer_id || sign_in.sso_config_id != sso_id {
        return Ok(Err(Refusal::BelongsElsewhere));
    }
    if sign_in.expired() {
        return Ok(Err(Refusal::TookTooLong));
    }
    if !cx.store().spend_login_state(&hash_token(state_value), sign_in.expires_at()).await? {
        return Ok(Err(Refusal::UsedOrExpired));
    }
    let Some(login) =
        sealed_login.and_then(|sealed| PendingSignIn::open_for(cx.sealer(), sealed, state_value))
    else {
        return Ok(Err(Refusal::OtherBrowser));
    };
    if let Some(error) = answer.error {
        let description = answer.error_description.map(|d| format!(": {d}")).unwrap_or_default();
        let detail = format!("the identity provider answered {error}{description}");
        let trouble = trouble_of_answer(error);
        return Ok(Err(failed(cx, customer_id, sso_id, trouble, Heard::ThroughBrowser, &detail).await));
    }
    let Some(code) = answer.code.filter(|c| !c.is_empty()) else {
        return Ok(Err(Refusal::Incomplete("code")));
    };
    let config = match enabled_config(cx, customer_id, sso_id).await? {
        Ok(config) => config,
        Err(why) => return Ok(Err(Refusal::Unavailable(why))),
    };
    let secret = match cx.store().sso_secret(customer_id, sso_id).await? {
        Some(sealed) => cx
            .sealer()
            .open(&sealed, secret_context(sso_id))
            .map_err(|_| "the stored secret cannot be opened with this server's key"),
        None => Err("none is stored"),
    };
    let secret = match secret {
        Ok(secret) => secret,
        Err(why) => {
            let detail = format!("{}: {why}", SsoError::NoSecret);
            return Ok(Err(failed(cx, customer_id, sso_id, Trouble::Setup, Heard::Directly, &detail).await));
        }
    };
    let flow_answer = flow::Answer {
        code,
        pkce_verifier: &login.pkce_verifier,
        nonce: &login.nonce,
        redirect_uri: &login.redirect_uri,
        iss: answer.iss,
    };
    let completed =
        match flow::complete(cx.outbound(), cx.providers(), &config.settings, &secret, &flow_answer).await {
            Ok(completed) => completed,
            Err(error) => {
                let trouble = trouble_of(&error);
                return Ok(Err(failed(
                    cx,
                    customer_id,
                    sso_id,
                    trouble,
                    Heard::Directly,
                    &error.to_string(),
                )
                .await));
            }
        };
    let user = match super::sso::admit_identity(cx, customer_id, &config, &completed.identity).await? {
        Ok(user) => user,
        Err(refusal) => {
            tracing::info!(customer = %customer_id, %refusal, "end-user sign-in refused");
            return Ok(Err(Refusal::NotAdmitted(refusal.to_string())));
        }
    };
    let token = random_token("pps");
    let csrf = random_token("csrf");
    let expires_at = OffsetDateTime::now_utc() + cx.config().portal_session_max;
    let sealed_id_token = cx.sealer().seal(&completed.id_token, SealContext::IdToken(customer_id));
    let token_hash = hash_token(&token);
    let session = NewPortalSession {
        token_hash: &token_hash,
        customer_id,
        end_user_id: user.id,
        sso_config_id: sso_id,
        csrf_token: &csrf,
        sealed_id_token: Some(&sealed_id_token),
        expires_at,
    };
    cx.store().create_portal_session(&session).await?;
    tracing::info!(customer = %customer_id, end_user = %user.id, "end-user sign-in");
    Ok(Ok(PortalSignedIn { end_user_id: user.id, session_token: token, return_to: login.return_to }))
}

/// An end user in their portal as this request found them: the portal resolved from the
/// address and the session the cookie holds there. Only the core makes one, so a use case given
/// one knows, without reading them again, that the customer is not archived, that the end user
/// is active and theirs, and how the portal is set up.
#[derive(Debug, Clone)]
pub struct Visit {
    resolved: Arc<ResolvedPortal>,
    session: PortalSession,
}

impl Visit {
    pub fn session(&self) -> &PortalSession {
        &self.session
    }

    pub fn actor(&self) -> Actor {
        self.session.actor()
    }

    pub fn portal(&self) -> &StoredPortal {
        &self.resolved.portal
    }

    pub fn customer(&self) -> &Customer {
        &self.resolved.customer
    }
}

/// The visit of the end user whose session cookie holds `token`, at the portal `resolved` (as
/// [`super::portal_address::by_slug`] found it), if the session is live there.
pub async fn visit(
    cx: &Context,
    resolved: &Arc<ResolvedPortal>,
    token: &str,
) -> UseCaseResult<Option<Visit>> {
    if resolved.customer.archived {
        return Ok(None);
    }
    let session = session(cx, resolved.customer.id, token).await?;
    Ok(session.map(|session| Visit { resolved: resolved.clone(), session }))
}

/// The live session of this portal a cookie holds, if any. A session of another portal is
/// never found: sessions are looked up per customer.
///
/// Read from memory while nothing it depends on changed (its end user, its portal, the sign-in
/// configuration it came through: see [`crate::read_models`]) and while it is neither expired
/// nor idle by what this instance knows; otherwise from the database, which may know of a later
/// use at another instance.
pub async fn session(cx: &Context, customer_id: Uuid, token: &str) -> UseCaseResult<Option<PortalSession>> {
    let idle = i64::try_from(cx.config().portal_session_idle.as_millis()).unwrap_or(i64::MAX);
    let token_hash = hash_token(token);
    let now = portico_store::now_ms();
    let store = cx.store();
    let kept = cx
        .read_models()
        .sessions
        .get(
            (token_hash.clone(), customer_id),
            customer_id,
            |kept| kept.alive_at(now, idle),
            async || {
                Ok::<_, UseCaseError>(
                    store
                        .portal_session(&token_hash, customer_id, idle)
                        .await?
                        .map(|live| Arc::new(KeptSession::new(live))),
                )
            },
        )
        .await?;
    let Some(kept) = kept else { return Ok(None) };
    // The idle window slides once the use is written, off the request path (`session_touches`).
    cx.session_touches().note(&token_hash, &kept, now);
    Ok(Some(kept.live.session.clone()))
}

/// Ends the session a cookie holds, and gives the provider's sign-out address when it offers
/// one (with the id_token as the hint); `signed_out` is where the provider sends the browser back.
/// The sign-out is an event, so that every instance forgets the session at once.
pub async fn sign_out(
    cx: &Context,
    session: &PortalSession,
    token: &str,
    signed_out: &str,
) -> UseCaseResult<Option<String>> {
    let token_hash = hash_token(token);
    let mut tx = cx.store().begin_write().await?;
    tx.end_portal_session(&token_hash).await?;
    let end_user = &session.end_user;
    let event =
        NewEvent::new(EventKind::EndUserSignedOut, end_user.id, format!("{} signed out", end_user.email))
            .for_customer(session.customer_id);
    tx.record(&session.actor(), event).await?;
    tx.commit().await?;
    cx.read_models().sessions.forget(&(token_hash, session.customer_id));
    Ok(provider_sign_out(cx, session, signed_out).await)
}

async fn provider_sign_out(cx: &Context, session: &PortalSession, signed_out: &str) -> Option<String> {
    let config = cx.store().sso_config(session.customer_id, session.sso_config_id).await.ok()?;
    let info = cx
        .providers()
        .get(cx.outbound(), &config.settings.discovery_url(), config.settings.provider)
        .await
        .ok()?;
    let mut url: Url = info.end_session_endpoint.clone()?;
    let id_token = session
        .id_token
        .as_deref()
        .and_then(|sealed| cx.sealer().open(sealed, SealContext::IdToken(session.customer_id)).ok());
    {
        let mut query = url.query_pairs_mut();
        if let Some(id_token) = &id_token {
            query.append_pair("id_token_hint", id_token);
        }
        query.append_pair("client_id", &config.settings.client_id);
        query.append_pair("post_logout_redirect_uri", signed_out);
    }
    Some(url.to_string())
}
