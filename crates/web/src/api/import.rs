//! `POST /customers/{id}/end-users/import`: end users from a CSV file, checked (dry run) or
//! imported all or nothing.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiCaller, ApiQuery, PathId};
use super::views::import::ImportReportView;
use crate::error::{AppResult, Problem};
use crate::state::AppState;
use portico_core::usecases::{customers, import};
use portico_domain::import::{ImportReport, MAX_BYTES};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// `true`: check every row and report, writing nothing. Default `false`.
    dry_run: Option<bool>,
}

/// Imports end users from CSV (admins only): a header row naming `name`, `email` and
/// optionally `role` (`member`, the default for new end users, or `manager`), in any order and
/// case; at most 50,000 rows and 10 MB. An address the customer has is updated (name, role);
/// a new one is created. Addresses must lie in the customer's allowed e-mail domains (those of
/// its SSO configurations; any when none restricts them). A dry run reports each row's outcome
/// and writes nothing. A real run is all or nothing: with any error row it writes nothing and
/// answers 422 with the same report.
#[utoipa::path(post, path = "/customers/{id}/end-users/import", tag = "end users",
    params(("id" = Uuid, Path, description = "The customer"), ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file, UTF-8"),
    security(("bearer" = [])),
    responses((status = 200, body = ImportReportView, description = "Imported, or checked (dry run)"),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem),
        (status = 422, body = ImportReportView, description = "A real run found errors and wrote nothing")))]
pub async fn import_end_users(
    State(state): State<AppState>,
    caller: ApiCaller,
    PathId(customer_id): PathId,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<(StatusCode, Json<ImportReportView>)> {
    caller.require_admin()?;
    super::extract::require_media_type(&headers, "text/csv", "send the file as Content-Type: text/csv")?;
    let dry_run = query.dry_run.unwrap_or(false);
    let report = match axum::body::to_bytes(body, MAX_BYTES).await {
        Ok(csv) => import::import_end_users(&state.core, &caller.actor(), customer_id, &csv, dry_run).await?,
        // Past the limit: refused as the use case would refuse it, without reading the rest.
        Err(_) => {
            customers::customer(&state.core, &caller.actor(), customer_id).await?;
            ImportReport::too_large(dry_run)
        }
    };
    let status = if report.refused() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, Json(report.into())))
}
