//! Authentication and authorisation: login, sessions, CSRF, passwords, invitations, and the
//! one authorisation layer every handler uses ([`authz`]).

mod actor;
pub mod authz;
pub mod cache;
mod dto;
pub mod grants;
mod handlers;
pub mod model;
pub mod password;
mod service;
pub mod session;
pub mod token;

pub use actor::{Actor, CSRF_HEADER, Grant, SESSION_COOKIE};
pub use dto::{Me, OrgRef, RoleGrant, UserSummary};
pub use model::{BudgetCategory, OrgKind, OrgStatus, Role, UserStatus};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

/// Routes of this context.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::login))
        .routes(routes!(handlers::logout))
        .routes(routes!(handlers::me))
        .routes(routes!(handlers::list_sessions))
        .routes(routes!(handlers::revoke_session))
        .routes(routes!(handlers::change_password))
        .routes(routes!(handlers::activate))
}
