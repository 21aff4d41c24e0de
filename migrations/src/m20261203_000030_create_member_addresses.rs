//! The member's address book: saved shipping addresses, at most one default per member (a
//! partial unique index on both backends).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("member_addresses")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(string("recipient"))
                    .col(string("phone"))
                    .col(string("province_code"))
                    .col(string("city_code"))
                    .col(string_null("district_code"))
                    .col(string("detail"))
                    .col(boolean("is_default"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("member_addresses", "user_id", "users", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "member_addresses",
                "idx_member_addresses_user_id",
                &["user_id"],
                false,
            ))
            .await?;
        // One default address per member (same SQL on PostgreSQL and SQLite).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_member_addresses_default ON member_addresses (user_id) WHERE is_default",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("member_addresses").to_owned())
            .await
    }
}
