//! `sku_price_tiers`: quantity price tiers for bulk buyers.
use sea_orm::entity::prelude::*;

/// One tier: from `min_qty` units, `price_fen` each.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sku_price_tiers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub sku_id: i64,
    pub min_qty: i32,
    pub price_fen: i64,
}

impl ActiveModelBehavior for ActiveModel {}
