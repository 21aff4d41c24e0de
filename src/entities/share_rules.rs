//! `share_rules`: a version of the share rule of a jurisdiction and year (reporting).
use sea_orm::entity::prelude::*;

use crate::reporting::rules::{Checkpoint, Comparison, DenominatorKind, NoCanteenRule};
use crate::vocab::JsonText;

/// One version of a rule.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "share_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub jurisdiction_code: String,
    pub year: i32,
    pub version: i32,
    pub target_bp: i32,
    pub comparison: Comparison,
    pub denominator: DenominatorKind,
    pub actual_if_larger: bool,
    pub origin_poverty_lifted: bool,
    pub origin_paired: bool,
    pub origin_old_revolutionary: bool,
    pub count_union: bool,
    pub count_staff: bool,
    pub no_canteen: NoCanteenRule,
    pub no_canteen_bp: Option<i32>,
    pub min_last_year: bool,
    pub filing_deadline: Date,
    #[sea_orm(column_type = "Text")]
    pub checkpoints: JsonText<Vec<Checkpoint>>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
