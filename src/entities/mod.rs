//! sea-orm entities: one module per table, no business logic (the contexts own the rules).

pub mod audit_log;
pub mod categories;
pub mod certificates;
pub mod documents;
pub mod idempotency_keys;
pub mod invitations;
pub mod jobs;
pub mod media;
pub mod member_roster;
pub mod notifications;
pub mod organizations;
pub mod pairings;
pub mod product_images;
pub mod product_skus;
pub mod product_views;
pub mod products;
pub mod regions;
pub mod sessions;
pub mod sku_price_tiers;
pub mod supplier_profiles;
pub mod user_roles;
pub mod users;
pub mod zones;
