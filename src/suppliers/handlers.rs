//! HTTP handlers of the suppliers context.

use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::certs;
use super::dto::{
    CertQuery, Certificate, CertificateList, CreateCertificate, Decision, DocumentInfo,
    DocumentList, Notification, NotificationList, RegisterSupplier, Registered, SupplierPage,
    SupplierProfile, SupplierQuery, UpdateProfile,
};
use super::service::{self, Transition};
use crate::app::AppState;
use crate::auth::Actor;
use crate::error::{AppError, ErrorBody, ErrorCode};
use crate::extract::{AppJson, AppPath, AppQuery, ClientIp};

/// Registers a supplier (public): the organisation, its first admin and a draft application.
/// Rate-limited per client address.
#[utoipa::path(post, path = "/api/suppliers/register", tag = "suppliers", request_body = RegisterSupplier,
    responses((status = 201, body = Registered), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    AppJson(req): AppJson<RegisterSupplier>,
) -> Result<(StatusCode, AppJson<Registered>), AppError> {
    if let crate::ratelimit::Decision::Limited(wait) = state
        .limiter
        .hit(
            &format!("register:ip:{ip}"),
            10,
            std::time::Duration::from_secs(3600),
        )
        .await
    {
        return Err(AppError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        });
    }
    Ok((
        StatusCode::CREATED,
        AppJson(service::register(&state, req).await?),
    ))
}

/// Supplier applications (operators), e.g. `?status=submitted` for the review queue.
#[utoipa::path(get, path = "/api/suppliers", tag = "suppliers", params(SupplierQuery),
    responses((status = 200, body = SupplierPage), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    AppQuery(q): AppQuery<SupplierQuery>,
) -> Result<AppJson<SupplierPage>, AppError> {
    let (items, next_cursor) = service::list(&state, &actor, q).await?;
    Ok(AppJson(SupplierPage { items, next_cursor }))
}

/// A supplier's application (its staff, operators). Bank account and phone masked.
#[utoipa::path(get, path = "/api/suppliers/{org_id}/profile", tag = "suppliers", params(("org_id" = i64, Path, description = "supplier")),
    responses((status = 200, body = SupplierProfile), (status = 404, body = ErrorBody)))]
pub async fn get_profile(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
) -> Result<AppJson<SupplierProfile>, AppError> {
    Ok(AppJson(service::get(&state, &actor, org_id).await?))
}

/// Changes a draft or rejected application (the supplier's admin).
#[utoipa::path(patch, path = "/api/suppliers/{org_id}/profile", tag = "suppliers", request_body = UpdateProfile, params(("org_id" = i64, Path, description = "supplier")),
    responses((status = 200, body = SupplierProfile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_profile(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
    AppJson(req): AppJson<UpdateProfile>,
) -> Result<AppJson<SupplierProfile>, AppError> {
    Ok(AppJson(service::update(&state, &actor, org_id, req).await?))
}

/// Sends a draft or rejected application for review (the supplier's admin; needs a business
/// licence and farmer-link evidence). Audited.
#[utoipa::path(post, path = "/api/suppliers/{org_id}/submit", tag = "suppliers", request_body = Decision,
    params(("org_id" = i64, Path, description = "supplier")),
    responses((status = 200, body = SupplierProfile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "invalid_state", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
    AppJson(d): AppJson<Decision>,
) -> Result<AppJson<SupplierProfile>, AppError> {
    transition(&state, &actor, org_id, Transition::Submit, d).await
}

/// Records the county department's recommendation of a submitted application (operators;
/// reason required). Audited with the reason.
#[utoipa::path(post, path = "/api/suppliers/{org_id}/recommend", tag = "suppliers", request_body = Decision,
    params(("org_id" = i64, Path, description = "supplier")),
    responses((status = 200, body = SupplierProfile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "invalid_state", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn recommend(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
    AppJson(d): AppJson<Decision>,
) -> Result<AppJson<SupplierProfile>, AppError> {
    transition(&state, &actor, org_id, Transition::Recommend, d).await
}

/// Admits a recommended supplier (operators). Audited.
#[utoipa::path(post, path = "/api/suppliers/{org_id}/approve", tag = "suppliers", request_body = Decision,
    params(("org_id" = i64, Path, description = "supplier")),
    responses((status = 200, body = SupplierProfile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "invalid_state", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
    AppJson(d): AppJson<Decision>,
) -> Result<AppJson<SupplierProfile>, AppError> {
    transition(&state, &actor, org_id, Transition::Approve, d).await
}

/// Rejects a submitted or recommended application (operators; reason required). Audited with
/// the reason.
#[utoipa::path(post, path = "/api/suppliers/{org_id}/reject", tag = "suppliers", request_body = Decision,
    params(("org_id" = i64, Path, description = "supplier")),
    responses((status = 200, body = SupplierProfile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "invalid_state", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
    AppJson(d): AppJson<Decision>,
) -> Result<AppJson<SupplierProfile>, AppError> {
    transition(&state, &actor, org_id, Transition::Reject, d).await
}

/// Suspends an admitted supplier (operators; reason required). Audited with the reason.
#[utoipa::path(post, path = "/api/suppliers/{org_id}/suspend", tag = "suppliers", request_body = Decision,
    params(("org_id" = i64, Path, description = "supplier")),
    responses((status = 200, body = SupplierProfile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "invalid_state", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn suspend(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
    AppJson(d): AppJson<Decision>,
) -> Result<AppJson<SupplierProfile>, AppError> {
    transition(&state, &actor, org_id, Transition::Suspend, d).await
}

/// Lifts a supplier's suspension (operators). Audited.
#[utoipa::path(post, path = "/api/suppliers/{org_id}/reinstate", tag = "suppliers", request_body = Decision,
    params(("org_id" = i64, Path, description = "supplier")),
    responses((status = 200, body = SupplierProfile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "invalid_state", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reinstate(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
    AppJson(d): AppJson<Decision>,
) -> Result<AppJson<SupplierProfile>, AppError> {
    transition(&state, &actor, org_id, Transition::Reinstate, d).await
}

async fn transition(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    t: Transition,
    d: Decision,
) -> Result<AppJson<SupplierProfile>, AppError> {
    Ok(AppJson(
        service::transition(state, actor, org_id, t, d.reason).await?,
    ))
}

/// Uploads a document of an organisation (multipart: `kind`, `file`; PDF, JPEG or PNG, 10 MB).
#[utoipa::path(post, path = "/api/orgs/{org_id}/documents", tag = "suppliers", params(("org_id" = i64, Path, description = "organisation")),
    request_body(content_type = "multipart/form-data", description = "fields `kind` and `file`"),
    responses((status = 201, body = DocumentInfo), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_document(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    crate::auth::authz::authorize_org(&actor, org_id, crate::auth::authz::OrgAction::View)?;
    let multipart = multipart.map_err(|e| {
        AppError::new(
            ErrorCode::InvalidMultipart,
            format!("请以 multipart/form-data 上传 / {}", e.body_text()),
        )
    })?;
    let (bytes, filename, fields) = crate::media::handlers_read_file(multipart, "file").await?;
    let kind = fields
        .into_iter()
        .find(|(k, _)| k == "kind")
        .map(|(_, v)| v);
    let info = service::upload_document(&state, &actor, org_id, kind, filename, bytes).await?;
    Ok((StatusCode::CREATED, AppJson(info)).into_response())
}

/// Documents of an organisation.
#[utoipa::path(get, path = "/api/orgs/{org_id}/documents", tag = "suppliers", params(("org_id" = i64, Path, description = "organisation")),
    responses((status = 200, body = DocumentList), (status = 404, body = ErrorBody)))]
pub async fn list_documents(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
) -> Result<AppJson<DocumentList>, AppError> {
    Ok(AppJson(DocumentList {
        items: service::list_documents(&state, &actor, org_id).await?,
    }))
}

/// Downloads a document (its organisation's staff, operators).
#[utoipa::path(get, path = "/api/documents/{id}/file", tag = "suppliers", params(("id" = i64, Path, description = "document id")),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = ErrorBody)))]
pub async fn document_file(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<Response, AppError> {
    let (doc, bytes) = service::document_file(&state, &actor, id).await?;
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    if let Ok(ct) = HeaderValue::from_str(&doc.content_type) {
        h.insert(header::CONTENT_TYPE, ct);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment"),
    );
    Ok(r)
}

/// A supplier's certificates (its staff, operators).
#[utoipa::path(get, path = "/api/suppliers/{org_id}/certificates", tag = "suppliers", params(("org_id" = i64, Path, description = "supplier")),
    responses((status = 200, body = CertificateList), (status = 404, body = ErrorBody)))]
pub async fn list_certificates(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
) -> Result<AppJson<CertificateList>, AppError> {
    Ok(AppJson(CertificateList {
        items: certs::list_for_supplier(&state, &actor, org_id).await?,
    }))
}

/// Adds a certificate (supplier staff); pending until verified.
#[utoipa::path(post, path = "/api/suppliers/{org_id}/certificates", tag = "suppliers", request_body = CreateCertificate, params(("org_id" = i64, Path, description = "supplier")),
    responses((status = 201, body = Certificate), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_certificate(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
    AppJson(req): AppJson<CreateCertificate>,
) -> Result<(StatusCode, AppJson<Certificate>), AppError> {
    Ok((
        StatusCode::CREATED,
        AppJson(certs::create(&state, &actor, org_id, req).await?),
    ))
}

/// The certificate review queue (operators; default `status=pending`).
#[utoipa::path(get, path = "/api/review/certificates", tag = "suppliers", params(CertQuery),
    responses((status = 200, body = CertificateList), (status = 403, body = ErrorBody)))]
pub async fn review_certificates(
    State(state): State<AppState>,
    actor: Actor,
    AppQuery(q): AppQuery<CertQuery>,
) -> Result<AppJson<CertificateList>, AppError> {
    Ok(AppJson(CertificateList {
        items: certs::list_for_review(&state, &actor, q).await?,
    }))
}

/// Verifies a pending certificate (operators).
#[utoipa::path(post, path = "/api/review/certificates/{id}/verify", tag = "suppliers", request_body = Decision,
    params(("id" = i64, Path, description = "certificate id")),
    responses((status = 200, body = Certificate), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn verify_certificate(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(d): AppJson<Decision>,
) -> Result<AppJson<Certificate>, AppError> {
    Ok(AppJson(
        certs::review(&state, &actor, id, true, d.reason).await?,
    ))
}

/// Rejects a pending certificate (operators; reason required).
#[utoipa::path(post, path = "/api/review/certificates/{id}/reject", tag = "suppliers", request_body = Decision,
    params(("id" = i64, Path, description = "certificate id")),
    responses((status = 200, body = Certificate), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject_certificate(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(d): AppJson<Decision>,
) -> Result<AppJson<Certificate>, AppError> {
    Ok(AppJson(
        certs::review(&state, &actor, id, false, d.reason).await?,
    ))
}

/// An organisation's notifications, newest first.
#[utoipa::path(get, path = "/api/orgs/{org_id}/notifications", tag = "suppliers", params(("org_id" = i64, Path, description = "organisation")),
    responses((status = 200, body = NotificationList), (status = 404, body = ErrorBody)))]
pub async fn notifications(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(org_id): AppPath<i64>,
) -> Result<AppJson<NotificationList>, AppError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    crate::auth::authz::authorize_org(&actor, org_id, crate::auth::authz::OrgAction::View)?;
    let items = crate::entities::notifications::Entity::find()
        .filter(crate::entities::notifications::Column::OrgId.eq(org_id))
        .order_by_desc(crate::entities::notifications::Column::Id)
        .limit(100)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|n| Notification {
            id: n.id,
            kind: n.kind.to_string(),
            title: n.title,
            body: n.body,
            created_at: n.created_at,
            read_at: n.read_at,
        })
        .collect();
    Ok(AppJson(NotificationList { items }))
}
