//! `rfq_items`: one item of a request for quote (a listed SKU or a free-text item).
use sea_orm::entity::prelude::*;

/// One row of `rfq_items`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rfq_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub rfq_id: i64,
    pub line_no: i32,
    pub sku_id: Option<i64>,
    pub name: String,
    pub spec: String,
    pub unit: String,
    pub quantity: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
