//! Member commerce: roster imports, coupon campaigns, drops and coupons, carts, payments and
//! their events, orders and lines, refunds, settlement statements.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "roster_imports",
    "coupon_campaigns",
    "coupon_drops",
    "coupons",
    "cart_items",
    "payments",
    "payment_events",
    "orders",
    "order_lines",
    "refunds",
    "settlement_statements",
];

fn ts(name: &str) -> ColumnDef {
    timestamp_with_time_zone(name.to_owned())
}

fn ts_null(name: &str) -> ColumnDef {
    timestamp_with_time_zone_null(name.to_owned())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("roster_imports")
                    .col(big_pk_auto("id"))
                    .col(big_integer("union_org_id"))
                    .col(string("status"))
                    .col(boolean("dry_run"))
                    .col(string("file_key"))
                    .col(string("filename"))
                    .col(big_integer("total_rows").default(0))
                    .col(big_integer("processed_rows").default(0))
                    .col(big_integer("valid_rows").default(0))
                    .col(big_integer("error_rows").default(0))
                    .col(big_integer("inserted").default(0))
                    .col(big_integer("updated").default(0))
                    .col(big_integer("left_members").default(0))
                    .col(text_null("errors"))
                    .col(big_integer_null("created_by"))
                    .col(ts("created_at"))
                    .col(ts_null("finished_at"))
                    .foreign_key(&mut fk(
                        "roster_imports",
                        "union_org_id",
                        "organizations",
                        "id",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("coupon_campaigns")
                    .col(big_pk_auto("id"))
                    .col(big_integer("union_org_id"))
                    .col(string("name"))
                    .col(big_integer("face_value_fen"))
                    .col(big_integer("min_spend_fen"))
                    .col(big_integer("total_quantity"))
                    .col(big_integer("budget_fen"))
                    .col(integer("per_member_limit"))
                    .col(integer("per_member_daily_limit"))
                    .col(string("audience_kind"))
                    .col(text("audience_values"))
                    .col(string("claim_mode"))
                    .col(big_integer_null("daily_quantity"))
                    .col(string_null("drop_time"))
                    .col(boolean("rollover").default(false))
                    .col(string("validity_kind"))
                    .col(date_null("valid_from"))
                    .col(date_null("valid_to"))
                    .col(integer_null("valid_days"))
                    .col(text("scope"))
                    .col(date("starts_on"))
                    .col(date("ends_on"))
                    .col(string("status"))
                    .col(big_integer("issued_count").default(0))
                    .col(big_integer_null("created_by"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk(
                        "coupon_campaigns",
                        "union_org_id",
                        "organizations",
                        "id",
                    ))
                    .check(Expr::col("issued_count").lte(Expr::col("total_quantity")))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("coupon_drops")
                    .col(big_pk_auto("id"))
                    .col(big_integer("campaign_id"))
                    .col(date("drop_date"))
                    .col(ts("opens_at"))
                    .col(big_integer("quantity"))
                    .col(big_integer("claimed").default(0))
                    .foreign_key(&mut fk(
                        "coupon_drops",
                        "campaign_id",
                        "coupon_campaigns",
                        "id",
                    ))
                    .check(Expr::col("claimed").lte(Expr::col("quantity")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "coupon_drops",
                "uq_coupon_drops_campaign_date",
                &["campaign_id", "drop_date"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("coupons")
                    .col(big_pk_auto("id"))
                    .col(big_integer("campaign_id"))
                    .col(big_integer("user_id"))
                    .col(big_integer_null("drop_id"))
                    .col(integer("seq"))
                    .col(date("claim_day"))
                    .col(integer("day_seq"))
                    .col(big_integer("face_value_fen"))
                    .col(big_integer("min_spend_fen"))
                    .col(string("status"))
                    .col(ts("valid_from"))
                    .col(ts("valid_until"))
                    .col(big_integer_null("payment_id"))
                    .col(ts("claimed_at"))
                    .col(ts_null("used_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk("coupons", "campaign_id", "coupon_campaigns", "id"))
                    .foreign_key(&mut fk("coupons", "user_id", "users", "id"))
                    .foreign_key(&mut fk("coupons", "drop_id", "coupon_drops", "id"))
                    .to_owned(),
            )
            .await?;
        // The per-member limits are unique constraints: the n-th coupon of a member exists once.
        manager
            .create_index(index(
                "coupons",
                "uq_coupons_campaign_user_seq",
                &["campaign_id", "user_id", "seq"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "coupons",
                "uq_coupons_campaign_user_day_seq",
                &["campaign_id", "user_id", "claim_day", "day_seq"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "coupons",
                "idx_coupons_user_status",
                &["user_id", "status"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("cart_items")
                    .col(big_integer("user_id"))
                    .col(big_integer("sku_id"))
                    .col(integer("quantity"))
                    .col(big_integer("added_price_fen"))
                    .col(ts("updated_at"))
                    .primary_key(Index::create().col("user_id").col("sku_id"))
                    .foreign_key(&mut fk("cart_items", "user_id", "users", "id"))
                    .foreign_key(&mut fk("cart_items", "sku_id", "product_skus", "id"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("payments")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(big_integer("amount_fen"))
                    .col(string("currency"))
                    .col(string("provider"))
                    .col(string_null("provider_ref"))
                    .col(text_null("client_secret"))
                    .col(string("status"))
                    .col(integer("attempt").default(0))
                    .col(big_integer_null("coupon_id"))
                    .col(big_integer("discount_fen").default(0))
                    .col(string_null("checkout_key"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .col(ts_null("paid_at"))
                    .col(ts("expires_at"))
                    .foreign_key(&mut fk("payments", "user_id", "users", "id"))
                    .foreign_key(&mut fk("payments", "coupon_id", "coupons", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "payments",
                "uq_payments_provider_ref",
                &["provider_ref"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "payments",
                "uq_payments_user_checkout_key",
                &["user_id", "checkout_key"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "payments",
                "idx_payments_status",
                &["status", "expires_at"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("payment_events")
                    .col(big_pk_auto("id"))
                    .col(string("provider"))
                    .col(string("event_id"))
                    .col(string("kind"))
                    .col(string_null("provider_ref"))
                    .col(big_integer("created"))
                    .col(text("payload"))
                    .col(ts("received_at"))
                    .col(ts_null("processed_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "payment_events",
                "uq_payment_events_provider_event",
                &["provider", "event_id"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("orders")
                    .col(big_pk_auto("id"))
                    .col(string("order_no"))
                    .col(string("kind"))
                    .col(big_integer("payment_id"))
                    .col(big_integer("buyer_user_id"))
                    .col(big_integer("supplier_org_id"))
                    .col(big_integer_null("union_org_id"))
                    .col(big_integer_null("campaign_id"))
                    .col(string("status"))
                    .col(big_integer("items_total_fen"))
                    .col(big_integer("discount_fen"))
                    .col(big_integer("amount_due_fen"))
                    .col(big_integer("refunded_fen").default(0))
                    .col(text("address"))
                    .col(string_null("carrier"))
                    .col(string_null("tracking_no"))
                    .col(ts_null("paid_at"))
                    .col(ts_null("shipped_at"))
                    .col(ts_null("delivered_at"))
                    .col(ts_null("completed_at"))
                    .col(ts_null("cancelled_at"))
                    .col(string_null("cancel_reason"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk("orders", "payment_id", "payments", "id"))
                    .foreign_key(&mut fk("orders", "buyer_user_id", "users", "id"))
                    .foreign_key(&mut fk("orders", "supplier_org_id", "organizations", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("orders", "uq_orders_order_no", &["order_no"], true))
            .await?;
        manager
            .create_index(index(
                "orders",
                "idx_orders_buyer",
                &["buyer_user_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "orders",
                "idx_orders_supplier",
                &["supplier_org_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "orders",
                "idx_orders_payment",
                &["payment_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("order_lines")
                    .col(big_pk_auto("id"))
                    .col(big_integer("order_id"))
                    .col(big_integer("sku_id"))
                    .col(big_integer("product_id"))
                    .col(string("product_name"))
                    .col(string("spec"))
                    .col(big_integer("unit_price_fen"))
                    .col(integer("quantity"))
                    .col(big_integer("line_total_fen"))
                    .col(big_integer("discount_fen"))
                    .col(integer("refunded_qty").default(0))
                    .col(big_integer("refunded_fen").default(0))
                    .col(big_integer("refunded_discount_fen").default(0))
                    .col(boolean("assistance_eligible"))
                    .col(string("origin_county_code"))
                    .col(boolean("supplier_approved"))
                    .col(text("cert_numbers"))
                    .col(big_integer_null("pairing_id"))
                    .col(string_null("helper_code"))
                    .col(string_null("programme"))
                    .foreign_key(&mut fk("order_lines", "order_id", "orders", "id"))
                    .foreign_key(&mut fk("order_lines", "sku_id", "product_skus", "id"))
                    .check(Expr::col("refunded_qty").lte(Expr::col("quantity")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "order_lines",
                "idx_order_lines_order",
                &["order_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("refunds")
                    .col(big_pk_auto("id"))
                    .col(big_integer("order_id"))
                    .col(big_integer("payment_id"))
                    .col(big_integer("requested_by"))
                    .col(string("status"))
                    .col(text("reason"))
                    .col(text("photos"))
                    .col(text("lines"))
                    .col(big_integer("amount_fen"))
                    .col(big_integer("discount_fen"))
                    .col(boolean("restock"))
                    .col(boolean("coupon_returned").default(false))
                    .col(big_integer_null("decided_by"))
                    .col(ts_null("decided_at"))
                    .col(text_null("decision_reason"))
                    .col(string_null("provider_refund_ref"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk("refunds", "order_id", "orders", "id"))
                    .foreign_key(&mut fk("refunds", "payment_id", "payments", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("refunds", "idx_refunds_order", &["order_id"], false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("settlement_statements")
                    .col(big_pk_auto("id"))
                    .col(big_integer("campaign_id"))
                    .col(big_integer("supplier_org_id"))
                    .col(big_integer("coupon_count"))
                    .col(big_integer("redeemed_fen"))
                    .col(string("status"))
                    .col(big_integer_null("reviewed_by"))
                    .col(ts_null("reviewed_at"))
                    .col(big_integer_null("approved_by"))
                    .col(ts_null("approved_at"))
                    .col(ts_null("paid_at"))
                    .col(string_null("bank_voucher_ref"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk(
                        "settlement_statements",
                        "campaign_id",
                        "coupon_campaigns",
                        "id",
                    ))
                    .foreign_key(&mut fk(
                        "settlement_statements",
                        "supplier_org_id",
                        "organizations",
                        "id",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "settlement_statements",
                "uq_settlement_statements_campaign_supplier",
                &["campaign_id", "supplier_org_id"],
                true,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES.iter().rev() {
            manager
                .drop_table(
                    Table::drop()
                        .table((*table).to_owned())
                        .if_exists()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
