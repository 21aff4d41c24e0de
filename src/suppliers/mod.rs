//! Suppliers: admission (registration, application, county recommendation, operator review,
//! suspension), documents, certificates (with daily expiry), notifications.

pub mod certs;
pub mod dto;
mod handlers;
pub mod model;
pub mod service;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

/// Routes of this context.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::upload_document, handlers::list_documents))
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::media::process::MAX_UPLOAD_BYTES + 64 * 1024,
        ))
        .routes(routes!(handlers::register))
        .routes(routes!(handlers::list))
        .routes(routes!(handlers::get_profile, handlers::update_profile))
        .routes(routes!(handlers::submit))
        .routes(routes!(handlers::recommend))
        .routes(routes!(handlers::approve))
        .routes(routes!(handlers::reject))
        .routes(routes!(handlers::suspend))
        .routes(routes!(handlers::reinstate))
        .routes(routes!(handlers::document_file))
        .routes(routes!(
            handlers::list_certificates,
            handlers::create_certificate
        ))
        .routes(routes!(handlers::review_certificates))
        .routes(routes!(handlers::verify_certificate))
        .routes(routes!(handlers::reject_certificate))
        .routes(routes!(handlers::notifications))
}
