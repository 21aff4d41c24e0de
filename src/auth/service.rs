//! Login, logout, sessions, passwords and invitations.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};

use super::actor::Actor;
use super::dto::{Me, OrgRef, RoleGrant, SessionInfo, UserSummary};
use super::model::UserStatus;
use super::session::{self, NewSession};
use super::{password, token};
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::db::begin_write;
use crate::domain::{Phone, mask_phone};
use crate::entities::{invitations, organizations, sessions, users};
use crate::error::{AppError, FieldCode, FieldErrors};
use crate::ratelimit::Decision;

/// What a successful login returns.
#[derive(Debug)]
pub struct LoggedIn {
    /// The new session.
    pub session: NewSession,
    /// The user and roles.
    pub me: Me,
}

/// Normalises the login: phone numbers to their 11 digits, usernames trimmed and lower-cased.
fn normalise_login(login: &str) -> String {
    match Phone::parse(login) {
        Ok(phone) => phone.as_str().to_owned(),
        Err(_) => login.trim().to_lowercase(),
    }
}

async fn check_rate(state: &AppState, key: String, limit: u32) -> Result<(), AppError> {
    match state
        .limiter
        .hit(&key, limit, state.config.login_window())
        .await
    {
        Decision::Allowed => Ok(()),
        Decision::Limited(wait) => Err(AppError::RateLimited {
            retry_after_secs: wait.as_secs().max(1) + u64::from(wait.subsec_nanos() > 0),
        }),
    }
}

/// Checks a login and password and opens a session. Attempts are counted per client
/// address and per account, whichever identifier names it (before the password is checked,
/// so guessing is throttled too).
///
/// # Errors
/// 429 `rate_limited`, 401 `invalid_credentials`, database errors.
#[tracing::instrument(skip_all)]
pub async fn login(
    state: &AppState,
    login: &str,
    password_text: String,
    ip: &str,
    user_agent: Option<String>,
) -> Result<LoggedIn, AppError> {
    let login = normalise_login(login);
    if login.is_empty() || password_text.is_empty() {
        return Err(AppError::InvalidCredentials);
    }
    check_rate(
        state,
        format!("login:ip:{ip}"),
        state.config.login_max_per_ip,
    )
    .await?;
    let user = users::Entity::find()
        .filter(
            Condition::any()
                .add(users::Column::Username.eq(login.clone()))
                .add(users::Column::Phone.eq(login.clone())),
        )
        .one(&state.db)
        .await?;
    // One count per account, whichever of its identifiers was typed (login name or phone);
    // a text that names no account is counted by itself.
    let account_key = match &user {
        Some(u) => format!("login:user:{}", u.id),
        None => format!("login:acct:{login}"),
    };
    check_rate(
        state,
        account_key.clone(),
        state.config.login_max_per_account,
    )
    .await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let ok = password::verify(password_text, stored).await?;
    let user = match user {
        Some(u) if ok && u.status == UserStatus::Active => u,
        _ => {
            tracing::info!("login refused");
            return Err(AppError::InvalidCredentials);
        }
    };
    state.limiter.reset(&account_key).await;
    let session = session::create(state, &state.db, user.id, ip, user_agent).await?;
    tracing::info!(user_id = user.id, "login");
    let me = me_for(state, user, session.csrf_token.clone()).await?;
    Ok(LoggedIn { session, me })
}

/// Describes the user behind `actor`.
///
/// # Errors
/// Database errors; 401 if the user vanished.
pub async fn me(state: &AppState, actor: &Actor) -> Result<Me, AppError> {
    let user = users::Entity::find_by_id(actor.user_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    me_for(state, user, actor.csrf_token.clone()).await
}

async fn me_for(state: &AppState, user: users::Model, csrf_token: String) -> Result<Me, AppError> {
    let grants = session::grants_of(&state.db, user.id).await?;
    let org_ids: Vec<i64> = grants.iter().map(|g| g.org_id).collect();
    let orgs = organizations::Entity::find()
        .filter(organizations::Column::Id.is_in(org_ids))
        .all(&state.db)
        .await?;
    let roles = grants
        .iter()
        .filter_map(|g| {
            let org = orgs.iter().find(|o| o.id == g.org_id)?;
            Some(RoleGrant {
                role: g.role,
                org: OrgRef {
                    id: org.id,
                    name: org.name.clone(),
                    kind: g.org_kind,
                },
            })
        })
        .collect();
    Ok(Me {
        user: UserSummary {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            phone_masked: user.phone.as_deref().map(mask_phone),
        },
        roles,
        csrf_token,
    })
}

/// Ends the actor's current session.
///
/// # Errors
/// Database errors.
pub async fn logout(state: &AppState, actor: &Actor) -> Result<(), AppError> {
    session::revoke(&state.db, actor.session_id).await?;
    state.sessions.user_changed(actor.user_id).await;
    Ok(())
}

/// The actor's live sessions.
///
/// # Errors
/// Database errors.
pub async fn list_sessions(state: &AppState, actor: &Actor) -> Result<Vec<SessionInfo>, AppError> {
    let now = Utc::now();
    let rows = sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(actor.user_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .filter(sessions::Column::ExpiresAt.gt(now))
        .order_by_desc(sessions::Column::Id)
        .all(&state.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|s| SessionInfo {
            id: s.id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            ip: s.ip,
            user_agent: s.user_agent,
            current: s.id == actor.session_id,
        })
        .collect())
}

/// Revokes one of the actor's own sessions.
///
/// # Errors
/// 404 when it is not one of theirs or already ended; database errors.
pub async fn revoke_session(
    state: &AppState,
    actor: &Actor,
    session_id: i64,
) -> Result<(), AppError> {
    let owned = sessions::Entity::find_by_id(session_id)
        .filter(sessions::Column::UserId.eq(actor.user_id))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if !session::revoke(&state.db, owned.id).await? {
        return Err(AppError::NotFound);
    }
    state.sessions.user_changed(actor.user_id).await;
    Ok(())
}

/// Changes the actor's password and revokes their other sessions.
///
/// # Errors
/// 422 when the current password is wrong or the new one breaks the policy.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    current: String,
    new: String,
) -> Result<(), AppError> {
    password::check_policy(&new)?;
    let user = users::Entity::find_by_id(actor.user_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !password::verify(current, user.password_hash.clone()).await? {
        return Err(FieldErrors::single(
            "current_password",
            FieldCode::WrongPassword,
            "当前密码不正确 / the current password is wrong",
        ));
    }
    let hash = password::hash(new).await?;
    let txn = begin_write(&state.db).await?;
    let mut active = user.into_active_model();
    active.password_hash = Set(Some(hash));
    active.password_changed_at = Set(Some(Utc::now()));
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    session::revoke_all(&txn, actor.user_id, Some(actor.session_id)).await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("user.password_change", "user", actor.user_id),
    )
    .await?;
    txn.commit().await?;
    state.sessions.user_changed(actor.user_id).await;
    Ok(())
}

/// Accepts an invitation: sets the password and activates the user. The token works once.
///
/// # Errors
/// 404 for an unknown, used or expired token; 422 for a password breaking the policy.
pub async fn activate(
    state: &AppState,
    invitation_token: &str,
    password_text: String,
) -> Result<(), AppError> {
    password::check_policy(&password_text)?;
    let hash = token::keyed_hash(&state.session_key, invitation_token);
    let now = Utc::now();
    let invitation = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(hash))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(now))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let password_hash = password::hash(password_text).await?;
    let txn = begin_write(&state.db).await?;
    // Conditional update: only the first of two concurrent activations wins.
    let accepted = invitations::Entity::update_many()
        .col_expr(
            invitations::Column::AcceptedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(invitations::Column::Id.eq(invitation.id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .exec(&txn)
        .await?;
    if accepted.rows_affected != 1 {
        return Err(AppError::NotFound);
    }
    let user = users::Entity::find_by_id(invitation.user_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.status == UserStatus::Disabled {
        return Err(AppError::NotFound);
    }
    let mut active = user.into_active_model();
    active.password_hash = Set(Some(password_hash));
    active.status = Set(UserStatus::Active);
    active.password_changed_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    audit::record(
        &txn,
        None,
        AuditEvent::new("user.activate", "user", invitation.user_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
