//! Reporting, second step: a fact names the line of its source (a red invoice reverses
//! several order lines, one fact each), and operators get a notification kind for a ledger
//! whose summaries disagree with its facts, and units behind pace get theirs.

use sea_orm_migration::prelude::*;

use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, TransactionTrait};

use crate::util::{guard_words, index, unguard_words, word_list};

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

/// Replaces the notification kinds' guard. On SQLite the two triggers are dropped and created
/// again in one transaction on one connection: another pooled connection with the old schema
/// cached would refuse the CREATE as "already exists" at parse time.
async fn replace_kinds(manager: &SchemaManager<'_>, words: &[&str]) -> Result<(), DbErr> {
    if manager.get_database_backend() == DatabaseBackend::Postgres {
        unguard_words(manager, "notifications", "kind").await?;
        return guard_words(manager, "notifications", "kind", words).await;
    }
    let txn = manager.get_connection().begin().await?;
    let allowed = word_list(words);
    for (suffix, event) in [("insert", "INSERT"), ("update", "UPDATE OF kind")] {
        txn.execute_unprepared(&format!(
            "DROP TRIGGER IF EXISTS ck_notifications_kind_{suffix}"
        ))
        .await?;
        txn.execute_unprepared(&format!(
            "CREATE TRIGGER ck_notifications_kind_{suffix} BEFORE {event} ON notifications \
             WHEN NEW.kind NOT IN ({allowed}) \
             BEGIN SELECT RAISE(ABORT, 'ck_notifications_kind: unknown kind'); END"
        ))
        .await?;
    }
    txn.commit().await
}

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
        replace_kinds(manager, KINDS_AFTER).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
        replace_kinds(manager, KINDS_BEFORE).await?;
        Ok(())
    }
}
