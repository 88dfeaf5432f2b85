//! Operations endpoints: liveness, readiness and Prometheus metrics.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use secrecy::ExposeSecret;

use crate::state::AppState;
use portico_domain::secret::same_secret;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: its database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if portico_core::usecases::history::database_answers(&state.core).await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

/// Prometheus metrics, for the bearer of `PORTICO_METRICS_TOKEN` only: route names, volumes
/// and timings tell an attacker what is used and what is slow.
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = &state.config.metrics_token else {
        return (StatusCode::FORBIDDEN, "metrics are off: set PORTICO_METRICS_TOKEN to read them")
            .into_response();
    };
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same_secret(offered.trim(), expected.expose_secret()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
            "metrics need the bearer token from PORTICO_METRICS_TOKEN",
        )
            .into_response();
    }
    publish_read_models(&state);
    state.metrics.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

/// The read models' hits and misses, counted in atomics on the request path and handed to the
/// recorder only when metrics are read.
fn publish_read_models(state: &AppState) {
    for tally in state.core.read_models().tallies() {
        let model = tally.model;
        metrics::counter!("portico_read_model_lookups_total", "model" => model, "outcome" => "hit")
            .absolute(tally.hits);
        metrics::counter!("portico_read_model_lookups_total", "model" => model, "outcome" => "miss")
            .absolute(tally.misses);
        metrics::gauge!("portico_read_model_entries", "model" => model).set(tally.entries as f64);
        // Entries, or bytes for rendered pages: what the model holds against its bound.
        metrics::gauge!("portico_read_model_weight", "model" => model).set(tally.weight as f64);
        metrics::gauge!("portico_read_model_capacity", "model" => model).set(tally.capacity as f64);
    }
}
