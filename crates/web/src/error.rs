//! The one error type handlers return, and its JSON problem-document form (RFC 9457).
//! Console pages turn the same error into HTML in `web::admin::page_error`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use portico_core::usecases::UseCaseError;
use portico_domain::actor::Refused;
use portico_domain::page::BadQuery;
use portico_domain::validation::{FieldError, ValidationErrors};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that is well-formed but breaks a rule: 422.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// Input that could not be read at all (bad JSON, wrong types, wrong media type): 400/413/415.
    #[error("{detail}")]
    Malformed { status: StatusCode, detail: String, errors: Vec<FieldError> },
    #[error("The {0} was not found.")]
    NotFound(&'static str),
    #[error("Authentication is required.")]
    Unauthenticated { invalid_token: bool },
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{message}")]
    Conflict { field: &'static str, message: String },
    /// A conditional write whose condition no longer holds (stale `If-Match`): 412.
    #[error("{0}")]
    PreconditionFailed(String),
    /// A write that must be conditional came without `If-Match`: 428.
    #[error("{0}")]
    PreconditionRequired(&'static str),
    #[error("Too many attempts. Try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<UseCaseError> for AppError {
    fn from(error: UseCaseError) -> Self {
        match error {
            UseCaseError::Invalid(errors) => Self::Invalid(errors),
            UseCaseError::NotFound(entity) => Self::NotFound(entity),
            UseCaseError::Forbidden(refused) => Self::Forbidden(refused.message()),
            UseCaseError::Conflict { field, message } => Self::Conflict { field, message },
            UseCaseError::Stale { expected, current } => Self::PreconditionFailed(format!(
                "Someone saved a newer version since revision {expected}: the current revision is {current}. \
                 Reload it, apply your changes again and save."
            )),
            UseCaseError::RateLimited { retry_after_secs } => Self::RateLimited { retry_after_secs },
            UseCaseError::TooLarge { field, message } => {
                Self::malformed(StatusCode::PAYLOAD_TOO_LARGE, field, message)
            }
            UseCaseError::Internal(error) => Self::Internal(error),
        }
    }
}

impl From<Refused> for AppError {
    fn from(refused: Refused) -> Self {
        Self::Forbidden(refused.message())
    }
}

impl From<BadQuery> for AppError {
    fn from(BadQuery(error): BadQuery) -> Self {
        Self::malformed(StatusCode::BAD_REQUEST, &error.field, error.message)
    }
}

impl From<FieldError> for AppError {
    fn from(error: FieldError) -> Self {
        Self::Invalid(error.into())
    }
}

impl AppError {
    pub fn malformed(status: StatusCode, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Malformed { status, detail: message.clone(), errors: vec![FieldError::new(field, message)] }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Malformed { status, .. } => *status,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The field-level errors, when the problem is with particular fields.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Self::Invalid(errors) => errors.errors().to_vec(),
            Self::Malformed { errors, .. } => errors.clone(),
            Self::Conflict { field, message } => vec![FieldError::new(*field, message.clone())],
            Self::PreconditionRequired(_) => {
                vec![FieldError::new("If-Match", "If-Match is required: send the revision you read.")]
            }
            _ => Vec::new(),
        }
    }

    /// What a person may be told: internal errors are logged, never described.
    pub fn public_detail(&self) -> String {
        match self {
            Self::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "request failed");
                "Something went wrong on our side. It has been logged; please try again.".into()
            }
            Self::Invalid(_) => "The request has invalid fields.".into(),
            other => {
                let text = other.to_string();
                let mut chars = text.chars();
                chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
            }
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "validation",
            Self::Malformed { .. } => "malformed-request",
            Self::NotFound(_) => "not-found",
            Self::Unauthenticated { .. } => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::Conflict { .. } => "conflict",
            Self::PreconditionFailed(_) => "stale-revision",
            Self::PreconditionRequired(_) => "precondition-required",
            Self::RateLimited { .. } => "rate-limited",
            Self::Internal(_) => "internal",
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem, e.g. `urn:portico:problem:validation`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The fields at fault, each with what is wrong.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<ProblemField>)]
    pub errors: Vec<FieldError>,
}

/// One field at fault in a problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let problem = Problem {
            kind: format!("urn:portico:problem:{}", self.kind()),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: self.public_detail(),
            errors: self.field_errors(),
        };
        let mut response = (status, axum::Json(problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        match &self {
            Self::Unauthenticated { invalid_token } => {
                let challenge = if *invalid_token { "Bearer error=\"invalid_token\"" } else { "Bearer" };
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
            }
            Self::RateLimited { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            _ => {}
        }
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
