//! Signing end users in through their IdP (authorization code + PKCE) and out again.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use time::OffsetDateTime;
use url::Url;
use uuid::Uuid;

use super::pages::{self, Action, Message};
use super::pending::{PendingSignIn, SignInState};
use super::resolve::{LivePortal, sign_in_closed};
use super::session::{LOGIN_COOKIE, SESSION_COOKIE, current_session, portal_cookie, removal};
use crate::auth::secret::{hash_token, random_token, same_secret};
use crate::crypto::SealContext;
use crate::domain::sso::SsoConfig;
use crate::sso::{SsoError, flow};
use crate::store::portal_sessions::NewPortalSession;
use crate::usecases::sso::secret_context;
use crate::web::paths;
use crate::web::state::AppState;

/// A sign-in in progress lasts this long.
const LOGIN_WINDOW: time::Duration = time::Duration::minutes(10);

/// Only pages of this portal, as this browser reaches it, are followed after sign-in: never
/// another site and never the sign-in steps themselves.
fn local_return_to(live: &LivePortal, raw: Option<&str>) -> String {
    let home = live.link("/");
    let Ok(origin) = Url::parse(&live.origin) else { return home };
    let base = live.base_path.as_str();
    let known = |path: &str| {
        let rest = if base.is_empty() {
            Some(path)
        } else if path == base {
            Some("/")
        } else {
            path.strip_prefix(base).filter(|rest| rest.starts_with('/'))
        };
        rest.is_some_and(|rest| !rest.starts_with("/auth/"))
    };
    crate::web::redirect::local_target(&origin, raw.map(str::trim), known).unwrap_or(home)
}

pub struct SignInOption {
    pub label: String,
    pub href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/sign_in.html")]
struct SignInPage {
    portal_name: String,
    logo_url: Option<String>,
    theme_url: String,
    notice: Option<String>,
    options: Vec<SignInOption>,
}

#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    return_to: Option<String>,
    sso: Option<Uuid>,
}

fn start_link(live: &LivePortal, config: &SsoConfig, return_to: &str) -> String {
    let query: String =
        form_urlencoded::Serializer::new(String::new()).append_pair("return_to", return_to).finish();
    format!("{}?{query}", live.link(&format!("/auth/{}/start", config.id)))
}

/// The enabled configurations as buttons; `?sso=` goes straight to one.
pub async fn sign_in_page(
    State(state): State<AppState>,
    live: LivePortal,
    Query(query): Query<SignInQuery>,
) -> Response {
    if let Some(page) = sign_in_closed(&live) {
        return page;
    }
    let configs = match state.store.sso_configs(live.customer.id).await {
        Ok(configs) => configs.into_iter().filter(|c| c.settings.enabled).collect::<Vec<_>>(),
        Err(error) => return pages::failure(error.into()),
    };
    let return_to = local_return_to(&live, query.return_to.as_deref());
    if let Some(chosen) = query.sso.and_then(|id| configs.iter().find(|c| c.id == id)) {
        return Redirect::to(&start_link(&live, chosen, &return_to)).into_response();
    }
    let design = &live.portal.settings.design;
    SignInPage {
        portal_name: live.customer.name.clone(),
        logo_url: live.portal.logo_id.as_deref().map(paths::logo),
        theme_url: paths::theme_stylesheet(&design.primary_color, &design.secondary_color),
        notice: None,
        options: configs
            .iter()
            .map(|c| SignInOption { label: c.settings.label.clone(), href: start_link(&live, c, &return_to) })
            .collect(),
    }
    .into_response()
}

/// The `{sso_id}` of an auth path: a configuration of this portal, enabled.
pub struct SsoId(Uuid);

impl<S: Send + Sync> FromRequestParts<S> for SsoId {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| pages::unknown_portal())?;
        params
            .get("sso_id")
            .and_then(|raw| Uuid::parse_str(raw).ok())
            .map(Self)
            .ok_or_else(pages::unknown_portal)
    }
}

async fn enabled_config(state: &AppState, live: &LivePortal, id: Uuid) -> Result<SsoConfig, Response> {
    match state.store.sso_config(live.customer.id, id).await {
        // Saved before multi-tenant configurations had to be restricted: closed until they are.
        Ok(config) if config.settings.enabled && config.settings.multi_tenant_problem().is_some() => {
            tracing::warn!(portal = %live.portal.settings.slug, sso = %id, "unrestricted multi-tenant Microsoft sign-in refused");
            Err(pages::message(
                live,
                Message {
                    status: StatusCode::FORBIDDEN,
                    title: "This sign-in option is not available".into(),
                    text: "It accepts accounts of any organisation and must be restricted first. Please tell your IT team.".into(),
                    action: None,
                },
            ))
        }
        Ok(config) if config.settings.enabled => Ok(config),
        _ => Err(pages::message(
            live,
            Message {
                status: StatusCode::NOT_FOUND,
                title: "This sign-in option is not available".into(),
                text: "It may have been switched off. Choose another way to sign in.".into(),
                action: Some(Action { label: "Back to sign-in".into(), href: live.link("/auth/sign-in") }),
            },
        )),
    }
}

/// How a failed sign-in reads to the end user, and whether trying again can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trouble {
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

/// How Portico learnt of a failure. The status says who failed: when Portico's own request to
/// the IdP failed, that is a bad gateway; an error the browser brings back in the callback's
/// query is the IdP's answer to the browser, which no server here failed on (and which anyone
/// holding a state can forge), so it only means "not signed in".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Heard {
    Directly,
    ThroughBrowser,
}

/// A sign-in that failed at the IdP or on the configuration. End users get a plain
/// explanation and a reference, never the relying party's own words (which name audiences,
/// issuers and timestamps); the detail goes to the log under the same reference and to the
/// configuration's health in the console.
async fn sign_in_failed(
    state: &AppState,
    live: &LivePortal,
    sso_id: Uuid,
    trouble: Trouble,
    heard: Heard,
    detail: &str,
) -> Response {
    let reference = crate::auth::secret::reference();
    tracing::warn!(portal = %live.portal.settings.slug, sso = %sso_id, %reference, detail, "end-user sign-in failed");
    if let Err(error) = crate::usecases::sso::record_sign_in_failure(
        &state.store,
        live.customer.id,
        sso_id,
        &reference,
        detail,
    )
    .await
    {
        tracing::error!(%reference, %error, "the failed sign-in could not be recorded");
    }
    let tell_it =
        format!("If it keeps happening, tell your IT team and give them the reference {reference}.");
    let again = |label: &str| Some(Action { label: label.into(), href: live.link("/auth/sign-in") });
    let (status, title, text, action) = match trouble {
        Trouble::NotAnswering => (
            StatusCode::BAD_GATEWAY,
            "Your sign-in service is not answering",
            format!(
                "Your organisation's sign-in service did not answer. Try again in a few minutes. {tell_it}"
            ),
            again("Try again"),
        ),
        Trouble::Setup => (
            StatusCode::BAD_GATEWAY,
            "Sign-in is not working at the moment",
            format!(
                "Signing in to this portal needs a correction in its settings, which only your IT team can make. \
                 Please tell them, and give them the reference {reference}."
            ),
            None,
        ),
        Trouble::Answer => (
            StatusCode::UNAUTHORIZED,
            "Sign-in did not succeed",
            format!(
                "Your sign-in service answered, but its answer could not be accepted, so you are not signed in. \
                 Your IT team can find out why: please tell them, and give them the reference {reference}."
            ),
            None,
        ),
        Trouble::Cancelled => (
            StatusCode::UNAUTHORIZED,
            "You were not signed in",
            format!(
                "Your sign-in service did not sign you in: the sign-in was cancelled, or your account may not use \
                 this portal. You can sign in again. {tell_it}"
            ),
            again("Sign in again"),
        ),
    };
    let status = match heard {
        Heard::Directly => status,
        Heard::ThroughBrowser => StatusCode::UNAUTHORIZED,
    };
    pages::message(live, Message { status, title: title.into(), text, action })
}

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    return_to: Option<String>,
}

fn redirect_uri(live: &LivePortal, sso_id: Uuid) -> String {
    live.absolute(&format!("/auth/{sso_id}/callback"))
}

/// Sends the browser to the IdP. What the answer must match (state, nonce, PKCE verifier,
/// redirect URI) stays with this browser in a sealed cookie: nothing is written.
pub async fn start(
    State(state): State<AppState>,
    live: LivePortal,
    SsoId(sso_id): SsoId,
    jar: CookieJar,
    Query(query): Query<StartQuery>,
) -> Response {
    if let Some(page) = sign_in_closed(&live) {
        return page;
    }
    let config = match enabled_config(&state, &live, sso_id).await {
        Ok(config) => config,
        Err(page) => return page,
    };
    let settings = &config.settings;
    let info = match state.providers.get(&state.outbound, &settings.discovery_url(), settings.provider).await
    {
        Ok(info) => info,
        Err(error) => {
            return sign_in_failed(
                &state,
                &live,
                sso_id,
                trouble_of(&error),
                Heard::Directly,
                &error.to_string(),
            )
            .await;
        }
    };
    let callback = redirect_uri(&live, sso_id);
    let sealed_state = SignInState::new(live.customer.id, sso_id, OffsetDateTime::now_utc() + LOGIN_WINDOW)
        .seal(&state.sealer);
    let request = match flow::authorization_request(&info, settings, &callback, sealed_state.clone()) {
        Ok(request) => request,
        Err(error) => {
            return sign_in_failed(
                &state,
                &live,
                sso_id,
                trouble_of(&error),
                Heard::Directly,
                &error.to_string(),
            )
            .await;
        }
    };
    let pending = PendingSignIn::new(
        &sealed_state,
        request.nonce,
        request.pkce_verifier,
        callback,
        local_return_to(&live, query.return_to.as_deref()),
    );
    let jar = jar.add(portal_cookie(&state, &live, LOGIN_COOKIE, pending.seal(&state.sealer)));
    (jar, Redirect::to(request.url.as_str())).into_response()
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn refused(live: &LivePortal, status: StatusCode, title: &str, text: &str) -> Response {
    pages::message(
        live,
        Message {
            status,
            title: title.into(),
            text: text.into(),
            action: Some(Action { label: "Sign in again".into(), href: live.link("/auth/sign-in") }),
        },
    )
}

/// The IdP's answer. Nothing is trusted until the state matches this browser, this portal and
/// this configuration, the code is exchanged and the id_token verified.
pub async fn callback(
    State(state): State<AppState>,
    live: LivePortal,
    SsoId(sso_id): SsoId,
    jar: CookieJar,
    Query(answer): Query<CallbackQuery>,
) -> Response {
    let mut response = complete_sign_in(&state, &live, sso_id, jar, answer).await;
    // The callback URL carries the code: never let it leak through a Referer.
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

async fn complete_sign_in(
    state: &AppState,
    live: &LivePortal,
    sso_id: Uuid,
    jar: CookieJar,
    answer: CallbackQuery,
) -> Response {
    let Some(state_value) = answer.state.as_deref().filter(|s| !s.is_empty()) else {
        return refused(
            live,
            StatusCode::BAD_REQUEST,
            "This sign-in answer is incomplete",
            "It lacks its state. Start the sign-in again.",
        );
    };
    let used_or_expired = || {
        refused(
            live,
            StatusCode::BAD_REQUEST,
            "This sign-in link was already used or has expired",
            "Start the sign-in again.",
        )
    };
    // A state Portico did not seal is refused before anything is written.
    let Some(sign_in) = SignInState::open(&state.sealer, state_value) else { return used_or_expired() };
    if sign_in.customer_id != live.customer.id || sign_in.sso_config_id != sso_id {
        return refused(
            live,
            StatusCode::BAD_REQUEST,
            "This sign-in answer belongs elsewhere",
            "It was started for another portal or sign-in option. Start again here.",
        );
    }
    if sign_in.expired() {
        return refused(
            live,
            StatusCode::BAD_REQUEST,
            "This sign-in took too long",
            "Start the sign-in again.",
        );
    }
    // Spent at its first answer, whatever comes of it: a state someone else presented first
    // cannot be used afterwards, even by the browser that started it.
    match state.store.spend_login_state(&hash_token(state_value), sign_in.expires_at()).await {
        Ok(true) => {}
        Ok(false) => return used_or_expired(),
        Err(error) => return pages::failure(error.into()),
    }
    let pending = jar
        .get(LOGIN_COOKIE)
        .and_then(|cookie| PendingSignIn::open_for(&state.sealer, cookie.value(), state_value));
    let jar = jar.remove(removal(live, LOGIN_COOKIE));
    let Some(login) = pending else {
        return refused(
            live,
            StatusCode::BAD_REQUEST,
            "This sign-in was started in another browser",
            "For your security the sign-in must finish in the browser that started it. Start the sign-in again here.",
        );
    };
    if let Some(error) = &answer.error {
        let description = answer.error_description.as_deref().map(|d| format!(": {d}")).unwrap_or_default();
        let detail = format!("the identity provider answered {error}{description}");
        return (
            jar,
            sign_in_failed(state, live, sso_id, trouble_of_answer(error), Heard::ThroughBrowser, &detail)
                .await,
        )
            .into_response();
    }
    let Some(code) = answer.code.as_deref().filter(|c| !c.is_empty()) else {
        return refused(
            live,
            StatusCode::BAD_REQUEST,
            "This sign-in answer is incomplete",
            "It lacks its code. Start the sign-in again.",
        );
    };
    let config = match enabled_config(state, live, sso_id).await {
        Ok(config) => config,
        Err(page) => return page,
    };
    let secret = match state.store.sso_secret(live.customer.id, sso_id).await {
        Ok(Some(sealed)) => state
            .sealer
            .open(&sealed, secret_context(sso_id))
            .map_err(|_| "the stored secret cannot be opened with this server's key"),
        Ok(None) => Err("none is stored"),
        Err(error) => return pages::failure(error.into()),
    };
    let secret = match secret {
        Ok(secret) => secret,
        Err(why) => {
            let detail = format!("{}: {why}", SsoError::NoSecret);
            return (
                jar,
                sign_in_failed(state, live, sso_id, Trouble::Setup, Heard::Directly, &detail).await,
            )
                .into_response();
        }
    };
    let answer = flow::Answer {
        code,
        pkce_verifier: &login.pkce_verifier,
        nonce: &login.nonce,
        redirect_uri: &login.redirect_uri,
        iss: answer.iss.as_deref(),
    };
    let completed =
        match flow::complete(&state.outbound, &state.providers, &config.settings, &secret, &answer).await {
            Ok(completed) => completed,
            Err(error) => {
                let page = sign_in_failed(
                    state,
                    live,
                    sso_id,
                    trouble_of(&error),
                    Heard::Directly,
                    &error.to_string(),
                )
                .await;
                return (jar, page).into_response();
            }
        };
    let user = match crate::usecases::sso::admit_identity(
        &state.store,
        live.customer.id,
        &config,
        &completed.identity,
    )
    .await
    {
        Ok(Ok(user)) => user,
        Ok(Err(refusal)) => {
            tracing::info!(portal = %live.portal.settings.slug, %refusal, "end-user sign-in refused");
            return (
                jar,
                refused(
                    live,
                    StatusCode::FORBIDDEN,
                    "You cannot sign in to this portal",
                    &format!("{}.", capitalised(&refusal.to_string())),
                ),
            )
                .into_response();
        }
        Err(error) => return pages::failure(error.into()),
    };
    let token = random_token("pps");
    let csrf = random_token("csrf");
    let expires_at = OffsetDateTime::now_utc() + state.config.portal_session_max;
    let sealed_id_token = state.sealer.seal(&completed.id_token, SealContext::IdToken(live.customer.id));
    let token_hash = hash_token(&token);
    let session = NewPortalSession {
        token_hash: &token_hash,
        customer_id: live.customer.id,
        end_user_id: user.id,
        sso_config_id: sso_id,
        csrf_token: &csrf,
        sealed_id_token: Some(&sealed_id_token),
        expires_at,
    };
    if let Err(error) = state.store.create_portal_session(&session).await {
        return pages::failure(error.into());
    }
    tracing::info!(portal = %live.portal.settings.slug, end_user = %user.id, "end-user sign-in");
    let jar = jar.add(portal_cookie(state, live, SESSION_COOKIE, token));
    (jar, Redirect::to(&login.return_to)).into_response()
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Ends the session here and, when the IdP offers it, there too.
pub async fn logout(
    State(state): State<AppState>,
    live: LivePortal,
    jar: CookieJar,
    Form(form): Form<LogoutForm>,
) -> Response {
    let session = match current_session(&state, &live, &jar).await {
        Ok(session) => session,
        Err(page) => return page,
    };
    let signed_out = live.link("/auth/signed-out");
    let Some(session) = session else {
        let jar = jar.remove(removal(&live, SESSION_COOKIE));
        return (jar, Redirect::to(&signed_out)).into_response();
    };
    if !same_secret(&form.csrf, &session.csrf_token) {
        return refused(
            &live,
            StatusCode::FORBIDDEN,
            "Sign-out did not come from this portal",
            "Use the Sign out button on the portal's pages.",
        );
    }
    if let Some(cookie) = jar.get(SESSION_COOKIE)
        && let Err(error) = state.store.delete_portal_session(&hash_token(cookie.value())).await
    {
        return pages::failure(error.into());
    }
    let jar = jar.remove(removal(&live, SESSION_COOKIE));
    let idp_logout = idp_logout_url(&state, &live, &session).await;
    (jar, Redirect::to(&idp_logout.unwrap_or(signed_out))).into_response()
}

async fn idp_logout_url(
    state: &AppState,
    live: &LivePortal,
    session: &crate::store::portal_sessions::PortalSession,
) -> Option<String> {
    let config = state.store.sso_config(live.customer.id, session.sso_config_id).await.ok()?;
    let info = state
        .providers
        .get(&state.outbound, &config.settings.discovery_url(), config.settings.provider)
        .await
        .ok()?;
    let mut url: Url = info.end_session_endpoint.clone()?;
    let id_token = session
        .id_token
        .as_deref()
        .and_then(|sealed| state.sealer.open(sealed, SealContext::IdToken(live.customer.id)).ok());
    {
        let mut query = url.query_pairs_mut();
        if let Some(id_token) = &id_token {
            query.append_pair("id_token_hint", id_token);
        }
        query.append_pair("client_id", &config.settings.client_id);
        query.append_pair("post_logout_redirect_uri", &live.absolute("/auth/signed-out"));
    }
    Some(url.to_string())
}

pub async fn signed_out(live: LivePortal) -> Response {
    pages::message(
        &live,
        Message {
            status: StatusCode::OK,
            title: "You have signed out".into(),
            text: format!("You are signed out of {}'s help portal.", live.customer.name),
            action: Some(Action { label: "Sign in again".into(), href: live.link("/auth/sign-in") }),
        },
    )
}
