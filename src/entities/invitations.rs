//! `invitations`: one-time tokens with which an invited user sets a password.
use sea_orm::entity::prelude::*;

use crate::auth::model::Role;

/// One invitation.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub token_hash: String,
    pub user_id: i64,
    pub org_id: i64,
    pub role: Role,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
