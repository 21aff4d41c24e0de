//! The one way a role is granted: `user_roles` is written by the auth context only. Other
//! contexts (organisations adding staff, suppliers registering, members verifying their
//! union membership) call [`grant`] in their own transaction. (The seed writes its rows
//! itself: it builds the whole data set in one pass and is the documented exception.)

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use super::model::Role;
use crate::entities::user_roles;

/// Grants `role` in `org_id` to `user_id` (idempotent: a role already held stays as it was).
/// Answers whether the grant is new.
///
/// # Errors
/// Database errors.
pub async fn grant(
    conn: &impl ConnectionTrait,
    user_id: i64,
    org_id: i64,
    role: Role,
    granted_by: Option<i64>,
) -> Result<bool, DbErr> {
    let inserted = user_roles::Entity::insert(user_roles::ActiveModel {
        user_id: Set(user_id),
        org_id: Set(org_id),
        role: Set(role),
        granted_by: Set(granted_by),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            user_roles::Column::UserId,
            user_roles::Column::OrgId,
            user_roles::Column::Role,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(inserted > 0)
}
