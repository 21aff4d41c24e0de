//! `saved_list_items`: a SKU and its usual quantity on a saved list.
use sea_orm::entity::prelude::*;

/// One row of `saved_list_items`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "saved_list_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub list_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sku_id: i64,
    pub quantity: i32,
    pub position: i32,
}

impl ActiveModelBehavior for ActiveModel {}
