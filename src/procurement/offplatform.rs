//! Off-platform purchases: a unit declares agricultural purchases made elsewhere (date,
//! seller, amount, assistance or not, county, evidence); its supervising department verifies
//! or rejects them. A verified declaration enters the share ledger (channel off-platform).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::Reason;
use super::model::DeclarationStatus;
use super::units::{self, buyer_org, holds, may_read_unit};
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::auth::{Actor, Role};
use crate::db::begin_write;
use crate::entities::{documents, offplatform_purchases, organizations, regions};
use crate::error::{AppError, ErrorBody, ErrorCode, FieldCode, FieldErrors};
use crate::extract::{AppJson, AppPath};
use crate::regions::model::RegionLevel;

/// A declaration of a purchase made off the platform.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Declaration {
    /// Id.
    pub id: i64,
    /// The unit.
    pub unit_org_id: i64,
    /// Date of the purchase.
    pub purchase_date: NaiveDate,
    /// Seller.
    pub seller_name: String,
    /// Seller's USCC, if given.
    pub seller_uscc: Option<String>,
    /// What was bought.
    pub description: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// An assistance product (from a partner county).
    pub assistance: bool,
    /// Origin county, for an assistance product.
    pub origin_county_code: Option<String>,
    /// Evidence file name ("" when none).
    pub evidence_filename: String,
    /// Declared, verified or rejected.
    pub status: DeclarationStatus,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was rejected.
    pub decision_reason: Option<String>,
    /// When it was declared.
    pub created_at: DateTime<Utc>,
}

/// A new declaration.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Declare {
    /// Date of the purchase (this year or last year, not in the future).
    pub purchase_date: NaiveDate,
    /// Seller (2-100 characters).
    pub seller_name: String,
    /// Seller's USCC.
    pub seller_uscc: Option<String>,
    /// What was bought (at most 200 characters).
    #[serde(default)]
    pub description: String,
    /// Amount, fen (positive).
    pub amount_fen: i64,
    /// An assistance product.
    pub assistance: bool,
    /// Origin county (required for an assistance product).
    pub origin_county_code: Option<String>,
    /// An uploaded document of the unit as evidence.
    pub evidence_document_id: Option<i64>,
}

fn view(d: offplatform_purchases::Model) -> Declaration {
    Declaration {
        id: d.id,
        unit_org_id: d.unit_org_id,
        purchase_date: d.purchase_date,
        seller_name: d.seller_name,
        seller_uscc: d.seller_uscc,
        description: d.description,
        amount_fen: d.amount_fen,
        assistance: d.assistance,
        origin_county_code: d.origin_county_code,
        evidence_filename: d.evidence_filename,
        status: d.status,
        decided_at: d.decided_at,
        decision_reason: d.decision_reason,
        created_at: d.created_at,
    }
}

/// The unit's declarations, newest first (its staff, supervisor, regulators, operators).
///
/// # Errors
/// 404 for anyone else.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    unit_org_id: i64,
) -> Result<Vec<Declaration>, AppError> {
    let org = buyer_org(db, unit_org_id).await?;
    if !may_read_unit(actor, &org) {
        return Err(AppError::NotFound);
    }
    Ok(offplatform_purchases::Entity::find()
        .filter(offplatform_purchases::Column::UnitOrgId.eq(unit_org_id))
        .order_by_desc(offplatform_purchases::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// Declarations of the units a department supervises (its admins, operators).
///
/// # Errors
/// 404 for anyone else.
pub async fn supervised(
    db: &DatabaseConnection,
    actor: &Actor,
    supervisor_org_id: i64,
) -> Result<Vec<Declaration>, AppError> {
    if !actor.is_operator() && !holds(actor, supervisor_org_id, &[Role::UnitAdmin]) {
        return Err(AppError::NotFound);
    }
    let units: Vec<i64> = organizations::Entity::find()
        .filter(organizations::Column::ParentId.eq(supervisor_org_id))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    Ok(offplatform_purchases::Entity::find()
        .filter(offplatform_purchases::Column::UnitOrgId.is_in(units))
        .order_by_desc(offplatform_purchases::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// The unit's buyer or admin declares a purchase.
///
/// # Errors
/// 404; 403 for other roles; 422 for bad fields.
pub async fn declare(
    db: &DatabaseConnection,
    actor: &Actor,
    unit_org_id: i64,
    req: Declare,
) -> Result<Declaration, AppError> {
    let org = buyer_org(db, unit_org_id).await?;
    if !may_read_unit(actor, &org) {
        return Err(AppError::NotFound);
    }
    if !holds(actor, unit_org_id, &[Role::Buyer, Role::UnitAdmin]) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有本单位采购员或管理员可以申报 / only the unit's buyer or admin declares",
        ));
    }
    let mut errors = FieldErrors::new();
    let today = crate::time::business_date(Utc::now());
    if req.purchase_date > today || req.purchase_date < today - Duration::days(730) {
        errors.add(
            "purchase_date",
            FieldCode::OutOfRange,
            "采购日期须在两年内且不晚于今天 / within the last two years, not in the future",
        );
    }
    let seller = req.seller_name.trim().to_owned();
    if !(2..=100).contains(&seller.chars().count()) {
        errors.add(
            "seller_name",
            FieldCode::NameLength,
            "销售方名称为 2-100 字 / 2-100 characters",
        );
    }
    if req.description.chars().count() > 200 {
        errors.add(
            "description",
            FieldCode::TooLong,
            "最多 200 字 / at most 200",
        );
    }
    if !(1..=100_000_000_000).contains(&req.amount_fen) {
        errors.add(
            "amount_fen",
            FieldCode::OutOfRange,
            "金额须为 0.01-10亿元 / 0.01 to 1e9 yuan",
        );
    }
    let county = req
        .origin_county_code
        .clone()
        .filter(|c| !c.trim().is_empty());
    match (&county, req.assistance) {
        (None, true) => errors.add(
            "origin_county_code",
            FieldCode::Required,
            "帮扶产品须注明产地县 / an assistance product names its county",
        ),
        (Some(c), _) => match regions::Entity::find_by_id(c.clone()).one(db).await? {
            None => errors.add(
                "origin_county_code",
                FieldCode::UnknownRegion,
                "未知的行政区划代码 / unknown region code",
            ),
            Some(r) if !matches!(r.level, RegionLevel::County | RegionLevel::District) => {
                errors.add(
                    "origin_county_code",
                    FieldCode::WrongRegionLevel,
                    "产地须为县级 / a county",
                );
            }
            Some(_) => {}
        },
        (None, false) => {}
    }
    let evidence = match req.evidence_document_id {
        Some(id) => {
            let doc = documents::Entity::find_by_id(id)
                .one(db)
                .await?
                .filter(|d| d.org_id == unit_org_id);
            if doc.is_none() {
                errors.add(
                    "evidence_document_id",
                    FieldCode::UnknownDocument,
                    "未知的凭证文件 / unknown document",
                );
            }
            doc
        }
        None => None,
    };
    errors.into_result()?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let saved = offplatform_purchases::ActiveModel {
        unit_org_id: Set(unit_org_id),
        purchase_date: Set(req.purchase_date),
        seller_name: Set(seller),
        seller_uscc: Set(req.seller_uscc.filter(|s| !s.trim().is_empty())),
        description: Set(req.description.trim().to_owned()),
        amount_fen: Set(req.amount_fen),
        assistance: Set(req.assistance),
        origin_county_code: Set(county),
        evidence_key: Set(evidence
            .as_ref()
            .map(|d| d.file_key.clone())
            .unwrap_or_default()),
        evidence_filename: Set(evidence.map(|d| d.filename).unwrap_or_default()),
        status: Set(DeclarationStatus::Declared),
        created_by: Set(actor.user_id),
        decided_at: Set(None),
        decided_by: Set(None),
        decision_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("offplatform.declare", "offplatform_purchase", saved.id)
            .after(saved.amount_fen),
    )
    .await?;
    txn.commit().await?;
    Ok(view(saved))
}

/// The supervising department (or an operator) verifies or rejects a declaration; a
/// verified one enters the share ledger in the same transaction.
///
/// # Errors
/// 404; 403 for anyone but the supervisor; 409 unless declared; 422 without a reason to
/// reject.
pub async fn decide(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    verify: bool,
    reason: Option<String>,
) -> Result<Declaration, AppError> {
    let d = offplatform_purchases::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    units::require_supervisor(
        db,
        actor,
        d.unit_org_id,
        "只有主管部门可以审核申报 / only the supervising department decides",
    )
    .await?;
    let reason = reason.map(|r| r.trim().to_owned());
    if !verify
        && !reason
            .as_ref()
            .is_some_and(|r| (2..=500).contains(&r.chars().count()))
    {
        return Err(FieldErrors::single(
            "reason",
            FieldCode::ReasonLength,
            "驳回须说明理由（2-500 字） / a rejection needs a reason",
        ));
    }
    let status = if verify {
        DeclarationStatus::Verified
    } else {
        DeclarationStatus::Rejected
    };
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let changed = offplatform_purchases::Entity::update_many()
        .col_expr(offplatform_purchases::Column::Status, Expr::value(status))
        .col_expr(
            offplatform_purchases::Column::DecidedAt,
            Expr::value(Some(now)),
        )
        .col_expr(
            offplatform_purchases::Column::DecidedBy,
            Expr::value(Some(actor.user_id)),
        )
        .col_expr(
            offplatform_purchases::Column::DecisionReason,
            Expr::value(reason.clone()),
        )
        .col_expr(offplatform_purchases::Column::UpdatedAt, Expr::value(now))
        .filter(offplatform_purchases::Column::Id.eq(id))
        .filter(offplatform_purchases::Column::Status.eq(DeclarationStatus::Declared))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            "该申报已审核 / already decided",
        ));
    }
    let saved = offplatform_purchases::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if verify {
        crate::reporting::ledger::record_offplatform(&txn, &saved).await?;
    }
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new(
            if verify {
                "offplatform.verify"
            } else {
                "offplatform.reject"
            },
            "offplatform_purchase",
            id,
        )
        .reason(reason),
    )
    .await?;
    txn.commit().await?;
    Ok(view(saved))
}

/// The unit's off-platform declarations.
#[utoipa::path(get, path = "/api/procurement/units/{id}/offplatform", tag = "procurement",
    params(("id" = i64, Path, description = "organisation id")),
    responses((status = 200, body = Vec<Declaration>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_declarations(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Vec<Declaration>>, AppError> {
    Ok(AppJson(list(&state.db, &actor, id).await?))
}

/// Declares a purchase made off the platform (the unit's buyer or admin).
#[utoipa::path(post, path = "/api/procurement/units/{id}/offplatform", tag = "procurement", request_body = Declare,
    params(("id" = i64, Path, description = "organisation id")),
    responses((status = 201, body = Declaration), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn declare_purchase(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<Declare>,
) -> Result<Response, AppError> {
    let d = declare(&state.db, &actor, id, req).await?;
    Ok((StatusCode::CREATED, AppJson(d)).into_response())
}

/// Declarations of the units a department supervises.
#[utoipa::path(get, path = "/api/procurement/supervisors/{id}/offplatform", tag = "procurement",
    params(("id" = i64, Path, description = "supervising organisation id")),
    responses((status = 200, body = Vec<Declaration>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn supervised_declarations(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Vec<Declaration>>, AppError> {
    Ok(AppJson(supervised(&state.db, &actor, id).await?))
}

/// Verifies a declaration (the supervising department): it counts from now on.
#[utoipa::path(post, path = "/api/procurement/offplatform/{id}/verify", tag = "procurement",
    params(("id" = i64, Path, description = "declaration id")),
    responses((status = 200, body = Declaration), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn verify_declaration(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<Declaration>, AppError> {
    Ok(AppJson(decide(&state.db, &actor, id, true, None).await?))
}

/// Rejects a declaration with a reason (the supervising department).
#[utoipa::path(post, path = "/api/procurement/offplatform/{id}/reject", tag = "procurement", request_body = Reason,
    params(("id" = i64, Path, description = "declaration id")),
    responses((status = 200, body = Declaration), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject_declaration(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
    AppJson(req): AppJson<Reason>,
) -> Result<AppJson<Declaration>, AppError> {
    Ok(AppJson(
        decide(&state.db, &actor, id, false, Some(req.reason)).await?,
    ))
}
