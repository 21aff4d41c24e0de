//! `product_views`: the product read model (see `catalog::view`).
use sea_orm::entity::prelude::*;

use crate::catalog::model::ProductStatus;

/// One product document.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_views")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: i64,
    pub status: ProductStatus,
    pub version: i64,
    #[sea_orm(column_type = "Text")]
    pub doc: String,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
