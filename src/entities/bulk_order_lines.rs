//! `bulk_order_lines`: a line of a bulk order: its price and assistance facts frozen, its quantities through the cycle.
use sea_orm::entity::prelude::*;

use crate::procurement::model::PriceSource;
use crate::regions::model::Programme;
use crate::vocab::JsonText;

/// One row of `bulk_order_lines`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bulk_order_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub line_no: i32,
    pub sku_id: Option<i64>,
    pub product_id: Option<i64>,
    pub category_id: Option<i64>,
    pub product_name: String,
    pub spec: String,
    pub unit: String,
    pub unit_price_fen: i64,
    pub price_source: PriceSource,
    pub rfq_item_id: Option<i64>,
    pub ordered_qty: i32,
    pub confirmed_qty: Option<i32>,
    pub delivered_qty: i32,
    pub accepted_qty: i32,
    pub rejected_qty: i32,
    pub credited_qty: i32,
    pub returned_qty: i32,
    pub wanted_date: Option<Date>,
    pub assistance_eligible: bool,
    pub origin_county_code: Option<String>,
    pub supplier_approved: bool,
    #[sea_orm(column_type = "Text")]
    pub cert_numbers: JsonText<Vec<String>>,
    pub pairing_id: Option<i64>,
    pub helper_code: Option<String>,
    pub programme: Option<Programme>,
}

impl ActiveModelBehavior for ActiveModel {}
