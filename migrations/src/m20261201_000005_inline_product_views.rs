//! Product documents stay inline and uncompressed on PostgreSQL, and are rewritten in the
//! document format of this release.
//!
//! A document is 2-4 KB: above PostgreSQL's default TOAST threshold (~2 KB), so every product
//! page paid for a pglz decompression. `toast_tuple_target = 8160` keeps rows up to a page
//! inline as they are. The documents are derived data: they are deleted here and `serve` (or
//! `seed`) writes them again before its first request, in the new format (the product card
//! nested rather than flattened, which is cheaper to read back).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("ALTER TABLE product_views SET (toast_tuple_target = 8160)")
                .await?;
        }
        db.execute_unprepared("DELETE FROM product_views").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared("ALTER TABLE product_views RESET (toast_tuple_target)")
                .await?;
        }
        db.execute_unprepared("DELETE FROM product_views").await?;
        Ok(())
    }
}
