//! `regions`: administrative regions (GB/T 2260 codes) with assistance flags.
use sea_orm::entity::prelude::*;

use crate::regions::model::RegionLevel;

/// One region.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "regions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    pub parent_code: Option<String>,
    pub poverty_lifted: bool,
    pub key_assistance: bool,
    pub old_revolutionary: bool,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
