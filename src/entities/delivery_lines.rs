//! `delivery_lines`: the quantity of one order line in one delivery.
use sea_orm::entity::prelude::*;

/// One row of `delivery_lines`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub delivery_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_line_id: i64,
    pub quantity: i32,
}

impl ActiveModelBehavior for ActiveModel {}
