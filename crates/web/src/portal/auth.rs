//! Signing end users in through their IdP (authorization code + PKCE) and out again.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use url::Url;
use uuid::Uuid;

use super::pages::sign_in_closed;
use super::pages::{self, Action, Message};
use super::resolve::LivePortal;
use super::session::{LOGIN_COOKIE, SESSION_COOKIE, current_session, portal_cookie, removal};
use crate::state::AppState;
use portico_core::paths;
use portico_core::paths::portal;
use portico_core::usecases::portal_sign_in::{
    self, Heard, PortalSignInRefusal, ProviderAnswer, Trouble, Unavailable,
};
use portico_domain::secret::same_secret;
use portico_domain::sso::SsoConfig;

/// Only pages of this portal, as this browser reaches it, are followed after sign-in: never
/// another site and never the sign-in steps themselves.
fn local_return_to(live: &LivePortal, raw: Option<&str>) -> String {
    let home = live.link(portal::HOME);
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
    crate::redirect::local_target(&origin, raw.map(str::trim), known).unwrap_or(home)
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
    format!("{}?{query}", live.link(&portal::sso_start(config.id)))
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
    let configs = match portal_sign_in::enabled_configs(&state.core, live.customer.id).await {
        Ok(configs) => configs,
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
#[derive(Deserialize)]
#[serde(from = "SsoParam")]
pub struct SsoId(Uuid);

#[derive(Deserialize)]
struct SsoParam {
    sso_id: Uuid,
}

impl From<SsoParam> for SsoId {
    fn from(param: SsoParam) -> Self {
        Self(param.sso_id)
    }
}

crate::path::path_values! { SsoId => Response = pages::unknown_portal(); }

/// The page for a sign-in that does not go through.
fn refusal_page(live: &LivePortal, refusal: PortalSignInRefusal) -> Response {
    use PortalSignInRefusal as Refusal;
    match refusal {
        Refusal::Incomplete(part) => refused(
            live,
            StatusCode::BAD_REQUEST,
            "This sign-in answer is incomplete",
            &format!("It lacks its {part}. Start the sign-in again."),
        ),
        Refusal::UsedOrExpired => refused(
            live,
            StatusCode::BAD_REQUEST,
            "This sign-in link was already used or has expired",
            "Start the sign-in again.",
        ),
        Refusal::BelongsElsewhere => refused(
            live,
            StatusCode::BAD_REQUEST,
            "This sign-in answer belongs elsewhere",
            "It was started for another portal or sign-in option. Start again here.",
        ),
        Refusal::TookTooLong => {
            refused(live, StatusCode::BAD_REQUEST, "This sign-in took too long", "Start the sign-in again.")
        }
        Refusal::OtherBrowser => refused(
            live,
            StatusCode::BAD_REQUEST,
            "This sign-in was started in another browser",
            "For your security the sign-in must finish in the browser that started it. Start the sign-in again here.",
        ),
        Refusal::Unavailable(Unavailable::Unrestricted) => pages::message(
            live,
            Message {
                status: StatusCode::FORBIDDEN,
                title: "This sign-in option is not available".into(),
                text: "It accepts accounts of any organisation and must be restricted first. Please tell your IT team.".into(),
                action: None,
            },
        ),
        Refusal::Unavailable(Unavailable::Off) => pages::message(
            live,
            Message {
                status: StatusCode::NOT_FOUND,
                title: "This sign-in option is not available".into(),
                text: "It may have been switched off. Choose another way to sign in.".into(),
                action: Some(Action { label: "Back to sign-in".into(), href: live.link(portal::SIGN_IN) }),
            },
        ),
        Refusal::Failed { trouble, heard, reference } => failed_page(live, trouble, heard, &reference),
        Refusal::NotAdmitted(reason) => refused(
            live,
            StatusCode::FORBIDDEN,
            "You cannot sign in to this portal",
            &format!("{}.", capitalised(&reason)),
        ),
    }
}

/// A sign-in that failed at the IdP or on the configuration. End users get a plain
/// explanation and a reference, never the relying party's own words (which name audiences,
/// issuers and timestamps); the detail went to the log under the same reference and to the
/// configuration's health in the console.
fn failed_page(live: &LivePortal, trouble: Trouble, heard: Heard, reference: &str) -> Response {
    let tell_it =
        format!("If it keeps happening, tell your IT team and give them the reference {reference}.");
    let again = |label: &str| Some(Action { label: label.into(), href: live.link(portal::SIGN_IN) });
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
    live.absolute(&portal::sso_callback(sso_id))
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
    let callback = redirect_uri(&live, sso_id);
    let return_to = local_return_to(&live, query.return_to.as_deref());
    match portal_sign_in::start(&state.core, live.customer.id, sso_id, callback, return_to).await {
        Ok(Ok(started)) => {
            let jar = jar.add(portal_cookie(&state, &live, LOGIN_COOKIE, started.sealed_login));
            (jar, Redirect::to(started.authorization_url.as_str())).into_response()
        }
        Ok(Err(refusal)) => refusal_page(&live, refusal),
        Err(error) => pages::failure(error.into()),
    }
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
            action: Some(Action { label: "Sign in again".into(), href: live.link(portal::SIGN_IN) }),
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
    let sealed_login = jar.get(LOGIN_COOKIE).map(|cookie| cookie.value().to_string());
    let answer = ProviderAnswer {
        state: answer.state.as_deref(),
        code: answer.code.as_deref(),
        iss: answer.iss.as_deref(),
        error: answer.error.as_deref(),
        error_description: answer.error_description.as_deref(),
    };
    let completed =
        portal_sign_in::complete(&state.core, live.customer.id, sso_id, sealed_login.as_deref(), &answer)
            .await;
    // Whatever came of it, the sign-in cookie has done its work once the state was looked at.
    let spent = !matches!(
        completed,
        Ok(Err(PortalSignInRefusal::Incomplete("state")
            | PortalSignInRefusal::UsedOrExpired
            | PortalSignInRefusal::BelongsElsewhere
            | PortalSignInRefusal::TookTooLong))
    );
    let jar = if spent { jar.remove(removal(live, LOGIN_COOKIE)) } else { jar };
    match completed {
        Ok(Ok(signed_in)) => {
            tracing::info!(portal = %live.portal.settings.slug, end_user = %signed_in.end_user_id, "end-user sign-in");
            let jar = jar.add(portal_cookie(state, live, SESSION_COOKIE, signed_in.session_token));
            (jar, Redirect::to(&signed_in.return_to)).into_response()
        }
        Ok(Err(refusal)) => (jar, refusal_page(live, refusal)).into_response(),
        Err(error) => pages::failure(error.into()),
    }
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
    let signed_out = live.link(portal::SIGNED_OUT);
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
    let token = jar.get(SESSION_COOKIE).map(|cookie| cookie.value().to_string()).unwrap_or_default();
    let idp_logout =
        match portal_sign_in::sign_out(&state.core, &session, &token, &live.absolute(portal::SIGNED_OUT))
            .await
        {
            Ok(idp_logout) => idp_logout,
            Err(error) => return pages::failure(error.into()),
        };
    let jar = jar.remove(removal(&live, SESSION_COOKIE));
    (jar, Redirect::to(&idp_logout.unwrap_or(signed_out))).into_response()
}

pub async fn signed_out(live: LivePortal) -> Response {
    pages::message(
        &live,
        Message {
            status: StatusCode::OK,
            title: "You have signed out".into(),
            text: format!("You are signed out of {}'s help portal.", live.customer.name),
            action: Some(Action { label: "Sign in again".into(), href: live.link(portal::SIGN_IN) }),
        },
    )
}
