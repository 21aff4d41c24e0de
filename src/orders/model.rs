//! Order, payment, refund and settlement statuses.

use crate::auth::model::text_enum;

text_enum! {
    /// Where an order stands.
    OrderStatus {
        /// Stock and coupon reserved; waiting for the payment.
        PendingPayment = "pending_payment",
        /// Paid; the supplier ships.
        Paid = "paid",
        /// On its way.
        Shipped = "shipped",
        /// Received by the member.
        Delivered = "delivered",
        /// Done (after the return window).
        Completed = "completed",
        /// Cancelled before payment (by the member, or the payment timed out).
        Cancelled = "cancelled",
        /// Entirely refunded.
        Refunded = "refunded",
    }
}

text_enum! {
    /// Where a payment stands.
    PaymentStatus {
        /// Waiting for the payer.
        Pending = "pending",
        /// Money received.
        Succeeded = "succeeded",
        /// Not paid in time, or cancelled; stock and coupon released.
        Expired = "expired",
    }
}

text_enum! {
    /// Where a refund stands.
    RefundStatus {
        /// Asked by the member.
        Requested = "requested",
        /// Refused by the supplier, with a reason.
        Rejected = "rejected",
        /// Approved; being paid back through the provider.
        Processing = "processing",
        /// Paid back.
        Succeeded = "succeeded",
        /// The provider refused; operators follow up.
        Failed = "failed",
    }
}

text_enum! {
    /// Where a settlement statement stands.
    SettlementStatus {
        /// Computed; may be recomputed.
        Draft = "draft",
        /// Checked by the platform operator.
        Reviewed = "reviewed",
        /// Approved by the union.
        Approved = "approved",
        /// Paid to the supplier (bank voucher recorded).
        Paid = "paid",
    }
}
