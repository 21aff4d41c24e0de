//! Requests and answers of the procurement API.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{
    ApprovalRuleKind, ApproverRole, BulkOrderStatus, CanteenMode, CheckReport, DeliveryAddress,
    FilingStatus, InvoiceKind, InvoiceSource, InvoiceStatus, PaymentMethod, PriceSource,
    QuoteStatus, Remedy, RfqStatus, StepStatus,
};

/// A budget unit's procurement settings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitSettings {
    /// The unit (an organisation of kind budget_unit).
    pub org_id: i64,
    /// Its name.
    pub name: String,
    /// The supervising department (the organisation's parent).
    pub supervisor_org_id: Option<i64>,
    /// The jurisdiction whose rule applies (region code, e.g. 440300).
    pub jurisdiction_code: String,
    /// How the unit feeds its staff.
    pub canteen_mode: CanteenMode,
    /// The contractor running an outsourced canteen.
    pub contractor_name: Option<String>,
    /// The unit that files for a shared canteen.
    pub represented_by_org_id: Option<i64>,
    /// Days to pay after acceptance (30 by default, 60 at most).
    pub payment_term_days: i32,
    /// The approval rules.
    pub approval_rules: Vec<ApprovalRule>,
}

/// One approval rule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRule {
    /// What it looks at.
    pub kind: ApprovalRuleKind,
    /// The threshold in fen (amount rules): the rule applies strictly above it.
    #[serde(default)]
    pub amount_fen: Option<i64>,
    /// The category (category rules).
    #[serde(default)]
    pub category_id: Option<i64>,
    /// Levels needed (1 or 2).
    pub levels: i16,
}

/// A change of a unit's settings.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnit {
    /// Jurisdiction code (a region).
    pub jurisdiction_code: String,
    /// Canteen mode.
    pub canteen_mode: CanteenMode,
    /// Contractor (outsourced canteens).
    #[serde(default)]
    pub contractor_name: Option<String>,
    /// Representative unit (shared canteens).
    #[serde(default)]
    pub represented_by_org_id: Option<i64>,
    /// Payment term in days, 1-60.
    pub payment_term_days: i32,
    /// The approval rules (replace the old ones).
    #[serde(default)]
    pub approval_rules: Vec<ApprovalRule>,
}

/// A new version of the annual filing, submitted at once.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitFiling {
    /// The year.
    pub year: i32,
    /// Expected agricultural procurement of the year (the denominator), fen.
    pub expected_total_fen: i64,
    /// Reserved ratio, basis points (3000 = 30%).
    pub ratio_bp: i32,
    /// Union funds of a unit without canteen under a union-funds rule, fen.
    #[serde(default)]
    pub union_funds_fen: Option<i64>,
    /// Units covered (shared canteen: the representative lists them).
    #[serde(default)]
    pub covered_units: Vec<i64>,
    /// Contact.
    pub contact_name: String,
    /// Contact's mobile.
    pub contact_phone: String,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
}

/// A filing version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Filing {
    /// Id.
    pub id: i64,
    /// Unit.
    pub unit_org_id: i64,
    /// Unit name.
    pub unit_name: String,
    /// Year.
    pub year: i32,
    /// Version (1, 2, ...).
    pub version: i32,
    /// Status.
    pub status: FilingStatus,
    /// Canteen mode at filing.
    pub canteen_mode: CanteenMode,
    /// Expected annual total, fen.
    pub expected_total_fen: i64,
    /// Ratio, basis points.
    pub ratio_bp: i32,
    /// Reserved amount, fen (computed: expected × ratio, rounded up to the fen).
    pub reserved_fen: i64,
    /// Union funds, fen.
    pub union_funds_fen: Option<i64>,
    /// Units covered.
    pub covered_units: Vec<i64>,
    /// Contact.
    pub contact_name: String,
    /// Contact's mobile, masked.
    pub contact_phone: String,
    /// Submitted at.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Decided at.
    pub decided_at: Option<DateTime<Utc>>,
    /// Reason of a return.
    pub decision_reason: Option<String>,
}

/// A decision with a reason (return, reject, decline).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// Why (2-500 characters).
    pub reason: String,
}

/// Which filings to list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FilingQuery {
    /// Year.
    pub year: Option<i32>,
    /// Only those waiting for review.
    #[serde(default)]
    pub pending: bool,
}

/// One line of an order form.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormLine {
    /// The SKU (from the catalogue or a saved list).
    #[serde(default)]
    pub sku_id: Option<i64>,
    /// Or: product name (or code `P<id>`) and specification, as in an uploaded sheet.
    #[serde(default)]
    pub product: Option<String>,
    /// Specification (with `product`).
    #[serde(default)]
    pub spec: Option<String>,
    /// Quantity.
    pub quantity: i64,
    /// Wanted delivery date.
    #[serde(default)]
    pub wanted_date: Option<NaiveDate>,
}

/// An order form: lines, where and how to pay.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderForm {
    /// The buying unit (or union).
    pub buyer_org_id: i64,
    /// Lines (1-1000).
    pub lines: Vec<FormLine>,
    /// Delivery address.
    pub delivery: DeliveryAddress,
    /// Payment method (transfer on terms by default).
    #[serde(default)]
    pub payment_method: Option<PaymentMethod>,
    /// Note to the suppliers.
    #[serde(default)]
    pub note: Option<String>,
    /// Client-chosen key making the commit idempotent (8-64 characters).
    #[serde(default)]
    pub submission_key: Option<String>,
}

/// The dry run's answer for one form line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckedLine {
    /// Row in the form (1-based; the sheet's row for uploads).
    pub row: usize,
    /// Matched SKU.
    pub sku_id: Option<i64>,
    /// Product name.
    pub product_name: Option<String>,
    /// Specification.
    pub spec: Option<String>,
    /// Supplier.
    pub supplier_org_id: Option<i64>,
    /// Quantity.
    pub quantity: i64,
    /// Unit price (tier applied), fen.
    pub unit_price_fen: Option<i64>,
    /// Line total, fen.
    pub line_total_fen: Option<i64>,
    /// Assistance product on today's facts.
    pub assistance: bool,
    /// What is wrong (empty when the line can be ordered).
    pub problems: Vec<LineProblem>,
    /// Closest products when nothing matched.
    pub suggestions: Vec<Suggestion>,
}

/// A problem of one line, with the column it concerns.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineProblem {
    /// Column (`product`, `spec`, `quantity`, `wanted_date`).
    pub column: String,
    /// Message (Chinese first).
    pub message: String,
}

/// A suggested product for an unmatched line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suggestion {
    /// SKU.
    pub sku_id: i64,
    /// Product name.
    pub product_name: String,
    /// Specification.
    pub spec: String,
    /// Unit price, fen.
    pub price_fen: i64,
}

/// The dry run of an order form: every line checked, nothing written.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DryRun {
    /// Every line.
    pub lines: Vec<CheckedLine>,
    /// Lines with a problem.
    pub problem_count: usize,
    /// Total of the lines that can be ordered, fen.
    pub total_fen: i64,
    /// Orders that a commit would create (one per supplier).
    pub order_count: usize,
}

/// An uploaded sheet, read and checked: its lines (to commit as a form once they are right)
/// and the dry run, with the sheet's row numbers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SheetChecked {
    /// The lines read from the sheet, in order.
    pub lines: Vec<FormLine>,
    /// The dry run of those lines (`row` is the sheet's row).
    pub dry_run: DryRun,
}

/// Orders created by a commit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Placed {
    /// One per supplier.
    pub orders: Vec<BulkOrder>,
}

/// One approval step.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApprovalStep {
    /// Level (1 or 2).
    pub level: i16,
    /// Who signs.
    pub role: ApproverRole,
    /// Status.
    pub status: StepStatus,
    /// Why the step is needed.
    pub reasons: Vec<String>,
    /// Decided at.
    pub decided_at: Option<DateTime<Utc>>,
    /// Comment or reason.
    pub comment: Option<String>,
}

/// A line of a bulk order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BulkOrderLine {
    /// Id.
    pub id: i64,
    /// Line number.
    pub line_no: i32,
    /// SKU.
    pub sku_id: Option<i64>,
    /// Product name.
    pub product_name: String,
    /// Specification.
    pub spec: String,
    /// Unit.
    pub unit: String,
    /// Frozen unit price, fen.
    pub unit_price_fen: i64,
    /// Where the price came from.
    pub price_source: PriceSource,
    /// Ordered.
    pub ordered_qty: i32,
    /// Confirmed by the supplier (none yet: null).
    pub confirmed_qty: Option<i32>,
    /// Delivered.
    pub delivered_qty: i32,
    /// Accepted.
    pub accepted_qty: i32,
    /// Rejected at acceptance.
    pub rejected_qty: i32,
    /// Credited (closed short).
    pub credited_qty: i32,
    /// Assistance product (frozen at order).
    pub assistance_eligible: bool,
    /// Origin county.
    pub origin_county_code: Option<String>,
    /// Accepted × price, fen.
    pub accepted_fen: i64,
}

/// A bulk order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BulkOrder {
    /// Id.
    pub id: i64,
    /// Order number.
    pub order_no: String,
    /// Buyer unit.
    pub buyer_org_id: i64,
    /// Buyer name.
    pub buyer_name: String,
    /// Supplier.
    pub supplier_org_id: i64,
    /// Supplier name.
    pub supplier_name: String,
    /// Status.
    pub status: BulkOrderStatus,
    /// Lines' total at order, fen.
    pub items_total_fen: i64,
    /// What is owed: accepted quantities × frozen prices, fen.
    pub payable_fen: i64,
    /// Payment method.
    pub payment_method: PaymentMethod,
    /// Payment term, days.
    pub payment_term_days: i32,
    /// Delivery address (phone masked).
    pub delivery: DeliveryAddress,
    /// Supplier must confirm before.
    pub confirm_deadline: DateTime<Utc>,
    /// Due date (acceptance + term).
    pub due_date: Option<NaiveDate>,
    /// Overdue days and the statutory late interest (0.05% a day) so far, fen.
    pub overdue_days: i64,
    /// Late interest so far, fen.
    pub late_interest_fen: i64,
    /// Bank reference of the payment.
    pub bank_reference: Option<String>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Lines.
    pub lines: Vec<BulkOrderLine>,
    /// The approval chain (where the order waits).
    pub approval: Vec<ApprovalStep>,
    /// Deliveries.
    pub deliveries: Vec<Delivery>,
    /// Invoices.
    pub invoices: Vec<Invoice>,
    /// The evaluation.
    pub evaluation: Option<Evaluation>,
}

/// Which orders to list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BulkOrderQuery {
    /// Status.
    pub status: Option<BulkOrderStatus>,
    /// Only those waiting for me (approver: my level; supplier: to confirm).
    #[serde(default)]
    pub mine: bool,
}

/// Orders.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderList {
    /// Newest first (at most 200).
    pub items: Vec<BulkOrder>,
}

/// An approval decision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalDecision {
    /// Comment (required to reject).
    #[serde(default)]
    pub comment: Option<String>,
}

/// The supplier's answer for each line.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    /// Per line: the quantity confirmed (0 declines the line).
    pub lines: Vec<LineQty>,
}

/// A quantity of one order line.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineQty {
    /// Order line.
    pub line_id: i64,
    /// Quantity.
    pub quantity: i64,
}

/// A delivery note.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDelivery {
    /// Quantities per order line.
    pub lines: Vec<LineQty>,
    /// Carrier.
    #[serde(default)]
    pub carrier: Option<String>,
    /// Tracking number.
    #[serde(default)]
    pub tracking_no: Option<String>,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
}

/// A delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    /// Id.
    pub id: i64,
    /// Sequence within the order.
    pub seq: i32,
    /// Delivery note number.
    pub delivery_no: String,
    /// Carrier.
    pub carrier: Option<String>,
    /// Tracking number.
    pub tracking_no: Option<String>,
    /// Shipped at.
    pub shipped_at: DateTime<Utc>,
    /// Quantities per order line.
    pub lines: Vec<DeliveredLine>,
    /// Whether it was accepted.
    pub accepted: bool,
    /// Acceptance photo hashes (from `/api/media/images`).
    pub photos: Vec<String>,
    /// Renditions of each photo, in the order of `photos`.
    pub photo_urls: Vec<Vec<crate::media::ImageUrls>>,
}

/// A line of a delivery and its acceptance.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveredLine {
    /// Order line.
    pub line_id: i64,
    /// Delivered.
    pub quantity: i32,
    /// Accepted (after acceptance).
    pub accepted_qty: Option<i32>,
    /// Rejected (after acceptance).
    pub rejected_qty: Option<i32>,
    /// Remedy of the rejected part.
    pub remedy: Option<Remedy>,
    /// Reason.
    pub reason: Option<String>,
}

/// The buyer's acceptance of a delivery.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Accept {
    /// Per delivered line.
    pub lines: Vec<AcceptLine>,
    /// Photo hashes from `/api/media/images` (at most 9; a repeated hash counts once).
    #[serde(default)]
    pub photos: Vec<String>,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
}

/// Acceptance of one delivered line.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptLine {
    /// Order line.
    pub line_id: i64,
    /// Accepted quantity.
    pub accepted_qty: i64,
    /// Rejected quantity.
    #[serde(default)]
    pub rejected_qty: i64,
    /// What becomes of the rejected part (credit by default).
    #[serde(default)]
    pub remedy: Option<Remedy>,
    /// Reason (required when rejecting).
    #[serde(default)]
    pub reason: Option<String>,
}

/// An invoice, as the supplier sends it: the 数电票 XML, or the fields typed by hand.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvoice {
    /// The XML document's text.
    #[serde(default)]
    pub xml: Option<String>,
    /// Or: fields typed by hand.
    #[serde(default)]
    pub manual: Option<ManualInvoice>,
}

/// An invoice typed by hand (no XML).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualInvoice {
    /// Invoice number (20 digits for a 数电票).
    pub number: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Lines: which order line, tax-inclusive amount and tax rate.
    pub lines: Vec<ManualInvoiceLine>,
    /// Number of the blue invoice a red one reverses.
    #[serde(default)]
    pub reverses: Option<String>,
}

/// A typed invoice line.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualInvoiceLine {
    /// Order line.
    pub line_id: i64,
    /// Amount without tax, fen (negative on a red invoice).
    pub amount_fen: i64,
    /// Tax rate: "13%", "9%", "6%", "3%", "1%", "0%" or "免税".
    pub tax_rate: String,
    /// Tax, fen.
    pub tax_fen: i64,
}

/// An invoice and its check.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Invoice {
    /// Id.
    pub id: i64,
    /// Blue or red.
    pub kind: InvoiceKind,
    /// Number.
    pub number: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Seller tax id.
    pub seller_id: String,
    /// Buyer tax id.
    pub buyer_id: String,
    /// Total with tax, fen.
    pub total_fen: i64,
    /// Tax, fen.
    pub total_tax_fen: i64,
    /// XML or typed.
    pub source: InvoiceSource,
    /// Check result.
    pub status: InvoiceStatus,
    /// What the check found.
    pub check: CheckReport,
}

/// Receipt of a transfer, recorded by the supplier.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The bank's reference of the transfer.
    pub bank_reference: String,
}

/// An evaluation (1-5 stars each).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// Quality.
    pub quality: i16,
    /// Delivery.
    pub delivery: i16,
    /// Service.
    pub service: i16,
    /// Comment.
    #[serde(default)]
    pub comment: Option<String>,
}

/// A saved list (常购清单): SKUs and their usual quantities, ordered again through the form.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SavedList {
    /// Id.
    pub id: i64,
    /// The buying organisation.
    pub org_id: i64,
    /// Name, unique in the organisation.
    pub name: String,
    /// Items in their order.
    pub items: Vec<SavedListItem>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// One item of a saved list, with what the catalogue says of it today.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SavedListItem {
    /// The SKU.
    pub sku_id: i64,
    /// Usual quantity.
    pub quantity: i32,
    /// Product name (empty when the product is gone).
    pub product_name: String,
    /// Specification.
    pub spec: String,
    /// Unit of sale.
    pub unit: String,
    /// List price today, fen.
    pub price_fen: i64,
    /// Whether it can be ordered today (listed and active).
    pub available: bool,
}

/// A new or replaced saved list: typed items, or the lines of one of the unit's orders.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveList {
    /// Name (1-50 characters).
    pub name: String,
    /// Items (up to 500); ignored when `from_order_id` is given.
    #[serde(default)]
    pub items: Vec<SaveListItem>,
    /// Take the items from this order of the unit (its SKU lines, ordered quantities).
    #[serde(default)]
    pub from_order_id: Option<i64>,
}

/// One typed item of a saved list.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveListItem {
    /// The SKU.
    pub sku_id: i64,
    /// Usual quantity (1-1,000,000).
    pub quantity: i64,
}

/// A request for quote (询价) with its items, the suppliers it is addressed to and the quotes
/// the asker may see (the buyer all of them, a supplier only its own).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rfq {
    /// Id.
    pub id: i64,
    /// Number shown to people.
    pub rfq_no: String,
    /// The buying organisation.
    pub buyer_org_id: i64,
    /// Its name.
    pub buyer_name: String,
    /// Title.
    pub title: String,
    /// Where it stands.
    pub status: RfqStatus,
    /// Quotes are accepted until then.
    pub deadline: DateTime<Utc>,
    /// Wanted delivery date.
    pub wanted_date: Option<NaiveDate>,
    /// Note to the suppliers.
    pub note: Option<String>,
    /// Items.
    pub items: Vec<RfqItem>,
    /// Suppliers asked (a supplier sees only itself).
    pub suppliers: Vec<RfqSupplier>,
    /// Quotes (a supplier sees only its own).
    pub quotes: Vec<SupplierQuote>,
    /// The accepted quote.
    pub awarded_quote_id: Option<i64>,
    /// Orders placed from the accepted quote.
    pub order_ids: Vec<i64>,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
}

/// One item of a request for quote.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RfqItem {
    /// Id (quotes price it by this id).
    pub id: i64,
    /// Line number.
    pub line_no: i32,
    /// The listed SKU, when it is one.
    pub sku_id: Option<i64>,
    /// Name.
    pub name: String,
    /// Specification.
    pub spec: String,
    /// Unit.
    pub unit: String,
    /// Quantity.
    pub quantity: i32,
    /// Note.
    pub note: Option<String>,
}

/// A supplier a request is addressed to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RfqSupplier {
    /// The supplier.
    pub org_id: i64,
    /// Its name.
    pub name: String,
    /// Whether it has answered.
    pub quoted: bool,
}

/// A supplier's quote.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupplierQuote {
    /// Id.
    pub id: i64,
    /// The supplier.
    pub supplier_org_id: i64,
    /// Its name.
    pub supplier_name: String,
    /// Where it stands.
    pub status: QuoteStatus,
    /// The prices hold until then (inclusive).
    pub valid_until: NaiveDate,
    /// Days from confirmation to delivery.
    pub delivery_days: i32,
    /// Delivery and other terms.
    pub terms: Option<String>,
    /// Sum of the items, fen.
    pub total_fen: i64,
    /// Price per item.
    pub items: Vec<QuoteItem>,
    /// When it was (last) answered.
    pub updated_at: DateTime<Utc>,
}

/// A quote's price for one item.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuoteItem {
    /// The request's item.
    pub rfq_item_id: i64,
    /// Unit price, fen (tax included).
    pub unit_price_fen: i64,
    /// Quantity × unit price, fen.
    #[serde(default)]
    pub line_total_fen: i64,
}

/// A new request for quote.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRfq {
    /// The buying organisation.
    pub buyer_org_id: i64,
    /// Title (2-100 characters).
    pub title: String,
    /// Quotes are accepted until then (in the future, within 30 days).
    pub deadline: DateTime<Utc>,
    /// Wanted delivery date.
    #[serde(default)]
    pub wanted_date: Option<NaiveDate>,
    /// Note to the suppliers (up to 500 characters).
    #[serde(default)]
    pub note: Option<String>,
    /// Items (1-200).
    pub items: Vec<NewRfqItem>,
    /// Suppliers to ask (1-10).
    pub supplier_org_ids: Vec<i64>,
}

/// One item of a new request: a listed SKU, or a free-text item (name, specification, unit).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRfqItem {
    /// A listed SKU (then only its supplier can be asked).
    #[serde(default)]
    pub sku_id: Option<i64>,
    /// Name of a free-text item (1-100 characters).
    #[serde(default)]
    pub name: Option<String>,
    /// Its specification.
    #[serde(default)]
    pub spec: Option<String>,
    /// Its unit (斤, 箱, 袋…).
    #[serde(default)]
    pub unit: Option<String>,
    /// Quantity (1-1,000,000).
    pub quantity: i64,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
}

/// A supplier's answer (replaces its earlier answer while the request is open).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQuote {
    /// The prices hold until then (today or later, within a year).
    pub valid_until: NaiveDate,
    /// Days from confirmation to delivery (0-365).
    pub delivery_days: i32,
    /// Delivery and other terms (up to 500 characters).
    #[serde(default)]
    pub terms: Option<String>,
    /// A unit price for every item of the request.
    pub items: Vec<NewQuoteItem>,
}

/// A quote's price for one item.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQuoteItem {
    /// The request's item.
    pub rfq_item_id: i64,
    /// Unit price, fen (1 fen to 1,000,000 yuan).
    pub unit_price_fen: i64,
}

/// The buyer accepts one quote: it becomes an order with the quoted prices frozen.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardQuote {
    /// The accepted quote.
    pub quote_id: i64,
    /// Delivery address.
    pub delivery: DeliveryAddress,
    /// Note to the supplier.
    #[serde(default)]
    pub note: Option<String>,
}

/// Filter of the request list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RfqQuery {
    /// Only in this state.
    pub status: Option<RfqStatus>,
}

/// A supplier a buyer may ask for a quote.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupplierChoice {
    /// The supplier.
    pub org_id: i64,
    /// Its name.
    pub name: String,
    /// Its county.
    pub region_code: Option<String>,
}
