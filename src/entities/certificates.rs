//! `certificates`: certifications of a supplier or of one of its products.
use sea_orm::entity::prelude::*;

use crate::suppliers::model::CertKind;
use crate::suppliers::model::CertStatus;

/// One certificate.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supplier_org_id: i64,
    pub product_id: Option<i64>,
    pub kind: CertKind,
    pub number: String,
    pub issuer: String,
    pub valid_from: Date,
    pub valid_to: Date,
    pub document_id: Option<i64>,
    pub status: CertStatus,
    pub review_reason: Option<String>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub expiry_warned_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
