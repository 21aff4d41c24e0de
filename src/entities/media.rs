//! `media`: processed images, keyed by the SHA-256 of the uploaded bytes.
use sea_orm::entity::prelude::*;

/// One image.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub hash: String,
    pub width: i32,
    pub height: i32,
    pub source_format: String,
    pub size_bytes: i64,
    pub org_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
