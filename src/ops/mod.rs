//! Operational endpoints: liveness, readiness, Prometheus metrics, and the HTTP metrics
//! middleware.

use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::extract::AppJson;

/// Installs the process-wide Prometheus recorder once and returns its handle.
///
/// # Panics
/// Never in practice: the bucket list is a non-empty constant.
#[must_use]
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ];
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &buckets,
                )
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (several apps in one test process);
            // the handle still renders this one's metrics then.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Counts a request and records its latency by method, route template (`unmatched` for
/// what no route matched: static files) and status.
pub fn record(method: &Method, route: Option<&str>, status: StatusCode, elapsed: Duration) {
    let labels = [
        ("method", method.as_str().to_owned()),
        ("route", route.unwrap_or("unmatched").to_owned()),
        ("status", status.as_str().to_owned()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
}

/// Liveness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` while the process serves requests.
    pub status: String,
}

/// Readiness of each dependency.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ok` or `unavailable`.
    pub status: String,
    /// `ok` or the error.
    pub database: String,
    /// `ok`, the error, or `not_configured`.
    pub redis: String,
    /// The media store (directory or S3 bucket): `ok` or the error.
    pub media: String,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, body = Health)))]
pub async fn healthz() -> AppJson<Health> {
    AppJson(Health {
        status: "ok".into(),
    })
}

/// The database, the media store and Redis (if configured) answer; 503 naming the failing part.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let timeout = Duration::from_secs(2);
    let database = match tokio::time::timeout(timeout, state.db.ping()).await {
        Ok(Ok(())) => "ok".to_owned(),
        Ok(Err(e)) => format!("error: {e}"),
        Err(_) => "error: timeout".to_owned(),
    };
    let redis = match &state.redis {
        None => "not_configured".to_owned(),
        Some(conn) => {
            let mut conn = conn.clone();
            let cmd = redis::cmd("PING");
            match tokio::time::timeout(timeout, cmd.query_async::<String>(&mut conn)).await {
                Ok(Ok(_)) => "ok".to_owned(),
                Ok(Err(e)) => format!("error: {e}"),
                Err(_) => "error: timeout".to_owned(),
            }
        }
    };
    let media = match tokio::time::timeout(timeout, state.media.store.check()).await {
        Ok(Ok(())) => "ok".to_owned(),
        Ok(Err(e)) => format!("error: {e}"),
        Err(_) => "error: timeout".to_owned(),
    };
    let ready = database == "ok" && media == "ok" && (redis == "ok" || redis == "not_configured");
    let body = Readiness {
        status: if ready { "ok" } else { "unavailable" }.into(),
        database,
        redis,
        media,
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, AppJson(body)).into_response()
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(),
    )
}

/// Routes of this module (outside `/api`).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}
