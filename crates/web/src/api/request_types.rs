//! `/request-types`: the service catalogue's types, and each customer's tailoring of them.

use axum::Json;
use axum::extract::State;

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{ApiCaller, ApiJson, PathId};
use super::views::request_types::{RequestTypeBody, RequestTypeView, TailorBody, TailoredView};
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;
use portico_core::usecases::request_types;
use portico_domain::request_type::Override;

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestTypeList {
    pub items: Vec<RequestTypeView>,
}

/// Every request type, by name.
#[utoipa::path(get, path = "/request-types", tag = "request types", security(("bearer" = [])),
    responses((status = 200, body = RequestTypeList), (status = 401, body = Problem)))]
pub async fn list(State(state): State<AppState>, caller: ApiCaller) -> AppResult<Json<RequestTypeList>> {
    let items = request_types::list_request_types(&state.core, &caller.actor()).await?;
    Ok(Json(RequestTypeList { items: items.into_iter().map(RequestTypeView::from).collect() }))
}

/// Adds a request type (admins only).
#[utoipa::path(post, path = "/request-types", tag = "request types", request_body = RequestTypeBody,
    security(("bearer" = [])),
    responses((status = 201, body = RequestTypeView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<RequestTypeBody>,
) -> AppResult<impl IntoResponse> {
    let created = request_types::create_request_type(&state.core, &caller.actor(), body.into()).await?;
    let location = format!("/api/v1/request-types/{}", created.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(RequestTypeView::from(created))))
}

#[utoipa::path(get, path = "/request-types/{id}", tag = "request types", params(("id" = Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = RequestTypeView), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<Json<RequestTypeView>> {
    Ok(Json(request_types::request_type(&state.core, &caller.actor(), id).await?.into()))
}

/// Changes a type (admins only). Tickets already filed keep their answers and labels.
#[utoipa::path(patch, path = "/request-types/{id}", tag = "request types", params(("id" = Uuid, Path)),
    request_body = RequestTypeBody, security(("bearer" = [])),
    responses((status = 200, body = RequestTypeView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
    ApiJson(body): ApiJson<RequestTypeBody>,
) -> AppResult<Json<RequestTypeView>> {
    Ok(Json(request_types::update_request_type(&state.core, &caller.actor(), id, body.into()).await?.into()))
}

/// Removes a type from the catalogue (admins only); tickets filed through it keep their answers.
#[utoipa::path(delete, path = "/request-types/{id}", tag = "request types", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(id): PathId,
) -> AppResult<StatusCode> {
    request_types::delete_request_type(&state.core, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerRequestTypeList {
    pub items: Vec<TailoredView>,
}

/// The types meant for a customer (global and its own), with its tailoring; hidden ones included.
#[utoipa::path(get, path = "/customers/{id}/request-types", tag = "request types",
    params(("id" = Uuid, Path, description = "The customer")), security(("bearer" = [])),
    responses((status = 200, body = CustomerRequestTypeList), (status = 404, body = Problem)))]
pub async fn of_customer(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(customer_id): PathId,
) -> AppResult<Json<CustomerRequestTypeList>> {
    let items = request_types::types_of_customer(&state.core, &caller.actor(), customer_id).await?;
    Ok(Json(CustomerRequestTypeList { items: items.into_iter().map(TailoredView::from).collect() }))
}

/// The `{id}` (customer) and `{type_id}` of a tailoring path.
#[derive(serde::Deserialize)]
#[serde(from = "(Uuid, Uuid)")]
pub struct TailoringPath {
    customer_id: Uuid,
    type_id: Uuid,
}

impl From<(Uuid, Uuid)> for TailoringPath {
    fn from((customer_id, type_id): (Uuid, Uuid)) -> Self {
        Self { customer_id, type_id }
    }
}

crate::path::path_values! { TailoringPath => AppError = AppError::NotFound("request type"); }

/// One type as the customer has it.
#[utoipa::path(get, path = "/customers/{id}/request-types/{type_id}", tag = "request types",
    params(("id" = Uuid, Path, description = "The customer"), ("type_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = TailoredView), (status = 404, body = Problem)))]
pub async fn tailored(
    State(state): State<AppState>,
    caller: ApiCaller,
    path: TailoringPath,
) -> AppResult<Json<TailoredView>> {
    let found = request_types::types_of_customer(&state.core, &caller.actor(), path.customer_id)
        .await?
        .into_iter()
        .find(|t| t.request_type.id == path.type_id)
        .ok_or(AppError::NotFound("request type"))?;
    Ok(Json(found.into()))
}

/// Hides a type for the customer, or routes its tickets to a group of the customer's (admins
/// only); `{"hidden": false, "assignment_group_id": null}` undoes both.
#[utoipa::path(put, path = "/customers/{id}/request-types/{type_id}", tag = "request types",
    params(("id" = Uuid, Path, description = "The customer"), ("type_id" = Uuid, Path)), request_body = TailorBody,
    security(("bearer" = [])),
    responses((status = 200, body = TailoredView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn tailor(
    State(state): State<AppState>,
    caller: ApiCaller,
    path: TailoringPath,
    ApiJson(body): ApiJson<TailorBody>,
) -> AppResult<Json<TailoredView>> {
    let own = Override { hidden: body.hidden, assignment_group_id: body.assignment_group_id };
    let tailored =
        request_types::tailor(&state.core, &caller.actor(), path.customer_id, path.type_id, own).await?;
    Ok(Json(tailored.into()))
}
