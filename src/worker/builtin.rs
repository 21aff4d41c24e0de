//! Maintenance jobs every deployment runs.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{JobRegistry, JobState, Slot};
use crate::entities::{idempotency_keys, jobs, sessions};

/// Deletes sessions that ended more than a day ago (expired or revoked).
pub const PURGE_SESSIONS: &str = "maintenance.purge_sessions";
/// Deletes stored idempotent answers past their expiry.
pub const PURGE_IDEMPOTENCY: &str = "maintenance.purge_idempotency_keys";
/// Deletes finished jobs older than a week (dead ones are kept for inspection).
pub const PURGE_JOBS: &str = "maintenance.purge_jobs";

pub(super) fn register(registry: &mut JobRegistry) {
    registry.register(PURGE_SESSIONS, |_state, _slot: Slot, txn| async move {
        let cutoff = Utc::now() - chrono::Duration::days(1);
        sessions::Entity::delete_many()
            .filter(
                sea_orm::Condition::any()
                    .add(sessions::Column::ExpiresAt.lt(cutoff))
                    .add(sessions::Column::RevokedAt.lt(cutoff)),
            )
            .exec(&txn)
            .await?;
        Ok(txn)
    });
    registry.register(PURGE_IDEMPOTENCY, |_state, _slot: Slot, txn| async move {
        idempotency_keys::Entity::delete_many()
            .filter(idempotency_keys::Column::ExpiresAt.lt(Utc::now()))
            .exec(&txn)
            .await?;
        Ok(txn)
    });
    registry.register(PURGE_JOBS, |_state, _slot: Slot, txn| async move {
        let cutoff = Utc::now() - chrono::Duration::days(7);
        jobs::Entity::delete_many()
            .filter(jobs::Column::State.eq(JobState::Done))
            .filter(jobs::Column::FinishedAt.lt(cutoff))
            .exec(&txn)
            .await?;
        Ok(txn)
    });
    crate::suppliers::certs::register_jobs(registry);
    crate::coupons::register_jobs(registry);
    crate::orders::register_jobs(registry);
    crate::payments::register_jobs(registry);
    crate::procurement::register_jobs(registry);
    crate::reporting::register_jobs(registry);
    registry.schedule(PURGE_SESSIONS, Duration::from_secs(3600));
    registry.schedule(PURGE_IDEMPOTENCY, Duration::from_secs(3600));
    registry.schedule(PURGE_JOBS, Duration::from_secs(24 * 3600));
}
