//! `order_evaluations`: the buyer's evaluation (履约评价) of a paid bulk order.
use sea_orm::entity::prelude::*;

/// One row of `order_evaluations`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_evaluations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: i64,
    pub quality: i16,
    pub delivery: i16,
    pub service: i16,
    #[sea_orm(column_type = "Text", nullable)]
    pub comment: Option<String>,
    pub evaluated_by: i64,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
