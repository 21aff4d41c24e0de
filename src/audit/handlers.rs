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
    /// Only this action (`product.approve`, …).
    pub action: Option<String>,
    /// From this day (Beijing time), inclusive.
    pub from: Option<chrono::NaiveDate>,
    /// To this day (Beijing time), inclusive.
    pub to: Option<chrono::NaiveDate>,
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

/// The log with the list's filters, newest first, with who acted.
fn filtered(q: &AuditQuery) -> sea_orm::SelectTwo<audit_log::Entity, users::Entity> {
    let mut query = audit_log::Entity::find()
        .find_also_related(users::Entity)
        .order_by_desc(audit_log::Column::Id);
    if let Some(t) = &q.entity_type {
        query = query.filter(audit_log::Column::EntityType.eq(t.clone()));
    }
    if let Some(id) = &q.entity_id {
        query = query.filter(audit_log::Column::EntityId.eq(id.clone()));
    }
    if let Some(a) = &q.action {
        query = query.filter(audit_log::Column::Action.eq(a.clone()));
    }
    if let Some(from) = q.from {
        query = query.filter(audit_log::Column::At.gte(crate::time::start_of_day(from)));
    }
    if let Some(to) = q.to.and_then(|d| d.succ_opt()) {
        query = query.filter(audit_log::Column::At.lt(crate::time::start_of_day(to)));
    }
    query
}

/// The audit log with the list's filters as an XLSX file (operators): when, who, action,
/// object and reason, at most 10,000 rows; the states before and after (which may hold personal
/// data) stay in the log.
#[utoipa::path(get, path = "/api/audit.xlsx", tag = "audit", params(AuditQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = ErrorBody)))]
pub async fn export_audit(
    State(state): State<AppState>,
    actor: Actor,
    AppQuery(q): AppQuery<AuditQuery>,
) -> Result<axum::response::Response, AppError> {
    use crate::export::Cell;
    authz::require_operator(&actor)?;
    let rows = filtered(&q)
        .limit(crate::export::MAX_ROWS)
        .all(&state.db)
        .await?;
    let headers = [
        "编号 Id",
        "时间 At (UTC+8)",
        "操作人 Actor",
        "操作 Action",
        "对象类型 Object type",
        "对象编号 Object id",
        "原因 Reason",
        "请求编号 Request id",
    ];
    let out: Vec<Vec<Cell>> = rows
        .into_iter()
        .map(|(e, user)| {
            vec![
                e.id.into(),
                (e.at + chrono::Duration::hours(8))
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
                    .into(),
                user.map_or_else(|| "系统 system".to_owned(), |u| u.display_name)
                    .into(),
                e.action.into(),
                e.entity_type.into(),
                e.entity_id.into(),
                e.reason.unwrap_or_default().into(),
                e.request_id.unwrap_or_default().into(),
            ]
        })
        .collect();
    let bytes = crate::export::workbook("审计日志", &headers, &out)?;
    Ok(crate::export::response("audit.xlsx", bytes))
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
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let limit = page.limit();
    let mut query = filtered(&q).limit(limit);
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
