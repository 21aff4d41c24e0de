//! `zones`: storefront sections (专馆/专区) defined by a rule.
use sea_orm::entity::prelude::*;

use crate::catalog::model::ZoneRule;

/// One zone.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "zones")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub name_en: String,
    pub rule_kind: ZoneRule,
    pub rule_value: String,
    pub banner_media_hash: Option<String>,
    pub description: Option<String>,
    pub position: i32,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
