//! The payments context's stored vocabulary (`entities::VOCABULARY`).

use crate::vocab::text_enum;

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
