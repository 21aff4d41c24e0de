//! `rfq_suppliers`: a supplier a request for quote is addressed to.
use sea_orm::entity::prelude::*;

/// One row of `rfq_suppliers`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rfq_suppliers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub rfq_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub supplier_org_id: i64,
}

impl ActiveModelBehavior for ActiveModel {}
