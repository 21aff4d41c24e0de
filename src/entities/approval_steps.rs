//! `approval_steps`: one level of a bulk order's approval chain, frozen at submit.
use sea_orm::entity::prelude::*;

use crate::procurement::model::{ApproverRole, StepStatus};
use crate::vocab::JsonText;

/// One row of `approval_steps`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approval_steps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub level: i16,
    pub role: ApproverRole,
    pub status: StepStatus,
    #[sea_orm(column_type = "Text")]
    pub reasons: JsonText<Vec<String>>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub comment: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
