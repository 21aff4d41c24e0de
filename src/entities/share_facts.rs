//! `share_facts`: the signed ledger of completion facts (insert-only; reporting).
use sea_orm::entity::prelude::*;

use crate::reporting::model::{Channel, FactSource};

/// One fact.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "share_facts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_org_id: i64,
    pub year: i32,
    pub month: i16,
    pub fact_date: Date,
    pub county_code: String,
    pub programme: String,
    pub channel: Channel,
    pub paired: bool,
    pub pairing_id: Option<i64>,
    pub source: FactSource,
    pub source_id: i64,
    pub source_line: i64,
    pub assistance_fen: i64,
    pub total_fen: i64,
    pub order_id: Option<i64>,
    pub supplier_org_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
