//! Organisations (platform, unions, budget units, suppliers, helper districts, jurisdictions)
//! and their staff: operators create organisations and invite their first admin; admins add
//! their own staff.

pub mod dto;
mod handlers;
pub mod parents;
pub mod service;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

/// Routes of this context.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list_orgs, handlers::create_org))
        .routes(routes!(handlers::export_orgs))
        .routes(routes!(handlers::get_org, handlers::update_org))
        .routes(routes!(handlers::set_org_status))
        .routes(routes!(handlers::list_members, handlers::add_member))
        .routes(routes!(handlers::revoke_role))
}
