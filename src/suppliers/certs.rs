//! Certificates: suppliers add them (pending), operators verify or reject them, and a daily
//! job expires them and warns suppliers 30 days ahead.

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};

use super::dto::{CertQuery, Certificate, CreateCertificate};
use super::model::{CertStatus, NotificationKind};
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::auth::authz;
use crate::auth::{Actor, Role};
use crate::db::begin_write;
use crate::entities::{certificates, documents, notifications, products};
use crate::error::{AppError, ErrorCode, FieldCode, FieldErrors};

/// Job kind of the daily expiry run.
pub const EXPIRY_JOB: &str = "certificates.expire";
/// How far ahead suppliers are warned.
pub const WARN_DAYS: i64 = 30;

pub(crate) fn to_dto(c: certificates::Model) -> Certificate {
    Certificate {
        id: c.id,
        supplier_org_id: c.supplier_org_id,
        product_id: c.product_id,
        kind: c.kind,
        number: c.number,
        issuer: c.issuer,
        valid_from: c.valid_from,
        valid_to: c.valid_to,
        document_id: c.document_id,
        status: c.status,
        review_reason: c.review_reason,
        reviewed_at: c.reviewed_at,
    }
}

/// Whether a certificate counted on `date`: verified (or verified and since expired) and
/// within its validity. An expired certificate still counts for the days it was valid, so
/// judging a past date never changes.
#[must_use]
pub fn valid_on(c: &certificates::Model, date: NaiveDate) -> bool {
    (c.status == CertStatus::Verified || c.status == CertStatus::Expired)
        && c.valid_from <= date
        && date <= c.valid_to
}

/// Adds a certificate (supplier staff). It is pending until an operator verifies it.
///
/// # Errors
/// 404/403; 422 for bad dates, a document or product of someone else.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    req: CreateCertificate,
) -> Result<Certificate, AppError> {
    authz::authorize_org_role(actor, org_id, super::service::SUPPLIER_ROLES)?;
    let mut errors = FieldErrors::new();
    let number = req.number.trim().to_owned();
    if !(2..=64).contains(&number.chars().count()) {
        errors.add(
            "number",
            FieldCode::NumberLength,
            "证书编号应为2-64个字符 / 2-64 characters",
        );
    }
    let issuer = req.issuer.trim().to_owned();
    if !(2..=100).contains(&issuer.chars().count()) {
        errors.add(
            "issuer",
            FieldCode::NameLength,
            "发证机构应为2-100个字符 / 2-100 characters",
        );
    }
    if req.valid_to < req.valid_from {
        errors.add(
            "valid_to",
            FieldCode::BeforeValidFrom,
            "有效期结束早于开始 / ends before it starts",
        );
    }
    if let Some(doc) = req.document_id {
        let owned = documents::Entity::find_by_id(doc)
            .one(&state.db)
            .await?
            .is_some_and(|d| d.org_id == org_id);
        if !owned {
            errors.add(
                "document_id",
                FieldCode::UnknownDocument,
                "证明文件不存在 / unknown document",
            );
        }
    }
    if let Some(pid) = req.product_id {
        let owned = products::Entity::find_by_id(pid)
            .one(&state.db)
            .await?
            .is_some_and(|p| p.supplier_org_id == org_id);
        if !owned {
            errors.add(
                "product_id",
                FieldCode::UnknownProduct,
                "商品不存在 / unknown product",
            );
        }
    }
    errors.into_result()?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let row = certificates::ActiveModel {
        supplier_org_id: Set(org_id),
        product_id: Set(req.product_id),
        kind: Set(req.kind),
        number: Set(number),
        issuer: Set(issuer),
        valid_from: Set(req.valid_from),
        valid_to: Set(req.valid_to),
        document_id: Set(req.document_id),
        status: Set(CertStatus::Pending),
        review_reason: Set(None),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        expiry_warned_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let dto = to_dto(row);
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("certificate.create", "certificate", dto.id).after(&dto),
    )
    .await?;
    txn.commit().await?;
    Ok(dto)
}

/// A supplier's certificates (its staff, operators).
///
/// # Errors
/// 404 for strangers.
pub async fn list_for_supplier(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
) -> Result<Vec<Certificate>, AppError> {
    authz::authorize_org_role(actor, org_id, super::service::SUPPLIER_ROLES)?;
    Ok(certificates::Entity::find()
        .filter(certificates::Column::SupplierOrgId.eq(org_id))
        .order_by_desc(certificates::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(to_dto)
        .collect())
}

/// The certificate review queue (operators).
///
/// # Errors
/// 403 for non-operators.
pub async fn list_for_review(
    state: &AppState,
    actor: &Actor,
    q: CertQuery,
) -> Result<Vec<Certificate>, AppError> {
    authz::require_operator(actor)?;
    let status = q.status.unwrap_or(CertStatus::Pending);
    Ok(certificates::Entity::find()
        .filter(certificates::Column::Status.eq(status))
        .order_by_asc(certificates::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(to_dto)
        .collect())
}

/// Verifies or rejects a pending certificate (operators). Verification changes what the
/// products it covers count as, so they are re-indexed.
///
/// # Errors
/// 403; 404; 409 `invalid_state` unless pending; 422 without a reason to reject.
pub async fn review(
    state: &AppState,
    actor: &Actor,
    id: i64,
    verify: bool,
    reason: Option<String>,
) -> Result<Certificate, AppError> {
    authz::require_operator(actor)?;
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if !verify && reason.is_none() {
        return Err(FieldErrors::single(
            "reason",
            FieldCode::Required,
            "请填写驳回原因 / a reason is required",
        ));
    }
    let txn = begin_write(&state.db).await?;
    let current = certificates::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.status != CertStatus::Pending {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            "该证书已审核 / already reviewed",
        ));
    }
    let target = if verify {
        CertStatus::Verified
    } else {
        CertStatus::Rejected
    };
    let mut active = current.clone().into_active_model();
    active.status = Set(target);
    active.review_reason = Set(reason.clone());
    active.reviewed_by = Set(Some(actor.user_id));
    active.reviewed_at = Set(Some(Utc::now()));
    active.updated_at = Set(Utc::now());
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new(
            if verify {
                "certificate.verify"
            } else {
                "certificate.reject"
            },
            "certificate",
            id,
        )
        .before(serde_json::json!({"status": current.status}))
        .after(serde_json::json!({"status": target}))
        .reason(reason),
    )
    .await?;
    touch_covered(&txn, &row).await?;
    txn.commit().await?;
    state.catalog.changed(state).await;
    Ok(to_dto(row))
}

/// Re-indexes the products a certificate covers: its product, or all of its supplier's.
async fn touch_covered(
    conn: &impl ConnectionTrait,
    cert: &certificates::Model,
) -> Result<(), AppError> {
    match cert.product_id {
        Some(pid) => crate::catalog::touch_products(conn, &[pid]).await,
        None => crate::catalog::touch_supplier_products(conn, cert.supplier_org_id).await,
    }
}

/// The daily run: expires verified certificates past their last day (audited, products
/// re-indexed) and warns each supplier once, 30 days ahead, of certificates about to expire.
///
/// # Errors
/// Database errors (the job is retried).
pub async fn expire_and_warn(
    txn: &DatabaseTransaction,
    today: NaiveDate,
) -> anyhow::Result<(usize, usize)> {
    let expiring = certificates::Entity::find()
        .filter(certificates::Column::Status.eq(CertStatus::Verified))
        .filter(certificates::Column::ValidTo.lt(today))
        .all(txn)
        .await?;
    for cert in &expiring {
        let mut active = cert.clone().into_active_model();
        active.status = Set(CertStatus::Expired);
        active.updated_at = Set(Utc::now());
        active.update(txn).await?;
        audit::record(
            txn,
            None,
            AuditEvent::new("certificate.expire", "certificate", cert.id)
                .before(serde_json::json!({"status": "verified"}))
                .after(serde_json::json!({"status": "expired", "valid_to": cert.valid_to})),
        )
        .await?;
        touch_covered(txn, cert)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let horizon = today + Duration::days(WARN_DAYS);
    let soon = certificates::Entity::find()
        .filter(certificates::Column::Status.eq(CertStatus::Verified))
        .filter(certificates::Column::ValidTo.gte(today))
        .filter(certificates::Column::ValidTo.lte(horizon))
        .filter(certificates::Column::ExpiryWarnedAt.is_null())
        .all(txn)
        .await?;
    for cert in &soon {
        let kind = cert.kind.label();
        notifications::Entity::insert(notifications::ActiveModel {
            org_id: Set(cert.supplier_org_id),
            kind: Set(NotificationKind::CertificateExpiring),
            title: Set(format!("{kind}证书即将到期 / certificate expiring")),
            body: Set(format!(
                "证书 {}（{}）将于 {} 到期，请及时续期并上传新证书。Certificate {} expires on {}.",
                cert.number, cert.issuer, cert.valid_to, cert.number, cert.valid_to
            )),
            dedupe_key: Set(Some(format!("cert-expiring:{}", cert.id))),
            created_at: Set(Utc::now()),
            read_at: Set(None),
            ..Default::default()
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(notifications::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
        certificates::Entity::update_many()
            .col_expr(
                certificates::Column::ExpiryWarnedAt,
                sea_orm::sea_query::Expr::value(Some(Utc::now())),
            )
            .filter(certificates::Column::Id.eq(cert.id))
            .exec(txn)
            .await?;
    }
    Ok((expiring.len(), soon.len()))
}

/// Registers the daily expiry job.
pub fn register_jobs(registry: &mut crate::worker::JobRegistry) {
    registry.register(
        EXPIRY_JOB,
        |state, _slot: crate::worker::Slot, txn| async move {
            let today = crate::time::business_date(Utc::now());
            let (expired, warned) = expire_and_warn(&txn, today).await?;
            tracing::info!(expired, warned, "certificate expiry run");
            if expired > 0 {
                // The index and caches follow once the transaction commits; the index also polls.
                let state2 = state.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    state2.catalog.changed(&state2).await;
                });
            }
            Ok(txn)
        },
    );
    // Hourly, so that a certificate lapses soon after midnight in Asia/Shanghai whatever the
    // server's clock; the run is idempotent.
    registry.schedule(EXPIRY_JOB, std::time::Duration::from_secs(3600));
}

/// The role check used by the certificate endpoints for supplier staff.
pub const CERT_ROLES: &[Role] = &[Role::SupplierAdmin, Role::SupplierStaff];
