//! What happens to a bulk order after it is placed: approval, the supplier's confirmation
//! (declined quantities free their stock; a job cancels what is unconfirmed at the deadline),
//! deliveries, acceptance (验货), invoices (验票), payment on terms and evaluation. Each step
//! checks who is asking, changes rows with conditional updates (so that two racing requests
//! cannot both take effect), audits, and restates the order from its lines.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use super::dto::{
    Accept, ApprovalDecision, BulkOrder, Confirm, Evaluation, NewDelivery, NewInvoice, Receipt,
};
use super::einvoice::{self, EInvoice, TaxRate};
use super::model::{
    ApproverRole, BulkOrderStatus, CheckReport, InvoiceKind, InvoiceSource, InvoiceStatus,
    LineCheck, Remedy, StepStatus,
};
use super::orders::{self, SUPPLIER_STAFF, lines_of, readable, restate};
use super::units::holds;
use crate::audit::{self, AuditEvent};
use crate::auth::Actor;
use crate::auth::model::Role;
use crate::catalog::stock;
use crate::db::begin_write;
use crate::entities::{
    acceptance_lines, acceptances, approval_steps, bulk_order_lines, bulk_orders, deliveries,
    delivery_lines, invoice_lines, invoices, order_evaluations, organizations,
};
use crate::error::{AppError, ErrorCode, FieldCode, FieldErrors};
use crate::money::Money;
use crate::vocab::JsonText;
use crate::worker::{JobOptions, enqueue};

/// The job that cancels an order the supplier did not confirm in time.
pub const CONFIRM_DEADLINE_JOB: &str = "procurement.confirm_deadline";

/// Payload of [`CONFIRM_DEADLINE_JOB`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfirmDeadline {
    /// The order.
    pub order_id: i64,
}

fn wrong_state(message: &str) -> AppError {
    AppError::new(ErrorCode::InvalidState, message.to_owned())
}

fn reason_ok(text: Option<&str>) -> bool {
    text.is_some_and(|r| (2..=500).contains(&r.trim().chars().count()))
}

async fn finish(
    txn: sea_orm::DatabaseTransaction,
    db: &DatabaseConnection,
    order_id: i64,
) -> Result<BulkOrder, AppError> {
    restate(&txn, order_id).await?;
    txn.commit().await?;
    orders::views(db, &[order_id])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Approves or rejects the step the order waits at (its role in the buying unit; not the
/// person who placed it, nor one person for both levels). A rejection needs a reason and
/// frees the stock.
///
/// # Errors
/// 404; 403; 409 `invalid_state` when the order does not wait for an approval; 422 without a
/// reason to reject.
pub async fn decide(
    db: &DatabaseConnection,
    actor: &Actor,
    order_id: i64,
    approve: bool,
    req: ApprovalDecision,
) -> Result<BulkOrder, AppError> {
    let order = readable(db, actor, order_id).await?;
    if !approve && !reason_ok(req.comment.as_deref()) {
        return Err(FieldErrors::single(
            "comment",
            FieldCode::ReasonLength,
            "驳回须说明理由（2-500 字） / a rejection needs a reason",
        ));
    }
    let txn = begin_write(db).await?;
    let steps = approval_steps::Entity::find()
        .filter(approval_steps::Column::OrderId.eq(order_id))
        .order_by_asc(approval_steps::Column::Level)
        .all(&txn)
        .await?;
    let Some(step) = steps.iter().find(|s| s.status == StepStatus::Pending) else {
        return Err(wrong_state(
            "该订单不在待审批状态 / the order does not wait for approval",
        ));
    };
    let role = match step.role {
        ApproverRole::Approver => Role::Approver,
        ApproverRole::UnitAdmin => Role::UnitAdmin,
    };
    if !holds(actor, order.buyer_org_id, &[role]) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "您不是该级审批人 / you do not sign this level",
        ));
    }
    if order.placed_by == actor.user_id || steps.iter().any(|s| s.decided_by == Some(actor.user_id))
    {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "不能审批自己的订单，也不能一人审批两级 / no approving one's own order or both levels",
        ));
    }
    let now = Utc::now();
    let status = if approve {
        StepStatus::Approved
    } else {
        StepStatus::Rejected
    };
    let changed = approval_steps::Entity::update_many()
        .col_expr(approval_steps::Column::Status, Expr::value(status))
        .col_expr(
            approval_steps::Column::DecidedBy,
            Expr::value(Some(actor.user_id)),
        )
        .col_expr(approval_steps::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(
            approval_steps::Column::Comment,
            Expr::value(req.comment.clone()),
        )
        .filter(approval_steps::Column::Id.eq(step.id))
        .filter(approval_steps::Column::Status.eq(StepStatus::Pending))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(wrong_state("该审批已被处理 / already decided"));
    }
    let next = steps.iter().find(|s| s.level == step.level + 1);
    if approve {
        if let Some(next) = next {
            approval_steps::Entity::update_many()
                .col_expr(
                    approval_steps::Column::Status,
                    Expr::value(StepStatus::Pending),
                )
                .filter(approval_steps::Column::Id.eq(next.id))
                .exec(&txn)
                .await?;
        } else {
            bulk_orders::Entity::update_many()
                .col_expr(bulk_orders::Column::ApprovedAt, Expr::value(Some(now)))
                .col_expr(
                    bulk_orders::Column::ConfirmDeadline,
                    Expr::value(now + chrono::Duration::days(orders::CONFIRM_DAYS)),
                )
                .filter(bulk_orders::Column::Id.eq(order_id))
                .exec(&txn)
                .await?;
            schedule_deadline(
                &txn,
                order_id,
                now + chrono::Duration::days(orders::CONFIRM_DAYS),
            )
            .await?;
        }
    } else {
        approval_steps::Entity::update_many()
            .col_expr(
                approval_steps::Column::Status,
                Expr::value(StepStatus::Cancelled),
            )
            .filter(approval_steps::Column::OrderId.eq(order_id))
            .filter(approval_steps::Column::Status.eq(StepStatus::Waiting))
            .exec(&txn)
            .await?;
        release_unconfirmed(&txn, order_id).await?;
    }
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new(
            if approve {
                "bulk_order.approve"
            } else {
                "bulk_order.reject"
            },
            "bulk_order",
            order_id,
        )
        .reason(req.comment),
    )
    .await?;
    finish(txn, db, order_id).await
}

/// Enqueues the deadline check of an order (once per order).
///
/// # Errors
/// Database errors.
pub async fn schedule_deadline(
    conn: &impl ConnectionTrait,
    order_id: i64,
    at: chrono::DateTime<Utc>,
) -> Result<(), AppError> {
    enqueue(
        conn,
        CONFIRM_DEADLINE_JOB,
        ConfirmDeadline { order_id },
        JobOptions {
            run_at: Some(at),
            unique_key: Some(format!("bulk-confirm-deadline:{order_id}")),
            max_attempts: Some(10),
        },
    )
    .await?;
    Ok(())
}

/// Frees the stock of every line's quantity that is reserved and not confirmed (all of it
/// before confirmation).
async fn release_unconfirmed(conn: &impl ConnectionTrait, order_id: i64) -> Result<(), AppError> {
    let lines = lines_of(conn, &[order_id]).await?;
    let back: Vec<(i64, i64)> = lines
        .iter()
        .filter_map(|l| {
            let sku = l.sku_id?;
            let free = l.ordered_qty - l.confirmed_qty.unwrap_or(0);
            (free > 0).then_some((sku, i64::from(free)))
        })
        .collect();
    stock::release(conn, &back).await
}

/// The supplier confirms each line with a quantity up to the ordered one (0 declines it);
/// what is not confirmed goes back to stock.
///
/// # Errors
/// 404; 403 for anyone but the supplier's staff; 409 unless the order awaits confirmation;
/// 422 for a line not of the order, a quantity above the ordered one, or lines left out.
pub async fn confirm(
    db: &DatabaseConnection,
    actor: &Actor,
    order_id: i64,
    req: Confirm,
) -> Result<BulkOrder, AppError> {
    let order = readable(db, actor, order_id).await?;
    if !holds(actor, order.supplier_org_id, SUPPLIER_STAFF) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有供应商可以确认订单 / only the supplier confirms",
        ));
    }
    let txn = begin_write(db).await?;
    let lines = lines_of(&txn, &[order_id]).await?;
    let current = restate(&txn, order_id).await?;
    if current != BulkOrderStatus::AwaitingConfirmation {
        return Err(wrong_state(
            "该订单不在待确认状态 / the order does not await confirmation",
        ));
    }
    let mut errors = FieldErrors::new();
    let given: HashMap<i64, i64> = req.lines.iter().map(|l| (l.line_id, l.quantity)).collect();
    for (i, l) in req.lines.iter().enumerate() {
        match lines.iter().find(|x| x.id == l.line_id) {
            None => errors.add(
                &format!("lines[{i}].line_id"),
                FieldCode::NotApplicable,
                "不是本订单的行 / not a line of this order",
            ),
            Some(x) if l.quantity < 0 || l.quantity > i64::from(x.ordered_qty) => errors.add(
                &format!("lines[{i}].quantity"),
                FieldCode::QuantityExceeds,
                format!(
                    "确认数量须为 0-{} / 0 to the ordered quantity",
                    x.ordered_qty
                ),
            ),
            Some(_) => {}
        }
    }
    for x in &lines {
        if x.confirmed_qty.is_none() && !given.contains_key(&x.id) {
            errors.add(
                "lines",
                FieldCode::Required,
                format!("第 {} 行未确认 / line {} is missing", x.line_no, x.line_no),
            );
        }
    }
    errors.into_result()?;
    let now = Utc::now();
    for (line_id, qty) in &given {
        let qty = i32::try_from(*qty).unwrap_or(0);
        let changed = bulk_order_lines::Entity::update_many()
            .col_expr(
                bulk_order_lines::Column::ConfirmedQty,
                Expr::value(Some(qty)),
            )
            .filter(bulk_order_lines::Column::Id.eq(*line_id))
            .filter(bulk_order_lines::Column::OrderId.eq(order_id))
            .filter(bulk_order_lines::Column::ConfirmedQty.is_null())
            .exec(&txn)
            .await?;
        if changed.rows_affected != 1 {
            return Err(wrong_state("该行已确认 / the line was already confirmed"));
        }
    }
    // Give back what was declined.
    let back: Vec<(i64, i64)> = lines
        .iter()
        .filter_map(|l| {
            let qty = i32::try_from(*given.get(&l.id)?).ok()?;
            let free = l.ordered_qty - qty;
            (free > 0).then_some((l.sku_id?, i64::from(free)))
        })
        .collect();
    stock::release(&txn, &back).await?;
    bulk_orders::Entity::update_many()
        .col_expr(bulk_orders::Column::ConfirmedAt, Expr::value(Some(now)))
        .filter(bulk_orders::Column::Id.eq(order_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("bulk_order.confirm", "bulk_order", order_id),
    )
    .await?;
    finish(txn, db, order_id).await
}

/// Cancels an order that was not confirmed by its deadline (the job), or that its buyer
/// withdraws before confirmation; frees its stock.
///
/// # Errors
/// Database errors.
pub async fn cancel_unconfirmed(
    conn: &impl ConnectionTrait,
    order_id: i64,
    reason: &str,
    only_after_deadline: bool,
) -> Result<bool, AppError> {
    let now = Utc::now();
    let Some(order) = bulk_orders::Entity::find_by_id(order_id).one(conn).await? else {
        return Ok(false);
    };
    if only_after_deadline && order.confirm_deadline > now {
        return Ok(false);
    }
    let current = restate(conn, order_id).await?;
    if !matches!(
        current,
        BulkOrderStatus::AwaitingConfirmation | BulkOrderStatus::PendingApproval
    ) {
        return Ok(false);
    }
    if only_after_deadline && current == BulkOrderStatus::PendingApproval {
        return Ok(false);
    }
    let changed = bulk_orders::Entity::update_many()
        .col_expr(bulk_orders::Column::CancelledAt, Expr::value(Some(now)))
        .col_expr(
            bulk_orders::Column::CancelReason,
            Expr::value(Some(reason.to_owned())),
        )
        .filter(bulk_orders::Column::Id.eq(order_id))
        .filter(bulk_orders::Column::CancelledAt.is_null())
        .exec(conn)
        .await?;
    if changed.rows_affected != 1 {
        return Ok(false);
    }
    approval_steps::Entity::update_many()
        .col_expr(
            approval_steps::Column::Status,
            Expr::value(StepStatus::Cancelled),
        )
        .filter(approval_steps::Column::OrderId.eq(order_id))
        .filter(approval_steps::Column::Status.is_in([StepStatus::Pending, StepStatus::Waiting]))
        .exec(conn)
        .await?;
    release_unconfirmed(conn, order_id).await?;
    audit::record(
        conn,
        None,
        AuditEvent::new("bulk_order.cancel", "bulk_order", order_id)
            .reason(Some(reason.to_owned())),
    )
    .await?;
    restate(conn, order_id).await?;
    Ok(true)
}

/// The buyer withdraws an order that no supplier has confirmed yet.
///
/// # Errors
/// 404; 403; 409 once confirmed.
pub async fn withdraw(
    db: &DatabaseConnection,
    actor: &Actor,
    order_id: i64,
) -> Result<BulkOrder, AppError> {
    let order = readable(db, actor, order_id).await?;
    if !holds(actor, order.buyer_org_id, orders::BUYERS) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有采购方可以撤回 / only the buyer withdraws",
        ));
    }
    let txn = begin_write(db).await?;
    if !cancel_unconfirmed(&txn, order_id, "采购方撤回 / withdrawn by the buyer", false).await?
    {
        return Err(wrong_state(
            "订单已确认，不能撤回 / the order can no longer be withdrawn",
        ));
    }
    finish(txn, db, order_id).await
}

/// Records a delivery with its quantities per line (the supplier). The database refuses
/// more delivered than confirmed.
///
/// # Errors
/// 404; 403; 409 before confirmation or after acceptance; 422 for bad lines or quantities.
pub async fn deliver(
    db: &DatabaseConnection,
    actor: &Actor,
    order_id: i64,
    req: NewDelivery,
) -> Result<BulkOrder, AppError> {
    let order = readable(db, actor, order_id).await?;
    if !holds(actor, order.supplier_org_id, SUPPLIER_STAFF) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有供应商可以发货 / only the supplier delivers",
        ));
    }
    let txn = begin_write(db).await?;
    let current = restate(&txn, order_id).await?;
    if !matches!(
        current,
        BulkOrderStatus::Confirmed | BulkOrderStatus::InDelivery | BulkOrderStatus::Delivered
    ) {
        return Err(wrong_state(
            "该订单当前不能发货 / the order cannot be delivered now",
        ));
    }
    let lines = lines_of(&txn, &[order_id]).await?;
    let mut errors = FieldErrors::new();
    if req.lines.is_empty() {
        errors.add(
            "lines",
            FieldCode::Required,
            "发货单至少一行 / at least one line",
        );
    }
    let mut seen = Vec::new();
    for (i, l) in req.lines.iter().enumerate() {
        let Some(x) = lines.iter().find(|x| x.id == l.line_id) else {
            errors.add(
                &format!("lines[{i}].line_id"),
                FieldCode::NotApplicable,
                "不是本订单的行 / not a line of this order",
            );
            continue;
        };
        if seen.contains(&l.line_id) {
            errors.add(
                &format!("lines[{i}].line_id"),
                FieldCode::AlreadyExists,
                "同一行重复 / line repeated",
            );
        }
        seen.push(l.line_id);
        let open = i64::from(
            x.confirmed_qty.unwrap_or(0) - (x.delivered_qty - x.rejected_qty) - x.credited_qty,
        );
        if l.quantity < 1 || l.quantity > open {
            errors.add(
                &format!("lines[{i}].quantity"),
                FieldCode::QuantityExceeds,
                format!(
                    "第 {} 行最多还可发 {open} / at most {open} left to deliver",
                    x.line_no
                ),
            );
        }
    }
    for (field, text) in [
        ("carrier", &req.carrier),
        ("tracking_no", &req.tracking_no),
        ("note", &req.note),
    ] {
        if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
            errors.add(
                field,
                FieldCode::TooLong,
                "最多 200 字 / at most 200 characters",
            );
        }
    }
    errors.into_result()?;
    let seq = deliveries::Entity::find()
        .filter(deliveries::Column::OrderId.eq(order_id))
        .all(&txn)
        .await?
        .len();
    let seq = i32::try_from(seq + 1).unwrap_or(i32::MAX);
    let now = Utc::now();
    let delivery = deliveries::ActiveModel {
        order_id: Set(order_id),
        seq: Set(seq),
        delivery_no: Set(format!("{}-{seq:02}", order.order_no)),
        carrier: Set(req.carrier),
        tracking_no: Set(req.tracking_no),
        note: Set(req.note),
        created_by: Set(actor.user_id),
        shipped_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for l in &req.lines {
        let qty = i32::try_from(l.quantity).unwrap_or(0);
        delivery_lines::ActiveModel {
            delivery_id: Set(delivery.id),
            order_line_id: Set(l.line_id),
            quantity: Set(qty),
        }
        .insert(&txn)
        .await?;
        bulk_order_lines::Entity::update_many()
            .col_expr(
                bulk_order_lines::Column::DeliveredQty,
                Expr::col(bulk_order_lines::Column::DeliveredQty).add(qty),
            )
            .filter(bulk_order_lines::Column::Id.eq(l.line_id))
            .exec(&txn)
            .await
            .map_err(|e| quantity_refused(&e))?;
    }
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("bulk_order.deliver", "delivery", delivery.id),
    )
    .await?;
    finish(txn, db, order_id).await
}

/// A CHECK of the lines' quantities refused the change: a race lost (409), never a 500.
fn quantity_refused(e: &sea_orm::DbErr) -> AppError {
    let text = e.to_string();
    if text.contains("rule_bulk_order_lines") || text.contains("CHECK constraint failed") {
        wrong_state("数量超出可用范围（可能已被并发操作改变） / quantities no longer allow this")
    } else {
        AppError::Internal(anyhow::anyhow!("{e}"))
    }
}

/// The buyer accepts a delivery once: accepted and rejected quantities per delivered line,
/// reasons, photos. Rejected quantities are credited (the line closes short) or redelivered.
///
/// # Errors
/// 404; 403; 409 for a second acceptance of the delivery or a cancelled order; 422 when
/// accepted + rejected differs from the delivered quantity, or a rejection has no reason.
pub async fn accept(
    db: &DatabaseConnection,
    actor: &Actor,
    delivery_id: i64,
    req: Accept,
) -> Result<BulkOrder, AppError> {
    let delivery = deliveries::Entity::find_by_id(delivery_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let order = readable(db, actor, delivery.order_id).await?;
    if !holds(actor, order.buyer_org_id, orders::BUYERS) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有采购方可以验收 / only the buyer accepts",
        ));
    }
    let txn = begin_write(db).await?;
    let delivered = delivery_lines::Entity::find()
        .filter(delivery_lines::Column::DeliveryId.eq(delivery_id))
        .all(&txn)
        .await?;
    let mut errors = FieldErrors::new();
    for (i, l) in req.lines.iter().enumerate() {
        let Some(d) = delivered.iter().find(|d| d.order_line_id == l.line_id) else {
            errors.add(
                &format!("lines[{i}].line_id"),
                FieldCode::NotApplicable,
                "不是本次发货的行 / not in this delivery",
            );
            continue;
        };
        if l.accepted_qty < 0
            || l.rejected_qty < 0
            || l.accepted_qty.checked_add(l.rejected_qty) != Some(i64::from(d.quantity))
        {
            errors.add(
                &format!("lines[{i}].accepted_qty"),
                FieldCode::QuantityExceeds,
                format!(
                    "合格数 + 拒收数须等于到货数 {} / accepted + rejected must equal {}",
                    d.quantity, d.quantity
                ),
            );
        }
        if l.rejected_qty > 0 && !reason_ok(l.reason.as_deref()) {
            errors.add(
                &format!("lines[{i}].reason"),
                FieldCode::ReasonLength,
                "拒收须说明理由 / a rejection needs a reason",
            );
        }
    }
    for d in &delivered {
        if !req.lines.iter().any(|l| l.line_id == d.order_line_id) {
            errors.add(
                "lines",
                FieldCode::Required,
                "每个到货行都须验收 / every delivered line must be accepted or rejected",
            );
        }
    }
    // The same photo chosen twice is one photo (uploads are content-addressed).
    let mut photos = req.photos.clone();
    let mut once = std::collections::HashSet::new();
    photos.retain(|h| once.insert(h.clone()));
    if photos.len() > 9 {
        errors.add(
            "photos",
            FieldCode::TooMany,
            "最多 9 张照片 / at most 9 photos",
        );
    } else if !photos.is_empty() {
        let known = crate::entities::media::Entity::find()
            .filter(crate::entities::media::Column::Hash.is_in(photos.clone()))
            .all(&txn)
            .await?;
        if known.len() != photos.len() {
            errors.add(
                "photos",
                FieldCode::UnknownImage,
                "照片不存在 / unknown photo",
            );
        }
    }
    errors.into_result()?;
    let current = restate(&txn, order.id).await?;
    if matches!(
        current,
        BulkOrderStatus::Cancelled | BulkOrderStatus::Rejected
    ) {
        return Err(wrong_state("订单已取消 / the order was cancelled"));
    }
    let now = Utc::now();
    // One acceptance per delivery: the unique index decides a race.
    let acceptance = acceptances::ActiveModel {
        delivery_id: Set(delivery_id),
        order_id: Set(order.id),
        accepted_by: Set(actor.user_id),
        photos: Set(JsonText(photos)),
        note: Set(req.note.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if crate::error::is_unique_violation(&e, "uq_acceptances_delivery_id") {
            wrong_state("该发货单已验收 / the delivery was already accepted")
        } else {
            e.into()
        }
    })?;
    for l in &req.lines {
        let remedy = if l.rejected_qty > 0 {
            l.remedy.unwrap_or(Remedy::Credit)
        } else {
            Remedy::None
        };
        let (acc, rej) = (
            i32::try_from(l.accepted_qty).unwrap_or(0),
            i32::try_from(l.rejected_qty).unwrap_or(0),
        );
        acceptance_lines::ActiveModel {
            acceptance_id: Set(acceptance.id),
            order_line_id: Set(l.line_id),
            accepted_qty: Set(acc),
            rejected_qty: Set(rej),
            remedy: Set(remedy),
            reason: Set(l.reason.clone()),
        }
        .insert(&txn)
        .await?;
        let credited = if remedy == Remedy::Credit { rej } else { 0 };
        bulk_order_lines::Entity::update_many()
            .col_expr(
                bulk_order_lines::Column::AcceptedQty,
                Expr::col(bulk_order_lines::Column::AcceptedQty).add(acc),
            )
            .col_expr(
                bulk_order_lines::Column::RejectedQty,
                Expr::col(bulk_order_lines::Column::RejectedQty).add(rej),
            )
            .col_expr(
                bulk_order_lines::Column::CreditedQty,
                Expr::col(bulk_order_lines::Column::CreditedQty).add(credited),
            )
            .filter(bulk_order_lines::Column::Id.eq(l.line_id))
            .exec(&txn)
            .await
            .map_err(|e| quantity_refused(&e))?;
    }
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("bulk_order.accept", "delivery", delivery_id),
    )
    .await?;
    // Invoices already uploaded are checked again against the new accepted quantities.
    recheck_invoices(&txn, order.id).await?;
    finish(txn, db, order.id).await
}

/// Checks an invoice against the order: seller = the supplier's tax id, buyer = the unit's,
/// and per order line the invoiced tax-inclusive total = accepted quantity × frozen price.
fn check_invoice(
    inv: &EInvoice,
    line_of: &[Option<i64>],
    lines: &[bulk_order_lines::Model],
    seller_uscc: Option<&str>,
    buyer_uscc: Option<&str>,
) -> CheckReport {
    let mut problems = Vec::new();
    if seller_uscc.is_some_and(|s| s != inv.seller_id) {
        problems.push(format!(
            "销售方税号 {} 与供应商不符 / the seller id is not the supplier's",
            inv.seller_id
        ));
    }
    if buyer_uscc.is_some_and(|b| b != inv.buyer_id) {
        problems.push(format!(
            "购买方税号 {} 与采购单位不符 / the buyer id is not the unit's",
            inv.buyer_id
        ));
    }
    let sign = if inv.is_red() { -1 } else { 1 };
    let mut invoiced: HashMap<i64, i64> = HashMap::new();
    for (i, l) in inv.lines.iter().enumerate() {
        match line_of.get(i).copied().flatten() {
            Some(id) if lines.iter().any(|x| x.id == id) => {
                let e = invoiced.entry(id).or_default();
                *e = e.saturating_add(l.total_fen.fen().saturating_mul(sign));
            }
            _ => problems.push(format!(
                "发票第 {} 行「{}」对应不到订单行 / invoice line {} matches no order line",
                l.line_no, l.item_name, l.line_no
            )),
        }
    }
    CheckReport {
        problems,
        lines: line_checks(lines, &invoiced),
    }
}

/// Each order line's accepted quantity × frozen price against what the invoice bills for it.
fn line_checks(lines: &[bulk_order_lines::Model], invoiced: &HashMap<i64, i64>) -> Vec<LineCheck> {
    lines
        .iter()
        .map(|x| {
            let expected = x.unit_price_fen * i64::from(x.accepted_qty - x.returned_qty);
            let got = invoiced.get(&x.id).copied().unwrap_or(0);
            LineCheck {
                order_line_id: x.id,
                line_no: x.line_no,
                expected_fen: expected,
                invoiced_fen: got,
                matches: expected == got,
            }
        })
        .collect()
}

fn report_matches(r: &CheckReport) -> bool {
    r.problems.is_empty() && r.lines.iter().all(|l| l.matches)
}

/// Matches each invoice line to an order line: by the line order of the invoice when it
/// lists every order line in order, else by product name and specification.
fn match_lines(inv: &EInvoice, lines: &[bulk_order_lines::Model]) -> Vec<Option<i64>> {
    inv.lines
        .iter()
        .map(|l| {
            let name = l.product_name();
            lines
                .iter()
                .find(|x| {
                    x.product_name == name
                        && l.spec
                            .as_deref()
                            .is_none_or(|s| s.is_empty() || s == x.spec)
                })
                .or_else(|| {
                    (inv.lines.len() == lines.len())
                        .then(|| {
                            lines.get(usize::try_from(l.line_no).unwrap_or(0).saturating_sub(1))
                        })
                        .flatten()
                })
                .map(|x| x.id)
        })
        .collect()
}

async fn recheck_invoices(conn: &impl ConnectionTrait, order_id: i64) -> Result<(), AppError> {
    let lines = lines_of(conn, &[order_id]).await?;
    let live = invoices::Entity::find()
        .filter(invoices::Column::OrderId.eq(order_id))
        .filter(invoices::Column::Kind.eq(InvoiceKind::Blue))
        .filter(invoices::Column::Status.ne(InvoiceStatus::Reversed))
        .all(conn)
        .await?;
    // Every live invoice's lines in one read.
    let stored = invoice_lines::Entity::find()
        .filter(
            invoice_lines::Column::InvoiceId.is_in(live.iter().map(|i| i.id).collect::<Vec<_>>()),
        )
        .all(conn)
        .await?;
    for inv in live {
        let mut invoiced: HashMap<i64, i64> = HashMap::new();
        for l in stored.iter().filter(|l| l.invoice_id == inv.id) {
            if let Some(id) = l.order_line_id {
                *invoiced.entry(id).or_default() += l.total_fen;
            }
        }
        let mut report = inv.check_report.0.clone();
        report.lines = line_checks(&lines, &invoiced);
        let status = if report_matches(&report) {
            InvoiceStatus::Matched
        } else {
            InvoiceStatus::Mismatched
        };
        invoices::Entity::update_many()
            .col_expr(invoices::Column::Status, Expr::value(status))
            .col_expr(invoices::Column::CheckReport, Expr::value(JsonText(report)))
            .filter(invoices::Column::Id.eq(inv.id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// A typed invoice as the parser's structure (sums checked the same way).
fn manual_invoice(
    m: &super::dto::ManualInvoice,
    lines: &[bulk_order_lines::Model],
    seller: &organizations::Model,
    buyer: &organizations::Model,
) -> Result<(EInvoice, Vec<Option<i64>>), AppError> {
    let mut errors = FieldErrors::new();
    if !(8..=30).contains(&m.number.trim().len())
        || !m.number.trim().chars().all(|c| c.is_ascii_digit())
    {
        errors.add(
            "manual.number",
            FieldCode::NumberLength,
            "发票号码为 8-30 位数字 / 8-30 digits",
        );
    }
    if m.lines.is_empty() || m.lines.len() > 1000 {
        errors.add(
            "manual.lines",
            FieldCode::TooMany,
            "发票行为 1-1000 行 / 1-1000 lines",
        );
    }
    let mut out = Vec::new();
    let mut ids = Vec::new();
    for (i, l) in m.lines.iter().enumerate() {
        let Some(x) = lines.iter().find(|x| x.id == l.line_id) else {
            errors.add(
                &format!("manual.lines[{i}].line_id"),
                FieldCode::NotApplicable,
                "不是本订单的行 / not a line of this order",
            );
            continue;
        };
        let Ok(rate) = TaxRate::parse(&l.tax_rate) else {
            errors.add(
                &format!("manual.lines[{i}].tax_rate"),
                FieldCode::InvalidKind,
                "未知税率 / unknown tax rate",
            );
            continue;
        };
        if l.amount_fen.abs() > 100_000_000_000 || l.tax_fen.abs() > 100_000_000_000 {
            errors.add(
                &format!("manual.lines[{i}].amount_fen"),
                FieldCode::OutOfRange,
                "金额超出范围 / out of range",
            );
            continue;
        }
        out.push(einvoice::InvoiceLine {
            line_no: u32::try_from(i + 1).unwrap_or(u32::MAX),
            item_name: x.product_name.clone(),
            spec: Some(x.spec.clone()),
            unit: Some(x.unit.clone()),
            quantity: None,
            unit_price: None,
            amount_fen: Money::from_fen(l.amount_fen),
            discount_fen: Money::ZERO,
            tax_rate: rate,
            tax_fen: Money::from_fen(l.tax_fen),
            total_fen: Money::from_fen(l.amount_fen + l.tax_fen),
        });
        ids.push(Some(x.id));
    }
    errors.into_result()?;
    let without: i64 = out.iter().map(|l| l.amount_fen.fen()).sum();
    let tax: i64 = out.iter().map(|l| l.tax_fen.fen()).sum();
    Ok((
        EInvoice {
            number: m.number.trim().to_owned(),
            issue_date: m.issue_date,
            vat_kind: None,
            seller_id: seller.uscc.clone().unwrap_or_default(),
            seller_name: seller.name.clone(),
            buyer_id: buyer.uscc.clone().unwrap_or_default(),
            buyer_name: buyer.name.clone(),
            total_without_tax_fen: Money::from_fen(without),
            total_tax_fen: Money::from_fen(tax),
            total_fen: Money::from_fen(without + tax),
            lines: out,
            reverses: m.reverses.clone(),
        },
        ids,
    ))
}

/// The supplier uploads an invoice (the 数电票 XML, or its fields typed by hand). It is
/// checked at once against accepted quantity × frozen price, line by line, to the fen; a
/// mismatch is stored with the lines that differ and keeps the order from being accepted.
/// A red invoice reverses the blue one it names.
///
/// # Errors
/// 404; 403; 422 for an XML that does not parse or a bad typed invoice; 409 for an invoice
/// number already used, or a red invoice whose blue one is not on this order.
pub async fn upload_invoice(
    db: &DatabaseConnection,
    actor: &Actor,
    order_id: i64,
    req: NewInvoice,
) -> Result<BulkOrder, AppError> {
    let order = readable(db, actor, order_id).await?;
    if !holds(actor, order.supplier_org_id, SUPPLIER_STAFF) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有供应商可以上传发票 / only the supplier uploads invoices",
        ));
    }
    let seller = organizations::Entity::find_by_id(order.supplier_org_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let buyer = organizations::Entity::find_by_id(order.buyer_org_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = lines_of(db, &[order_id]).await?;
    let (parsed, source) = match (&req.xml, &req.manual) {
        (Some(xml), None) => {
            if xml.len() > 2 * 1024 * 1024 {
                return Err(FieldErrors::single(
                    "xml",
                    FieldCode::TooLong,
                    "XML 不能超过 2MB / at most 2 MB",
                ));
            }
            let inv = einvoice::parse(xml).map_err(|e| {
                FieldErrors::single(
                    "xml",
                    FieldCode::InvalidKind,
                    format!("发票 XML 无法读取：{} / unreadable invoice", e.message),
                )
            })?;
            let ids = match_lines(&inv, &lines);
            ((inv, ids), InvoiceSource::Xml)
        }
        (None, Some(m)) => (
            manual_invoice(m, &lines, &seller, &buyer)?,
            InvoiceSource::Manual,
        ),
        _ => {
            return Err(FieldErrors::single(
                "xml",
                FieldCode::Required,
                "请上传发票 XML 或手工录入发票（二选一） / send the XML or the typed fields, one of them",
            ));
        }
    };
    let (inv, ids) = parsed;
    let report = check_invoice(
        &inv,
        &ids,
        &lines,
        seller.uscc.as_deref(),
        buyer.uscc.as_deref(),
    );
    let txn = begin_write(db).await?;
    let kind = if inv.is_red() || inv.total_fen.fen() < 0 {
        InvoiceKind::Red
    } else {
        InvoiceKind::Blue
    };
    let mut reverses_id = None;
    if kind == InvoiceKind::Red {
        let Some(number) = inv.reverses.clone() else {
            return Err(FieldErrors::single(
                "manual.reverses",
                FieldCode::Required,
                "红字发票须注明所冲蓝字发票号码 / a red invoice names the blue one",
            ));
        };
        let blue = invoices::Entity::find()
            .filter(invoices::Column::OrderId.eq(order_id))
            .filter(invoices::Column::Number.eq(number))
            .filter(invoices::Column::Kind.eq(InvoiceKind::Blue))
            .one(&txn)
            .await?
            .ok_or_else(|| {
                wrong_state("所冲蓝字发票不在本订单 / the blue invoice is not on this order")
            })?;
        if blue.total_fen + inv.total_fen.fen() != 0 {
            return Err(wrong_state(
                "红字发票金额须与蓝字发票相反 / a red invoice reverses the whole blue one",
            ));
        }
        let changed = invoices::Entity::update_many()
            .col_expr(
                invoices::Column::Status,
                Expr::value(InvoiceStatus::Reversed),
            )
            .filter(invoices::Column::Id.eq(blue.id))
            .filter(invoices::Column::Status.ne(InvoiceStatus::Reversed))
            .exec(&txn)
            .await?;
        if changed.rows_affected != 1 {
            return Err(wrong_state("该蓝字发票已被冲红 / already reversed"));
        }
        reverses_id = Some(blue.id);
    }
    let duplicate = invoices::Entity::find()
        .filter(invoices::Column::Number.eq(inv.number.clone()))
        .filter(invoices::Column::SupplierOrgId.eq(order.supplier_org_id))
        .one(&txn)
        .await?;
    if duplicate.is_some() {
        return Err(wrong_state(
            "该发票号码已上传 / this invoice number was already uploaded",
        ));
    }
    let status = match kind {
        InvoiceKind::Red => InvoiceStatus::Matched,
        InvoiceKind::Blue if report_matches(&report) => InvoiceStatus::Matched,
        InvoiceKind::Blue => InvoiceStatus::Mismatched,
    };
    let now = Utc::now();
    let saved = invoices::ActiveModel {
        order_id: Set(order_id),
        supplier_org_id: Set(order.supplier_org_id),
        kind: Set(kind),
        number: Set(inv.number.clone()),
        issue_date: Set(inv.issue_date),
        vat_kind: Set(inv.vat_kind.map(|v| format!("{v:?}"))),
        seller_id: Set(inv.seller_id.clone()),
        seller_name: Set(inv.seller_name.clone()),
        buyer_id: Set(inv.buyer_id.clone()),
        buyer_name: Set(inv.buyer_name.clone()),
        total_without_tax_fen: Set(inv.total_without_tax_fen.fen()),
        total_tax_fen: Set(inv.total_tax_fen.fen()),
        total_fen: Set(inv.total_fen.fen()),
        source: Set(source),
        xml_key: Set(None),
        evidence_key: Set(None),
        evidence_filename: Set(None),
        status: Set(status),
        reverses_invoice_id: Set(reverses_id),
        check_report: Set(JsonText(report)),
        uploaded_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (i, l) in inv.lines.iter().enumerate() {
        invoice_lines::ActiveModel {
            invoice_id: Set(saved.id),
            line_no: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
            item_name: Set(l.item_name.clone()),
            spec: Set(l.spec.clone()),
            unit: Set(l.unit.clone()),
            quantity: Set(l.quantity.clone()),
            unit_price: Set(l.unit_price.clone()),
            amount_fen: Set(l.amount_fen.fen()),
            discount_fen: Set(l.discount_fen.fen()),
            tax_rate: Set(l.tax_rate.to_stored()),
            tax_fen: Set(l.tax_fen.fen()),
            total_fen: Set(l.total_fen.fen()),
            order_line_id: Set(ids.get(i).copied().flatten()),
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("bulk_order.invoice", "invoice", saved.id),
    )
    .await?;
    crate::reporting::ledger::record_invoice(&txn, saved.id).await?;
    finish(txn, db, order_id).await
}

/// The supplier records receipt of the transfer with the bank's reference.
///
/// # Errors
/// 404; 403; 409 unless the order is accepted (goods and invoice), or when the invoice does
/// not match (`invoice_mismatch`).
pub async fn record_payment(
    db: &DatabaseConnection,
    actor: &Actor,
    order_id: i64,
    req: Receipt,
) -> Result<BulkOrder, AppError> {
    let order = readable(db, actor, order_id).await?;
    if !holds(actor, order.supplier_org_id, SUPPLIER_STAFF) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有供应商可以确认收款 / only the supplier records receipt",
        ));
    }
    let reference = req.bank_reference.trim();
    if !(4..=64).contains(&reference.chars().count()) {
        return Err(FieldErrors::single(
            "bank_reference",
            FieldCode::NumberLength,
            "银行流水号为 4-64 个字符 / 4-64 characters",
        ));
    }
    let txn = begin_write(db).await?;
    let current = restate(&txn, order_id).await?;
    if current == BulkOrderStatus::Delivered {
        let mismatched = invoices::Entity::find()
            .filter(invoices::Column::OrderId.eq(order_id))
            .filter(invoices::Column::Status.eq(InvoiceStatus::Mismatched))
            .one(&txn)
            .await?;
        if let Some(inv) = mismatched {
            let which: Vec<String> = inv
                .check_report
                .lines
                .iter()
                .filter(|l| !l.matches)
                .map(|l| {
                    format!(
                        "第 {} 行应为 {}，发票为 {}",
                        l.line_no,
                        Money::from_fen(l.expected_fen),
                        Money::from_fen(l.invoiced_fen)
                    )
                })
                .collect();
            return Err(AppError::new(
                ErrorCode::InvoiceMismatch,
                format!(
                    "发票与验收不符：{} / the invoice does not match",
                    which.join("；")
                ),
            ));
        }
    }
    if current != BulkOrderStatus::Accepted {
        return Err(wrong_state(
            "订单尚未验收验票完成 / the order is not accepted yet",
        ));
    }
    let now = Utc::now();
    let changed = bulk_orders::Entity::update_many()
        .col_expr(bulk_orders::Column::PaidAt, Expr::value(Some(now)))
        .col_expr(
            bulk_orders::Column::BankReference,
            Expr::value(Some(reference.to_owned())),
        )
        .filter(bulk_orders::Column::Id.eq(order_id))
        .filter(bulk_orders::Column::PaidAt.is_null())
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(wrong_state("已确认收款 / already recorded"));
    }
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("bulk_order.paid", "bulk_order", order_id),
    )
    .await?;
    finish(txn, db, order_id).await
}

/// The buyer evaluates a paid order (1-5 stars each): then it is complete.
///
/// # Errors
/// 404; 403; 409 unless paid (or when already evaluated); 422 for stars out of 1-5.
pub async fn evaluate(
    db: &DatabaseConnection,
    actor: &Actor,
    order_id: i64,
    req: Evaluation,
) -> Result<BulkOrder, AppError> {
    let order = readable(db, actor, order_id).await?;
    if !holds(actor, order.buyer_org_id, orders::BUYERS) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有采购方可以评价 / only the buyer evaluates",
        ));
    }
    let mut errors = FieldErrors::new();
    for (field, v) in [
        ("quality", req.quality),
        ("delivery", req.delivery),
        ("service", req.service),
    ] {
        if !(1..=5).contains(&v) {
            errors.add(field, FieldCode::OutOfRange, "评分为 1-5 星 / 1-5 stars");
        }
    }
    if req
        .comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > 500)
    {
        errors.add(
            "comment",
            FieldCode::TooLong,
            "评价最多 500 字 / at most 500 characters",
        );
    }
    errors.into_result()?;
    let txn = begin_write(db).await?;
    if restate(&txn, order_id).await? != BulkOrderStatus::Paid {
        return Err(wrong_state("付款后才能评价 / evaluate after payment"));
    }
    order_evaluations::ActiveModel {
        order_id: Set(order_id),
        quality: Set(req.quality),
        delivery: Set(req.delivery),
        service: Set(req.service),
        comment: Set(req.comment),
        evaluated_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if e.to_string().to_lowercase().contains("unique") || e.to_string().contains("duplicate") {
            wrong_state("已评价 / already evaluated")
        } else {
            e.into()
        }
    })?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("bulk_order.evaluate", "bulk_order", order_id),
    )
    .await?;
    crate::reporting::ledger::record_completion(&txn, order_id).await?;
    finish(txn, db, order_id).await
}
