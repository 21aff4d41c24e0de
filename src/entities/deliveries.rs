//! `deliveries`: a delivery (with its delivery note) of a bulk order.
use sea_orm::entity::prelude::*;

/// One row of `deliveries`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub seq: i32,
    pub delivery_no: String,
    pub carrier: Option<String>,
    pub tracking_no: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub created_by: i64,
    pub shipped_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
