//! `user_roles`: a user holds a role in an organisation.
use sea_orm::entity::prelude::*;

use crate::auth::model::Role;

/// One role grant.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_roles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub org_id: i64,
    pub role: Role,
    pub granted_by: Option<i64>,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "org_id", to = "id")]
    pub org: BelongsTo<super::organizations::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
