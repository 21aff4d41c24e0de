//! `budget_units`: settings of an organisation of kind budget_unit.
use sea_orm::entity::prelude::*;

use crate::procurement::model::CanteenMode;

/// One row of `budget_units`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "budget_units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: i64,
    pub jurisdiction_code: String,
    pub canteen_mode: CanteenMode,
    pub contractor_name: Option<String>,
    pub represented_by_org_id: Option<i64>,
    pub payment_term_days: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
