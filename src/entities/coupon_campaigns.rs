//! `coupon_campaigns`: a union's coupon campaign.
use sea_orm::entity::prelude::*;

use crate::coupons::model::AudienceKind;
use crate::coupons::model::CampaignStatus;
use crate::coupons::model::ClaimMode;
use crate::coupons::model::Scope;
use crate::coupons::model::ValidityKind;
use crate::vocab::JsonText;

/// One row of `coupon_campaigns`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupon_campaigns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub union_org_id: i64,
    pub name: String,
    pub face_value_fen: i64,
    pub min_spend_fen: i64,
    pub total_quantity: i64,
    pub budget_fen: i64,
    pub per_member_limit: i32,
    pub per_member_daily_limit: i32,
    pub audience_kind: AudienceKind,
    #[sea_orm(column_type = "Text")]
    pub audience_values: JsonText<Vec<String>>,
    pub claim_mode: ClaimMode,
    pub daily_quantity: Option<i64>,
    pub drop_time: Option<String>,
    pub rollover: bool,
    pub validity_kind: ValidityKind,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    pub valid_days: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub scope: JsonText<Scope>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub status: CampaignStatus,
    pub issued_count: i64,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
