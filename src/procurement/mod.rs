//! Institutional procurement (budget units, filings, bulk orders, approvals, deliveries,
//! acceptance, invoices, payment on terms, evaluation). See `docs/procurement.md`.
//!
//! Owns its tables (`budget_units` … `bulk_adjustments`); stock is reserved and released
//! through the catalog's steps (`catalog::stock`), the same ones a member checkout uses.

pub mod dto;
pub mod einvoice;
pub mod flow;
mod handlers;
pub mod lists;
pub mod model;
pub mod offplatform;
pub mod orders;
pub mod rfq;
pub mod sheet;
pub mod units;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::worker::JobRegistry;

/// Routes of this context.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::get_unit, handlers::update_unit))
        .routes(routes!(handlers::list_filings, handlers::submit_filing))
        .routes(routes!(handlers::supervised_filings))
        .routes(routes!(handlers::approve_filing))
        .routes(routes!(handlers::return_filing))
        .routes(routes!(handlers::dry_run))
        .routes(routes!(handlers::upload_sheet))
        .routes(routes!(
            handlers::list_bulk_orders,
            handlers::place_bulk_order
        ))
        .routes(routes!(handlers::get_bulk_order))
        .routes(routes!(handlers::approve_order))
        .routes(routes!(handlers::reject_order))
        .routes(routes!(handlers::confirm_order))
        .routes(routes!(handlers::deliver_order))
        .routes(routes!(handlers::accept_delivery))
        .routes(routes!(handlers::upload_invoice))
        .routes(routes!(handlers::record_payment))
        .routes(routes!(handlers::evaluate_order))
        .routes(routes!(handlers::withdraw_order))
        .routes(routes!(
            handlers::list_saved_lists,
            handlers::create_saved_list
        ))
        .routes(routes!(
            handlers::replace_saved_list,
            handlers::delete_saved_list
        ))
        .routes(routes!(handlers::list_rfqs, handlers::create_rfq))
        .routes(routes!(handlers::get_rfq))
        .routes(routes!(handlers::submit_quote))
        .routes(routes!(handlers::award_quote))
        .routes(routes!(handlers::cancel_rfq))
        .routes(routes!(handlers::list_suppliers))
        .routes(routes!(
            offplatform::list_declarations,
            offplatform::declare_purchase
        ))
        .routes(routes!(offplatform::supervised_declarations))
        .routes(routes!(offplatform::verify_declaration))
        .routes(routes!(offplatform::reject_declaration))
}

/// Registers the procurement jobs: the confirmation deadline.
pub fn register_jobs(registry: &mut JobRegistry) {
    registry.register(
        flow::CONFIRM_DEADLINE_JOB,
        |_state, job: flow::ConfirmDeadline, txn| async move {
            flow::cancel_unconfirmed(
                &txn,
                job.order_id,
                "供应商未在期限内确认，系统自动取消 / not confirmed by the deadline",
                true,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(txn)
        },
    );
}
