//! `settlement_statements`: a campaign x supplier settlement statement.
use sea_orm::entity::prelude::*;

use crate::orders::model::SettlementStatus;

/// One row of `settlement_statements`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "settlement_statements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub campaign_id: i64,
    pub supplier_org_id: i64,
    pub coupon_count: i64,
    pub redeemed_fen: i64,
    pub status: SettlementStatus,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub approved_by: Option<i64>,
    pub approved_at: Option<DateTimeUtc>,
    pub paid_at: Option<DateTimeUtc>,
    pub bank_voucher_ref: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
