//! `bulk_orders`: an institutional order of a budget unit (or a union) to one supplier.
use sea_orm::entity::prelude::*;

use crate::procurement::model::{BulkOrderStatus, DeliveryAddress, PaymentMethod};
use crate::vocab::JsonText;

/// One row of `bulk_orders`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bulk_orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_no: String,
    pub buyer_org_id: i64,
    pub placed_by: i64,
    pub supplier_org_id: i64,
    pub submission_key: String,
    pub status: BulkOrderStatus,
    pub items_total_fen: i64,
    pub payment_method: PaymentMethod,
    pub payment_term_days: i32,
    #[sea_orm(column_type = "Text")]
    pub delivery_address: JsonText<DeliveryAddress>,
    pub wanted_date: Option<Date>,
    pub rfq_id: Option<i64>,
    pub quote_id: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub confirm_deadline: DateTimeUtc,
    pub approved_at: Option<DateTimeUtc>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub accepted_at: Option<DateTimeUtc>,
    pub due_date: Option<Date>,
    pub payment_id: Option<i64>,
    pub bank_reference: Option<String>,
    pub paid_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub cancel_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
