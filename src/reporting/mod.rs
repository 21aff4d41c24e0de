//! Reporting: each budget unit's share of assistance procurement and where the money went
//! (`docs/reporting.md`). Reads every context's tables, writes only its own (rules, the
//! ledger of facts and its summaries).

pub mod dto;
mod export;
pub mod figures;
mod handlers;
pub mod ledger;
pub mod model;
pub mod publish;
pub mod rules;
pub mod service;
#[cfg(test)]
mod variants;

use std::time::Duration;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::worker::{JobRegistry, Slot};

/// The job that rebuilds the summaries from the facts and raises the alarm on a difference.
pub const RECOMPUTE_JOB: &str = "reporting.recompute";

/// The job that flags units behind pace at the rule's checkpoints (once per period).
pub const PACE_JOB: &str = "reporting.pace_alerts";

/// Routes of this context.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list_rules, handlers::create_rule))
        .routes(routes!(handlers::get_rule))
        .routes(routes!(handlers::unit_report))
        .routes(routes!(handlers::unit_facts))
        .routes(routes!(handlers::city_report))
        .routes(routes!(handlers::city_xlsx))
        .routes(routes!(handlers::department_report))
        .routes(routes!(handlers::district_report))
        .routes(routes!(handlers::where_report))
        .routes(routes!(handlers::list_reports, handlers::publish_report))
        .routes(routes!(handlers::get_report))
}

/// Registers the reporting jobs: the nightly recomputation of the summaries and the daily
/// pace check.
pub fn register_jobs(registry: &mut JobRegistry) {
    registry.register(RECOMPUTE_JOB, |_state, _slot: Slot, txn| async move {
        ledger::recompute(&txn, chrono::Utc::now())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(txn)
    });
    registry.schedule(RECOMPUTE_JOB, Duration::from_secs(24 * 3600));
    registry.register(PACE_JOB, |_state, _slot: Slot, txn| async move {
        let today = crate::time::business_date(chrono::Utc::now());
        service::check_pace(&txn, today)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(txn)
    });
    registry.schedule(PACE_JOB, Duration::from_secs(24 * 3600));
}
