//! The catalog: categories, products with SKUs, price tiers and images, the review workflow,
//! zones, the shop's search (tantivy) and its response cache, traceability and QR codes.

pub mod cache;
pub mod categories;
pub mod doc;
pub mod dto;
mod handlers;
pub mod manage;
pub mod model;
pub mod read;
pub mod reference;
pub mod search;
pub mod stock;
pub mod storefront;
pub mod view;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use tokio::sync::watch;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::entities::products;
use crate::error::AppError;

/// The shop's search index and response cache.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// This instance's product index.
    pub search: Arc<search::SearchIndex>,
    /// Cached list and detail responses.
    pub cache: cache::CatalogCache,
    /// Regions, pairings and categories as of the current catalog version.
    pub reference: reference::ReferenceCache,
}

impl Catalog {
    /// After a committed change: brings this instance's index up to date, then invalidates
    /// the cached pages of every instance. Failures are logged (the poller retries).
    pub async fn changed(&self, state: &AppState) {
        if let Err(err) = self.search.sync(&state.db).await {
            tracing::warn!(error = %err, "search sync after change failed");
        }
        self.cache.bump().await;
    }

    /// Regions, pairings and categories, from this instance's copy while the catalog version
    /// has not moved.
    ///
    /// # Errors
    /// Database errors.
    pub async fn reference(
        &self,
        conn: &impl ConnectionTrait,
    ) -> Result<Arc<reference::Reference>, AppError> {
        self.reference.get(&self.cache, conn).await
    }
}

/// Marks products changed: bumps their version, rewrites their documents (in the caller's
/// transaction), and so lets the index and the caches follow.
///
/// # Errors
/// Database errors.
pub async fn touch_products(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<(), AppError> {
    products::Entity::update_many()
        .col_expr(products::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(
            products::Column::Version,
            Expr::col(products::Column::Version).add(1),
        )
        .filter(products::Column::Id.is_in(ids.to_vec()))
        .exec(conn)
        .await?;
    view::refresh(conn, ids).await
}

/// Marks every product of a supplier changed.
///
/// # Errors
/// Database errors.
pub async fn touch_supplier_products(
    conn: &impl ConnectionTrait,
    org_id: i64,
) -> Result<(), AppError> {
    let ids = view::ids_of_supplier(conn, org_id).await?;
    touch_products(conn, &ids).await
}

/// Marks changed every product whose origin lies in `code` (a county, or a city and its
/// counties): after a region's flags or a pairing changed.
///
/// # Errors
/// Database errors.
pub async fn touch_region_products(
    conn: &impl ConnectionTrait,
    code: &str,
) -> Result<(), AppError> {
    use sea_orm::QuerySelect;
    let counties: Vec<String> = crate::entities::regions::Entity::find()
        .select_only()
        .column(crate::entities::regions::Column::Code)
        .filter(crate::entities::regions::Column::ParentCode.eq(code))
        .into_tuple()
        .all(conn)
        .await?;
    let ids: Vec<i64> = products::Entity::find()
        .select_only()
        .column(products::Column::Id)
        .filter(
            products::Column::OriginCountyCode
                .is_in(counties.into_iter().chain(std::iter::once(code.to_owned()))),
        )
        .into_tuple()
        .all(conn)
        .await?;
    touch_products(conn, &ids).await
}

/// Keeps this instance's index current: polls for changed products every `every`, and
/// rebuilds fully when the business date turns (certificates lapse at midnight without a
/// write). Stops when `stop` turns true.
pub async fn run_indexer(state: AppState, every: Duration, mut stop: watch::Receiver<bool>) {
    let mut day = crate::time::business_date(Utc::now());
    loop {
        if *stop.borrow() {
            break;
        }
        let today = crate::time::business_date(Utc::now());
        if today != day {
            day = today;
            state.catalog.search.invalidate();
        }
        match state.catalog.search.sync(&state.db).await {
            Ok(n) if n > 0 => tracing::debug!(changed = n, "search index synced"),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "search index sync failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Routes of this context.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::categories))
        .routes(routes!(handlers::list_products))
        .routes(routes!(handlers::get_product))
        .routes(routes!(handlers::get_trace))
        .routes(routes!(handlers::get_qr))
        .routes(routes!(handlers::list_zones, handlers::create_zone))
        .routes(routes!(handlers::update_zone))
        .routes(routes!(
            handlers::list_supplier_products,
            handlers::create_product
        ))
        .routes(routes!(handlers::get_managed, handlers::update_product))
        .routes(routes!(handlers::submit_product))
        .routes(routes!(handlers::delist_product))
        .routes(routes!(handlers::review_queue))
        .routes(routes!(handlers::approve_product))
        .routes(routes!(handlers::reject_product))
        .routes(routes!(handlers::change_stock))
}
