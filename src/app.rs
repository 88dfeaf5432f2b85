//! Router assembly, middleware, and the server loop main and the tests share; the handlers'
//! shared state is [`AppState`].

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::{Router, ServiceExt};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tower::Layer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::events::Dispatcher;
use crate::store::notify::{Heard, Invalidations};
use crate::store::view_tally::ViewFlusher;
use crate::web;
use crate::web::state::AppState;

pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(web::ops::router())
        .merge(web::assets::router())
        .merge(web::admin::router(&state))
        .merge(web::portal::router())
        .nest("/api/v1", web::api::router())
        .merge(web::api::docs())
        .merge(crate::demo_idp::router())
        .route("/", axum::routing::get(|| async { axum::response::Redirect::to(web::paths::ADMIN_HOME) }))
        .fallback(web::not_found)
        .layer(middleware::from_fn(track_metrics))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(middleware::from_fn_with_state(state.clone(), web::headers::security_headers))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(web::trace::request_span))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// Counts requests and their latency by route template (never the raw path, which would
/// explode the number of series).
async fn track_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let housekeeping = tokio::spawn(housekeeping(state.clone()));
    tokio::spawn(crate::jobs::article_html::render_articles_saved_before(state.store.clone()));
    let invalidations = tokio::spawn(follow_invalidations(state.clone()));
    let article_views = ViewFlusher::start(state.store.clone(), state.config.article_views_flush);
    let dispatcher =
        Dispatcher::start(state.store.clone(), state.all_consumers(), state.config.events.clone());
    let mail_sender = match &state.config.mail.outgoing {
        Some(outgoing) => Some(
            crate::mail::sender::start(state.store.clone(), outgoing, state.mail_queued.clone())
                .map_err(std::io::Error::other)?,
        ),
        None => None,
    };
    let mailbox = crate::jobs::imap::start(
        state.store.clone(),
        std::sync::Arc::new(state.config.mail.clone()),
        state.attachments.clone(),
        state.last_mailbox_poll.clone(),
    );
    // Portals on their own hosts are mapped onto `/p/{slug}` before routing.
    let hosts = middleware::from_fn_with_state(state.clone(), web::portal::hosts::route_portal_hosts);
    let app =
        ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(hosts.layer(router(state)));
    let result = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    // Every request has finished: no view can be counted any more, so the last write is complete.
    article_views.shut_down().await;
    housekeeping.abort();
    invalidations.abort();
    if let Some(mailbox) = mailbox {
        mailbox.abort();
    }
    dispatcher.shut_down().await;
    if let Some(sender) = mail_sender {
        sender.shut_down().await;
    }
    result
}

/// Wakes the dispatcher when another instance commits events, for as long as the server runs.
async fn follow_invalidations(state: AppState) {
    const RETRY_AFTER: Duration = Duration::from_secs(2);
    let database_url = state.config.database_url.expose_secret().to_string();
    loop {
        let mut invalidations = match Invalidations::listen(&database_url).await {
            Ok(Some(invalidations)) => invalidations,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for events of other instances; retrying");
                tokio::time::sleep(RETRY_AFTER).await;
                continue;
            }
        };
        // Events committed before listening began may have gone unheard.
        state.providers.forget_all();
        state.store.events_were_written();
        loop {
            match invalidations.next().await {
                Ok(Heard::EventsWritten) => state.store.events_were_written(),
                Ok(Heard::Reconnected) => {
                    state.providers.forget_all();
                    state.store.events_were_written();
                }
                Err(error) => {
                    tracing::warn!(%error, "lost the connection that hears other instances; retrying");
                    tokio::time::sleep(RETRY_AFTER).await;
                    break;
                }
            }
        }
    }
}

/// Clears expired sessions and old sign-in failures now and then.
async fn housekeeping(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(15 * 60));
    loop {
        every.tick().await;
        let idle = state.config.session_idle.as_millis() as i64;
        if let Err(error) = state.store.delete_stale_console_sessions(idle).await {
            tracing::warn!(%error, "could not clear stale sessions");
        }
        let portal_idle = state.config.portal_session_idle.as_millis() as i64;
        if let Err(error) = state.store.delete_stale_portal_sessions(portal_idle).await {
            tracing::warn!(%error, "could not clear stale portal sessions");
        }
        if let Err(error) = state.store.prune_spent_login_states().await {
            tracing::warn!(%error, "could not clear expired spent sign-in states");
        }
        // A day is far longer than anyone keeps a drawer open with an unsaved upload.
        let a_day_ago = crate::store::now_ms() - 24 * 3600 * 1000;
        match state.store.prune_unused_logos(a_day_ago).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "deleted logos no portal or revision uses"),
            Err(error) => tracing::warn!(%error, "could not prune unused logos"),
        }
        let window = state.config.sign_in_limits.window.as_millis() as i64;
        if let Err(error) = state.store.prune_sign_in_failures(window).await {
            tracing::warn!(%error, "could not prune sign-in failures");
        }
        // An hour covers any upload between its content's write and its row's commit.
        let grace = time::Duration::hours(1);
        match crate::usecases::attachments::remove_orphans(&state.store, &state.attachments, grace).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed attachment contents no ticket uses"),
            Err(error) => tracing::warn!(%error, "could not remove unused attachment contents"),
        }
    }
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
