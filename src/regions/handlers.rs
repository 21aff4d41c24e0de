//! HTTP handlers of the regions context. Reading is open to everyone; operators edit.

use axum::extract::State;
use axum::http::StatusCode;

use super::dto::{
    CreatePairing, CreateRegion, Pairing, PairingList, PairingQuery, Region, RegionDetail,
    RegionList, RegionQuery, UpdatePairing, UpdateRegion,
};
use super::service;
use crate::app::AppState;
use crate::auth::{Actor, authz};
use crate::error::{AppError, ErrorBody};
use crate::extract::{AppJson, AppPath, AppQuery};

/// Lists regions (public).
#[utoipa::path(get, path = "/api/regions", tag = "regions", params(RegionQuery),
    responses((status = 200, body = RegionList), (status = 400, body = ErrorBody)))]
pub async fn list_regions(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<RegionQuery>,
) -> Result<AppJson<RegionList>, AppError> {
    Ok(AppJson(RegionList {
        items: service::list(&state, q).await?,
    }))
}

/// One region with its path (public).
#[utoipa::path(get, path = "/api/regions/{code}", tag = "regions",
    params(("code" = String, Path, description = "region code")),
    responses((status = 200, body = RegionDetail), (status = 404, body = ErrorBody)))]
pub async fn get_region(
    State(state): State<AppState>,
    AppPath(code): AppPath<String>,
) -> Result<AppJson<RegionDetail>, AppError> {
    Ok(AppJson(service::get(&state, &code).await?))
}

/// Adds a region (operators).
#[utoipa::path(post, path = "/api/regions", tag = "regions", request_body = CreateRegion,
    responses((status = 201, body = Region), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_region(
    State(state): State<AppState>,
    actor: Actor,
    AppJson(req): AppJson<CreateRegion>,
) -> Result<(StatusCode, AppJson<Region>), AppError> {
    authz::require_operator(&actor)?;
    Ok((
        StatusCode::CREATED,
        AppJson(service::create(&state, &actor, req).await?),
    ))
}

/// Changes a region's name, flags or note (operators; audited).
#[utoipa::path(patch, path = "/api/regions/{code}", tag = "regions", request_body = UpdateRegion,
    params(("code" = String, Path, description = "region code")),
    responses((status = 200, body = Region), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_region(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(code): AppPath<String>,
    AppJson(req): AppJson<UpdateRegion>,
) -> Result<AppJson<Region>, AppError> {
    authz::require_operator(&actor)?;
    Ok(AppJson(service::update(&state, &actor, &code, req).await?))
}

/// Lists pairings (public).
#[utoipa::path(get, path = "/api/pairings", tag = "regions", params(PairingQuery),
    responses((status = 200, body = PairingList), (status = 400, body = ErrorBody)))]
pub async fn list_pairings(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<PairingQuery>,
) -> Result<AppJson<PairingList>, AppError> {
    Ok(AppJson(PairingList {
        items: service::list_pairings(&state, q).await?,
    }))
}

/// Adds a pairing (operators).
#[utoipa::path(post, path = "/api/pairings", tag = "regions", request_body = CreatePairing,
    responses((status = 201, body = Pairing), (status = 409, description = "pairing_overlap", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_pairing(
    State(state): State<AppState>,
    actor: Actor,
    AppJson(req): AppJson<CreatePairing>,
) -> Result<(StatusCode, AppJson<Pairing>), AppError> {
    authz::require_operator(&actor)?;
    Ok((
        StatusCode::CREATED,
        AppJson(service::create_pairing(&state, &actor, req).await?),
    ))
}

/// Ends or re-dates a pairing (operators; audited).
#[utoipa::path(patch, path = "/api/pairings/{id}", tag = "regions", request_body = UpdatePairing,
    params(("id" = i64, Path, description = "pairing id")),
    responses((status = 200, body = Pairing), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_pairing(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<UpdatePairing>,
) -> Result<AppJson<Pairing>, AppError> {
    authz::require_operator(&actor)?;
    Ok(AppJson(
        service::update_pairing(&state, &actor, id, req).await?,
    ))
}
