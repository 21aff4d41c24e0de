//! The product read model: one document per product, rewritten with every change, so that a
//! product page is a single primary-key read.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("product_views")
                    .col(big_integer("product_id").primary_key())
                    .col(string("status"))
                    .col(big_integer("version"))
                    .col(text("doc"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("product_views", "product_id", "products", "id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("product_views").if_exists().to_owned())
            .await
    }
}
