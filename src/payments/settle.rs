//! A payment's two endings, succeeded or released, each one guarded transition of the payment
//! row followed, in the same transaction, by what the payment pays for ([`Payee`]: the member
//! orders of a checkout). The payments context writes its rows; the payee writes its own.

use std::fmt::Debug;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use super::model::PaymentStatus;
use crate::audit::{self, AuditEvent};
use crate::entities::payments;
use crate::error::AppError;

/// What a payment pays for, told in the payment's transaction when it ends. Registered once
/// at start (`Payments::payee`), so that the payments context never imports its payees.
#[async_trait::async_trait]
pub trait Payee: Send + Sync + Debug {
    /// The payment just succeeded: mark what it pays for as paid.
    async fn paid(
        &self,
        txn: &DatabaseTransaction,
        payment_id: i64,
        at: DateTime<Utc>,
    ) -> Result<(), AppError>;

    /// The payment was released unpaid: give back what it held (stock, coupon).
    async fn released(
        &self,
        txn: &DatabaseTransaction,
        payment_id: i64,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), AppError>;
}

/// What completing a payment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// Pending -> succeeded now.
    Completed,
    /// It was already succeeded: nothing to do.
    AlreadyDone,
    /// It had expired (stock and coupon released) before the money arrived: refund it.
    ArrivedTooLate,
}

/// Marks a payment succeeded (only from pending) and tells its payee, in the caller's
/// transaction. `source` names who reported it (`webhook`, `test`, `reconcile`, `coupon`);
/// `event` is recorded in the audit.
///
/// # Errors
/// 404 for an unknown payment; database errors.
pub async fn complete_in(
    payee: &dyn Payee,
    txn: &DatabaseTransaction,
    payment_id: i64,
    source: &str,
    event: &str,
) -> Result<Completion, AppError> {
    let now = Utc::now();
    let moved = payments::Entity::update_many()
        .col_expr(
            payments::Column::Status,
            Expr::value(PaymentStatus::Succeeded),
        )
        .col_expr(payments::Column::PaidAt, Expr::value(Some(now)))
        .col_expr(payments::Column::UpdatedAt, Expr::value(now))
        .filter(payments::Column::Id.eq(payment_id))
        .filter(payments::Column::Status.eq(PaymentStatus::Pending))
        .exec(txn)
        .await?;
    if moved.rows_affected != 1 {
        let p = payments::Entity::find_by_id(payment_id)
            .one(txn)
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(if p.status == PaymentStatus::Succeeded {
            Completion::AlreadyDone
        } else {
            Completion::ArrivedTooLate
        });
    }
    payee.paid(txn, payment_id, now).await?;
    audit::record(
        txn,
        None,
        AuditEvent::new("payment.succeeded", "payment", payment_id)
            .after(serde_json::json!({"source": source, "event": event})),
    )
    .await?;
    Ok(Completion::Completed)
}

/// Releases an unpaid payment (only while still pending) and tells its payee, in the caller's
/// transaction. Returns whether this call released it.
///
/// # Errors
/// Database errors.
pub async fn release_in(
    payee: &dyn Payee,
    txn: &DatabaseTransaction,
    payment_id: i64,
    reason: &str,
) -> Result<bool, AppError> {
    let now = Utc::now();
    let moved = payments::Entity::update_many()
        .col_expr(
            payments::Column::Status,
            Expr::value(PaymentStatus::Expired),
        )
        .col_expr(payments::Column::UpdatedAt, Expr::value(now))
        .filter(payments::Column::Id.eq(payment_id))
        .filter(payments::Column::Status.eq(PaymentStatus::Pending))
        .exec(txn)
        .await?;
    if moved.rows_affected != 1 {
        return Ok(false);
    }
    payee.released(txn, payment_id, reason, now).await?;
    audit::record(
        txn,
        None,
        AuditEvent::new("payment.released", "payment", payment_id).reason(Some(reason.to_owned())),
    )
    .await?;
    Ok(true)
}
