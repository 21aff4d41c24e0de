//! `member_roster`: a union's member list, matched by member number and phone.
use sea_orm::entity::prelude::*;

use crate::coupons::model::RosterStatus;

/// One roster entry.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member_roster")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub union_org_id: i64,
    pub member_no: String,
    pub name: String,
    pub phone: String,
    pub work_unit: String,
    pub segment: Option<String>,
    pub status: RosterStatus,
    pub user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "union_org_id", to = "id")]
    pub union: BelongsTo<super::organizations::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
