//! The append-only audit log: who changed what, when, why, with the before and after state.
//! [`record`] writes an entry inside the caller's transaction, so the entry commits (or rolls
//! back) with the change itself. The table refuses UPDATE and DELETE (a database trigger).

mod handlers;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};
use serde_json::Value;

use crate::app::AppState;
use crate::auth::Actor;
use crate::entities::audit_log;
use crate::request_id;

/// One change to record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// What was done, dotted: `org.create`, `role.grant`, `pairing.update`.
    pub action: &'static str,
    /// Which kind of object: `organization`, `user`, `region`, `pairing`.
    pub entity_type: &'static str,
    /// The object's id.
    pub entity_id: String,
    /// Why (the reason a reviewer gave), if any.
    pub reason: Option<String>,
    /// State before the change.
    pub before: Option<Value>,
    /// State after the change.
    pub after: Option<Value>,
}

impl AuditEvent {
    /// An event with no reason and no states yet.
    #[must_use]
    pub fn new(action: &'static str, entity_type: &'static str, entity_id: impl ToString) -> Self {
        AuditEvent {
            action,
            entity_type,
            entity_id: entity_id.to_string(),
            reason: None,
            before: None,
            after: None,
        }
    }

    /// With the state before.
    #[must_use]
    pub fn before(mut self, value: impl serde::Serialize) -> Self {
        self.before = serde_json::to_value(value).ok();
        self
    }

    /// With the state after.
    #[must_use]
    pub fn after(mut self, value: impl serde::Serialize) -> Self {
        self.after = serde_json::to_value(value).ok();
        self
    }

    /// With a reason.
    #[must_use]
    pub fn reason(mut self, reason: Option<String>) -> Self {
        self.reason = reason;
        self
    }
}

/// Writes `event` through `conn`, which should be the transaction making the change. `actor`
/// is `None` for the system (jobs, seeding).
///
/// # Errors
/// Database errors; the caller's transaction should then roll back.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: Option<&Actor>,
    event: AuditEvent,
) -> Result<(), DbErr> {
    audit_log::ActiveModel {
        at: Set(Utc::now()),
        actor_user_id: Set(actor.map(|a| a.user_id)),
        actor_org_id: Set(actor.and_then(Actor::primary_org)),
        action: Set(event.action.to_owned()),
        entity_type: Set(event.entity_type.to_owned()),
        entity_id: Set(event.entity_id),
        reason: Set(event.reason),
        before: Set(event.before),
        after: Set(event.after),
        request_id: Set(request_id::current().filter(|id| !id.is_empty())),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Routes of this context.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(handlers::list_audit))
        .routes(utoipa_axum::routes!(handlers::export_audit))
}
