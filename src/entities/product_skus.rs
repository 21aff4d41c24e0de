//! `product_skus`: sellable variants of a product (spec, price, stock).
use sea_orm::entity::prelude::*;

/// One SKU.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_skus")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub product_id: i64,
    pub spec: String,
    pub price_fen: i64,
    pub unit: String,
    pub weight_grams: i32,
    pub stock: i64,
    pub min_order_qty: i32,
    pub position: i32,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
