//! The HTTP router: every context's routes, the OpenAPI document and its doc page, the
//! frontend, and the middleware every request passes through.

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_scalar::{Scalar, Servable};

use super::AppState;
use crate::error::AppError;

/// Every JSON endpoint with its OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .merge(crate::auth::routes())
        .merge(crate::orgs::routes())
        .merge(crate::regions::routes())
        .merge(crate::audit::routes())
        .merge(crate::suppliers::routes())
        .merge(crate::catalog::routes())
        .merge(crate::media::routes())
        .merge(crate::coupons::routes())
        .merge(crate::orders::routes())
        .merge(crate::payments::routes())
        .merge(crate::procurement::routes())
        .merge(crate::reporting::routes())
        .merge(crate::ops::routes())
}

/// The OpenAPI document.
#[must_use]
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = api().split_for_parts().1;
    crate::openapi::complete(&mut doc);
    doc
}

async fn route_not_found() -> AppError {
    AppError::RouteNotFound
}

/// Middleware: refuses what no handler may see (a NUL character in the URL or a header, an
/// oversized URL or header section: `extract::check_request`), runs the rest of the stack with the request id available to error bodies and
/// audit entries (`request_id::current`), and makes every error answer in the envelope,
/// including those produced outside the handlers (axum's 405, timeouts, missing static files).
/// Also counts the request and its latency (`ops::record`), panics and timeouts included.
async fn per_request(request: Request, next: Next) -> Response {
    let start = std::time::Instant::now();
    let id = crate::request_id::of(&request);
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .cloned();
    let response = crate::request_id::within(id, async move {
        match crate::extract::check_request(&request) {
            Ok(()) => ensure_envelope(next.run(request).await),
            Err(refused) => refused.into_response(),
        }
    })
    .await;
    crate::ops::record(
        &method,
        route.as_ref().map(axum::extract::MatchedPath::as_str),
        response.status(),
        start.elapsed(),
    );
    response
}

/// An error response not in the envelope replaced by one that is: the same status when it
/// has a code of its own (`AppError::from_status`), else 400 `bad_request` or 500
/// `internal_error`, so that a code always comes with its one status.
fn ensure_envelope(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let mut replaced = AppError::from_status(status).into_response();
        if let Some(allow) = response.headers().get(header::ALLOW) {
            replaced.headers_mut().insert(header::ALLOW, allow.clone());
        }
        return replaced;
    }
    response
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    AppError::Internal(anyhow::anyhow!("handler panicked")).into_response()
}

/// The complete HTTP router: API, docs, operational endpoints, frontend, middleware.
pub fn router(state: AppState) -> Router {
    let (api, mut doc) = api().split_for_parts();
    crate::openapi::complete(&mut doc);
    let api = api.layer(middleware::from_fn_with_state(
        state.clone(),
        crate::orgs::parents::require_parent,
    ));
    let doc_json = serde_json::to_string(&doc).unwrap_or_else(|_| "{}".to_owned());
    let web = crate::web::router(&state.config.web_dir).with_state(state.clone());
    let request_id = HeaderName::from_static("x-request-id");
    let body_limit = state.config.max_body_bytes;
    api.route(
        "/api/openapi.json",
        get(move || async move { ([(header::CONTENT_TYPE, "application/json")], doc_json.clone()) }),
    )
    .merge(Scalar::with_url("/api/docs", doc))
    .route("/api", any(route_not_found))
    .route("/api/", any(route_not_found))
    .route("/api/{*rest}", any(route_not_found))
    .fallback_service(web)
    .layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(request_id.clone(), crate::request_id::RandomUuid))
            .layer(PropagateRequestIdLayer::new(request_id))
            .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %crate::request_id::of(req))
            }))
            .layer(middleware::from_fn(per_request))
            .layer(CatchPanicLayer::custom(panic_response))
            .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
            .layer(CompressionLayer::new())
            .layer(DefaultBodyLimit::max(body_limit)),
    )
    .with_state(state)
}
