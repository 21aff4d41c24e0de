//! The catalog: supplier admission profiles, uploaded documents, certificates, categories,
//! products with SKUs and price tiers, images, zones, notifications.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "supplier_profiles",
    "documents",
    "media",
    "categories",
    "products",
    "certificates",
    "product_skus",
    "sku_price_tiers",
    "product_images",
    "zones",
    "notifications",
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
                    .table("supplier_profiles")
                    .col(big_integer("org_id").primary_key())
                    .col(string("status"))
                    .col(string("legal_name"))
                    .col(string("uscc"))
                    .col(string("registered_county_code"))
                    .col(string_null("contact_name"))
                    .col(string_null("contact_phone"))
                    .col(string_null("bank_name"))
                    .col(string_null("bank_account"))
                    .col(text_null("farmer_links"))
                    .col(boolean("is_agent").default(false))
                    .col(text_null("recommendation"))
                    .col(text_null("decision_reason"))
                    .col(ts_null("submitted_at"))
                    .col(ts_null("decided_at"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk(
                        "supplier_profiles",
                        "org_id",
                        "organizations",
                        "id",
                    ))
                    .foreign_key(&mut fk(
                        "supplier_profiles",
                        "registered_county_code",
                        "regions",
                        "code",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "supplier_profiles",
                "idx_supplier_profiles_status",
                &["status"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("documents")
                    .col(big_pk_auto("id"))
                    .col(big_integer("org_id"))
                    .col(string("kind"))
                    .col(string("file_key"))
                    .col(string("filename"))
                    .col(string("content_type"))
                    .col(big_integer("size_bytes"))
                    .col(big_integer_null("uploaded_by"))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk("documents", "org_id", "organizations", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("documents", "idx_documents_org", &["org_id"], false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("media")
                    .col(string("hash").primary_key())
                    .col(integer("width"))
                    .col(integer("height"))
                    .col(string("source_format"))
                    .col(big_integer("size_bytes"))
                    .col(big_integer_null("org_id"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("categories")
                    .col(big_pk_auto("id"))
                    .col(big_integer_null("parent_id"))
                    .col(string("slug"))
                    .col(string("name"))
                    .col(string("name_en"))
                    .col(integer("position"))
                    .foreign_key(&mut fk("categories", "parent_id", "categories", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("categories", "uq_categories_slug", &["slug"], true))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("products")
                    .col(big_pk_auto("id"))
                    .col(big_integer("supplier_org_id"))
                    .col(string("producer_name"))
                    .col(string("origin_county_code"))
                    .col(big_integer("category_id"))
                    .col(string("name"))
                    .col(string_null("subtitle"))
                    .col(text("description_html"))
                    .col(string("storage"))
                    .col(integer("shelf_life_days"))
                    .col(string("status"))
                    .col(text_null("review_reason"))
                    .col(string_null("trace_base"))
                    .col(string_null("trace_batch"))
                    .col(date_null("trace_harvest_date"))
                    .col(big_integer_null("trace_test_report_id"))
                    .col(big_integer("sales_count").default(0))
                    .col(big_integer("version").default(1))
                    .col(ts_null("listed_at"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk(
                        "products",
                        "supplier_org_id",
                        "organizations",
                        "id",
                    ))
                    .foreign_key(&mut fk("products", "origin_county_code", "regions", "code"))
                    .foreign_key(&mut fk("products", "category_id", "categories", "id"))
                    .foreign_key(&mut fk(
                        "products",
                        "trace_test_report_id",
                        "documents",
                        "id",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "products",
                "idx_products_supplier",
                &["supplier_org_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "products",
                "idx_products_status_id",
                &["status", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "products",
                "idx_products_updated",
                &["updated_at"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("certificates")
                    .col(big_pk_auto("id"))
                    .col(big_integer("supplier_org_id"))
                    .col(big_integer_null("product_id"))
                    .col(string("kind"))
                    .col(string("number"))
                    .col(string("issuer"))
                    .col(date("valid_from"))
                    .col(date("valid_to"))
                    .col(big_integer_null("document_id"))
                    .col(string("status"))
                    .col(text_null("review_reason"))
                    .col(big_integer_null("reviewed_by"))
                    .col(ts_null("reviewed_at"))
                    .col(ts_null("expiry_warned_at"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk(
                        "certificates",
                        "supplier_org_id",
                        "organizations",
                        "id",
                    ))
                    .foreign_key(&mut fk("certificates", "product_id", "products", "id"))
                    .foreign_key(&mut fk("certificates", "document_id", "documents", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "certificates",
                "idx_certificates_supplier",
                &["supplier_org_id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "certificates",
                "idx_certificates_product",
                &["product_id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "certificates",
                "idx_certificates_status_valid_to",
                &["status", "valid_to"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("product_skus")
                    .col(big_pk_auto("id"))
                    .col(big_integer("product_id"))
                    .col(string("spec"))
                    .col(big_integer("price_fen"))
                    .col(string("unit"))
                    .col(integer("weight_grams"))
                    .col(big_integer("stock"))
                    .col(integer("min_order_qty").default(1))
                    .col(integer("position").default(0))
                    .col(boolean("active").default(true))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk("product_skus", "product_id", "products", "id"))
                    .check(Expr::col("stock").gte(0))
                    .check(Expr::col("price_fen").gt(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "product_skus",
                "idx_product_skus_product",
                &["product_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("sku_price_tiers")
                    .col(big_pk_auto("id"))
                    .col(big_integer("sku_id"))
                    .col(integer("min_qty"))
                    .col(big_integer("price_fen"))
                    .foreign_key(&mut fk("sku_price_tiers", "sku_id", "product_skus", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "sku_price_tiers",
                "uq_sku_price_tiers_sku_min_qty",
                &["sku_id", "min_qty"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("product_images")
                    .col(big_pk_auto("id"))
                    .col(big_integer("product_id"))
                    .col(string("media_hash"))
                    .col(integer("position"))
                    .foreign_key(&mut fk("product_images", "product_id", "products", "id"))
                    .foreign_key(&mut fk("product_images", "media_hash", "media", "hash"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "product_images",
                "idx_product_images_product",
                &["product_id", "position"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("zones")
                    .col(big_pk_auto("id"))
                    .col(string("slug"))
                    .col(string("name"))
                    .col(string("name_en"))
                    .col(string("rule_kind"))
                    .col(string("rule_value"))
                    .col(string_null("banner_media_hash"))
                    .col(text_null("description"))
                    .col(integer("position"))
                    .col(boolean("active").default(true))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk("zones", "banner_media_hash", "media", "hash"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("zones", "uq_zones_slug", &["slug"], true))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("notifications")
                    .col(big_pk_auto("id"))
                    .col(big_integer("org_id"))
                    .col(string("kind"))
                    .col(string("title"))
                    .col(text("body"))
                    .col(string_null("dedupe_key"))
                    .col(ts("created_at"))
                    .col(ts_null("read_at"))
                    .foreign_key(&mut fk("notifications", "org_id", "organizations", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "notifications",
                "idx_notifications_org",
                &["org_id", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "notifications",
                "uq_notifications_dedupe_key",
                &["dedupe_key"],
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
