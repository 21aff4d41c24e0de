//! HTTP handlers of the organisations context.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::dto::{
    AddMember, AddedMember, CreateOrg, Org, OrgMemberPage, OrgPage, OrgQuery, SetOrgStatus,
    UpdateOrg,
};
use super::service;
use crate::app::AppState;
use crate::auth::{Actor, Role};
use crate::error::{AppError, ErrorBody};
use crate::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::idempotency::IdempotentJson;

/// Organisations: all for operators, one's own for everyone else.
#[utoipa::path(get, path = "/api/orgs", tag = "orgs", params(OrgQuery),
    responses((status = 200, body = OrgPage), (status = 401, body = ErrorBody)))]
pub async fn list_orgs(
    State(state): State<AppState>,
    actor: Actor,
    AppQuery(q): AppQuery<OrgQuery>,
) -> Result<AppJson<OrgPage>, AppError> {
    let (items, next_cursor) = service::list(&state, &actor, q).await?;
    Ok(AppJson(OrgPage { items, next_cursor }))
}

/// Organisations with the list's filters as an XLSX file (operators; contact phones masked).
#[utoipa::path(get, path = "/api/orgs.xlsx", tag = "orgs", params(OrgQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = ErrorBody)))]
pub async fn export_orgs(
    State(state): State<AppState>,
    actor: Actor,
    AppQuery(q): AppQuery<OrgQuery>,
) -> Result<axum::response::Response, AppError> {
    let bytes = service::export(&state, &actor, q).await?;
    Ok(crate::export::response("organizations.xlsx", bytes))
}

/// Creates an organisation (operators). Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/orgs", tag = "orgs", request_body = CreateOrg,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    responses((status = 201, body = Org), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_org(
    State(state): State<AppState>,
    actor: Actor,
    req: IdempotentJson<CreateOrg>,
) -> Result<Response, AppError> {
    req.run(&state, &actor, "POST /api/orgs", |body| async {
        let org = service::create(&state, &actor, body).await?;
        Ok((StatusCode::CREATED, AppJson(org)).into_response())
    })
    .await
}

/// One organisation.
#[utoipa::path(get, path = "/api/orgs/{id}", tag = "orgs", params(("id" = i64, Path, description = "organisation id")),
    responses((status = 200, body = Org), (status = 404, body = ErrorBody)))]
pub async fn get_org(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Org>, AppError> {
    Ok(AppJson(service::get(&state, &actor, id).await?))
}

/// Changes an organisation's name or contact (its admins, operators).
#[utoipa::path(patch, path = "/api/orgs/{id}", tag = "orgs", request_body = UpdateOrg,
    params(("id" = i64, Path, description = "organisation id")),
    responses((status = 200, body = Org), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_org(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<UpdateOrg>,
) -> Result<AppJson<Org>, AppError> {
    Ok(AppJson(service::update(&state, &actor, id, req).await?))
}

/// Suspends or reactivates an organisation (operators; audited with the reason).
#[utoipa::path(post, path = "/api/orgs/{id}/status", tag = "orgs", request_body = SetOrgStatus,
    params(("id" = i64, Path, description = "organisation id")),
    responses((status = 200, body = Org), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_org_status(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<SetOrgStatus>,
) -> Result<AppJson<Org>, AppError> {
    Ok(AppJson(service::set_status(&state, &actor, id, req).await?))
}

/// The organisation's staff and their roles (its admins, operators). Phones masked.
#[utoipa::path(get, path = "/api/orgs/{id}/members", tag = "orgs", params(("id" = i64, Path, description = "organisation id"), PageParams),
    responses((status = 200, body = OrgMemberPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_members(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<OrgMemberPage>, AppError> {
    let (items, next_cursor) = service::members(&state, &actor, id, page).await?;
    Ok(AppJson(OrgMemberPage { items, next_cursor }))
}

/// Adds a person with a role; a new person gets a one-time invitation token. Accepts
/// `Idempotency-Key`.
#[utoipa::path(post, path = "/api/orgs/{id}/members", tag = "orgs", request_body = AddMember,
    params(("id" = i64, Path, description = "organisation id"), ("Idempotency-Key" = Option<String>, Header, description = "retry-safe key")),
    responses((status = 201, body = AddedMember), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_member(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    req: IdempotentJson<AddMember>,
) -> Result<Response, AppError> {
    req.run(
        &state,
        &actor,
        &format!("POST /api/orgs/{id}/members"),
        |body| async {
            let added = service::add_member(&state, &actor, id, body).await?;
            Ok((StatusCode::CREATED, AppJson(added)).into_response())
        },
    )
    .await
}

/// Takes a role away from a staff member (its admins, operators).
#[utoipa::path(delete, path = "/api/orgs/{id}/members/{user_id}/roles/{role}", tag = "orgs",
    params(("id" = i64, Path, description = "organisation id"), ("user_id" = i64, Path, description = "user id"), ("role" = Role, Path, description = "role")),
    responses((status = 204, description = "Done; no content"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn revoke_role(
    State(state): State<AppState>,
    actor: Actor,
    AppPath((id, user_id, role)): AppPath<(i64, i64, Role)>,
) -> Result<StatusCode, AppError> {
    service::revoke_role(&state, &actor, id, user_id, role).await?;
    Ok(StatusCode::NO_CONTENT)
}
