//! `invoices`: an invoice (数电票) of a bulk order, parsed or typed, with its check.
use sea_orm::entity::prelude::*;

use crate::procurement::model::{CheckReport, InvoiceKind, InvoiceSource, InvoiceStatus};
use crate::vocab::JsonText;

/// One row of `invoices`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub supplier_org_id: i64,
    pub kind: InvoiceKind,
    pub number: String,
    pub issue_date: Date,
    pub vat_kind: Option<String>,
    pub seller_id: String,
    pub seller_name: String,
    pub buyer_id: String,
    pub buyer_name: String,
    pub total_without_tax_fen: i64,
    pub total_tax_fen: i64,
    pub total_fen: i64,
    pub source: InvoiceSource,
    pub xml_key: Option<String>,
    pub evidence_key: Option<String>,
    pub evidence_filename: Option<String>,
    pub status: InvoiceStatus,
    pub reverses_invoice_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub check_report: JsonText<CheckReport>,
    pub uploaded_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
