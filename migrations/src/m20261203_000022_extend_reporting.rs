//! Reporting, second step: a fact names the line of its source (a red invoice reverses
//! several order lines, one fact each), and operators get a notification kind for a ledger
//! whose summaries disagree with its facts, and units behind pace get theirs.

use sea_orm_migration::prelude::*;

use crate::util::{guard_words, index, unguard_words};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Notification kinds before and after this migration.
const KINDS_BEFORE: &[&str] = &["certificate_expiring"];
const KINDS_AFTER: &[&str] = &[
    "certificate_expiring",
    "ledger_mismatch",
    "declaration",
    "pace_alert",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("share_facts")
                    .add_column(
                        ColumnDef::new("source_line")
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("uq_share_facts_source_source_id")
                    .table("share_facts")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "share_facts",
                "uq_share_facts_source_source_id_line",
                &["source", "source_id", "source_line"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "share_facts",
                "idx_share_facts_order",
                &["order_id"],
                false,
            ))
            .await?;
        unguard_words(manager, "notifications", "kind").await?;
        guard_words(manager, "notifications", "kind", KINDS_AFTER).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        unguard_words(manager, "notifications", "kind").await?;
        guard_words(manager, "notifications", "kind", KINDS_BEFORE).await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_share_facts_order")
                    .table("share_facts")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("uq_share_facts_source_source_id_line")
                    .table("share_facts")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "share_facts",
                "uq_share_facts_source_source_id",
                &["source", "source_id"],
                true,
            ))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("share_facts")
                    .drop_column("source_line")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
