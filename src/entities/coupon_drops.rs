//! `coupon_drops`: one day's drop of a timed campaign.
use sea_orm::entity::prelude::*;

/// One row of `coupon_drops`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupon_drops")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub campaign_id: i64,
    pub drop_date: Date,
    pub opens_at: DateTimeUtc,
    pub quantity: i64,
    pub claimed: i64,
}

impl ActiveModelBehavior for ActiveModel {}
