//! `offplatform_purchases`: a unit's declaration of an agricultural purchase made elsewhere,
//! verified or rejected by its supervising department (procurement).
use sea_orm::entity::prelude::*;

use crate::procurement::model::DeclarationStatus;

/// One declaration.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offplatform_purchases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_org_id: i64,
    pub purchase_date: Date,
    pub seller_name: String,
    pub seller_uscc: Option<String>,
    pub description: String,
    pub amount_fen: i64,
    pub assistance: bool,
    pub origin_county_code: Option<String>,
    pub evidence_key: String,
    pub evidence_filename: String,
    pub status: DeclarationStatus,
    pub created_by: i64,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
