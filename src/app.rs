//! Router assembly, middleware, and the server loop main and the tests share; the handlers'
//! shared state is [`AppState`].

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderName;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::{Router, ServiceExt};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use portico_core::workers::Workers;
use portico_web as web;
use portico_web::state::AppState;

/// Every route, with what needs to know the route it matched (the request metrics, by route
/// template). What applies to every response alike is layered once around the whole router in
/// [`serve`]: a layer added with `Router::layer` wraps each route on its own, and every such
/// layer costs each request another boxed service to clone and another boxed future.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(web::ops::router())
        .merge(web::assets::router())
        .merge(web::admin::router(&state))
        .merge(web::portal::router())
        .nest("/api/v1", web::api::router())
        .merge(web::api::docs())
        .merge(portico_web::demo_idp::router())
        .route(
            "/",
            axum::routing::get(|| async { axum::response::Redirect::to(portico_core::paths::ADMIN_HOME) }),
        )
        .fallback(web::not_found)
        .layer(middleware::from_fn(track_metrics))
        .with_state(state)
}

/// Counts requests and their latency by route template (see [`web::trace::record_request`]).
async fn track_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    web::trace::record_request(
        &method,
        route.as_ref().map(MatchedPath::as_str),
        response.status(),
        started.elapsed(),
    );
    response
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let workers = Workers::start(&state.core).map_err(std::io::Error::other)?;
    let request_id = HeaderName::from_static("x-request-id");
    // Outermost first: every request gets an id, then a span; portals on their own hosts are
    // mapped onto `/p/{slug}` before the header policy and the routes see them.
    let service = ServiceBuilder::new()
        // axum serves its own body type: the layers' bodies are wrapped back into it.
        .map_response(|response: axum::http::Response<_>| response.map(axum::body::Body::new))
        .layer(SetRequestIdLayer::new(request_id.clone(), web::trace::RequestIds::new()))
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(TraceLayer::new_for_http().make_span_with(web::trace::request_span))
        .layer(middleware::from_fn_with_state(state.clone(), web::portal::hosts::route_portal_hosts))
        .layer(middleware::from_fn_with_state(state.clone(), web::headers::security_headers))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CompressionLayer::new())
        .service(router(state));
    let app = ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(service);
    let result = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    // Every request has finished: no view can be counted any more, so the last write is complete.
    workers.shut_down().await;
    result
}

/// Installs the SIGINT and SIGTERM handlers now and returns a future that resolves on either.
///
/// Installing them before the server announces itself matters: a signal that arrives between
/// "serving" and the first poll of a lazily installed handler would kill the process outright.
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
            tracing::info!("shutting down: finishing in-flight requests");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            tokio::signal::ctrl_c().await.ok();
            tracing::info!("shutting down: finishing in-flight requests");
        })
    }
}
