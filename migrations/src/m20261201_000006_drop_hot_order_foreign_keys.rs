//! Order rows stop taking key-share locks on the catalog rows they were bought from
//! (PostgreSQL).
//!
//! Every order line checked `order_lines.sku_id -> product_skus` and every order
//! `orders.supplier_org_id -> organizations`: a `FOR KEY SHARE` lock on the parent row per
//! insert. When many members buy the same popular SKU at once, all those lockers and the
//! stock decrement share the row through a MultiXact that every new locker has to read and
//! extend; under 32 concurrent checkouts of one SKU, PostgreSQL spent a sixth of its time in
//! `GetMultiXactIdMembers`. SKUs and organisations are never deleted (products are delisted,
//! SKUs deactivated, organisations suspended), and an order line keeps its own copy of what
//! was sold (name, spec, price, origin), so the constraint guarded nothing the application
//! does. SQLite (one writer, no row locks) keeps the constraints.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::util::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

const HOT: [(&str, &str, &str); 2] = [
    ("order_lines", "sku_id", "product_skus"),
    ("orders", "supplier_org_id", "organizations"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        for (table, column, _) in HOT {
            manager
                .drop_foreign_key(
                    ForeignKey::drop()
                        .name(format!("fk_{table}_{column}"))
                        .table(table.to_owned())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        for (table, column, target) in HOT {
            manager
                .create_foreign_key(fk(table, column, target, "id"))
                .await?;
        }
        Ok(())
    }
}
