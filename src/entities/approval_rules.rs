//! `approval_rules`: a rule of a unit deciding how many approval levels an order needs.
use sea_orm::entity::prelude::*;

use crate::procurement::model::ApprovalRuleKind;

/// One row of `approval_rules`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approval_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_org_id: i64,
    pub kind: ApprovalRuleKind,
    pub amount_fen: Option<i64>,
    pub category_id: Option<i64>,
    pub levels: i16,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
