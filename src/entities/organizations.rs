//! `organizations`: platform, unions, budget units, suppliers, helper districts, jurisdictions.
use sea_orm::entity::prelude::*;

use crate::auth::model::BudgetCategory;
use crate::auth::model::OrgKind;
use crate::auth::model::OrgStatus;

/// One organisation.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: OrgKind,
    pub name: String,
    pub status: OrgStatus,
    pub uscc: Option<String>,
    pub region_code: Option<String>,
    pub category: Option<BudgetCategory>,
    pub helper_district_code: Option<String>,
    pub parent_id: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
