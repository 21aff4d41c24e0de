//! `supplier_profiles`: a supplier's admission application and status.
use sea_orm::entity::prelude::*;

use crate::suppliers::model::SupplierStatus;

/// One supplier profile (one per supplier organisation).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "supplier_profiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: i64,
    pub status: SupplierStatus,
    pub legal_name: String,
    pub uscc: String,
    pub registered_county_code: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub bank_name: Option<String>,
    pub bank_account: Option<String>,
    pub farmer_links: Option<String>,
    pub is_agent: bool,
    pub recommendation: Option<String>,
    pub decision_reason: Option<String>,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
