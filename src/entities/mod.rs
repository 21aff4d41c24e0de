//! sea-orm entities: one module per table, no business logic (the contexts own the rules).

pub mod audit_log;
pub mod idempotency_keys;
pub mod invitations;
pub mod jobs;
pub mod member_roster;
pub mod organizations;
pub mod pairings;
pub mod regions;
pub mod sessions;
pub mod user_roles;
pub mod users;
