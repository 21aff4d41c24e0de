//! `member_addresses`: a member's saved shipping address (address book).
use sea_orm::entity::prelude::*;

/// One row of `member_addresses`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member_addresses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub recipient: String,
    pub phone: String,
    pub province_code: String,
    pub city_code: String,
    pub district_code: Option<String>,
    pub detail: String,
    pub is_default: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
