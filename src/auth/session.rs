//! Server-side sessions: created at login, found by the keyed hash of their token, revocable.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use super::actor::{Actor, Grant};
use super::model::{OrgStatus, UserStatus};
use super::token;
use crate::app::AppState;
use crate::entities::{organizations, sessions, user_roles, users};
use crate::error::AppError;

/// How often `last_seen_at` is refreshed: at most once in this period per session, so that
/// reads do not turn into writes.
const TOUCH_EVERY: Duration = Duration::minutes(5);

/// A freshly created session: the token is shown once and never stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The session id.
    pub id: i64,
    /// The bearer token / cookie value.
    pub token: String,
    /// CSRF token for cookie-authenticated changes.
    pub csrf_token: String,
    /// When the session ends.
    pub expires_at: chrono::DateTime<Utc>,
}

/// Creates a session for `user_id`.
///
/// # Errors
/// Database errors.
pub async fn create(
    state: &AppState,
    conn: &impl ConnectionTrait,
    user_id: i64,
    ip: &str,
    user_agent: Option<String>,
) -> Result<NewSession, AppError> {
    let token = token::generate();
    let csrf_token = token::generate();
    let now = Utc::now();
    let expires_at = now + Duration::hours(state.config.session_ttl_hours.max(1));
    let row = sessions::ActiveModel {
        token_hash: Set(token::keyed_hash(&state.session_key, &token)),
        user_id: Set(user_id),
        csrf_token: Set(csrf_token.clone()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        ip: Set(Some(ip.to_owned())),
        user_agent: Set(user_agent.map(|ua| ua.chars().take(256).collect())),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    // The owner is known now: this instance caches the session from its first use.
    state
        .sessions
        .remember_owner(&row.token_hash, user_id)
        .await;
    Ok(NewSession {
        id: row.id,
        token,
        csrf_token,
        expires_at,
    })
}

/// Finds the live session for `token` and the user's roles. `None` when the token is unknown,
/// expired or revoked, or the user is not active. Served from the session cache (see
/// [`super::cache`]) when its stamp is current.
///
/// # Errors
/// Database errors.
pub async fn resolve(state: &AppState, token: &str) -> Result<Option<Actor>, AppError> {
    let hash = token::keyed_hash(&state.session_key, token);
    let now = Utc::now();
    let cache = &state.sessions;
    let Some(owner) = cache.owner(&hash).await else {
        let loaded = load(state, &hash).await?;
        if let Some((actor, _)) = &loaded {
            cache.remember_owner(&hash, actor.user_id).await;
        }
        return Ok(loaded.map(|(a, _)| a));
    };
    let stamp = cache.stamp(owner).await;
    if let Some(stamp) = &stamp
        && let Some(hit) = cache.get(&hash, stamp, now).await
    {
        return Ok(Some(hit.actor.clone()));
    }
    let loaded = load(state, &hash).await?;
    if let (Some(stamp), Some((actor, expires_at))) = (stamp, &loaded) {
        cache.put(&hash, stamp, actor.clone(), *expires_at).await;
    }
    Ok(loaded.map(|(a, _)| a))
}

/// Reads a live session and its user's roles from the database.
async fn load(
    state: &AppState,
    hash: &str,
) -> Result<Option<(Actor, chrono::DateTime<Utc>)>, AppError> {
    let now = Utc::now();
    let Some((session, Some(user))) = sessions::Entity::find()
        .filter(sessions::Column::TokenHash.eq(hash))
        .find_also_related(users::Entity)
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    if session.revoked_at.is_some()
        || session.expires_at <= now
        || user.status != UserStatus::Active
    {
        return Ok(None);
    }
    if now - session.last_seen_at > TOUCH_EVERY {
        sessions::Entity::update_many()
            .col_expr(
                sessions::Column::LastSeenAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(sessions::Column::Id.eq(session.id))
            .exec(&state.db)
            .await?;
    }
    let grants = grants_of(&state.db, user.id).await?;
    Ok(Some((
        Actor {
            user_id: user.id,
            session_id: session.id,
            display_name: user.display_name,
            grants,
            csrf_token: session.csrf_token,
            via_cookie: false,
        },
        session.expires_at,
    )))
}

/// Every role `user_id` holds, with the organisation's kind, in a stable order. Roles in
/// suspended organisations are left out.
///
/// # Errors
/// Database errors.
pub async fn grants_of(conn: &impl ConnectionTrait, user_id: i64) -> Result<Vec<Grant>, AppError> {
    let rows = user_roles::Entity::find()
        .filter(user_roles::Column::UserId.eq(user_id))
        .find_also_related(organizations::Entity)
        .all(conn)
        .await?;
    let mut grants: Vec<Grant> = rows
        .into_iter()
        .filter_map(|(grant, org)| {
            let org = org?;
            if org.status != OrgStatus::Active {
                return None;
            }
            Some(Grant {
                role: grant.role,
                org_id: grant.org_id,
                org_kind: org.kind,
            })
        })
        .collect();
    grants.sort_by_key(|g| (g.role, g.org_id));
    Ok(grants)
}

/// Revokes one session.
///
/// # Errors
/// Database errors.
pub async fn revoke(conn: &impl ConnectionTrait, session_id: i64) -> Result<bool, AppError> {
    let result = sessions::Entity::update_many()
        .col_expr(
            sessions::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Some(Utc::now())),
        )
        .filter(sessions::Column::Id.eq(session_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Revokes every session of `user_id`, except `keep` if given.
///
/// # Errors
/// Database errors.
pub async fn revoke_all(
    conn: &impl ConnectionTrait,
    user_id: i64,
    keep: Option<i64>,
) -> Result<u64, AppError> {
    let mut query = sessions::Entity::update_many()
        .col_expr(
            sessions::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Some(Utc::now())),
        )
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::RevokedAt.is_null());
    if let Some(id) = keep {
        query = query.filter(sessions::Column::Id.ne(id));
    }
    Ok(query.exec(conn).await?.rows_affected)
}
