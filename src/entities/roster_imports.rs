//! `roster_imports`: a roster import (dry run or real).
use sea_orm::entity::prelude::*;

use crate::coupons::dto::RowError;
use crate::coupons::model::ImportStatus;
use crate::vocab::JsonText;

/// One row of `roster_imports`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roster_imports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub union_org_id: i64,
    pub status: ImportStatus,
    pub dry_run: bool,
    pub file_key: String,
    pub filename: String,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub valid_rows: i64,
    pub error_rows: i64,
    pub inserted: i64,
    pub updated: i64,
    pub left_members: i64,
    #[sea_orm(column_type = "Text")]
    pub errors: Option<JsonText<Vec<RowError>>>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
