//! Integration tests: the real router on a fresh database per test (see `helpers`).

mod audit;
mod auth;
mod authz;
mod bad_input;
mod catalog;
mod claim_limits;
mod commerce;
mod fixtures;
mod helpers;
mod idempotency;
mod input_limits;
mod jobs;
mod media;
mod media_s3;
mod openapi;
mod ops;
mod orgs;
mod procurement;
mod regions;
mod reliability;
mod reporting;
mod roster;
mod search;
mod storm;
mod stripe;
mod vocabulary;
