//! What other contexts do with a member's coupon when it pays for something: hold it for a
//! payment, spend it when the payment succeeds, give it back when the payment is released or
//! refunded. Only the coupons context writes the `coupons` table; checkout and the order life
//! cycle call these in their own transactions.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::model::CouponStatus;
use crate::entities::coupons;

/// Holds the member's available, still valid coupon for `payment_id`. Answers false when it
/// is not (any more) the member's to hold.
///
/// # Errors
/// Database errors.
pub async fn hold(
    conn: &impl ConnectionTrait,
    coupon_id: i64,
    user_id: i64,
    payment_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let held = coupons::Entity::update_many()
        .col_expr(coupons::Column::Status, Expr::value(CouponStatus::Held))
        .col_expr(coupons::Column::PaymentId, Expr::value(Some(payment_id)))
        .col_expr(coupons::Column::UpdatedAt, Expr::value(now))
        .filter(coupons::Column::Id.eq(coupon_id))
        .filter(coupons::Column::UserId.eq(user_id))
        .filter(coupons::Column::Status.eq(CouponStatus::Available))
        .filter(coupons::Column::ValidUntil.gt(now))
        .exec(conn)
        .await?;
    Ok(held.rows_affected == 1)
}

/// Marks the coupon held for `payment_id` used (the payment succeeded).
///
/// # Errors
/// Database errors.
pub async fn spend(
    conn: &impl ConnectionTrait,
    payment_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    coupons::Entity::update_many()
        .col_expr(coupons::Column::Status, Expr::value(CouponStatus::Used))
        .col_expr(coupons::Column::UsedAt, Expr::value(Some(now)))
        .col_expr(coupons::Column::UpdatedAt, Expr::value(now))
        .filter(coupons::Column::PaymentId.eq(payment_id))
        .filter(coupons::Column::Status.eq(CouponStatus::Held))
        .exec(conn)
        .await?;
    Ok(())
}

/// Gives a held or used coupon of a payment back to its member: available while still
/// valid, expired otherwise. Answers whether a coupon went back to the wallet.
///
/// # Errors
/// Database errors.
pub async fn give_back(
    conn: &impl ConnectionTrait,
    payment_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let back = coupons::Entity::update_many()
        .col_expr(
            coupons::Column::Status,
            Expr::value(CouponStatus::Available),
        )
        .col_expr(coupons::Column::PaymentId, Expr::value(Option::<i64>::None))
        .col_expr(
            coupons::Column::UsedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(coupons::Column::UpdatedAt, Expr::value(now))
        .filter(coupons::Column::PaymentId.eq(payment_id))
        .filter(coupons::Column::Status.is_in([CouponStatus::Held, CouponStatus::Used]))
        .filter(coupons::Column::ValidUntil.gt(now))
        .exec(conn)
        .await?;
    coupons::Entity::update_many()
        .col_expr(coupons::Column::Status, Expr::value(CouponStatus::Expired))
        .col_expr(coupons::Column::UpdatedAt, Expr::value(now))
        .filter(coupons::Column::PaymentId.eq(payment_id))
        .filter(coupons::Column::Status.is_in([CouponStatus::Held, CouponStatus::Used]))
        .exec(conn)
        .await?;
    Ok(back.rows_affected > 0)
}
