//! The console's surface for [`AppError`]: a sign-in redirect, or an error page.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::AppError;
use portico_core::paths;
use portico_core::usecases::UseCaseError;
use portico_domain::invariant::guaranteed;
use portico_domain::validation::{FieldError, ValidationErrors};

#[derive(Debug)]
pub struct PageError {
    error: AppError,
    /// Where to come back to after signing in, when the error is a missing session.
    return_to: Option<String>,
    /// A page the member must see before any other (setting up two-step sign-in).
    detour: Option<&'static str>,
}

impl PageError {
    pub fn sign_in(return_to: &str) -> Self {
        Self {
            error: AppError::Unauthenticated { invalid_token: false },
            return_to: Some(return_to.to_string()),
            detour: None,
        }
    }

    /// The member must set up two-step sign-in before anything else: every other page and form
    /// sends them there, and nothing they posted is done.
    pub fn enrol_first() -> Self {
        Self {
            error: AppError::Forbidden("Set up two-step sign-in first."),
            return_to: None,
            detour: Some(paths::ACCOUNT_MFA),
        }
    }

    /// The field errors of a refused form, to show beside its fields; any other error stays an error.
    pub fn into_form_errors(self) -> Result<ValidationErrors, Self> {
        match self.error {
            AppError::Invalid(errors) => Ok(errors),
            AppError::Conflict { field, message } => Ok(ValidationErrors::single(field, message)),
            _ => Err(self),
        }
    }

    /// [`into_form_errors`](Self::into_form_errors) for a use case's refusal.
    pub fn form_errors_of(error: UseCaseError) -> Result<ValidationErrors, Self> {
        Self::from(AppError::from(error)).into_form_errors()
    }
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        Self { error, return_to: None, detour: None }
    }
}

impl From<portico_domain::page::BadQuery> for PageError {
    fn from(error: portico_domain::page::BadQuery) -> Self {
        AppError::from(error).into()
    }
}

impl From<portico_core::usecases::UseCaseError> for PageError {
    fn from(error: portico_core::usecases::UseCaseError) -> Self {
        AppError::from(error).into()
    }
}

impl From<ValidationErrors> for PageError {
    fn from(errors: ValidationErrors) -> Self {
        AppError::from(errors).into()
    }
}

impl From<FieldError> for PageError {
    fn from(error: FieldError) -> Self {
        AppError::from(error).into()
    }
}

pub type PageResult<T> = Result<T, PageError>;

#[derive(Template, WebTemplate)]
#[template(path = "admin/error.html")]
struct ErrorPage {
    status: u16,
    title: String,
    detail: String,
}

/// Only the path matters here (it is checked again against the console's own origin at
/// sign-in); a relative target resolves the same against any origin.
static PLACEHOLDER_ORIGIN: std::sync::LazyLock<url::Url> = std::sync::LazyLock::new(|| {
    guaranteed(url::Url::parse("http://console.invalid"), "the address is a valid URL")
});

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let Some(target) = self.detour {
            return Redirect::to(target).into_response();
        }
        if let AppError::Unauthenticated { .. } = self.error {
            let target = match self.return_to.as_deref() {
                Some(path) => {
                    format!(
                        "{}?next={}",
                        paths::LOGIN,
                        urlencode(&crate::redirect::safe_return_to(&PLACEHOLDER_ORIGIN, Some(path)))
                    )
                }
                None => paths::LOGIN.to_string(),
            };
            return Redirect::to(&target).into_response();
        }
        let status = self.error.status();
        let mut detail = self.error.public_detail();
        for field in self.error.field_errors() {
            detail.push_str(&format!(" {}", field.message));
        }
        let page = ErrorPage {
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            detail,
        };
        let mut response = (status, page).into_response();
        if let AppError::RateLimited { retry_after_secs } = self.error {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, retry_after_secs.into());
        }
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            response.headers_mut().remove(axum::http::header::RETRY_AFTER);
        }
        response
    }
}

fn urlencode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
