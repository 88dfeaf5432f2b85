//! The OpenID Connect relying party: outbound requests to IdPs under strict rules, discovery
//! and key caching, the authorization code flow with PKCE, and id_token verification.

pub mod flow;
pub mod outbound;
pub mod pending;
pub mod provider;

/// What went wrong talking to an IdP, in words an MSP technician can act on.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SsoError {
    #[error("the identity provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the address {0} is not allowed: {1}")]
    Blocked(String, String),
    #[error("the discovery document is not usable: {0}")]
    Discovery(String),
    #[error("the identity provider's keys (JWKS) are not usable: {0}")]
    Keys(String),
    #[error("the identity provider refused the sign-in: {0}")]
    Refused(String),
    #[error("the sign-in answer was not valid: {0}")]
    InvalidToken(String),
    #[error("this configuration has no client secret")]
    NoSecret,
}
