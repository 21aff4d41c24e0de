//! Member orders: cart, checkout (one order per supplier under one payment), the order life
//! cycle, refunds, and the union's settlement with suppliers.

pub mod addresses;
pub mod checkout;
pub mod dto;
mod handlers;
pub mod lifecycle;
pub mod model;
pub mod pricing;
pub mod refunds;
pub mod settlement;
pub mod views;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

/// Registers the order jobs.
pub fn register_jobs(registry: &mut crate::worker::JobRegistry) {
    lifecycle::register(registry);
}

/// Routes of this context.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::get_cart))
        .routes(routes!(handlers::list_addresses, handlers::create_address))
        .routes(routes!(handlers::update_address, handlers::delete_address))
        .routes(routes!(handlers::set_cart_item))
        .routes(routes!(handlers::quote))
        .routes(routes!(handlers::place))
        .routes(routes!(handlers::get_checkout))
        .routes(routes!(handlers::my_orders))
        .routes(routes!(handlers::get_order))
        .routes(routes!(handlers::supplier_orders))
        .routes(routes!(handlers::export_supplier_orders))
        .routes(routes!(handlers::ship))
        .routes(routes!(handlers::receive))
        .routes(routes!(handlers::cancel_payment))
        .routes(routes!(handlers::order_refunds, handlers::request_refund))
        .routes(routes!(handlers::supplier_refunds))
        .routes(routes!(handlers::export_supplier_refunds))
        .routes(routes!(handlers::approve_refund))
        .routes(routes!(handlers::reject_refund))
        .routes(routes!(
            handlers::list_statements,
            handlers::generate_statements
        ))
        .routes(routes!(handlers::export_statements))
        .routes(routes!(handlers::supplier_statements))
        .routes(routes!(handlers::review_statement))
        .routes(routes!(handlers::approve_statement))
        .routes(routes!(handlers::pay_statement))
}
