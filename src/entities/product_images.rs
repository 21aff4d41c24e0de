//! `product_images`: ordered images of a product.
use sea_orm::entity::prelude::*;

/// One image slot.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_images")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub product_id: i64,
    pub media_hash: String,
    pub position: i32,
}

impl ActiveModelBehavior for ActiveModel {}
