//! Refunds: the member asks (lines, units, reason, photos); the supplier approves or rejects.
//! On approval, in one transaction: the exact amounts per line (paid share and coupon share of
//! the units, see `pricing::unit_share`), the lines and order updated, stock put back when the
//! goods were not shipped or came back, the coupon returned when the checkout's whole discount
//! is refunded, and the provider refund queued (it runs after commit, idempotently).

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};

use super::dto::{Refund, RefundLineRequest, RefundQuery, RequestRefund};
use super::model::{OrderStatus, RefundLine, RefundStatus};
use super::pricing::unit_share;
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::auth::{Actor, Role, authz};
use crate::db::begin_write;
use crate::entities::{media, order_lines, orders, refunds};
use crate::error::{AppError, ErrorCode, FieldCode, FieldErrors};
use crate::money::Money;
use crate::vocab::JsonText;
use crate::worker::{JobOptions, enqueue};

fn to_dto(r: refunds::Model) -> Refund {
    let photos = r.photos.into_inner();
    Refund {
        id: r.id,
        order_id: r.order_id,
        status: r.status,
        reason: r.reason,
        photo_urls: photos.iter().map(|h| crate::media::urls(h)).collect(),
        photos,
        lines: r
            .lines
            .iter()
            .map(|l| RefundLineRequest {
                line_id: l.line_id,
                quantity: l.quantity,
            })
            .collect(),
        amount_fen: Money::from_fen(r.amount_fen),
        discount_fen: Money::from_fen(r.discount_fen),
        coupon_returned: r.coupon_returned,
        decision_reason: r.decision_reason,
        created_at: r.created_at,
    }
}

/// The member asks for a refund of some units of some lines.
///
/// # Errors
/// 404 unless theirs; 409 unless paid, shipped or delivered, or while another request is
/// open; 422 for unknown lines, too many units, a missing reason or unknown photos.
pub async fn request(
    state: &AppState,
    actor: &Actor,
    order_id: i64,
    mut req: RequestRefund,
) -> Result<Refund, AppError> {
    let order = orders::Entity::find_by_id(order_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    authz::require_self(actor, order.buyer_user_id)?;
    let status = order.status;
    if !matches!(
        status,
        OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Delivered
    ) {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            "该订单当前不能申请退款 / this order cannot be refunded now",
        ));
    }
    let lines = order_lines::Entity::find()
        .filter(order_lines::Column::OrderId.eq(order_id))
        .all(&state.db)
        .await?;
    let mut e = FieldErrors::new();
    if !(2..=500).contains(&req.reason.trim().chars().count()) {
        e.add(
            "reason",
            FieldCode::ReasonLength,
            "请说明原因（2-500字）/ give a reason (2-500 characters)",
        );
    }
    if req.lines.is_empty() {
        e.add(
            "lines",
            FieldCode::Required,
            "请选择退款商品 / choose what to refund",
        );
    }
    let mut seen = std::collections::HashSet::new();
    for (i, l) in req.lines.iter().enumerate() {
        match lines.iter().find(|x| x.id == l.line_id) {
            None => e.add(
                &format!("lines[{i}].line_id"),
                FieldCode::UnknownLine,
                "订单中没有该商品 / not a line of this order",
            ),
            Some(x) if l.quantity < 1 || l.quantity > x.quantity - x.refunded_qty => {
                e.add(
                    &format!("lines[{i}].quantity"),
                    FieldCode::OutOfRange,
                    format!(
                        "可退数量为 1-{} / 1 to {}",
                        x.quantity - x.refunded_qty,
                        x.quantity - x.refunded_qty
                    ),
                );
            }
            Some(_) if !seen.insert(l.line_id) => e.add(
                &format!("lines[{i}].line_id"),
                FieldCode::Duplicate,
                "重复的商品 / repeated line",
            ),
            Some(_) => {}
        }
    }
    // The same photo chosen twice is one photo (uploads are content-addressed).
    let mut once = std::collections::HashSet::new();
    req.photos.retain(|h| once.insert(h.clone()));
    if req.photos.len() > 9 {
        e.add(
            "photos",
            FieldCode::TooMany,
            "最多9张照片 / at most 9 photos",
        );
    } else if !req.photos.is_empty() {
        let known = media::Entity::find()
            .filter(media::Column::Hash.is_in(req.photos.clone()))
            .all(&state.db)
            .await?;
        if known.len() != req.photos.len() {
            e.add(
                "photos",
                FieldCode::UnknownImage,
                "照片不存在 / unknown photo",
            );
        }
    }
    e.into_result()?;
    let txn = begin_write(&state.db).await?;
    let open = refunds::Entity::find()
        .filter(refunds::Column::OrderId.eq(order_id))
        .filter(refunds::Column::Status.eq(RefundStatus::Requested))
        .one(&txn)
        .await?;
    if open.is_some() {
        return Err(AppError::new(
            ErrorCode::RefundOpen,
            "已有待处理的退款申请 / a refund request is already open",
        ));
    }
    let now = Utc::now();
    let row = refunds::ActiveModel {
        order_id: Set(order_id),
        payment_id: Set(order.payment_id),
        requested_by: Set(actor.user_id),
        status: Set(RefundStatus::Requested),
        reason: Set(req.reason.trim().to_owned()),
        photos: Set(JsonText(req.photos.clone())),
        lines: Set(JsonText(
            req.lines
                .iter()
                .map(|l| RefundLine {
                    line_id: l.line_id,
                    quantity: l.quantity,
                })
                .collect(),
        )),
        amount_fen: Set(0),
        discount_fen: Set(0),
        restock: Set(false),
        coupon_returned: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("refund.request", "refund", row.id)
            .after(serde_json::json!({"order_id": order_id, "lines": req.lines})),
    )
    .await?;
    txn.commit().await?;
    Ok(to_dto(row))
}

async fn load_for_supplier(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<(refunds::Model, orders::Model), AppError> {
    authz::require_any_role(
        actor,
        &[Role::SupplierAdmin, Role::SupplierStaff, Role::Operator],
    )?;
    let r = refunds::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let o = orders::Entity::find_by_id(r.order_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    authz::authorize_org_role(
        actor,
        o.supplier_org_id,
        &[Role::SupplierAdmin, Role::SupplierStaff],
    )?;
    Ok((r, o))
}

/// The supplier rejects a refund request with a reason.
///
/// # Errors
/// 404/403; 409 unless requested; 422 without a reason.
pub async fn reject(
    state: &AppState,
    actor: &Actor,
    id: i64,
    reason: Option<String>,
) -> Result<Refund, AppError> {
    let (r, _) = load_for_supplier(state, actor, id).await?;
    let reason = reason
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            FieldErrors::single(
                "reason",
                FieldCode::Required,
                "请填写原因 / a reason is required",
            )
        })?;
    let txn = begin_write(&state.db).await?;
    let moved = refunds::Entity::update_many()
        .col_expr(refunds::Column::Status, Expr::value(RefundStatus::Rejected))
        .col_expr(
            refunds::Column::DecisionReason,
            Expr::value(Some(reason.clone())),
        )
        .col_expr(refunds::Column::DecidedBy, Expr::value(Some(actor.user_id)))
        .col_expr(refunds::Column::DecidedAt, Expr::value(Some(Utc::now())))
        .col_expr(refunds::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(refunds::Column::Id.eq(r.id))
        .filter(refunds::Column::Status.eq(RefundStatus::Requested))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            "该申请已处理 / already decided",
        ));
    }
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("refund.reject", "refund", r.id).reason(Some(reason)),
    )
    .await?;
    txn.commit().await?;
    Ok(to_dto(
        refunds::Entity::find_by_id(id)
            .one(&state.db)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

/// The supplier approves a refund: amounts fixed exactly, lines and order updated, stock and
/// coupon returned as due, the provider refund queued.
///
/// # Errors
/// 404/403; 409 unless requested (or when the units were refunded meanwhile).
pub async fn approve(
    state: &AppState,
    actor: &Actor,
    id: i64,
    restock: bool,
) -> Result<Refund, AppError> {
    let (r, order) = load_for_supplier(state, actor, id).await?;
    let wanted: Vec<RefundLine> = r.lines.0.clone();
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let claimed = refunds::Entity::update_many()
        .col_expr(
            refunds::Column::Status,
            Expr::value(RefundStatus::Processing),
        )
        .col_expr(refunds::Column::UpdatedAt, Expr::value(now))
        .filter(refunds::Column::Id.eq(r.id))
        .filter(refunds::Column::Status.eq(RefundStatus::Requested))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            "该申请已处理 / already decided",
        ));
    }
    // Goods never shipped always go back to stock.
    let restock = restock || order.status == OrderStatus::Paid;
    let mut amount = Money::ZERO;
    let mut discount = Money::ZERO;
    let mut wanted_sorted = wanted.clone();
    wanted_sorted.sort_by_key(|w| w.line_id);
    for w in &wanted_sorted {
        let line = order_lines::Entity::find_by_id(w.line_id)
            .one(&txn)
            .await?
            .filter(|l| l.order_id == order.id)
            .ok_or(AppError::NotFound)?;
        let paid = Money::from_fen(line.line_total_fen - line.discount_fen);
        let a = unit_share(paid, line.quantity, line.refunded_qty, w.quantity);
        let d = unit_share(
            Money::from_fen(line.discount_fen),
            line.quantity,
            line.refunded_qty,
            w.quantity,
        );
        let moved = order_lines::Entity::update_many()
            .col_expr(
                order_lines::Column::RefundedQty,
                Expr::col(order_lines::Column::RefundedQty).add(w.quantity),
            )
            .col_expr(
                order_lines::Column::RefundedFen,
                Expr::col(order_lines::Column::RefundedFen).add(a.fen()),
            )
            .col_expr(
                order_lines::Column::RefundedDiscountFen,
                Expr::col(order_lines::Column::RefundedDiscountFen).add(d.fen()),
            )
            .filter(order_lines::Column::Id.eq(line.id))
            .filter(order_lines::Column::RefundedQty.eq(line.refunded_qty))
            .filter(
                Expr::col(order_lines::Column::RefundedQty)
                    .add(w.quantity)
                    .lte(Expr::col(order_lines::Column::Quantity)),
            )
            .exec(&txn)
            .await?;
        if moved.rows_affected != 1 {
            return Err(AppError::new(
                ErrorCode::RefundExceedsQuantity,
                "退款数量超过可退数量 / more units than can be refunded",
            ));
        }
        if restock {
            crate::catalog::stock::release(&txn, &[(line.sku_id, i64::from(w.quantity))]).await?;
        }
        amount += a;
        discount += d;
    }
    let lines = order_lines::Entity::find()
        .filter(order_lines::Column::OrderId.eq(order.id))
        .all(&txn)
        .await?;
    let fully = lines.iter().all(|l| l.refunded_qty == l.quantity);
    let mut active = order.clone().into_active_model();
    active.refunded_fen = Set(order.refunded_fen + amount.fen());
    if fully {
        active.status = Set(OrderStatus::Refunded);
    }
    active.updated_at = Set(now);
    active.update(&txn).await?;
    // The coupon comes back once every discounted line of the checkout is fully refunded.
    let payment_lines = order_lines::Entity::find()
        .inner_join(orders::Entity)
        .filter(orders::Column::PaymentId.eq(order.payment_id))
        .filter(order_lines::Column::DiscountFen.gt(0))
        .all(&txn)
        .await?;
    let coupon_back = !payment_lines.is_empty()
        && payment_lines.iter().all(|l| l.refunded_qty == l.quantity)
        && super::lifecycle::return_coupon(&txn, order.payment_id).await?;
    let mut ra = r.clone().into_active_model();
    ra.amount_fen = Set(amount.fen());
    ra.discount_fen = Set(discount.fen());
    ra.restock = Set(restock);
    ra.coupon_returned = Set(coupon_back);
    ra.decided_by = Set(Some(actor.user_id));
    ra.decided_at = Set(Some(now));
    ra.status = Set(RefundStatus::Processing);
    ra.update(&txn).await?;
    enqueue(
        &txn,
        crate::payments::REFUND_JOB,
        crate::payments::RefundJob::Refund { refund_id: r.id },
        JobOptions {
            unique_key: Some(format!("refund:{}", r.id)),
            max_attempts: Some(20),
            ..JobOptions::default()
        },
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("refund.approve", "refund", r.id).after(serde_json::json!({
            "amount_fen": amount, "discount_fen": discount, "restock": restock, "coupon_returned": coupon_back
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(to_dto(
        refunds::Entity::find_by_id(id)
            .one(&state.db)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

/// Refunds of an order (its buyer, its supplier's staff).
///
/// # Errors
/// 404 for others.
pub async fn of_order(
    state: &AppState,
    actor: &Actor,
    order_id: i64,
) -> Result<Vec<Refund>, AppError> {
    super::views::one(state, actor, order_id).await?;
    Ok(refunds::Entity::find()
        .filter(refunds::Column::OrderId.eq(order_id))
        .order_by_desc(refunds::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(to_dto)
        .collect())
}

/// A supplier's refund requests (default: waiting for a decision).
///
/// # Errors
/// 404/403.
pub async fn for_supplier(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    q: RefundQuery,
) -> Result<Vec<Refund>, AppError> {
    authz::authorize_org_role(actor, org_id, &[Role::SupplierAdmin, Role::SupplierStaff])?;
    let status = q.status.unwrap_or(RefundStatus::Requested);
    Ok(refunds::Entity::find()
        .inner_join(orders::Entity)
        .filter(orders::Column::SupplierOrgId.eq(org_id))
        .filter(refunds::Column::Status.eq(status))
        .order_by_asc(refunds::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(to_dto)
        .collect())
}

/// A supplier's refunds (the list's filter: one status, default `requested`) as an XLSX
/// workbook, oldest first like the list, at most [`crate::export::MAX_ROWS`]: order number,
/// products and units, what goes back.
///
/// # Errors
/// 404/403.
pub async fn supplier_export(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    q: RefundQuery,
) -> Result<Vec<u8>, AppError> {
    use crate::export::Cell;
    use sea_orm::QuerySelect;
    authz::authorize_org_role(actor, org_id, &[Role::SupplierAdmin, Role::SupplierStaff])?;
    let status = q.status.unwrap_or(RefundStatus::Requested);
    let rows = refunds::Entity::find()
        .inner_join(orders::Entity)
        .filter(orders::Column::SupplierOrgId.eq(org_id))
        .filter(refunds::Column::Status.eq(status))
        .order_by_asc(refunds::Column::Id)
        .limit(crate::export::MAX_ROWS)
        .all(&state.db)
        .await?;
    let order_ids: Vec<i64> = rows.iter().map(|r| r.order_id).collect();
    let order_nos: std::collections::HashMap<i64, String> = orders::Entity::find()
        .filter(orders::Column::Id.is_in(order_ids.clone()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.order_no))
        .collect();
    let lines: std::collections::HashMap<i64, order_lines::Model> = order_lines::Entity::find()
        .filter(order_lines::Column::OrderId.is_in(order_ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let headers = [
        "退款单号 Refund no.",
        "订单号 Order no.",
        "申请时间 Asked (UTC+8)",
        "状态 Status",
        "商品 Items",
        "原因 Reason",
        "退款金额（元）Refund (yuan)",
        "退回券额（元）Coupon back (yuan)",
        "商家说明 Supplier's note",
    ];
    let out: Vec<Vec<Cell>> = rows
        .into_iter()
        .map(|r| {
            let items = r
                .lines
                .iter()
                .map(|l| match lines.get(&l.line_id) {
                    Some(line) => format!("{} {} × {}", line.product_name, line.spec, l.quantity),
                    None => format!("#{} × {}", l.line_id, l.quantity),
                })
                .collect::<Vec<_>>()
                .join("；");
            vec![
                r.id.into(),
                order_nos
                    .get(&r.order_id)
                    .cloned()
                    .unwrap_or_default()
                    .into(),
                (r.created_at + chrono::Duration::hours(8))
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
                    .into(),
                r.status.label_zh().into(),
                items.into(),
                r.reason.into(),
                Money::from_fen(r.amount_fen).into(),
                Money::from_fen(r.discount_fen).into(),
                r.decision_reason.unwrap_or_default().into(),
            ]
        })
        .collect();
    crate::export::workbook("退款", &headers, &out)
}
