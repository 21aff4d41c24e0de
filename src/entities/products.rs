//! `products`: listings of suppliers.
use sea_orm::entity::prelude::*;

use crate::catalog::model::ProductStatus;
use crate::catalog::model::Storage;

/// One product.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supplier_org_id: i64,
    pub producer_name: String,
    pub origin_county_code: String,
    pub category_id: i64,
    pub name: String,
    pub subtitle: Option<String>,
    pub description_html: String,
    pub storage: Storage,
    pub shelf_life_days: i32,
    pub status: ProductStatus,
    pub review_reason: Option<String>,
    pub trace_base: Option<String>,
    pub trace_batch: Option<String>,
    pub trace_harvest_date: Option<Date>,
    pub trace_test_report_id: Option<i64>,
    pub sales_count: i64,
    pub version: i64,
    pub listed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
