//! `acceptances`: the buyer's acceptance (验货) of one delivery.
use sea_orm::entity::prelude::*;

use crate::vocab::JsonText;

/// One row of `acceptances`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "acceptances")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub delivery_id: i64,
    pub order_id: i64,
    pub accepted_by: i64,
    #[sea_orm(column_type = "Text")]
    pub photos: JsonText<Vec<String>>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
