//! Bangfu (帮扶): a consumption-assistance marketplace.
//!
//! Layout:
//! - Bounded contexts, each with its routes, handlers, service (the rules) and DTOs:
//!   [`auth`] (login, sessions, CSRF, the authorisation layer), [`orgs`] (organisations and
//!   staff), [`regions`] (regions and pairings), [`audit`] (the append-only audit log),
//!   [`suppliers`] (admission, documents, certificates), [`catalog`] (products, review, zones,
//!   search, cache, traceability), [`media`] (images and files). Orders, payments, coupons,
//!   procurement and reporting follow the same shape.
//! - Cross-cutting pieces: [`app`] (state and router), [`config`], [`error`] (the one
//!   `AppError` and its envelope), [`money`], [`domain`] (USCC, region codes, phones),
//!   [`extract`] (request extractors), [`idempotency`], [`worker`] (the job queue),
//!   [`entities`] (sea-orm tables), [`db`], [`ops`] (health, readiness, metrics), [`web`]
//!   (the built frontend), [`seed`] (reference and demo data), [`vocab`] (stored words and
//!   documents, typed), [`export`] (XLSX exports of back-office tables).
//! - Migrations live in the `migrations` workspace crate.

pub mod app;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod config;
pub mod coupons;
pub mod db;
pub mod domain;
pub mod entities;
pub mod error;
pub mod export;
pub mod extract;
pub mod idempotency;
pub mod media;
pub mod money;
pub mod openapi;
pub mod ops;
pub mod orders;
pub mod orgs;
pub mod payments;
pub mod procurement;
pub mod ratelimit;
pub mod regions;
pub mod reporting;
pub mod request_id;
pub mod seed;
pub mod suppliers;
pub mod telemetry;
pub mod time;
pub mod vocab;
pub mod web;
pub mod worker;

pub use app::{AppState, build, router};
pub use config::Config;
pub use error::AppError;
