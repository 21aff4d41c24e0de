//! Regions (GB/T 2260 codes with assistance flags) and pairings between helper and partner
//! regions, with programme and validity dates.

pub mod dto;
mod handlers;
pub mod model;
pub mod seed;
pub mod service;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

/// Routes of this context.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list_regions, handlers::create_region))
        .routes(routes!(handlers::get_region, handlers::update_region))
        .routes(routes!(handlers::list_pairings, handlers::create_pairing))
        .routes(routes!(handlers::update_pairing))
}
