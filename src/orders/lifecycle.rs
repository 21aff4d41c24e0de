//! Order state changes. Each is one transition guarded by the current state (a conditional
//! update), so it can be called twice, from the webhook and the browser, or by two instances,
//! with one effect.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use super::model::{OrderStatus, PaymentStatus};
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::auth::{Actor, Role, authz};
use crate::catalog::stock;
use crate::db::begin_write;
use crate::entities::{order_lines, orders, payments};
use crate::error::{AppError, ErrorCode, FieldCode, FieldErrors};
use crate::payments::settle::{self, Completion, Payee};
use crate::worker::{JobOptions, JobRegistry, enqueue};

/// Job: release an unpaid payment's stock and coupon once it is overdue.
pub const EXPIRE_JOB: &str = "orders.expire_payment";
/// Job: complete a shipped order after the return window.
pub const AUTO_COMPLETE_JOB: &str = "orders.auto_complete";

/// Payload of [`EXPIRE_JOB`]: the payment whose time runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpirePayment {
    /// The payment.
    pub payment_id: i64,
}

/// Payload of [`AUTO_COMPLETE_JOB`]: the shipped order to complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoComplete {
    /// The order.
    pub order_id: i64,
}

/// The member orders of a checkout, as the payee of its payment: paid orders, the coupon
/// spent and sales counted when it succeeds; orders cancelled, stock and coupon back when it
/// is released.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemberOrders;

#[async_trait::async_trait]
impl Payee for MemberOrders {
    async fn paid(
        &self,
        txn: &DatabaseTransaction,
        payment_id: i64,
        at: DateTime<Utc>,
    ) -> Result<(), AppError> {
        orders::Entity::update_many()
            .col_expr(orders::Column::Status, Expr::value(OrderStatus::Paid))
            .col_expr(orders::Column::PaidAt, Expr::value(Some(at)))
            .col_expr(orders::Column::UpdatedAt, Expr::value(at))
            .filter(orders::Column::PaymentId.eq(payment_id))
            .filter(orders::Column::Status.eq(OrderStatus::PendingPayment))
            .exec(txn)
            .await?;
        crate::coupons::spend::spend(txn, payment_id, at).await?;
        // Sales counts (shown on cards; the documents follow at the next change of the product).
        let lines = lines_of_payment(txn, payment_id).await?;
        let sold: Vec<(i64, i64)> = lines
            .iter()
            .map(|l| (l.product_id, i64::from(l.quantity)))
            .collect();
        stock::count_sales(txn, &sold).await
    }

    async fn released(
        &self,
        txn: &DatabaseTransaction,
        payment_id: i64,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let lines = lines_of_payment(txn, payment_id).await?;
        let items: Vec<(i64, i64)> = lines
            .iter()
            .map(|l| (l.sku_id, i64::from(l.quantity)))
            .collect();
        stock::release(txn, &items).await?;
        orders::Entity::update_many()
            .col_expr(orders::Column::Status, Expr::value(OrderStatus::Cancelled))
            .col_expr(orders::Column::CancelledAt, Expr::value(Some(at)))
            .col_expr(
                orders::Column::CancelReason,
                Expr::value(Some(reason.to_owned())),
            )
            .col_expr(orders::Column::UpdatedAt, Expr::value(at))
            .filter(orders::Column::PaymentId.eq(payment_id))
            .filter(orders::Column::Status.eq(OrderStatus::PendingPayment))
            .exec(txn)
            .await?;
        return_coupon(txn, payment_id).await?;
        Ok(())
    }
}

async fn lines_of_payment(
    txn: &DatabaseTransaction,
    payment_id: i64,
) -> Result<Vec<order_lines::Model>, AppError> {
    Ok(order_lines::Entity::find()
        .inner_join(orders::Entity)
        .filter(orders::Column::PaymentId.eq(payment_id))
        .all(txn)
        .await?)
}

/// Marks a payment succeeded and its orders paid, the coupon used: once, in a transaction of
/// its own. `source` names who reported it; `event` is recorded in the audit.
///
/// # Errors
/// Database errors.
pub async fn complete_payment(
    state: &AppState,
    payment_id: i64,
    source: &str,
    event: &str,
) -> Result<Completion, AppError> {
    let txn = begin_write(&state.db).await?;
    let outcome = settle::complete_in(&MemberOrders, &txn, payment_id, source, event).await?;
    txn.commit().await?;
    if outcome == Completion::ArrivedTooLate {
        tracing::warn!(payment_id, "money arrived after expiry; refunding in full");
    }
    Ok(outcome)
}

/// Releases an unpaid payment of a checkout: orders cancelled, stock back, coupon back (or
/// expired if past its validity). Only once, and only while still pending.
///
/// # Errors
/// Database errors.
pub async fn release_in(
    txn: &DatabaseTransaction,
    payment_id: i64,
    reason: &str,
) -> Result<bool, AppError> {
    settle::release_in(&MemberOrders, txn, payment_id, reason).await
}

/// Gives a held or used coupon of a payment back to its member (available while still valid,
/// expired otherwise). Returns whether a coupon was returned to the wallet.
///
/// # Errors
/// Database errors.
pub async fn return_coupon(txn: &DatabaseTransaction, payment_id: i64) -> Result<bool, AppError> {
    Ok(crate::coupons::spend::give_back(txn, payment_id, Utc::now()).await?)
}

/// The member cancels an unpaid checkout.
///
/// # Errors
/// 404 unless it is theirs; 409 once paid or released.
pub async fn cancel(state: &AppState, actor: &Actor, payment_id: i64) -> Result<(), AppError> {
    let p = payments::Entity::find_by_id(payment_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    authz::require_self(actor, p.user_id)?;
    let txn = begin_write(&state.db).await?;
    if !release_in(&txn, payment_id, "cancelled_by_member").await? {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            "订单已支付或已取消 / already paid or cancelled",
        ));
    }
    txn.commit().await?;
    Ok(())
}

async fn load_order_for(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    supplier: bool,
) -> Result<orders::Model, AppError> {
    let o = orders::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if supplier {
        authz::authorize_org_role(
            actor,
            o.supplier_org_id,
            &[Role::SupplierAdmin, Role::SupplierStaff],
        )?;
    } else {
        authz::require_self(actor, o.buyer_user_id)?;
    }
    Ok(o)
}

/// The supplier ships a paid order.
///
/// # Errors
/// 404/403; 409 unless paid; 422 without carrier or tracking number.
pub async fn ship(
    state: &AppState,
    actor: &Actor,
    id: i64,
    carrier: String,
    tracking_no: String,
) -> Result<(), AppError> {
    let o = load_order_for(&state.db, actor, id, true).await?;
    let mut e = FieldErrors::new();
    if !(2..=30).contains(&carrier.trim().chars().count()) {
        e.add(
            "carrier",
            FieldCode::NameLength,
            "快递公司应为2-30个字符 / 2-30 characters",
        );
    }
    if !(4..=40).contains(&tracking_no.trim().len()) {
        e.add(
            "tracking_no",
            FieldCode::TrackingFormat,
            "运单号应为4-40位 / 4-40 characters",
        );
    }
    e.into_result()?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let moved = orders::Entity::update_many()
        .col_expr(orders::Column::Status, Expr::value(OrderStatus::Shipped))
        .col_expr(
            orders::Column::Carrier,
            Expr::value(Some(carrier.trim().to_owned())),
        )
        .col_expr(
            orders::Column::TrackingNo,
            Expr::value(Some(tracking_no.trim().to_owned())),
        )
        .col_expr(orders::Column::ShippedAt, Expr::value(Some(now)))
        .col_expr(orders::Column::UpdatedAt, Expr::value(now))
        .filter(orders::Column::Id.eq(o.id))
        .filter(orders::Column::Status.eq(OrderStatus::Paid))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            "只有已支付的订单可以发货 / only paid orders ship",
        ));
    }
    enqueue(
        &txn,
        AUTO_COMPLETE_JOB,
        AutoComplete { order_id: o.id },
        JobOptions {
            run_at: Some(now + Duration::days(Ord::max(state.config.auto_complete_days, 1))),
            unique_key: Some(format!("auto-complete:{}", o.id)),
            ..JobOptions::default()
        },
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("order.ship", "order", o.id)
            .after(serde_json::json!({"carrier": carrier, "tracking_no": tracking_no})),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The member confirms receipt.
///
/// # Errors
/// 404 unless theirs; 409 unless shipped.
pub async fn receive(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    let o = load_order_for(&state.db, actor, id, false).await?;
    let now = Utc::now();
    let moved = orders::Entity::update_many()
        .col_expr(orders::Column::Status, Expr::value(OrderStatus::Delivered))
        .col_expr(orders::Column::DeliveredAt, Expr::value(Some(now)))
        .col_expr(orders::Column::UpdatedAt, Expr::value(now))
        .filter(orders::Column::Id.eq(o.id))
        .filter(orders::Column::Status.eq(OrderStatus::Shipped))
        .exec(&state.db)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            "只有已发货的订单可以确认收货 / only shipped orders can be received",
        ));
    }
    Ok(())
}

/// Registers the order jobs.
pub fn register(registry: &mut JobRegistry) {
    registry.register_plain(EXPIRE_JOB, |state, job: ExpirePayment| async move {
        let payment_id = job.payment_id;
        let Some(p) = payments::Entity::find_by_id(payment_id)
            .one(&state.db)
            .await?
        else {
            return Ok(());
        };
        if p.status != PaymentStatus::Pending {
            return Ok(());
        }
        // The member may have paid at the last minute while the webhook is late: ask first.
        if let Some(r) = &p.provider_ref
            && let Ok(crate::payments::provider::IntentStatus::Succeeded) =
                state.payments.provider.intent_status(r).await
        {
            complete_payment(&state, payment_id, "expiry_check", r)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            return Ok(());
        }
        let txn = begin_write(&state.db).await?;
        release_in(&txn, payment_id, "payment_timeout")
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        txn.commit().await?;
        Ok(())
    });
    registry.register(
        AUTO_COMPLETE_JOB,
        |_state, job: AutoComplete, txn| async move {
            let order_id = job.order_id;
            let now = Utc::now();
            orders::Entity::update_many()
                .col_expr(orders::Column::Status, Expr::value(OrderStatus::Completed))
                .col_expr(orders::Column::CompletedAt, Expr::value(Some(now)))
                .col_expr(orders::Column::UpdatedAt, Expr::value(now))
                .filter(orders::Column::Id.eq(order_id))
                .filter(
                    orders::Column::Status.is_in([OrderStatus::Shipped, OrderStatus::Delivered]),
                )
                .exec(&txn)
                .await?;
            Ok(txn)
        },
    );
}
