//! Reporting: share rules per jurisdiction and year (versioned), the signed ledger of
//! completion facts, summary rows per (unit, year, month, county, programme, channel, paired)
//! kept in the transaction of each fact, published report snapshots (append-only) and pace
//! alerts sent (once per unit, year and checkpoint).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{allow_update_delete, fk, forbid_update_delete, guard_words, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "share_rules",
    "share_facts",
    "share_summaries",
    "share_reports",
    "pace_alerts",
];

pub const COMPARISONS: &[&str] = &["gt", "gte"];
pub const DENOMINATORS: &[&str] = &["canteen_food", "agri_all", "canteen_union"];
pub const NO_CANTEEN_RULES: &[&str] = &["exempt", "union_funds"];
pub const FACT_SOURCES: &[&str] = &[
    "bulk_order_line",
    "adjustment",
    "red_invoice",
    "offplatform",
    "union_order",
    "staff_order",
];
pub const CHANNELS: &[&str] = &["institutional", "offplatform", "union", "staff"];

/// The columns of a closed vocabulary: (table, column, words), guarded after the tables exist
/// (`util::guard_words`: a CHECK on PostgreSQL, triggers on SQLite).
const WORD_COLUMNS: &[(&str, &str, &[&str])] = &[
    ("share_rules", "comparison", COMPARISONS),
    ("share_rules", "denominator", DENOMINATORS),
    ("share_rules", "no_canteen", NO_CANTEEN_RULES),
    ("share_facts", "source", FACT_SOURCES),
    ("share_facts", "channel", CHANNELS),
    ("share_summaries", "channel", CHANNELS),
];

fn ts(name: &str) -> ColumnDef {
    timestamp_with_time_zone(name.to_owned())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("share_rules")
                    .col(big_pk_auto("id"))
                    .col(string("jurisdiction_code"))
                    .col(integer("year"))
                    .col(integer("version"))
                    .col(integer("target_bp"))
                    .col(string("comparison"))
                    .col(string("denominator"))
                    .col(boolean("actual_if_larger"))
                    .col(boolean("origin_poverty_lifted"))
                    .col(boolean("origin_paired"))
                    .col(boolean("origin_old_revolutionary"))
                    .col(boolean("count_union"))
                    .col(boolean("count_staff"))
                    .col(string("no_canteen"))
                    .col(integer_null("no_canteen_bp"))
                    .col(boolean("min_last_year"))
                    .col(date("filing_deadline"))
                    .col(text("checkpoints"))
                    .col(text_null("note"))
                    .col(big_integer_null("created_by"))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk(
                        "share_rules",
                        "jurisdiction_code",
                        "regions",
                        "code",
                    ))
                    .check((
                        "rule_share_rules_target_bp",
                        Expr::col("target_bp").between(0, 10_000),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "share_rules",
                "uq_share_rules_jurisdiction_code_year_version",
                &["jurisdiction_code", "year", "version"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("share_facts")
                    .col(big_pk_auto("id"))
                    .col(big_integer("unit_org_id"))
                    .col(integer("year"))
                    .col(small_integer("month"))
                    .col(date("fact_date"))
                    .col(string("county_code"))
                    .col(string("programme"))
                    .col(string("channel"))
                    .col(boolean("paired"))
                    .col(big_integer_null("pairing_id"))
                    .col(string("source"))
                    .col(big_integer("source_id"))
                    .col(big_integer("assistance_fen"))
                    .col(big_integer("total_fen"))
                    .col(big_integer_null("order_id"))
                    .col(big_integer_null("supplier_org_id"))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk("share_facts", "unit_org_id", "organizations", "id"))
                    .check(("rule_share_facts_month", Expr::col("month").between(1, 12)))
                    .to_owned(),
            )
            .await?;
        // A fact is recorded once.
        manager
            .create_index(index(
                "share_facts",
                "uq_share_facts_source_source_id",
                &["source", "source_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "share_facts",
                "idx_share_facts_unit_year",
                &["unit_org_id", "year"],
                false,
            ))
            .await?;
        forbid_update_delete(manager, "share_facts").await?;

        manager
            .create_table(
                Table::create()
                    .table("share_summaries")
                    .col(big_integer("unit_org_id"))
                    .col(integer("year"))
                    .col(small_integer("month"))
                    .col(string("county_code"))
                    .col(string("programme"))
                    .col(string("channel"))
                    .col(boolean("paired"))
                    .col(big_integer("assistance_fen"))
                    .col(big_integer("total_fen"))
                    .col(big_integer("facts"))
                    .primary_key(
                        Index::create()
                            .col("unit_org_id")
                            .col("year")
                            .col("month")
                            .col("county_code")
                            .col("programme")
                            .col("channel")
                            .col("paired"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "share_summaries",
                "idx_share_summaries_year",
                &["year", "unit_org_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("share_reports")
                    .col(big_pk_auto("id"))
                    .col(string("jurisdiction_code"))
                    .col(integer("year"))
                    .col(string("title"))
                    .col(date("period_end"))
                    .col(big_integer("rule_id"))
                    .col(text("content"))
                    .col(string("content_hash"))
                    .col(big_integer("published_by"))
                    .col(ts("published_at"))
                    .foreign_key(&mut fk("share_reports", "rule_id", "share_rules", "id"))
                    .to_owned(),
            )
            .await?;
        forbid_update_delete(manager, "share_reports").await?;

        manager
            .create_table(
                Table::create()
                    .table("pace_alerts")
                    .col(big_integer("unit_org_id"))
                    .col(integer("year"))
                    .col(string("checkpoint"))
                    .col(big_integer("completed_fen"))
                    .col(big_integer("reserved_fen"))
                    .col(ts("created_at"))
                    .primary_key(
                        Index::create()
                            .col("unit_org_id")
                            .col("year")
                            .col("checkpoint"),
                    )
                    .foreign_key(&mut fk("pace_alerts", "unit_org_id", "organizations", "id"))
                    .to_owned(),
            )
            .await?;
        for (table, column, words) in WORD_COLUMNS {
            guard_words(manager, table, column, words).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        allow_update_delete(manager, "share_reports").await?;
        allow_update_delete(manager, "share_facts").await?;
        for table in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table((*table).to_owned()).to_owned())
                .await?;
        }
        Ok(())
    }
}
