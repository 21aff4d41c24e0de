//! `pace_alerts`: a pace alert sent (once per unit, year and checkpoint; reporting).
use sea_orm::entity::prelude::*;

/// One alert sent.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pace_alerts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_org_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub checkpoint: String,
    pub completed_fen: i64,
    pub reserved_fen: i64,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
