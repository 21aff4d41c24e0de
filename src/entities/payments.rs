//! `payments`: one payment covering a checkout's orders.
use sea_orm::entity::prelude::*;

use crate::payments::model::PaymentStatus;

/// One row of `payments`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub amount_fen: i64,
    pub currency: String,
    pub provider: String,
    pub provider_ref: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub client_secret: Option<String>,
    pub status: PaymentStatus,
    pub attempt: i32,
    pub coupon_id: Option<i64>,
    pub discount_fen: i64,
    pub checkout_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub paid_at: Option<DateTimeUtc>,
    pub expires_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
