//! `rfqs`: a buyer's request for quote (询价).
use sea_orm::entity::prelude::*;

use crate::procurement::model::RfqStatus;

/// One row of `rfqs`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rfqs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub rfq_no: String,
    pub buyer_org_id: i64,
    pub created_by: i64,
    pub title: String,
    pub status: RfqStatus,
    pub deadline: DateTimeUtc,
    pub wanted_date: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub awarded_quote_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
