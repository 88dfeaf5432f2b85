//! The JSON API under `/api/v1`, with its OpenAPI document generated from the routes.

pub mod attachments;
pub mod customers;
pub mod end_users;
pub mod events;
pub mod extract;
pub mod followers;
pub mod groups;
pub mod import;
pub mod inbound_email;
pub mod kb;
pub mod portals;
pub mod request_types;
pub mod sso;
pub mod sso_service;
pub mod team;
pub mod tickets;
pub mod views;

use std::sync::{Arc, LazyLock};

use axum::extract::DefaultBodyLimit;
use axum::{Json, Router};
use utoipa::openapi::OpenApi as OpenApiDocument;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portico API",
        description = "Customers, portals, single sign-on, tickets with their files, the knowledge base, \
            e-mail and events of a Portico MSP. Authenticate with `Authorization: Bearer <token>` (create one with `portico token create`). \
            Technicians may read; only admins change settings. Errors are RFC 9457 problem documents.",
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::Problem, crate::error::ProblemField)),
    tags(
        (name = "customers"), (name = "assignment groups"), (name = "end users"), (name = "team members"),
        (name = "portals"), (name = "single sign-on"), (name = "tickets"), (name = "request types"), (name = "knowledge base"),
        (name = "events"), (name = "e-mail"), (name = "meta")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDocument) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(customers::list, customers::create))
        .routes(routes!(customers::show, customers::update, customers::archive))
        .routes(routes!(groups::list, groups::create))
        .routes(routes!(groups::show, groups::update, groups::delete))
        .routes(routes!(end_users::list, end_users::create))
        .routes(routes!(end_users::show, end_users::update))
        // A CSV file may be up to 10 MB: the handler reads the body under that limit itself.
        .routes(routes!(import::import_end_users))
        .routes(routes!(team::list, team::create))
        .routes(routes!(team::show, team::update))
        .routes(routes!(team::reset_password))
        .routes(routes!(team::api_tokens))
        .routes(routes!(team::reset_mfa))
        .routes(routes!(team::console_settings, team::update_console_settings))
        .routes(routes!(portals::show, portals::update))
        .routes(routes!(portals::upload_logo, portals::delete_logo))
        .routes(routes!(portals::preview))
        .routes(routes!(portals::revisions))
        .routes(routes!(portals::restore))
        .routes(routes!(sso::list, sso::create))
        .routes(routes!(sso::show, sso::update, sso::delete))
        .routes(routes!(sso::test))
        .routes(routes!(tickets::list, tickets::create))
        .routes(routes!(tickets::show, tickets::update))
        .routes(routes!(tickets::comments, tickets::add_comment))
        .routes(routes!(followers::list, followers::add))
        .routes(routes!(followers::remove))
        .routes(routes!(request_types::list, request_types::create))
        .routes(routes!(request_types::show, request_types::update, request_types::delete))
        .routes(routes!(request_types::of_customer))
        .routes(routes!(request_types::tailored, request_types::tailor))
        .routes(routes!(attachments::list, attachments::upload))
        .routes(routes!(attachments::content))
        .routes(routes!(attachments::redact))
        .routes(routes!(kb::list, kb::create))
        .routes(routes!(kb::show, kb::update, kb::delete))
        .routes(routes!(events::list))
        .routes(routes!(inbound_email::receive))
        .routes(routes!(openapi_json))
}

/// The OpenAPI document, as the routes describe themselves (paths under `/api/v1`).
pub fn openapi() -> Arc<OpenApiDocument> {
    static DOCUMENT: LazyLock<Arc<OpenApiDocument>> = LazyLock::new(|| {
        let (_, mut api) = OpenApiRouter::new().nest("/api/v1", documented()).split_for_parts();
        // The outer router carries utoipa-axum's own package description: name Portico instead.
        api.info = ApiDoc::openapi().info;
        api.info.version = env!("CARGO_PKG_VERSION").to_string();
        api.info.contact = None;
        describe_refusals(&mut api);
        Arc::new(api)
    });
    DOCUMENT.clone()
}

/// Errors are RFC 9457 problem documents (`application/problem+json`), and every operation can
/// meet the refusals given before its handler runs: a missing or bad token (401), a body that is
/// not JSON (415, 400), a malformed `If-Match` (400). Said once here for every route; schemathesis
/// (`scripts/schemathesis`) checks that responses match.
fn describe_refusals(api: &mut OpenApiDocument) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

    const PROBLEM: &str = "application/problem+json";
    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    PROBLEM,
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
                )
                .build(),
        )
    };
    for (path, item) in &mut api.paths.paths {
        let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for operation in operations.into_iter().flatten() {
            let responses = &mut operation.responses.responses;
            for (status, response) in responses.iter_mut() {
                // A refusal is a problem document; a report that is an answer (an import's
                // 422) stays JSON.
                let is_problem = |response: &utoipa::openapi::Response| {
                    matches!(response.content.get("application/json"), Some(RefOr::T(content))
                        if matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem")))
                };
                if let RefOr::T(response) = response
                    && !status.starts_with('2')
                    && is_problem(response)
                    && let Some(content) = response.content.shift_remove("application/json")
                {
                    response.content.insert(PROBLEM.to_string(), content);
                }
            }
            if path != "/api/v1/openapi.json" {
                responses.entry("401".into()).or_insert_with(|| problem("No valid API token"));
            }
            if let Some(RefOr::T(body)) = &operation.request_body {
                if body.content.contains_key("application/json") {
                    responses.entry("400".into()).or_insert_with(|| problem("The body is not valid JSON"));
                }
                responses
                    .entry("415".into())
                    .or_insert_with(|| problem("The body is not of a type this operation takes"));
            }
            let takes_if_match = operation.parameters.iter().flatten().any(|parameter| {
                matches!(parameter, RefOr::T(p) if p.parameter_in == ParameterIn::Header && p.name.eq_ignore_ascii_case("if-match"))
            });
            if takes_if_match {
                responses
                    .entry("400".into())
                    .or_insert_with(|| problem("`If-Match` does not name a revision"));
            }
        }
    }
}

pub fn router() -> Router<AppState> {
    let (router, _) = documented().split_for_parts();
    // Logos may be up to 2 MB; the limit leaves room for multipart framing so that an
    // oversized file gets the pipeline's own clear refusal.
    router.layer(DefaultBodyLimit::max(4 * 1024 * 1024))
}

/// Swagger UI over the document, at `/api/docs`.
pub fn docs() -> Router<AppState> {
    // The document itself is served by the documented `openapi_json` route.
    Router::new().merge(SwaggerUi::new("/api/docs").config(Config::from("/api/v1/openapi.json")))
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API")))]
async fn openapi_json() -> Json<OpenApiDocument> {
    Json((*openapi()).clone())
}
