//! `invoice_lines`: a line of an invoice.
use sea_orm::entity::prelude::*;

/// One row of `invoice_lines`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub invoice_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    pub item_name: String,
    pub spec: Option<String>,
    pub unit: Option<String>,
    pub quantity: Option<String>,
    pub unit_price: Option<String>,
    pub amount_fen: i64,
    pub discount_fen: i64,
    pub tax_rate: String,
    pub tax_fen: i64,
    pub total_fen: i64,
    pub order_line_id: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
