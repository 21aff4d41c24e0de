//! `coupons`: a member's coupon.
use sea_orm::entity::prelude::*;

use crate::coupons::model::CouponStatus;

/// One row of `coupons`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupons")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub campaign_id: i64,
    pub user_id: i64,
    pub drop_id: Option<i64>,
    pub seq: i32,
    pub claim_day: Date,
    pub day_seq: i32,
    pub face_value_fen: i64,
    pub min_spend_fen: i64,
    pub status: CouponStatus,
    pub valid_from: DateTimeUtc,
    pub valid_until: DateTimeUtc,
    pub payment_id: Option<i64>,
    pub claimed_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "campaign_id", to = "id")]
    pub campaign: BelongsTo<super::coupon_campaigns::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
