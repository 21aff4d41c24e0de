//! `quotes`: a supplier's answer to a request for quote (报价).
use sea_orm::entity::prelude::*;

use crate::procurement::model::QuoteStatus;

/// One row of `quotes`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quotes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub rfq_id: i64,
    pub supplier_org_id: i64,
    pub status: QuoteStatus,
    pub valid_until: Date,
    pub delivery_days: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub terms: Option<String>,
    pub total_fen: i64,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
