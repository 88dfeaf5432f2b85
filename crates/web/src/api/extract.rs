//! Request extractors for the API: bearer authentication, and JSON bodies and query strings
//! whose errors name the offending field.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::client_ip::ClientIp;
use crate::error::AppError;
use crate::state::AppState;
use portico_domain::actor::Actor;
use portico_domain::team::TeamMember;
use portico_domain::validation::label;

/// The team member an API request acts for, proven by `Authorization: Bearer <token>`.
pub struct ApiCaller {
    pub member: TeamMember,
}

impl ApiCaller {
    pub fn actor(&self) -> Actor {
        Actor::api_token(self.member.id, &self.member.name, self.member.role)
    }

    /// Settings change only for admins; technicians read them.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.member.role.may_change_settings() {
            Ok(())
        } else {
            Err(AppError::Forbidden("Only admins may change settings; technicians have read access."))
        }
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Where the token was used is shown to its owner; a server without connection info
        // (in-process tests) records none rather than refusing.
        let client_ip =
            ClientIp::from_request_parts(parts, state).await.ok().map(|ClientIp(ip)| ip.to_string());
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(AppError::Unauthenticated { invalid_token: false })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|value| {
                let (scheme, token) = value.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty())
            .ok_or(AppError::Unauthenticated { invalid_token: true })?;
        let member =
            portico_core::usecases::team::authenticate_api_token(&state.core, token, client_ip.as_deref())
                .await?
                .ok_or(AppError::Unauthenticated { invalid_token: true })?;
        Ok(Self { member })
    }
}

/// The `{id}` of a resource path. An id that is not a UUID names no resource: 404.
#[derive(serde::Deserialize)]
#[serde(transparent)]
pub struct PathId(pub Uuid);

crate::path::path_values! { PathId => AppError = AppError::NotFound("resource"); }

/// A JSON body. Refusals are problem documents naming the field (`links[2].url`), the line
/// and column of a syntax error, or the expected media type.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|media| {
                let media = media.trim().to_ascii_lowercase();
                media == "application/json" || media.ends_with("+json")
            });
        if !is_json {
            return Err(AppError::malformed(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type",
                "must be application/json",
            ));
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| AppError::malformed(rejection.status(), "body", rejection.body_text()))?;
        parse_json(&body).map(Self)
    }
}

/// A raw-body endpoint's check of the body's media type (parameters such as `charset` aside).
pub fn require_media_type(
    headers: &axum::http::HeaderMap,
    expected: &str,
    refusal: &str,
) -> Result<(), AppError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase());
    if media_type.as_deref() == Some(expected) {
        Ok(())
    } else {
        Err(AppError::malformed(StatusCode::UNSUPPORTED_MEDIA_TYPE, "content-type", refusal))
    }
}

pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let inner = error.inner();
        if inner.is_syntax() || inner.is_eof() {
            return AppError::malformed(
                StatusCode::BAD_REQUEST,
                "body",
                format!("is not valid JSON: {inner}"),
            );
        }
        let (field, message) = describe(&error.path().to_string(), &inner.to_string());
        AppError::malformed(StatusCode::BAD_REQUEST, &field, message)
    })
}

/// Names the field of a serde error: its path, or for a missing field the name serde quotes
/// in its message (the path then points at the enclosing object).
fn describe(path: &str, message: &str) -> (String, String) {
    let quoted = message.split('`').nth(1).map(str::to_string);
    let parent = if path == "." { String::new() } else { format!("{path}.") };
    // serde appends " at line L column C" to data errors: the field name says it better.
    let message = message.split(" at line ").next().unwrap_or(message).to_string();
    if message.starts_with("missing field") {
        let field = quoted.unwrap_or_default();
        let field = format!("{parent}{field}");
        let message = format!("{} is required.", label(&field));
        return (field, message);
    }
    if message.starts_with("unknown field") {
        // Here the path already ends with the unknown field itself.
        let field = if path == "." { quoted.unwrap_or_default() } else { path.to_string() };
        let message = format!("{} is not a known field.", label(&field));
        return (field, message);
    }
    let field = if path == "." { "body".to_string() } else { path.to_string() };
    // serde's own words ("invalid type: string, expected a boolean"), after the field's name.
    let message = format!("{}: {}.", label(&field), message.trim_end_matches('.'));
    (field, message)
}

/// A query string parsed into `T`, with errors naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer = serde_html_form::Deserializer::from_bytes(query.as_bytes());
        serde_path_to_error::deserialize(deserializer).map(Self).map_err(|error| {
            let (field, message) = describe(&error.path().to_string(), &error.inner().to_string());
            AppError::malformed(StatusCode::BAD_REQUEST, &field, message)
        })
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        tags: Option<Vec<u32>>,
    }

    fn refusal(json: &str) -> (u16, String, String) {
        match parse_json::<Body>(json.as_bytes()) {
            Err(AppError::Malformed { status, errors, .. }) => {
                (status.as_u16(), errors[0].field.clone(), errors[0].message.clone())
            }
            other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn broken_json_is_refused_as_the_body() {
        let (status, field, message) = refusal(r#"{"name": "#);
        assert_eq!((status, field.as_str()), (400, "body"));
        assert!(message.starts_with("is not valid JSON"), "{message}");
    }

    #[test]
    fn a_missing_field_is_named() {
        assert_eq!(refusal("{}").1, "name");
    }

    #[test]
    fn a_wrong_type_is_named_with_its_path() {
        let (_, field, message) = refusal(r#"{"name": "a", "tags": [1, "x"]}"#);
        assert_eq!(field, "tags[1]");
        assert!(message.contains("invalid type"), "{message}");
    }

    #[test]
    fn an_unknown_field_is_named() {
        let (_, field, message) = refusal(r#"{"name": "a", "colour": 1}"#);
        assert_eq!((field.as_str(), message.as_str()), ("colour", "Colour is not a known field."));
    }
}
