//! What a use case can answer instead of a result; each front door turns it into its own form
//! (a problem document, a page, a line on the terminal) in one place.

use portico_domain::actor::Refused;
use portico_domain::validation::{FieldError, ValidationErrors};
use portico_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum UseCaseError {
    /// Input that breaks a rule, field by field.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error("The {0} was not found.")]
    NotFound(&'static str),
    #[error(transparent)]
    Forbidden(#[from] Refused),
    /// A rule of the data (uniqueness, references) that the input breaks.
    #[error("{message}")]
    Conflict { field: &'static str, message: String },
    /// Someone saved in between (optimistic concurrency).
    #[error("Someone saved a newer version since revision {expected}: the current revision is {current}.")]
    Stale { expected: i64, current: i64 },
    /// An upload over a size limit; the message names the limit.
    #[error("{message}")]
    TooLarge { field: &'static str, message: String },
    /// Too many of these in a short time.
    #[error("Too many attempts. Try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type UseCaseResult<T> = Result<T, UseCaseError>;

impl From<FieldError> for UseCaseError {
    fn from(error: FieldError) -> Self {
        Self::Invalid(error.into())
    }
}

impl From<StoreError> for UseCaseError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { entity } => Self::NotFound(entity),
            StoreError::Conflict { field, message } => Self::Conflict { field, message },
            StoreError::Invalid { field, message } => FieldError::new(field, message).into(),
            StoreError::Stale { expected, current } => Self::Stale { expected, current },
            other => Self::Internal(other.into()),
        }
    }
}

impl UseCaseError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        FieldError::new(field, message).into()
    }
}
