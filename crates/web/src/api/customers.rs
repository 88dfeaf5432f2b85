//! `/customers`: create, list (search, paging), show, update, archive.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiCaller, ApiJson, ApiQuery, PathId};
use super::views::Page;
use super::views::customers::{CustomerDraftBody, CustomerView};
use crate::error::{AppResult, Problem};
use crate::state::AppState;
use portico_core::usecases::customers;
use portico_domain::customer::CustomerFilter;
use portico_domain::page::PageRequest;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CustomerListQuery {
    /// Case-insensitive search in name and slug.
    q: Option<String>,
    /// Include archived customers.
    include_archived: Option<bool>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    limit: Option<u32>,
}

/// Lists customers by name.
#[utoipa::path(get, path = "/customers", tag = "customers", params(CustomerListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<CustomerView>), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(query): ApiQuery<CustomerListQuery>,
) -> AppResult<Json<Page<CustomerView>>> {
    let page = PageRequest::parse(query.cursor.as_deref(), query.limit)?;
    let filter =
        CustomerFilter { search: query.q, include_archived: query.include_archived.unwrap_or(false) };
    Ok(Json(customers::list_customers(&state.core, &caller.actor(), &filter, &page).await?.into()))
}

/// Creates a customer (admins only). Without a `slug`, one is made from the name.
#[utoipa::path(post, path = "/customers", tag = "customers", request_body = CustomerDraftBody,
    security(("bearer" = [])),
    responses((status = 201, body = CustomerView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<CustomerDraftBody>,
) -> AppResult<impl IntoResponse> {
    let customer = customers::create_customer(&state.core, &caller.actor(), body.into()).await?;
    let location = format!("/api/v1/customers/{}", customer.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(CustomerView::from(customer))))
}

/// One customer, archived or not.
#[utoipa::path(get, path = "/customers/{id}", tag = "customers", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = CustomerView), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Json<CustomerView>> {
    Ok(Json(customers::customer(&state.core, &caller.actor(), id).await?.into()))
}

/// Changes the fields sent (admins only); `null` clears an optional field,
/// `"archived": false` restores an archived customer.
#[utoipa::path(patch, path = "/customers/{id}", tag = "customers", params(("id" = Uuid, Path)),
    request_body = CustomerDraftBody, security(("bearer" = [])),
    responses((status = 200, body = CustomerView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
    ApiJson(body): ApiJson<CustomerDraftBody>,
) -> AppResult<Json<CustomerView>> {
    Ok(Json(customers::update_customer(&state.core, &caller.actor(), id, body.into()).await?.into()))
}

/// Archives the customer (admins only): hidden from lists, its data kept; restore with PATCH.
#[utoipa::path(delete, path = "/customers/{id}", tag = "customers", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "Archived"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn archive(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<StatusCode> {
    customers::set_archived(&state.core, &caller.actor(), id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}
