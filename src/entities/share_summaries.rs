//! `share_summaries`: sums of facts per (unit, year, month, county, programme, channel,
//! paired), kept in the transaction of each fact (reporting).
use sea_orm::entity::prelude::*;

use crate::reporting::model::Channel;

/// One summary row.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "share_summaries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_org_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: i16,
    #[sea_orm(primary_key, auto_increment = false)]
    pub county_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub programme: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel: Channel,
    #[sea_orm(primary_key, auto_increment = false)]
    pub paired: bool,
    pub assistance_fen: i64,
    pub total_fen: i64,
    pub facts: i64,
}

impl ActiveModelBehavior for ActiveModel {}
