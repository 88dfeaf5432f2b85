//! `/kb/articles`: the knowledge base, for technicians and integrations.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::extract::{ApiCaller, ApiJson, ApiQuery, PathId};
use super::views::Page;
use super::views::kb::{ArticleDraftBody, ArticleView};
use crate::error::{AppResult, Problem};
use crate::state::AppState;
use portico_core::usecases::kb;
use portico_domain::kb::ArticleOrder;
use portico_domain::page::PageRequest;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ArticleListQuery {
    /// Only articles published and visible in this customer's portal.
    customer_id: Option<Uuid>,
    cursor: Option<String>,
    limit: Option<u32>,
}

/// Articles, most recently changed first.
#[utoipa::path(get, path = "/kb/articles", tag = "knowledge base", params(ArticleListQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<ArticleView>), (status = 400, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(query): ApiQuery<ArticleListQuery>,
) -> AppResult<Json<Page<ArticleView>>> {
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    Ok(Json(
        kb::list_articles(&state.core, &caller.actor(), query.customer_id, ArticleOrder::Recent, &page)
            .await?
            .into(),
    ))
}

/// Creates an article (unpublished unless `published` is true; visible to all customers unless
/// `all_customers` is false with `customer_ids`).
#[utoipa::path(post, path = "/kb/articles", tag = "knowledge base", request_body = ArticleDraftBody, security(("bearer" = [])),
    responses((status = 201, body = ArticleView), (status = 400, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<ArticleDraftBody>,
) -> AppResult<impl IntoResponse> {
    let article = kb::create_article(&state.core, &caller.actor(), body.into()).await?;
    let location = format!("/api/v1/kb/articles/{}", article.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(ArticleView::from(article))))
}

#[utoipa::path(get, path = "/kb/articles/{id}", tag = "knowledge base", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = ArticleView), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Json<ArticleView>> {
    Ok(Json(kb::article(&state.core, &caller.actor(), id).await?.into()))
}

/// Changes the fields sent.
#[utoipa::path(patch, path = "/kb/articles/{id}", tag = "knowledge base", params(("id" = Uuid, Path)), request_body = ArticleDraftBody,
    security(("bearer" = [])),
    responses((status = 200, body = ArticleView), (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
    ApiJson(body): ApiJson<ArticleDraftBody>,
) -> AppResult<Json<ArticleView>> {
    Ok(Json(kb::update_article(&state.core, &caller.actor(), id, body.into()).await?.into()))
}

#[utoipa::path(delete, path = "/kb/articles/{id}", tag = "knowledge base", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<StatusCode> {
    kb::delete_article(&state.core, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
