//! Union settlement: per campaign and supplier, the coupon value redeemed net of refunds; the
//! statement passes operator review, union approval and payment (the bank voucher recorded),
//! and exports to XLSX.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::dto::Statement;
use super::model::SettlementStatus;
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::auth::{Actor, Role, authz};
use crate::db::begin_write;
use crate::entities::{
    coupon_campaigns, order_lines, orders, organizations, settlement_statements,
};
use crate::error::{AppError, ErrorCode, FieldCode, FieldErrors};
use crate::money::Money;

async fn campaign_for(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<coupon_campaigns::Model, AppError> {
    authz::require_any_role(actor, &[Role::UnionAdmin, Role::Operator])?;
    let c = coupon_campaigns::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    authz::authorize_org_role(actor, c.union_org_id, &[Role::UnionAdmin])?;
    Ok(c)
}

async fn to_dtos(
    state: &AppState,
    rows: Vec<settlement_statements::Model>,
) -> Result<Vec<Statement>, AppError> {
    let names: HashMap<i64, String> = organizations::Entity::find()
        .filter(
            organizations::Column::Id
                .is_in(rows.iter().map(|r| r.supplier_org_id).collect::<Vec<_>>()),
        )
        .all(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let campaigns: HashMap<i64, String> = coupon_campaigns::Entity::find()
        .filter(
            coupon_campaigns::Column::Id
                .is_in(rows.iter().map(|r| r.campaign_id).collect::<Vec<_>>()),
        )
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| Statement {
            supplier_name: names.get(&r.supplier_org_id).cloned().unwrap_or_default(),
            campaign_name: campaigns.get(&r.campaign_id).cloned().unwrap_or_default(),
            id: r.id,
            campaign_id: r.campaign_id,
            supplier_org_id: r.supplier_org_id,
            coupon_count: r.coupon_count,
            redeemed_fen: Money::from_fen(r.redeemed_fen),
            status: r.status,
            reviewed_at: r.reviewed_at,
            approved_at: r.approved_at,
            paid_at: r.paid_at,
            bank_voucher_ref: r.bank_voucher_ref,
        })
        .collect())
}

/// The redeemed value per supplier of a campaign, net of refunds: (coupons, fen).
async fn totals(state: &AppState, campaign_id: i64) -> Result<BTreeMap<i64, (i64, i64)>, AppError> {
    let rows: Vec<(i64, i64, i64, i64)> = order_lines::Entity::find()
        .select_only()
        .column(orders::Column::SupplierOrgId)
        .column(orders::Column::PaymentId)
        .column(order_lines::Column::DiscountFen)
        .column(order_lines::Column::RefundedDiscountFen)
        .inner_join(orders::Entity)
        .filter(orders::Column::CampaignId.eq(campaign_id))
        .filter(orders::Column::PaidAt.is_not_null())
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut out: BTreeMap<i64, (HashSet<i64>, i64)> = BTreeMap::new();
    for (supplier, payment, disc, refunded) in rows {
        let e = out.entry(supplier).or_default();
        if disc > refunded {
            e.0.insert(payment);
        }
        e.1 += disc - refunded;
    }
    Ok(out
        .into_iter()
        .map(|(k, (p, v))| (k, (i64::try_from(p.len()).unwrap_or(0), v)))
        .collect())
}

/// Computes (or recomputes) the draft statements of a campaign; reviewed ones stay as they are.
///
/// # Errors
/// 404/403.
pub async fn generate(
    state: &AppState,
    actor: &Actor,
    campaign_id: i64,
) -> Result<Vec<Statement>, AppError> {
    campaign_for(state, actor, campaign_id).await?;
    let totals = totals(state, campaign_id).await?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    for (supplier, (count, fen)) in totals {
        settlement_statements::Entity::insert(settlement_statements::ActiveModel {
            campaign_id: Set(campaign_id),
            supplier_org_id: Set(supplier),
            coupon_count: Set(count),
            redeemed_fen: Set(fen),
            status: Set(SettlementStatus::Draft),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                settlement_statements::Column::CampaignId,
                settlement_statements::Column::SupplierOrgId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        settlement_statements::Entity::update_many()
            .col_expr(
                settlement_statements::Column::CouponCount,
                sea_orm::sea_query::Expr::value(count),
            )
            .col_expr(
                settlement_statements::Column::RedeemedFen,
                sea_orm::sea_query::Expr::value(fen),
            )
            .col_expr(
                settlement_statements::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(settlement_statements::Column::CampaignId.eq(campaign_id))
            .filter(settlement_statements::Column::SupplierOrgId.eq(supplier))
            .filter(settlement_statements::Column::Status.eq(SettlementStatus::Draft))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("settlement.generate", "campaign", campaign_id),
    )
    .await?;
    txn.commit().await?;
    list(state, actor, campaign_id).await
}

/// The statements of a campaign.
///
/// # Errors
/// 404/403.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    campaign_id: i64,
) -> Result<Vec<Statement>, AppError> {
    campaign_for(state, actor, campaign_id).await?;
    let rows = settlement_statements::Entity::find()
        .filter(settlement_statements::Column::CampaignId.eq(campaign_id))
        .order_by_asc(settlement_statements::Column::SupplierOrgId)
        .all(&state.db)
        .await?;
    to_dtos(state, rows).await
}

/// A supplier's statements (its staff).
///
/// # Errors
/// 404/403.
pub async fn for_supplier(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
) -> Result<Vec<Statement>, AppError> {
    authz::authorize_org_role(actor, org_id, &[Role::SupplierAdmin, Role::SupplierStaff])?;
    let rows = settlement_statements::Entity::find()
        .filter(settlement_statements::Column::SupplierOrgId.eq(org_id))
        .order_by_desc(settlement_statements::Column::Id)
        .all(&state.db)
        .await?;
    to_dtos(state, rows).await
}

/// A step of the statement workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Operator: draft -> reviewed.
    Review,
    /// Union admin: reviewed -> approved.
    Approve,
    /// Union admin: approved -> paid, with the bank voucher.
    Pay,
}

/// Moves a statement on (audited).
///
/// # Errors
/// 403 for the wrong role; 404; 409 `invalid_state`; 422 without a voucher to pay.
pub async fn step(
    state: &AppState,
    actor: &Actor,
    id: i64,
    step: Step,
    voucher: Option<String>,
) -> Result<Statement, AppError> {
    let s = settlement_statements::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let c = coupon_campaigns::Entity::find_by_id(s.campaign_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    match step {
        Step::Review => authz::require_operator(actor)?,
        Step::Approve | Step::Pay => {
            authz::require_any_role(actor, &[Role::UnionAdmin])?;
            authz::authorize_org_role(actor, c.union_org_id, &[Role::UnionAdmin])?;
        }
    }
    let (from, to) = match step {
        Step::Review => (SettlementStatus::Draft, SettlementStatus::Reviewed),
        Step::Approve => (SettlementStatus::Reviewed, SettlementStatus::Approved),
        Step::Pay => (SettlementStatus::Approved, SettlementStatus::Paid),
    };
    if s.status != from {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            format!(
                "结算单状态为 {}，不能执行此操作 / statement is {}",
                s.status, s.status
            ),
        ));
    }
    let voucher = voucher
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    if step == Step::Pay && voucher.is_none() {
        return Err(FieldErrors::single(
            "bank_voucher_ref",
            FieldCode::Required,
            "请填写银行回单号 / the bank voucher reference is required",
        ));
    }
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let mut a = s.clone().into_active_model();
    a.status = Set(to);
    a.updated_at = Set(now);
    match step {
        Step::Review => {
            a.reviewed_by = Set(Some(actor.user_id));
            a.reviewed_at = Set(Some(now));
        }
        Step::Approve => {
            a.approved_by = Set(Some(actor.user_id));
            a.approved_at = Set(Some(now));
        }
        Step::Pay => {
            a.paid_at = Set(Some(now));
            a.bank_voucher_ref = Set(voucher.clone());
        }
    }
    let row = a.update(&txn).await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("settlement.step", "settlement", id)
            .before(serde_json::json!({"status": from}))
            .after(serde_json::json!({"status": to, "redeemed_fen": row.redeemed_fen, "voucher": voucher})),
    )
    .await?;
    txn.commit().await?;
    Ok(to_dtos(state, vec![row]).await?.remove(0))
}

/// The statements of a campaign as an XLSX workbook.
///
/// # Errors
/// 404/403; 500 if the workbook cannot be written.
pub async fn export(
    state: &AppState,
    actor: &Actor,
    campaign_id: i64,
) -> Result<Vec<u8>, AppError> {
    let rows = list(state, actor, campaign_id).await?;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!("xlsx: {e}"));
    let headers = [
        "结算单号 Id",
        "活动 Campaign",
        "供应商 Supplier",
        "核销张数 Coupons",
        "核销金额（元）Redeemed (yuan)",
        "状态 Status",
        "银行回单 Voucher",
    ];
    for (col, h) in headers.iter().enumerate() {
        sheet
            .write_string(0, u16::try_from(col).unwrap_or(0), *h)
            .map_err(err)?;
    }
    for (i, s) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        sheet.write_number(r, 0, s.id as f64).map_err(err)?;
        sheet.write_string(r, 1, &s.campaign_name).map_err(err)?;
        sheet.write_string(r, 2, &s.supplier_name).map_err(err)?;
        sheet
            .write_number(r, 3, s.coupon_count as f64)
            .map_err(err)?;
        // Written as text from integer fen, so no floating point touches the amount.
        sheet
            .write_string(r, 4, s.redeemed_fen.to_string().trim_start_matches('¥'))
            .map_err(err)?;
        sheet.write_string(r, 5, s.status.as_str()).map_err(err)?;
        sheet
            .write_string(r, 6, s.bank_voucher_ref.as_deref().unwrap_or(""))
            .map_err(err)?;
    }
    book.save_to_buffer().map_err(err)
}
