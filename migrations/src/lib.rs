//! Database migrations for Bangfu, one file per change, applied in order by
//! `bangfu migrate` (or on start in the embedded demo). See `README.md` here for the rules.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_foundation;
mod m20261122_000002_create_catalog;
mod m20261122_000003_create_product_views;
mod m20261122_000004_create_commerce;
mod m20261201_000005_inline_product_views;
mod m20261201_000006_drop_hot_order_foreign_keys;
mod m20261203_000007_check_vocabulary;
mod m20261203_000020_create_procurement;
mod m20261203_000021_create_reporting;
mod m20261203_000022_extend_reporting;
mod m20261203_000030_create_member_addresses;
mod util;

/// The ordered list of migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_foundation::Migration),
            Box::new(m20261122_000002_create_catalog::Migration),
            Box::new(m20261122_000003_create_product_views::Migration),
            Box::new(m20261122_000004_create_commerce::Migration),
            Box::new(m20261201_000005_inline_product_views::Migration),
            Box::new(m20261201_000006_drop_hot_order_foreign_keys::Migration),
            Box::new(m20261203_000007_check_vocabulary::Migration),
            Box::new(m20261203_000020_create_procurement::Migration),
            Box::new(m20261203_000021_create_reporting::Migration),
            Box::new(m20261203_000022_extend_reporting::Migration),
            Box::new(m20261203_000030_create_member_addresses::Migration),
        ]
    }
}
