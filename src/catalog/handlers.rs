//! HTTP handlers of the catalog context.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::categories::CategoryTree;
use super::dto::{
    ManagedPage, ManagedProduct, ManagedQuery, ProductDetail, ProductInput, ProductPage,
    ProductQuery, ReviewDecision, StockChange, StockLevel, Zone, ZoneInput, ZoneList,
};
use super::manage::{self, Move};
use super::storefront;
use crate::app::AppState;
use crate::auth::Actor;
use crate::error::{AppError, ErrorBody};
use crate::extract::{AppJson, AppPath, AppQuery};

fn json_bytes(bytes: Bytes, hit: bool) -> Response {
    let mut r = bytes.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut().insert(
        "x-cache",
        HeaderValue::from_static(if hit { "hit" } else { "miss" }),
    );
    r
}

/// The category tree.
#[utoipa::path(get, path = "/api/categories", tag = "catalog", responses((status = 200, body = CategoryTree)))]
pub async fn categories(State(state): State<AppState>) -> Result<AppJson<CategoryTree>, AppError> {
    Ok(AppJson(CategoryTree {
        items: super::categories::tree(&state.db).await?,
    }))
}

/// Searches and lists the shop's products (public, cached): text in Chinese, pinyin or
/// initials; filters; sorts; facet counts; keyset pagination.
#[utoipa::path(get, path = "/api/products", tag = "catalog", params(ProductQuery),
    responses((status = 200, body = ProductPage), (status = 400, body = ErrorBody)))]
pub async fn list_products(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<ProductQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let (bytes, hit) = storefront::list(&state, q, raw.as_deref().unwrap_or("")).await?;
    Ok(json_bytes(bytes, hit))
}

/// A listed product's page (public, cached).
#[utoipa::path(get, path = "/api/products/{id}", tag = "catalog", params(("id" = i64, Path, description = "product id")),
    responses((status = 200, body = ProductDetail), (status = 404, body = ErrorBody)))]
pub async fn get_product(
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
) -> Result<Response, AppError> {
    let (bytes, hit) = storefront::detail(&state, id).await?;
    Ok(json_bytes(bytes, hit))
}

/// The traceability record a package's QR code leads to (public).
#[utoipa::path(get, path = "/api/products/{id}/trace", tag = "catalog", params(("id" = i64, Path, description = "product id")),
    responses((status = 200, body = ProductDetail), (status = 404, body = ErrorBody)))]
pub async fn get_trace(
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<ProductDetail>, AppError> {
    Ok(AppJson(storefront::trace(&state, id).await?))
}

/// The QR code for a product's package: `/api/products/{id}/qr.svg` or `qr.png`.
#[utoipa::path(get, path = "/api/products/{id}/{file}", tag = "catalog",
    params(("id" = i64, Path, description = "product id"), ("file" = String, Path, description = "`qr.svg` or `qr.png`")),
    responses((status = 200, content_type = "image/svg+xml"), (status = 404, body = ErrorBody)))]
pub async fn get_qr(
    State(state): State<AppState>,
    AppPath((id, file)): AppPath<(i64, String)>,
) -> Result<Response, AppError> {
    let (png, content_type) = match file.as_str() {
        "qr.svg" => (false, "image/svg+xml"),
        "qr.png" => (true, "image/png"),
        _ => return Err(AppError::RouteNotFound),
    };
    let bytes = storefront::qr(&state, id, png).await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
        .into_response())
}

/// Zones of the shop (public: active ones).
#[utoipa::path(get, path = "/api/zones", tag = "catalog", responses((status = 200, body = ZoneList)))]
pub async fn list_zones(
    State(state): State<AppState>,
    actor: Option<Actor>,
) -> Result<AppJson<ZoneList>, AppError> {
    let all = actor.is_some_and(|a| a.is_operator());
    Ok(AppJson(ZoneList {
        items: storefront::zones(&state, all).await?,
    }))
}

/// Creates a zone (operators).
#[utoipa::path(post, path = "/api/zones", tag = "catalog", request_body = ZoneInput,
    responses((status = 201, body = Zone), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_zone(
    State(state): State<AppState>,
    actor: Actor,
    AppJson(z): AppJson<ZoneInput>,
) -> Result<(StatusCode, AppJson<Zone>), AppError> {
    Ok((
        StatusCode::CREATED,
        AppJson(storefront::save_zone(&state, &actor, None, z).await?),
    ))
}

/// Changes a zone (operators).
#[utoipa::path(put, path = "/api/zones/{id}", tag = "catalog", request_body = ZoneInput, params(("id" = i64, Path, description = "zone id")),
    responses((status = 200, body = Zone), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_zone(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(z): AppJson<ZoneInput>,
) -> Result<AppJson<Zone>, AppError> {
    Ok(AppJson(
        storefront::save_zone(&state, &actor, Some(id), z).await?,
    ))
}

/// A supplier's products, any status (its staff, operators).
#[utoipa::path(get, path = "/api/suppliers/{org_id}/products", tag = "catalog", params(("org_id" = i64, Path, description = "supplier"), ManagedQuery),
    responses((status = 200, body = ManagedPage), (status = 404, body = ErrorBody)))]
pub async fn list_supplier_products(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
    AppQuery(q): AppQuery<ManagedQuery>,
) -> Result<AppJson<ManagedPage>, AppError> {
    let (items, next_cursor) = manage::list_for_supplier(&state, &actor, org_id, q).await?;
    Ok(AppJson(ManagedPage { items, next_cursor }))
}

/// Creates a draft product (supplier staff).
#[utoipa::path(post, path = "/api/suppliers/{org_id}/products", tag = "catalog", request_body = ProductInput, params(("org_id" = i64, Path, description = "supplier")),
    responses((status = 201, body = ManagedProduct), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_product(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
    AppJson(input): AppJson<ProductInput>,
) -> Result<(StatusCode, AppJson<ManagedProduct>), AppError> {
    Ok((
        StatusCode::CREATED,
        AppJson(manage::create(&state, &actor, org_id, input).await?),
    ))
}

/// A product in the supplier portal, whatever its status (its supplier's staff, operators).
#[utoipa::path(get, path = "/api/manage/products/{id}", tag = "catalog", params(("id" = i64, Path, description = "product id")),
    responses((status = 200, body = ManagedProduct), (status = 404, body = ErrorBody)))]
pub async fn get_managed(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<ManagedProduct>, AppError> {
    Ok(AppJson(manage::get(&state, &actor, id).await?))
}

/// Replaces a product's content, SKUs and images (supplier staff).
#[utoipa::path(put, path = "/api/manage/products/{id}", tag = "catalog", request_body = ProductInput, params(("id" = i64, Path, description = "product id")),
    responses((status = 200, body = ManagedProduct), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_product(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(input): AppJson<ProductInput>,
) -> Result<AppJson<ManagedProduct>, AppError> {
    Ok(AppJson(manage::update(&state, &actor, id, input).await?))
}

/// Sends a product for review (supplier staff).
#[utoipa::path(post, path = "/api/manage/products/{id}/submit", tag = "catalog", params(("id" = i64, Path, description = "product id")),
    responses((status = 200, body = ManagedProduct), (status = 409, description = "invalid_state, supplier_not_approved", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit_product(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<ManagedProduct>, AppError> {
    Ok(AppJson(
        manage::transition(&state, &actor, id, Move::Submit, None).await?,
    ))
}

/// Takes a listed product out of the shop (supplier staff, operators).
#[utoipa::path(post, path = "/api/manage/products/{id}/delist", tag = "catalog", request_body = ReviewDecision, params(("id" = i64, Path, description = "product id")),
    responses((status = 200, body = ManagedProduct), (status = 409, body = ErrorBody)))]
pub async fn delist_product(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(d): AppJson<ReviewDecision>,
) -> Result<AppJson<ManagedProduct>, AppError> {
    Ok(AppJson(
        manage::transition(&state, &actor, id, Move::Delist, d.reason).await?,
    ))
}

/// The product review queue (operators; default `status=pending_review`).
#[utoipa::path(get, path = "/api/review/products", tag = "catalog", params(ManagedQuery),
    responses((status = 200, body = ManagedPage), (status = 403, body = ErrorBody)))]
pub async fn review_queue(
    State(state): State<AppState>,
    actor: Actor,
    AppQuery(q): AppQuery<ManagedQuery>,
) -> Result<AppJson<ManagedPage>, AppError> {
    let (items, next_cursor) = manage::list_for_review(&state, &actor, q).await?;
    Ok(AppJson(ManagedPage { items, next_cursor }))
}

/// Lists a product (operators).
#[utoipa::path(post, path = "/api/review/products/{id}/approve", tag = "catalog", request_body = ReviewDecision, params(("id" = i64, Path, description = "product id")),
    responses((status = 200, body = ManagedProduct), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve_product(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(d): AppJson<ReviewDecision>,
) -> Result<AppJson<ManagedProduct>, AppError> {
    Ok(AppJson(
        manage::transition(&state, &actor, id, Move::Approve, d.reason).await?,
    ))
}

/// Refuses a product with a reason (operators).
#[utoipa::path(post, path = "/api/review/products/{id}/reject", tag = "catalog", request_body = ReviewDecision, params(("id" = i64, Path, description = "product id")),
    responses((status = 200, body = ManagedProduct), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject_product(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(d): AppJson<ReviewDecision>,
) -> Result<AppJson<ManagedProduct>, AppError> {
    Ok(AppJson(
        manage::transition(&state, &actor, id, Move::Reject, d.reason).await?,
    ))
}

/// Sets or changes a SKU's stock (supplier staff; immediate and audited).
#[utoipa::path(post, path = "/api/manage/skus/{id}/stock", tag = "catalog", request_body = StockChange, params(("id" = i64, Path, description = "SKU id")),
    responses((status = 200, body = StockLevel), (status = 404, body = ErrorBody), (status = 409, description = "insufficient_stock", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_stock(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(change): AppJson<StockChange>,
) -> Result<AppJson<StockLevel>, AppError> {
    Ok(AppJson(
        manage::change_stock(&state, &actor, id, change).await?,
    ))
}
