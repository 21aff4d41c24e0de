//! `refunds`: a refund request and its outcome.
use sea_orm::entity::prelude::*;

use crate::orders::model::RefundLine;
use crate::payments::model::RefundStatus;
use crate::vocab::JsonText;

/// One row of `refunds`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub payment_id: i64,
    pub requested_by: i64,
    pub status: RefundStatus,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    #[sea_orm(column_type = "Text")]
    pub photos: JsonText<Vec<String>>,
    #[sea_orm(column_type = "Text")]
    pub lines: JsonText<Vec<RefundLine>>,
    pub amount_fen: i64,
    pub discount_fen: i64,
    pub restock: bool,
    pub coupon_returned: bool,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub decision_reason: Option<String>,
    pub provider_refund_ref: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "order_id", to = "id")]
    pub order: BelongsTo<super::orders::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
