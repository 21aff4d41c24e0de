//! Every status and kind column accepts only the words the application knows.
//!
//! The application reads these columns into enums and treats an unknown word as an error; here
//! the database refuses to store one. The lists are frozen with this migration (a migration
//! cannot import the application's enums): a new word is a new migration, and a test in the
//! application (`tests/api/vocabulary.rs`) fails while an enum and the database disagree.
//!
//! - PostgreSQL: `ALTER TABLE … ADD CONSTRAINT ck_<table>_<column> CHECK (<column> IN (…))`.
//! - SQLite cannot add a CHECK to an existing table. Rebuilding 25 tables (create a copy with
//!   the CHECK, copy the rows, drop, rename) would repeat every column, index, foreign key and
//!   trigger of each table in this file, and a mistake there loses data; so SQLite gets two
//!   triggers per column instead, `ck_<table>_<column>_insert` (BEFORE INSERT) and
//!   `ck_<table>_<column>_update` (BEFORE UPDATE OF the column), which abort with the
//!   constraint's name. A NULL passes, as it does a CHECK.
//!
//! Rows already stored are checked first on both backends (PostgreSQL would refuse the
//! constraint anyway; SQLite triggers would not look at them): the migration fails naming the
//! column and the words it found, rather than leaving words the application cannot read.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::Statement;

use crate::util::{guard_words, unguard_words, word_list};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, column, allowed words).
const VOCABULARY: &[(&str, &str, &[&str])] = &[
    (
        "regions",
        "level",
        &["province", "city", "district", "county"],
    ),
    (
        "pairings",
        "programme",
        &["east_west", "old_revolutionary", "in_province"],
    ),
    (
        "organizations",
        "kind",
        &[
            "platform",
            "union",
            "budget_unit",
            "supplier",
            "helper_district",
            "jurisdiction",
        ],
    ),
    ("organizations", "status", &["active", "suspended"]),
    (
        "organizations",
        "category",
        &["agency", "soe", "school", "hospital", "community_canteen"],
    ),
    ("users", "status", &["invited", "active", "disabled"]),
    ("user_roles", "role", ROLES),
    ("invitations", "role", ROLES),
    ("member_roster", "status", &["active", "left"]),
    ("jobs", "state", &["pending", "running", "done", "dead"]),
    ("idempotency_keys", "state", &["in_progress", "done"]),
    (
        "supplier_profiles",
        "status",
        &[
            "draft",
            "submitted",
            "recommended",
            "approved",
            "rejected",
            "suspended",
        ],
    ),
    (
        "documents",
        "kind",
        &[
            "business_licence",
            "food_licence",
            "farmer_evidence",
            "certificate_scan",
            "test_report",
            "other",
        ],
    ),
    ("products", "storage", &["ambient", "chilled", "frozen"]),
    ("products", "status", PRODUCT_STATUSES),
    (
        "certificates",
        "kind",
        &[
            "assistance_product",
            "zhenpin",
            "green_food",
            "organic",
            "geo_indication",
            "compliance_certificate",
            "supply_base",
        ],
    ),
    (
        "certificates",
        "status",
        &["pending", "verified", "rejected", "expired"],
    ),
    (
        "zones",
        "rule_kind",
        &["region", "programme", "certificate"],
    ),
    ("notifications", "kind", &["certificate_expiring"]),
    ("product_views", "status", PRODUCT_STATUSES),
    (
        "roster_imports",
        "status",
        &["pending", "running", "done", "failed"],
    ),
    (
        "coupon_campaigns",
        "audience_kind",
        &["all", "segment", "work_units"],
    ),
    ("coupon_campaigns", "claim_mode", &["drop", "direct"]),
    ("coupon_campaigns", "validity_kind", &["fixed", "relative"]),
    (
        "coupon_campaigns",
        "status",
        &["draft", "scheduled", "running", "ended", "cancelled"],
    ),
    (
        "coupons",
        "status",
        &["available", "held", "used", "expired"],
    ),
    ("payments", "status", &["pending", "succeeded", "expired"]),
    ("orders", "kind", &["member"]),
    (
        "orders",
        "status",
        &[
            "pending_payment",
            "paid",
            "shipped",
            "delivered",
            "completed",
            "cancelled",
            "refunded",
        ],
    ),
    (
        "order_lines",
        "programme",
        &["east_west", "old_revolutionary", "in_province"],
    ),
    (
        "refunds",
        "status",
        &["requested", "rejected", "processing", "succeeded", "failed"],
    ),
    (
        "settlement_statements",
        "status",
        &["draft", "reviewed", "approved", "paid"],
    ),
];

const ROLES: &[&str] = &[
    "operator",
    "union_admin",
    "member",
    "unit_admin",
    "buyer",
    "approver",
    "supplier_admin",
    "supplier_staff",
    "regulator",
    "district_officer",
];

const PRODUCT_STATUSES: &[&str] = &["draft", "pending_review", "listed", "rejected", "delisted"];

/// Fails when stored rows hold words outside the list.
async fn check_stored(
    manager: &SchemaManager<'_>,
    table: &str,
    column: &str,
    words: &[&str],
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let sql = format!(
        "SELECT DISTINCT {column} AS word FROM {table} \
         WHERE {column} IS NOT NULL AND {column} NOT IN ({}) LIMIT 10",
        word_list(words)
    );
    let rows = db
        .query_all_raw(Statement::from_string(manager.get_database_backend(), sql))
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let found: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "word"))
        .collect::<Result<_, _>>()?;
    Err(DbErr::Migration(format!(
        "{table}.{column} holds words the application does not know: {found:?} (allowed: {words:?})"
    )))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column, words) in VOCABULARY {
            check_stored(manager, table, column, words).await?;
            guard_words(manager, table, column, words).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column, _) in VOCABULARY {
            unguard_words(manager, table, column).await?;
        }
        Ok(())
    }
}
