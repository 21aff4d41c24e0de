//! `categories`: the agricultural category tree.
use sea_orm::entity::prelude::*;

/// One category.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "categories")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub parent_id: Option<i64>,
    pub slug: String,
    pub name: String,
    pub name_en: String,
    pub position: i32,
}

impl ActiveModelBehavior for ActiveModel {}
