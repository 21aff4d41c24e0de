//! `pairings`: helper region -> partner region, with programme and validity.
use sea_orm::entity::prelude::*;

use crate::regions::model::Programme;

/// One pairing.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pairings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub helper_code: String,
    pub partner_code: String,
    pub programme: Programme,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
    pub source: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
