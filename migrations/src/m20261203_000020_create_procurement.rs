//! Institutional procurement: budget unit settings and approval rules, annual filings,
//! off-platform declarations, saved lists, requests for quote and quotes, bulk orders and their
//! lines, approval steps, deliveries, acceptances, invoices, evaluations and adjustments.
//!
//! Quantities that must never disagree are guarded by the database, not only by the code
//! (PROCUREMENT.md, "what users of other buying systems got burned by"): a line's net
//! delivered quantity never exceeds what the supplier confirmed, accepted + rejected never
//! exceed what was delivered, one acceptance per delivery, one approved filing per unit and
//! year, and every status column has a CHECK of its values.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{fk, guard_words, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables in creation order; dropped in reverse.
const TABLES: &[&str] = &[
    "budget_units",
    "approval_rules",
    "filings",
    "offplatform_purchases",
    "saved_lists",
    "saved_list_items",
    "rfqs",
    "rfq_items",
    "rfq_suppliers",
    "quotes",
    "quote_items",
    "bulk_orders",
    "bulk_order_lines",
    "approval_steps",
    "deliveries",
    "delivery_lines",
    "acceptances",
    "acceptance_lines",
    "invoices",
    "invoice_lines",
    "order_evaluations",
    "bulk_adjustments",
];

pub const CANTEEN_MODES: &[&str] = &["own", "outsourced", "shared", "none"];
pub const APPROVAL_RULE_KINDS: &[&str] = &["order_amount_over", "month_total_over", "category"];
pub const FILING_STATUSES: &[&str] = &["draft", "submitted", "approved", "returned", "superseded"];
pub const DECLARATION_STATUSES: &[&str] = &["declared", "verified", "rejected"];
pub const RFQ_STATUSES: &[&str] = &["open", "awarded", "closed", "cancelled"];
pub const QUOTE_STATUSES: &[&str] = &["submitted", "accepted", "not_selected", "withdrawn"];
pub const BULK_ORDER_STATUSES: &[&str] = &[
    "pending_approval",
    "rejected",
    "awaiting_confirmation",
    "declined",
    "cancelled",
    "confirmed",
    "in_delivery",
    "delivered",
    "accepted",
    "paid",
    "completed",
];
pub const PROGRAMMES: &[&str] = &["east_west", "old_revolutionary", "in_province"];
pub const PRICE_SOURCES: &[&str] = &["list", "tier", "quote"];
pub const PAYMENT_METHODS: &[&str] = &["transfer", "online"];
pub const STEP_STATUSES: &[&str] = &["waiting", "pending", "approved", "rejected", "cancelled"];
pub const APPROVER_ROLES: &[&str] = &["approver", "unit_admin"];
pub const REMEDIES: &[&str] = &["none", "credit", "redelivery"];
pub const INVOICE_KINDS: &[&str] = &["blue", "red"];
pub const INVOICE_SOURCES: &[&str] = &["xml", "manual"];
pub const INVOICE_STATUSES: &[&str] = &["matched", "mismatched", "reversed"];

/// The columns of a closed vocabulary: (table, column, words), guarded after the tables exist
/// (`util::guard_words`: a CHECK on PostgreSQL, triggers on SQLite).
const WORD_COLUMNS: &[(&str, &str, &[&str])] = &[
    ("budget_units", "canteen_mode", CANTEEN_MODES),
    ("approval_rules", "kind", APPROVAL_RULE_KINDS),
    ("filings", "status", FILING_STATUSES),
    ("filings", "canteen_mode", CANTEEN_MODES),
    ("offplatform_purchases", "status", DECLARATION_STATUSES),
    ("rfqs", "status", RFQ_STATUSES),
    ("quotes", "status", QUOTE_STATUSES),
    ("bulk_orders", "status", BULK_ORDER_STATUSES),
    ("bulk_orders", "payment_method", PAYMENT_METHODS),
    ("bulk_order_lines", "price_source", PRICE_SOURCES),
    ("approval_steps", "status", STEP_STATUSES),
    ("approval_steps", "role", APPROVER_ROLES),
    ("acceptance_lines", "remedy", REMEDIES),
    ("invoices", "kind", INVOICE_KINDS),
    ("invoices", "source", INVOICE_SOURCES),
    ("invoices", "status", INVOICE_STATUSES),
    ("bulk_order_lines", "programme", PROGRAMMES),
];

fn ts(name: &str) -> ColumnDef {
    timestamp_with_time_zone(name.to_owned())
}

fn ts_null(name: &str) -> ColumnDef {
    timestamp_with_time_zone_null(name.to_owned())
}

/// A named CHECK of any expression.
fn check(table: &str, what: &str, expr: SimpleExpr) -> (String, SimpleExpr) {
    (format!("rule_{table}_{what}"), expr)
}

fn non_negative(table: &str, column: &str) -> (String, SimpleExpr) {
    check(table, column, Expr::col(column.to_owned()).gte(0))
}

fn positive(table: &str, column: &str) -> (String, SimpleExpr) {
    check(table, column, Expr::col(column.to_owned()).gt(0))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    #[allow(clippy::too_many_lines)]
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Settings of an organisation of kind budget_unit (its supervising department is the
        // organisation's parent).
        manager
            .create_table(
                Table::create()
                    .table("budget_units")
                    .col(big_integer("org_id").primary_key())
                    .col(string("jurisdiction_code"))
                    .col(string("canteen_mode"))
                    .col(string_null("contractor_name"))
                    .col(big_integer_null("represented_by_org_id"))
                    .col(integer("payment_term_days").default(30))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk("budget_units", "org_id", "organizations", "id"))
                    .foreign_key(&mut fk(
                        "budget_units",
                        "jurisdiction_code",
                        "regions",
                        "code",
                    ))
                    .foreign_key(&mut fk(
                        "budget_units",
                        "represented_by_org_id",
                        "organizations",
                        "id",
                    ))
                    .check(check(
                        "budget_units",
                        "payment_term_days",
                        Expr::col("payment_term_days").between(1, 60),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("approval_rules")
                    .col(big_pk_auto("id"))
                    .col(big_integer("unit_org_id"))
                    .col(string("kind"))
                    .col(big_integer_null("amount_fen"))
                    .col(big_integer_null("category_id"))
                    .col(small_integer("levels"))
                    .col(big_integer_null("created_by"))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk(
                        "approval_rules",
                        "unit_org_id",
                        "organizations",
                        "id",
                    ))
                    .foreign_key(&mut fk("approval_rules", "category_id", "categories", "id"))
                    .check(check(
                        "approval_rules",
                        "levels",
                        Expr::col("levels").between(1, 2),
                    ))
                    .check(check(
                        "approval_rules",
                        "amount_fen",
                        Expr::col("amount_fen")
                            .is_null()
                            .or(Expr::col("amount_fen").gte(0)),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "approval_rules",
                "idx_approval_rules_unit",
                &["unit_org_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("filings")
                    .col(big_pk_auto("id"))
                    .col(big_integer("unit_org_id"))
                    .col(integer("year"))
                    .col(integer("version"))
                    .col(string("status"))
                    .col(string("canteen_mode"))
                    .col(big_integer("expected_total_fen"))
                    .col(integer("ratio_bp"))
                    .col(big_integer("reserved_fen"))
                    .col(big_integer_null("union_funds_fen"))
                    .col(text("covered_units"))
                    .col(string("contact_name"))
                    .col(string("contact_phone"))
                    .col(text_null("note"))
                    .col(big_integer("created_by"))
                    .col(ts_null("submitted_at"))
                    .col(big_integer_null("submitted_by"))
                    .col(ts_null("decided_at"))
                    .col(big_integer_null("decided_by"))
                    .col(text_null("decision_reason"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk("filings", "unit_org_id", "organizations", "id"))
                    .check(non_negative("filings", "expected_total_fen"))
                    .check(non_negative("filings", "reserved_fen"))
                    .check(check(
                        "filings",
                        "ratio_bp",
                        Expr::col("ratio_bp").between(0, 10_000),
                    ))
                    .check(check(
                        "filings",
                        "year",
                        Expr::col("year").between(2000, 2100),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "filings",
                "uq_filings_unit_org_id_year_version",
                &["unit_org_id", "year", "version"],
                true,
            ))
            .await?;
        // One approved (frozen) filing per unit and year; a correction supersedes it.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_filings_approved ON filings (unit_org_id, year) \
                 WHERE status = 'approved'",
            )
            .await?;
        manager
            .create_index(index(
                "filings",
                "idx_filings_year",
                &["year", "status"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("offplatform_purchases")
                    .col(big_pk_auto("id"))
                    .col(big_integer("unit_org_id"))
                    .col(date("purchase_date"))
                    .col(string("seller_name"))
                    .col(string_null("seller_uscc"))
                    .col(string("description"))
                    .col(big_integer("amount_fen"))
                    .col(boolean("assistance"))
                    .col(string_null("origin_county_code"))
                    .col(string("evidence_key"))
                    .col(string("evidence_filename"))
                    .col(string("status"))
                    .col(big_integer("created_by"))
                    .col(ts_null("decided_at"))
                    .col(big_integer_null("decided_by"))
                    .col(text_null("decision_reason"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk(
                        "offplatform_purchases",
                        "unit_org_id",
                        "organizations",
                        "id",
                    ))
                    .foreign_key(&mut fk(
                        "offplatform_purchases",
                        "origin_county_code",
                        "regions",
                        "code",
                    ))
                    .check(positive("offplatform_purchases", "amount_fen"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "offplatform_purchases",
                "idx_offplatform_purchases_unit_date",
                &["unit_org_id", "purchase_date"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("saved_lists")
                    .col(big_pk_auto("id"))
                    .col(big_integer("org_id"))
                    .col(string("name"))
                    .col(big_integer("created_by"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk("saved_lists", "org_id", "organizations", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "saved_lists",
                "uq_saved_lists_org_id_name",
                &["org_id", "name"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("saved_list_items")
                    .col(big_integer("list_id"))
                    .col(big_integer("sku_id"))
                    .col(integer("quantity"))
                    .col(integer("position"))
                    .primary_key(Index::create().col("list_id").col("sku_id"))
                    .foreign_key(&mut fk("saved_list_items", "list_id", "saved_lists", "id"))
                    .foreign_key(&mut fk("saved_list_items", "sku_id", "product_skus", "id"))
                    .check(positive("saved_list_items", "quantity"))
                    .to_owned(),
            )
            .await?;

        // Requests for quote (询价) and the suppliers' quotes (报价).
        manager
            .create_table(
                Table::create()
                    .table("rfqs")
                    .col(big_pk_auto("id"))
                    .col(string("rfq_no"))
                    .col(big_integer("buyer_org_id"))
                    .col(big_integer("created_by"))
                    .col(string("title"))
                    .col(string("status"))
                    .col(ts("deadline"))
                    .col(date_null("wanted_date"))
                    .col(text_null("note"))
                    .col(big_integer_null("awarded_quote_id"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk("rfqs", "buyer_org_id", "organizations", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("rfqs", "uq_rfqs_rfq_no", &["rfq_no"], true))
            .await?;
        manager
            .create_index(index("rfqs", "idx_rfqs_buyer", &["buyer_org_id"], false))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("rfq_items")
                    .col(big_pk_auto("id"))
                    .col(big_integer("rfq_id"))
                    .col(integer("line_no"))
                    .col(big_integer_null("sku_id"))
                    .col(string("name"))
                    .col(string("spec"))
                    .col(string("unit"))
                    .col(integer("quantity"))
                    .col(text_null("note"))
                    .foreign_key(&mut fk("rfq_items", "rfq_id", "rfqs", "id"))
                    .foreign_key(&mut fk("rfq_items", "sku_id", "product_skus", "id"))
                    .check(positive("rfq_items", "quantity"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "rfq_items",
                "uq_rfq_items_rfq_id_line_no",
                &["rfq_id", "line_no"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("rfq_suppliers")
                    .col(big_integer("rfq_id"))
                    .col(big_integer("supplier_org_id"))
                    .primary_key(Index::create().col("rfq_id").col("supplier_org_id"))
                    .foreign_key(&mut fk("rfq_suppliers", "rfq_id", "rfqs", "id"))
                    .foreign_key(&mut fk(
                        "rfq_suppliers",
                        "supplier_org_id",
                        "organizations",
                        "id",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "rfq_suppliers",
                "idx_rfq_suppliers_supplier",
                &["supplier_org_id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("quotes")
                    .col(big_pk_auto("id"))
                    .col(big_integer("rfq_id"))
                    .col(big_integer("supplier_org_id"))
                    .col(string("status"))
                    .col(date("valid_until"))
                    .col(integer("delivery_days"))
                    .col(text_null("terms"))
                    .col(big_integer("total_fen"))
                    .col(big_integer("created_by"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk("quotes", "rfq_id", "rfqs", "id"))
                    .foreign_key(&mut fk("quotes", "supplier_org_id", "organizations", "id"))
                    .check(non_negative("quotes", "total_fen"))
                    .check(check(
                        "quotes",
                        "delivery_days",
                        Expr::col("delivery_days").between(0, 365),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "quotes",
                "uq_quotes_rfq_id_supplier_org_id",
                &["rfq_id", "supplier_org_id"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("quote_items")
                    .col(big_integer("quote_id"))
                    .col(big_integer("rfq_item_id"))
                    .col(big_integer("unit_price_fen"))
                    .col(big_integer("line_total_fen"))
                    .primary_key(Index::create().col("quote_id").col("rfq_item_id"))
                    .foreign_key(&mut fk("quote_items", "quote_id", "quotes", "id"))
                    .foreign_key(&mut fk("quote_items", "rfq_item_id", "rfq_items", "id"))
                    .check(positive("quote_items", "unit_price_fen"))
                    .to_owned(),
            )
            .await?;

        // Bulk (institutional) orders: one per supplier, lines with frozen prices and facts.
        manager
            .create_table(
                Table::create()
                    .table("bulk_orders")
                    .col(big_pk_auto("id"))
                    .col(string("order_no"))
                    .col(big_integer("buyer_org_id"))
                    .col(big_integer("placed_by"))
                    .col(big_integer("supplier_org_id"))
                    .col(string("submission_key"))
                    .col(string("status"))
                    .col(big_integer("items_total_fen"))
                    .col(string("payment_method"))
                    .col(integer("payment_term_days"))
                    .col(text("delivery_address"))
                    .col(date_null("wanted_date"))
                    .col(big_integer_null("rfq_id"))
                    .col(big_integer_null("quote_id"))
                    .col(text_null("note"))
                    .col(ts("confirm_deadline"))
                    .col(ts_null("approved_at"))
                    .col(ts_null("confirmed_at"))
                    .col(ts_null("accepted_at"))
                    .col(date_null("due_date"))
                    .col(big_integer_null("payment_id"))
                    .col(string_null("bank_reference"))
                    .col(ts_null("paid_at"))
                    .col(ts_null("completed_at"))
                    .col(ts_null("cancelled_at"))
                    .col(text_null("cancel_reason"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk(
                        "bulk_orders",
                        "buyer_org_id",
                        "organizations",
                        "id",
                    ))
                    .foreign_key(&mut fk(
                        "bulk_orders",
                        "supplier_org_id",
                        "organizations",
                        "id",
                    ))
                    .foreign_key(&mut fk("bulk_orders", "placed_by", "users", "id"))
                    .foreign_key(&mut fk("bulk_orders", "quote_id", "quotes", "id"))
                    .check(non_negative("bulk_orders", "items_total_fen"))
                    .check(check(
                        "bulk_orders",
                        "payment_term_days",
                        Expr::col("payment_term_days").between(1, 60),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "bulk_orders",
                "uq_bulk_orders_order_no",
                &["order_no"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "bulk_orders",
                "idx_bulk_orders_buyer",
                &["buyer_org_id", "created_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "bulk_orders",
                "idx_bulk_orders_supplier",
                &["supplier_org_id", "status"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "bulk_orders",
                "idx_bulk_orders_submission",
                &["buyer_org_id", "submission_key"],
                false,
            ))
            .await?;

        let lines = "bulk_order_lines";
        manager
            .create_table(
                Table::create()
                    .table(lines)
                    .col(big_pk_auto("id"))
                    .col(big_integer("order_id"))
                    .col(integer("line_no"))
                    .col(big_integer_null("sku_id"))
                    .col(big_integer_null("product_id"))
                    .col(big_integer_null("category_id"))
                    .col(string("product_name"))
                    .col(string("spec"))
                    .col(string("unit"))
                    .col(big_integer("unit_price_fen"))
                    .col(string("price_source"))
                    .col(big_integer_null("rfq_item_id"))
                    .col(integer("ordered_qty"))
                    .col(integer_null("confirmed_qty"))
                    .col(integer("delivered_qty").default(0))
                    .col(integer("accepted_qty").default(0))
                    .col(integer("rejected_qty").default(0))
                    .col(integer("credited_qty").default(0))
                    .col(integer("returned_qty").default(0))
                    .col(date_null("wanted_date"))
                    .col(boolean("assistance_eligible"))
                    .col(string_null("origin_county_code"))
                    .col(boolean("supplier_approved"))
                    .col(text("cert_numbers"))
                    .col(big_integer_null("pairing_id"))
                    .col(string_null("helper_code"))
                    .col(string_null("programme"))
                    .foreign_key(&mut fk(lines, "order_id", "bulk_orders", "id"))
                    .check(positive(lines, "ordered_qty"))
                    .check(positive(lines, "unit_price_fen"))
                    .check(non_negative(lines, "delivered_qty"))
                    .check(non_negative(lines, "accepted_qty"))
                    .check(non_negative(lines, "rejected_qty"))
                    .check(non_negative(lines, "credited_qty"))
                    .check(non_negative(lines, "returned_qty"))
                    .check(check(
                        lines,
                        "confirmed_le_ordered",
                        Expr::col("confirmed_qty")
                            .is_null()
                            .or(Expr::col("confirmed_qty")
                                .gte(0)
                                .and(Expr::col("confirmed_qty").lte(Expr::col("ordered_qty")))),
                    ))
                    // Net delivered (delivered - rejected) never exceeds what was confirmed;
                    // nothing is delivered before the supplier confirmed.
                    .check(check(
                        lines,
                        "delivered_le_confirmed",
                        Expr::cust("delivered_qty - rejected_qty <= COALESCE(confirmed_qty, 0)"),
                    ))
                    // Accepted + rejected never exceed what was delivered.
                    .check(check(
                        lines,
                        "accepted_le_delivered",
                        Expr::col("accepted_qty")
                            .add(Expr::col("rejected_qty"))
                            .lte(Expr::col("delivered_qty")),
                    ))
                    .check(check(
                        lines,
                        "accepted_credited_le_confirmed",
                        Expr::cust("accepted_qty + credited_qty <= COALESCE(confirmed_qty, 0)"),
                    ))
                    .check(check(
                        lines,
                        "returned_le_accepted",
                        Expr::col("returned_qty").lte(Expr::col("accepted_qty")),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                lines,
                "uq_bulk_order_lines_order_id_line_no",
                &["order_id", "line_no"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("approval_steps")
                    .col(big_pk_auto("id"))
                    .col(big_integer("order_id"))
                    .col(small_integer("level"))
                    .col(string("role"))
                    .col(string("status"))
                    .col(text("reasons"))
                    .col(big_integer_null("decided_by"))
                    .col(ts_null("decided_at"))
                    .col(text_null("comment"))
                    .foreign_key(&mut fk("approval_steps", "order_id", "bulk_orders", "id"))
                    .check(check(
                        "approval_steps",
                        "level",
                        Expr::col("level").between(1, 2),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "approval_steps",
                "uq_approval_steps_order_id_level",
                &["order_id", "level"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("deliveries")
                    .col(big_pk_auto("id"))
                    .col(big_integer("order_id"))
                    .col(integer("seq"))
                    .col(string("delivery_no"))
                    .col(string_null("carrier"))
                    .col(string_null("tracking_no"))
                    .col(text_null("note"))
                    .col(big_integer("created_by"))
                    .col(ts("shipped_at"))
                    .foreign_key(&mut fk("deliveries", "order_id", "bulk_orders", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "deliveries",
                "uq_deliveries_order_id_seq",
                &["order_id", "seq"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("delivery_lines")
                    .col(big_integer("delivery_id"))
                    .col(big_integer("order_line_id"))
                    .col(integer("quantity"))
                    .primary_key(Index::create().col("delivery_id").col("order_line_id"))
                    .foreign_key(&mut fk("delivery_lines", "delivery_id", "deliveries", "id"))
                    .foreign_key(&mut fk(
                        "delivery_lines",
                        "order_line_id",
                        "bulk_order_lines",
                        "id",
                    ))
                    .check(positive("delivery_lines", "quantity"))
                    .to_owned(),
            )
            .await?;

        // One acceptance per delivery: two acceptances of one delivery cannot both commit.
        manager
            .create_table(
                Table::create()
                    .table("acceptances")
                    .col(big_pk_auto("id"))
                    .col(big_integer("delivery_id"))
                    .col(big_integer("order_id"))
                    .col(big_integer("accepted_by"))
                    .col(text("photos"))
                    .col(text_null("note"))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk("acceptances", "delivery_id", "deliveries", "id"))
                    .foreign_key(&mut fk("acceptances", "order_id", "bulk_orders", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "acceptances",
                "uq_acceptances_delivery_id",
                &["delivery_id"],
                true,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("acceptance_lines")
                    .col(big_integer("acceptance_id"))
                    .col(big_integer("order_line_id"))
                    .col(integer("accepted_qty"))
                    .col(integer("rejected_qty"))
                    .col(string("remedy"))
                    .col(text_null("reason"))
                    .primary_key(Index::create().col("acceptance_id").col("order_line_id"))
                    .foreign_key(&mut fk(
                        "acceptance_lines",
                        "acceptance_id",
                        "acceptances",
                        "id",
                    ))
                    .foreign_key(&mut fk(
                        "acceptance_lines",
                        "order_line_id",
                        "bulk_order_lines",
                        "id",
                    ))
                    .check(non_negative("acceptance_lines", "accepted_qty"))
                    .check(non_negative("acceptance_lines", "rejected_qty"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("invoices")
                    .col(big_pk_auto("id"))
                    .col(big_integer("order_id"))
                    .col(big_integer("supplier_org_id"))
                    .col(string("kind"))
                    .col(string("number"))
                    .col(date("issue_date"))
                    .col(string_null("vat_kind"))
                    .col(string("seller_id"))
                    .col(string("seller_name"))
                    .col(string("buyer_id"))
                    .col(string("buyer_name"))
                    .col(big_integer("total_without_tax_fen"))
                    .col(big_integer("total_tax_fen"))
                    .col(big_integer("total_fen"))
                    .col(string("source"))
                    .col(string_null("xml_key"))
                    .col(string_null("evidence_key"))
                    .col(string_null("evidence_filename"))
                    .col(string("status"))
                    .col(big_integer_null("reverses_invoice_id"))
                    .col(text("check_report"))
                    .col(big_integer("uploaded_by"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk("invoices", "order_id", "bulk_orders", "id"))
                    .foreign_key(&mut fk("invoices", "reverses_invoice_id", "invoices", "id"))
                    .check(check(
                        "invoices",
                        "totals",
                        Expr::col("total_without_tax_fen")
                            .add(Expr::col("total_tax_fen"))
                            .eq(Expr::col("total_fen")),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("invoices", "uq_invoices_number", &["number"], true))
            .await?;
        manager
            .create_index(index(
                "invoices",
                "idx_invoices_order",
                &["order_id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("invoice_lines")
                    .col(big_integer("invoice_id"))
                    .col(integer("line_no"))
                    .col(string("item_name"))
                    .col(string_null("spec"))
                    .col(string_null("unit"))
                    .col(string_null("quantity"))
                    .col(string_null("unit_price"))
                    .col(big_integer("amount_fen"))
                    .col(big_integer("discount_fen"))
                    .col(string("tax_rate"))
                    .col(big_integer("tax_fen"))
                    .col(big_integer("total_fen"))
                    .col(big_integer_null("order_line_id"))
                    .primary_key(Index::create().col("invoice_id").col("line_no"))
                    .foreign_key(&mut fk("invoice_lines", "invoice_id", "invoices", "id"))
                    .foreign_key(&mut fk(
                        "invoice_lines",
                        "order_line_id",
                        "bulk_order_lines",
                        "id",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("order_evaluations")
                    .col(big_integer("order_id").primary_key())
                    .col(small_integer("quality"))
                    .col(small_integer("delivery"))
                    .col(small_integer("service"))
                    .col(text_null("comment"))
                    .col(big_integer("evaluated_by"))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk(
                        "order_evaluations",
                        "order_id",
                        "bulk_orders",
                        "id",
                    ))
                    .check(check(
                        "order_evaluations",
                        "stars",
                        Expr::col("quality")
                            .between(1, 5)
                            .and(Expr::col("delivery").between(1, 5))
                            .and(Expr::col("service").between(1, 5)),
                    ))
                    .to_owned(),
            )
            .await?;

        // Signed lines after completion (returns): each linked to the line it reverses.
        manager
            .create_table(
                Table::create()
                    .table("bulk_adjustments")
                    .col(big_pk_auto("id"))
                    .col(big_integer("order_id"))
                    .col(big_integer("order_line_id"))
                    .col(integer("quantity"))
                    .col(big_integer("amount_fen"))
                    .col(text("reason"))
                    .col(big_integer_null("red_invoice_id"))
                    .col(date("effective_date"))
                    .col(big_integer("created_by"))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk("bulk_adjustments", "order_id", "bulk_orders", "id"))
                    .foreign_key(&mut fk(
                        "bulk_adjustments",
                        "order_line_id",
                        "bulk_order_lines",
                        "id",
                    ))
                    .foreign_key(&mut fk(
                        "bulk_adjustments",
                        "red_invoice_id",
                        "invoices",
                        "id",
                    ))
                    .check(check(
                        "bulk_adjustments",
                        "signed",
                        Expr::col("quantity")
                            .lt(0)
                            .and(Expr::col("amount_fen").lte(0)),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "bulk_adjustments",
                "idx_bulk_adjustments_order",
                &["order_id"],
                false,
            ))
            .await?;
        for (table, column, words) in WORD_COLUMNS {
            guard_words(manager, table, column, words).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table((*table).to_owned()).to_owned())
                .await?;
        }
        Ok(())
    }
}
