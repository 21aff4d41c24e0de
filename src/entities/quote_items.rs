//! `quote_items`: a quote's unit price for one item of the request.
use sea_orm::entity::prelude::*;

/// One row of `quote_items`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quote_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub quote_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub rfq_item_id: i64,
    pub unit_price_fen: i64,
    pub line_total_fen: i64,
}

impl ActiveModelBehavior for ActiveModel {}
