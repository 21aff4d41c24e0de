//! `filings`: a version of a unit's annual filing (预留份额).
use sea_orm::entity::prelude::*;

use crate::procurement::model::{CanteenMode, FilingStatus};
use crate::vocab::JsonText;

/// One row of `filings`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "filings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_org_id: i64,
    pub year: i32,
    pub version: i32,
    pub status: FilingStatus,
    pub canteen_mode: CanteenMode,
    pub expected_total_fen: i64,
    pub ratio_bp: i32,
    pub reserved_fen: i64,
    pub union_funds_fen: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub covered_units: JsonText<Vec<i64>>,
    pub contact_name: String,
    pub contact_phone: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub created_by: i64,
    pub submitted_at: Option<DateTimeUtc>,
    pub submitted_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
