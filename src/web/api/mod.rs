//! The JSON API under `/api/v1`, with its OpenAPI document generated from the routes.

pub mod customers;
pub mod end_users;
pub mod events;
pub mod extract;
pub mod groups;
pub mod kb;
pub mod portals;
pub mod sso;
pub mod team;
pub mod tickets;

use std::sync::{Arc, LazyLock};

use axum::extract::DefaultBodyLimit;
use axum::{Json, Router};
use utoipa::openapi::OpenApi as OpenApiDocument;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::web::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portico API",
        description = "Customers, assignment groups, end users and team members of a Portico MSP. \
            Authenticate with `Authorization: Bearer <token>` (create one with `portico token create`). \
            Technicians may read; only admins change settings. Errors are RFC 9457 problem documents.",
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::web::error::Problem, crate::web::error::ProblemField)),
    tags(
        (name = "customers"), (name = "assignment groups"), (name = "end users"), (name = "team members"),
        (name = "portals"), (name = "single sign-on"), (name = "tickets"), (name = "knowledge base"),
        (name = "events"), (name = "meta")
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
        .routes(routes!(team::list, team::create))
        .routes(routes!(team::show, team::update))
        .routes(routes!(team::reset_password))
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
        .routes(routes!(kb::list, kb::create))
        .routes(routes!(kb::show, kb::update, kb::delete))
        .routes(routes!(events::list))
        .routes(routes!(openapi_json))
}

/// The OpenAPI document, as the routes describe themselves (paths under `/api/v1`).
pub fn openapi() -> Arc<OpenApiDocument> {
    static DOCUMENT: LazyLock<Arc<OpenApiDocument>> = LazyLock::new(|| {
        let (_, mut api) = OpenApiRouter::new().nest("/api/v1", documented()).split_for_parts();
        api.info.version = env!("CARGO_PKG_VERSION").to_string();
        Arc::new(api)
    });
    DOCUMENT.clone()
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
