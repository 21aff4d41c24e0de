//! sea-orm entities: one module per table, no business logic (the contexts own the rules).

pub mod acceptance_lines;
pub mod acceptances;
pub mod approval_rules;
pub mod approval_steps;
pub mod audit_log;
pub mod budget_units;
pub mod bulk_order_lines;
pub mod bulk_orders;
pub mod cart_items;
pub mod categories;
pub mod certificates;
pub mod coupon_campaigns;
pub mod coupon_drops;
pub mod coupons;
pub mod deliveries;
pub mod delivery_lines;
pub mod documents;
pub mod filings;
pub mod idempotency_keys;
pub mod invitations;
pub mod invoice_lines;
pub mod invoices;
pub mod jobs;
pub mod media;
pub mod member_addresses;
pub mod member_roster;
pub mod notifications;
pub mod offplatform_purchases;
pub mod order_evaluations;
pub mod order_lines;
pub mod orders;
pub mod organizations;
pub mod pace_alerts;
pub mod pairings;
pub mod payment_events;
pub mod payments;
pub mod product_images;
pub mod product_skus;
pub mod product_views;
pub mod products;
pub mod quote_items;
pub mod quotes;
pub mod refunds;
pub mod regions;
pub mod rfq_items;
pub mod rfq_suppliers;
pub mod rfqs;
pub mod roster_imports;
pub mod saved_list_items;
pub mod saved_lists;
pub mod sessions;
pub mod settlement_statements;
pub mod share_facts;
pub mod share_reports;
pub mod share_rules;
pub mod share_summaries;
pub mod sku_price_tiers;
pub mod supplier_profiles;
pub mod user_roles;
pub mod users;
pub mod zones;

/// A column holding a word of a closed vocabulary.
#[derive(Debug, Clone, Copy)]
pub struct Vocabulary {
    /// Table.
    pub table: &'static str,
    /// Column.
    pub column: &'static str,
    /// The words the application reads and writes (its enum's `TEXTS`).
    pub words: &'static [&'static str],
    /// Whether the column may be NULL.
    pub nullable: bool,
}

const fn vocabulary(
    table: &'static str,
    column: &'static str,
    words: &'static [&'static str],
    nullable: bool,
) -> Vocabulary {
    Vocabulary {
        table,
        column,
        words,
        nullable,
    }
}

/// Every column typed by a word enum. The database allows exactly these words (CHECKs on
/// PostgreSQL, triggers on SQLite; migration `m20261203_000007_check_vocabulary`); a test
/// inserts each word and a bogus one into each column on both backends.
///
/// Not listed, on purpose: `jobs.kind` (the registered job names, an open set: handlers are
/// registered at start, and a job of an unknown kind is already dead-lettered), the payment
/// provider names and `payment_events.kind` (the provider's own event type for events we do not
/// handle), `audit_log.action`/`entity_type` (free-form labels of an append-only log), and
/// `media.source_format` (a record of the upload, never read).
pub const VOCABULARY: &[Vocabulary] = {
    use crate::auth::model::{BudgetCategory, OrgKind, OrgStatus, Role, UserStatus};
    use crate::catalog::model::{ProductStatus, Storage, ZoneRule};
    use crate::coupons::model::{
        AudienceKind, CampaignStatus, ClaimMode, CouponStatus, ImportStatus, RosterStatus,
        ValidityKind,
    };
    use crate::idempotency::IdempotencyState;
    use crate::orders::model::{OrderKind, OrderStatus, SettlementStatus};
    use crate::payments::model::{PaymentStatus, RefundStatus};
    use crate::procurement::model::{
        ApprovalRuleKind, ApproverRole, BulkOrderStatus, CanteenMode, DeclarationStatus,
        FilingStatus, InvoiceKind, InvoiceSource, InvoiceStatus, PaymentMethod, PriceSource,
        QuoteStatus, Remedy, RfqStatus, StepStatus,
    };
    use crate::regions::model::{Programme, RegionLevel};
    use crate::reporting::model::{Channel, FactSource};
    use crate::reporting::rules::{Comparison, DenominatorKind, NoCanteenRule};
    use crate::suppliers::model::{
        CertKind, CertStatus, DocumentKind, NotificationKind, SupplierStatus,
    };
    use crate::worker::JobState;
    &[
        vocabulary("regions", "level", RegionLevel::TEXTS, false),
        vocabulary("pairings", "programme", Programme::TEXTS, false),
        vocabulary("organizations", "kind", OrgKind::TEXTS, false),
        vocabulary("organizations", "status", OrgStatus::TEXTS, false),
        vocabulary("organizations", "category", BudgetCategory::TEXTS, true),
        vocabulary("users", "status", UserStatus::TEXTS, false),
        vocabulary("user_roles", "role", Role::TEXTS, false),
        vocabulary("invitations", "role", Role::TEXTS, false),
        vocabulary("member_roster", "status", RosterStatus::TEXTS, false),
        vocabulary("jobs", "state", JobState::TEXTS, false),
        vocabulary("idempotency_keys", "state", IdempotencyState::TEXTS, false),
        vocabulary("supplier_profiles", "status", SupplierStatus::TEXTS, false),
        vocabulary("documents", "kind", DocumentKind::TEXTS, false),
        vocabulary("products", "storage", Storage::TEXTS, false),
        vocabulary("products", "status", ProductStatus::TEXTS, false),
        vocabulary("certificates", "kind", CertKind::TEXTS, false),
        vocabulary("certificates", "status", CertStatus::TEXTS, false),
        vocabulary("zones", "rule_kind", ZoneRule::TEXTS, false),
        vocabulary("notifications", "kind", NotificationKind::TEXTS, false),
        vocabulary("product_views", "status", ProductStatus::TEXTS, false),
        vocabulary("roster_imports", "status", ImportStatus::TEXTS, false),
        vocabulary(
            "coupon_campaigns",
            "audience_kind",
            AudienceKind::TEXTS,
            false,
        ),
        vocabulary("coupon_campaigns", "claim_mode", ClaimMode::TEXTS, false),
        vocabulary(
            "coupon_campaigns",
            "validity_kind",
            ValidityKind::TEXTS,
            false,
        ),
        vocabulary("coupon_campaigns", "status", CampaignStatus::TEXTS, false),
        vocabulary("coupons", "status", CouponStatus::TEXTS, false),
        vocabulary("payments", "status", PaymentStatus::TEXTS, false),
        vocabulary("orders", "kind", OrderKind::TEXTS, false),
        vocabulary("orders", "status", OrderStatus::TEXTS, false),
        vocabulary("order_lines", "programme", Programme::TEXTS, true),
        vocabulary("refunds", "status", RefundStatus::TEXTS, false),
        vocabulary(
            "settlement_statements",
            "status",
            SettlementStatus::TEXTS,
            false,
        ),
        vocabulary("budget_units", "canteen_mode", CanteenMode::TEXTS, false),
        vocabulary("approval_rules", "kind", ApprovalRuleKind::TEXTS, false),
        vocabulary("filings", "status", FilingStatus::TEXTS, false),
        vocabulary("filings", "canteen_mode", CanteenMode::TEXTS, false),
        vocabulary(
            "offplatform_purchases",
            "status",
            DeclarationStatus::TEXTS,
            false,
        ),
        vocabulary("rfqs", "status", RfqStatus::TEXTS, false),
        vocabulary("quotes", "status", QuoteStatus::TEXTS, false),
        vocabulary("bulk_orders", "status", BulkOrderStatus::TEXTS, false),
        vocabulary("bulk_orders", "payment_method", PaymentMethod::TEXTS, false),
        vocabulary(
            "bulk_order_lines",
            "price_source",
            PriceSource::TEXTS,
            false,
        ),
        vocabulary("bulk_order_lines", "programme", Programme::TEXTS, true),
        vocabulary("approval_steps", "status", StepStatus::TEXTS, false),
        vocabulary("approval_steps", "role", ApproverRole::TEXTS, false),
        vocabulary("acceptance_lines", "remedy", Remedy::TEXTS, false),
        vocabulary("invoices", "kind", InvoiceKind::TEXTS, false),
        vocabulary("invoices", "source", InvoiceSource::TEXTS, false),
        vocabulary("invoices", "status", InvoiceStatus::TEXTS, false),
        vocabulary("share_rules", "comparison", Comparison::TEXTS, false),
        vocabulary("share_rules", "denominator", DenominatorKind::TEXTS, false),
        vocabulary("share_rules", "no_canteen", NoCanteenRule::TEXTS, false),
        vocabulary("share_facts", "source", FactSource::TEXTS, false),
        vocabulary("share_facts", "channel", Channel::TEXTS, false),
        vocabulary("share_summaries", "channel", Channel::TEXTS, false),
    ]
};
