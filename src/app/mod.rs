//! The application: its state ([`state`]) and its HTTP router ([`router`]). Handlers and job
//! runners hold [`AppState`]; services take the parts they use.

mod router;
mod state;

pub use router::{api, openapi_document, router};
pub use state::{App, AppState, build, build_with_db, connect_redis};

use crate::worker::JobRegistry;

/// The job registry of the application: the worker's maintenance jobs and every context's
/// (the worker itself imports no context).
#[must_use]
pub fn jobs() -> JobRegistry {
    let mut registry = JobRegistry::with_builtin();
    crate::suppliers::certs::register_jobs(&mut registry);
    crate::coupons::register_jobs(&mut registry);
    crate::orders::register_jobs(&mut registry);
    crate::payments::register_jobs(&mut registry);
    crate::procurement::register_jobs(&mut registry);
    crate::reporting::register_jobs(&mut registry);
    registry
}
