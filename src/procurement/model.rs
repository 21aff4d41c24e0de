//! The procurement context's stored vocabulary: every status and kind column of its tables
//! (the database allows exactly these words; `entities::VOCABULARY`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::vocab::text_enum;

text_enum! {
    /// How a budget unit feeds its staff.
    CanteenMode {
        /// Its own canteen.
        Own = "own",
        /// A contractor runs it and buys on the unit's account (counts for the unit).
        Outsourced = "outsourced",
        /// One representative unit files for several.
        Shared = "shared",
        /// No canteen.
        None = "none",
    }
}

text_enum! {
    /// What an approval rule looks at.
    ApprovalRuleKind {
        /// The order's amount is strictly above the threshold.
        OrderAmountOver = "order_amount_over",
        /// The unit's orders of the month, this one included, are strictly above it.
        MonthTotalOver = "month_total_over",
        /// A line is in the category (or below it).
        Category = "category",
    }
}

text_enum! {
    /// Where an annual filing stands.
    FilingStatus {
        /// Being written.
        Draft = "draft",
        /// Waiting for the supervising department.
        Submitted = "submitted",
        /// Approved and frozen.
        Approved = "approved",
        /// Sent back with a reason; corrected as a new version.
        Returned = "returned",
        /// An approved filing replaced by a later approved version.
        Superseded = "superseded",
    }
}

text_enum! {
    /// Where an off-platform declaration stands.
    DeclarationStatus {
        /// Declared by the unit.
        Declared = "declared",
        /// Verified by the supervising department.
        Verified = "verified",
        /// Rejected with a reason.
        Rejected = "rejected",
    }
}

text_enum! {
    /// Where a request for quote stands.
    RfqStatus {
        /// Suppliers may answer.
        Open = "open",
        /// A quote was accepted.
        Awarded = "awarded",
        /// Closed without an award.
        Closed = "closed",
        /// Cancelled by the buyer.
        Cancelled = "cancelled",
    }
}

text_enum! {
    /// Where a supplier's quote stands.
    QuoteStatus {
        /// Answered, waiting for the buyer.
        Submitted = "submitted",
        /// Accepted: its prices are frozen on the order.
        Accepted = "accepted",
        /// Another quote was accepted.
        NotSelected = "not_selected",
        /// Withdrawn by the supplier.
        Withdrawn = "withdrawn",
    }
}

text_enum! {
    /// Where a bulk order stands (derived from its lines, steps, invoices and payment).
    BulkOrderStatus {
        /// Waiting for an approver.
        PendingApproval = "pending_approval",
        /// Rejected by an approver.
        Rejected = "rejected",
        /// Approved; the supplier confirms or declines each line.
        AwaitingConfirmation = "awaiting_confirmation",
        /// The supplier declined every line.
        Declined = "declined",
        /// Cancelled (by the buyer, or by the deadline job).
        Cancelled = "cancelled",
        /// Confirmed; nothing delivered yet.
        Confirmed = "confirmed",
        /// Partly delivered.
        InDelivery = "in_delivery",
        /// Everything confirmed was delivered; acceptance pending.
        Delivered = "delivered",
        /// Accepted (goods and invoice); payment due.
        Accepted = "accepted",
        /// Paid; evaluation pending.
        Paid = "paid",
        /// Evaluated: complete, counts toward the share.
        Completed = "completed",
    }
}

text_enum! {
    /// Where a line's unit price came from.
    PriceSource {
        /// The SKU's list price.
        List = "list",
        /// A quantity tier of the SKU.
        Tier = "tier",
        /// An accepted quote.
        Quote = "quote",
    }
}

text_enum! {
    /// How a bulk order is paid.
    PaymentMethod {
        /// Corporate bank transfer on terms.
        Transfer = "transfer",
        /// Online through the payment provider.
        Online = "online",
    }
}

text_enum! {
    /// Where one approval step stands.
    StepStatus {
        /// Waits for the level below.
        Waiting = "waiting",
        /// Waits for this level's approver.
        Pending = "pending",
        /// Approved.
        Approved = "approved",
        /// Rejected.
        Rejected = "rejected",
        /// No longer needed (the order was rejected or cancelled).
        Cancelled = "cancelled",
    }
}

text_enum! {
    /// Who signs an approval step.
    ApproverRole {
        /// Level 1: the unit's approver.
        Approver = "approver",
        /// Level 2: the unit's admin.
        UnitAdmin = "unit_admin",
    }
}

text_enum! {
    /// What becomes of a rejected or missing quantity at acceptance.
    Remedy {
        /// Nothing to remedy.
        None = "none",
        /// The line closes short: the quantity is credited (not paid).
        Credit = "credit",
        /// The supplier delivers it again.
        Redelivery = "redelivery",
    }
}

text_enum! {
    /// Blue (normal) or red (reversing) invoice.
    InvoiceKind {
        /// A normal invoice.
        Blue = "blue",
        /// Reverses a blue one.
        Red = "red",
    }
}

text_enum! {
    /// How an invoice's fields arrived.
    InvoiceSource {
        /// Parsed from the 数电票 XML.
        Xml = "xml",
        /// Typed by hand (evidence file attached).
        Manual = "manual",
    }
}

text_enum! {
    /// The result of the invoice check.
    InvoiceStatus {
        /// Every line matches accepted quantity × frozen price.
        Matched = "matched",
        /// Some line differs (the check report says which).
        Mismatched = "mismatched",
        /// Reversed by a red invoice.
        Reversed = "reversed",
    }
}

/// Where a bulk order is delivered (`bulk_orders.delivery_address`): the unit's canteen or
/// warehouse, as the buyer entered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryAddress {
    /// Receiving contact.
    pub contact: String,
    /// Their mobile.
    pub phone: String,
    /// Full address.
    pub address: String,
}

/// The invoice check (`invoices.check_report`): each invoice line against an order line's
/// accepted quantity × frozen price, to the fen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CheckReport {
    /// Problems with the whole invoice (seller or buyer id, totals).
    pub problems: Vec<String>,
    /// One entry per order line that was checked.
    pub lines: Vec<LineCheck>,
}

/// One order line's check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LineCheck {
    /// The order line.
    pub order_line_id: i64,
    /// Its line number on the order.
    pub line_no: i32,
    /// Accepted quantity × frozen unit price, fen.
    pub expected_fen: i64,
    /// The tax-inclusive total invoiced for it, fen.
    pub invoiced_fen: i64,
    /// Whether the two agree.
    pub matches: bool,
}
