//! `orders`: an order with one supplier.
use sea_orm::entity::prelude::*;

use crate::orders::model::OrderKind;
use crate::orders::model::OrderStatus;
use crate::orders::model::StoredAddress;
use crate::vocab::JsonText;

/// One row of `orders`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_no: String,
    pub kind: OrderKind,
    pub payment_id: i64,
    pub buyer_user_id: i64,
    pub supplier_org_id: i64,
    pub union_org_id: Option<i64>,
    pub campaign_id: Option<i64>,
    pub status: OrderStatus,
    pub items_total_fen: i64,
    pub discount_fen: i64,
    pub amount_due_fen: i64,
    pub refunded_fen: i64,
    #[sea_orm(column_type = "Text")]
    pub address: JsonText<StoredAddress>,
    pub carrier: Option<String>,
    pub tracking_no: Option<String>,
    pub paid_at: Option<DateTimeUtc>,
    pub shipped_at: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancel_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
