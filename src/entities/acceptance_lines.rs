//! `acceptance_lines`: accepted and rejected quantities of one line in one acceptance.
use sea_orm::entity::prelude::*;

use crate::procurement::model::Remedy;

/// One row of `acceptance_lines`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "acceptance_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub acceptance_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_line_id: i64,
    pub accepted_qty: i32,
    pub rejected_qty: i32,
    pub remedy: Remedy,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
