use axum::extract::State;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::{Actor, authz};
use crate::entities::{audit_log, users};
use crate::error::{AppError, ErrorBody};
use crate::extract::{AppJson, AppQuery, Cursor, PageParams};

/// Filters for the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this kind of object.
    pub entity_type: Option<String>,
    /// Only this object (with `entity_type`).
    pub entity_id: Option<String>,
    /// Page cursor.
    pub cursor: Option<String>,
    /// Page size (1-200).
    pub limit: Option<u64>,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Entry id.
    pub id: i64,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// Who (user id), none for the system.
    pub actor_user_id: Option<i64>,
    /// Who (display name), none for the system.
    pub actor_name: Option<String>,
    /// What was done.
    pub action: String,
    /// Kind of object.
    pub entity_type: String,
    /// Object id.
    pub entity_id: String,
    /// Why.
    pub reason: Option<String>,
    /// State before.
    pub before: Option<serde_json::Value>,
    /// State after.
    pub after: Option<serde_json::Value>,
    /// Request that made the change.
    pub request_id: Option<String>,
}

/// A page of audit entries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Entries.
    pub items: Vec<AuditEntry>,
    /// Cursor of the next page, if any.
    pub next_cursor: Option<String>,
}

/// Reads the audit log (operators).
#[utoipa::path(get, path = "/api/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    actor: Actor,
    AppQuery(q): AppQuery<AuditQuery>,
) -> Result<AppJson<AuditPage>, AppError> {
    authz::require_operator(&actor)?;
    let page = PageParams {
        cursor: q.cursor,
        limit: q.limit,
    };
    let limit = page.limit();
    let mut query = audit_log::Entity::find()
        .find_also_related(users::Entity)
        .order_by_desc(audit_log::Column::Id)
        .limit(limit);
    if let Some(t) = q.entity_type {
        query = query.filter(audit_log::Column::EntityType.eq(t));
    }
    if let Some(id) = q.entity_id {
        query = query.filter(audit_log::Column::EntityId.eq(id));
    }
    if let Some(Cursor(before)) = page.cursor()? {
        query = query.filter(audit_log::Column::Id.lt(before));
    }
    let rows = query.all(&state.db).await?;
    let items: Vec<AuditEntry> = rows
        .into_iter()
        .map(|(e, user)| AuditEntry {
            id: e.id,
            at: e.at,
            actor_user_id: e.actor_user_id,
            actor_name: user.map(|u| u.display_name),
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            reason: e.reason,
            before: e.before,
            after: e.after,
            request_id: e.request_id,
        })
        .collect();
    let next_cursor = Cursor::next(&items, limit, |e| e.id);
    Ok(AppJson(AuditPage { items, next_cursor }))
}
