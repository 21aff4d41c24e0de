//! Order and settlement statuses (payment and refund statuses are `payments::model`'s).

use serde::{Deserialize, Serialize};

use crate::vocab::text_enum;

// The payments context owns the payment and refund statuses; orders read them.
pub use crate::payments::model::{PaymentStatus, RefundStatus};

text_enum! {
    /// Who placed an order, and so which rules it follows.
    OrderKind {
        /// A union member's order from the shop (coupons, one payment per checkout).
        Member = "member",
    }
}

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

/// A delivery address as stored on an order (`orders.address`): what the member entered,
/// checked, with the region names of the day of the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAddress {
    /// Recipient.
    pub recipient: String,
    /// Mobile (checked).
    pub phone: String,
    /// Province code.
    pub province_code: String,
    /// City code.
    pub city_code: String,
    /// District / county code (when the city has them).
    pub district_code: Option<String>,
    /// Province, city, district names.
    pub region: String,
    /// Street, building, room.
    pub detail: String,
}

/// A line of a refund as stored (`refunds.lines`): which order line, how many units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundLine {
    /// Order line.
    pub line_id: i64,
    /// Units.
    pub quantity: i32,
}

impl OrderStatus {
    /// The word a clerk reads (exports; the screens have their own translations).
    #[must_use]
    pub const fn label_zh(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "待支付",
            OrderStatus::Paid => "已支付",
            OrderStatus::Shipped => "已发货",
            OrderStatus::Delivered => "已收货",
            OrderStatus::Completed => "已完成",
            OrderStatus::Cancelled => "已取消",
            OrderStatus::Refunded => "已退款",
        }
    }
}

impl RefundStatus {
    /// The word a clerk reads (exports; the screens have their own translations).
    #[must_use]
    pub const fn label_zh(self) -> &'static str {
        match self {
            RefundStatus::Requested => "待商家处理",
            RefundStatus::Rejected => "已拒绝",
            RefundStatus::Processing => "退款中",
            RefundStatus::Succeeded => "已退款",
            RefundStatus::Failed => "退款失败",
        }
    }
}
