//! `users`: people who log in.
use sea_orm::entity::prelude::*;

use crate::auth::model::UserStatus;

/// One user.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub status: UserStatus,
    pub password_changed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
