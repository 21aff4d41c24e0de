//! `order_lines`: a line of an order, with the assistance status frozen at purchase.
use sea_orm::entity::prelude::*;

use crate::regions::model::Programme;
use crate::vocab::JsonText;

/// One row of `order_lines`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub sku_id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub spec: String,
    pub unit_price_fen: i64,
    pub quantity: i32,
    pub line_total_fen: i64,
    pub discount_fen: i64,
    pub refunded_qty: i32,
    pub refunded_fen: i64,
    pub refunded_discount_fen: i64,
    pub assistance_eligible: bool,
    pub origin_county_code: String,
    pub supplier_approved: bool,
    #[sea_orm(column_type = "Text")]
    pub cert_numbers: JsonText<Vec<String>>,
    pub pairing_id: Option<i64>,
    pub helper_code: Option<String>,
    pub programme: Option<Programme>,
    #[sea_orm(belongs_to, from = "order_id", to = "id")]
    pub order: BelongsTo<super::orders::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
