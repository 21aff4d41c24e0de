//! `share_reports`: a published report (通报), an immutable snapshot (reporting).
use sea_orm::entity::prelude::*;

/// One published report.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "share_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub jurisdiction_code: String,
    pub year: i32,
    pub title: String,
    pub period_end: Date,
    pub rule_id: i64,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub content_hash: String,
    pub published_by: i64,
    pub published_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
