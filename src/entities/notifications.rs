//! `notifications`: messages to an organisation (e.g. certificate expiry warnings).
use sea_orm::entity::prelude::*;

use crate::suppliers::model::NotificationKind;

/// One notification.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    pub dedupe_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
