//! JSON in and out of the cart, checkout, order, refund and settlement endpoints.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{OrderStatus, RefundStatus, SettlementStatus};
use crate::media::ImageUrls;
use crate::money::Money;
use crate::payments::provider::PayMethod;

/// The payment view is the payments context's; checkout answers with it.
pub use crate::payments::dto::PaymentView;

/// A line of the cart with today's price.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CartLine {
    /// SKU.
    pub sku_id: i64,
    /// Product.
    pub product_id: i64,
    /// Product name.
    pub product_name: String,
    /// Spec.
    pub spec: String,
    /// Image.
    pub image: Option<Vec<ImageUrls>>,
    /// Supplier.
    pub supplier_org_id: i64,
    /// Supplier name.
    pub supplier_name: String,
    /// Quantity.
    pub quantity: i32,
    /// Unit price now, fen.
    pub unit_price_fen: Money,
    /// Unit price when added, fen.
    pub added_price_fen: Money,
    /// The price changed since the line was added.
    pub price_changed: bool,
    /// Units in stock.
    pub stock: i64,
    /// Still for sale (listed and active).
    pub available: bool,
    /// Counts as an assistance purchase today.
    pub assistance_eligible: bool,
}

/// The member's cart.
#[derive(Debug, Serialize, ToSchema)]
pub struct Cart {
    /// Lines, by supplier.
    pub lines: Vec<CartLine>,
    /// Sum at today's prices, fen.
    pub total_fen: Money,
}

/// Sets the quantity of a SKU in the cart (0 removes it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetCartItem {
    /// Quantity (0-999).
    pub quantity: i32,
}

/// A Chinese shipping address.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Recipient.
    pub recipient: String,
    /// Mobile.
    pub phone: String,
    /// Province code.
    pub province_code: String,
    /// City code.
    pub city_code: String,
    /// District / county code (when the city has them).
    pub district_code: Option<String>,
    /// Street, building, room.
    pub detail: String,
}

/// A stored address as shown back (phone masked, region names filled in).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AddressView {
    /// Recipient.
    pub recipient: String,
    /// Mobile, masked.
    pub phone_masked: String,
    /// Province, city, district names.
    pub region: String,
    /// Street, building, room.
    pub detail: String,
}

/// An address to save in the member's address book.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveAddress {
    /// The address (checked like a checkout address).
    pub address: Address,
    /// Make it the default address (the first saved address always is).
    #[serde(default)]
    pub is_default: bool,
}

/// An address of the member's address book (only its owner sees it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SavedAddress {
    /// Id.
    pub id: i64,
    /// The address as saved, to edit it or send it with a checkout.
    pub address: Address,
    /// Mobile, masked, for lists.
    pub phone_masked: String,
    /// Province, city, district names.
    pub region: String,
    /// The default address (one at most).
    pub is_default: bool,
}

/// The member's address book, the default first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressBook {
    /// Addresses (at most 20).
    pub items: Vec<SavedAddress>,
}

/// One SKU bought straight from the product page (立即购买), instead of the cart.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyNow {
    /// SKU.
    pub sku_id: i64,
    /// Quantity (1-999).
    pub quantity: i32,
}

/// What the member is about to buy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// Coupon to apply (else the best one is suggested, not applied).
    pub coupon_id: Option<i64>,
    /// Price this one SKU instead of the cart (立即购买).
    #[serde(default)]
    pub buy_now: Option<BuyNow>,
}

/// One supplier's part of a checkout.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteGroup {
    /// Supplier.
    pub supplier_org_id: i64,
    /// Supplier name.
    pub supplier_name: String,
    /// Lines.
    pub lines: Vec<QuoteLine>,
    /// Sum, fen.
    pub items_total_fen: Money,
    /// Coupon share, fen.
    pub discount_fen: Money,
    /// To pay, fen.
    pub amount_due_fen: Money,
}

/// One line of a quote.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteLine {
    /// SKU.
    pub sku_id: i64,
    /// Product name.
    pub product_name: String,
    /// Spec.
    pub spec: String,
    /// Quantity.
    pub quantity: i32,
    /// Unit price now, fen.
    pub unit_price_fen: Money,
    /// Price when added to the cart, fen.
    pub added_price_fen: Money,
    /// Line total, fen.
    pub line_total_fen: Money,
    /// Coupon share, fen.
    pub discount_fen: Money,
    /// Counts as an assistance purchase today.
    pub assistance_eligible: bool,
    /// Within the coupon's scope.
    pub coupon_eligible: bool,
}

/// A coupon the member could use on this cart.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CouponOption {
    /// Coupon.
    pub coupon_id: i64,
    /// Campaign name.
    pub campaign_name: String,
    /// Face value, fen.
    pub face_value_fen: Money,
    /// Minimum spend, fen.
    pub min_spend_fen: Money,
    /// Eligible subtotal of this cart, fen.
    pub eligible_subtotal_fen: Money,
    /// Discount it would give, fen (0 when the minimum is not met).
    pub discount_fen: Money,
    /// Usable on this cart.
    pub usable: bool,
}

/// Prices, coupon and totals of the cart, as checkout would charge them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Quote {
    /// Per supplier.
    pub groups: Vec<QuoteGroup>,
    /// Sum, fen.
    pub items_total_fen: Money,
    /// Discount, fen.
    pub discount_fen: Money,
    /// To pay, fen.
    pub amount_due_fen: Money,
    /// Coupon applied.
    pub coupon_id: Option<i64>,
    /// Coupons of the member for this cart, best first.
    pub coupons: Vec<CouponOption>,
    /// The coupon giving the largest discount.
    pub suggested_coupon_id: Option<i64>,
    /// Some price changed since it was put in the cart.
    pub prices_changed: bool,
    /// Problems that stop checkout (out of stock, no longer for sale, minimum quantity).
    pub problems: Vec<String>,
}

/// Place the orders of the cart.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// Shipping address.
    pub address: Address,
    /// Coupon to use.
    pub coupon_id: Option<i64>,
    /// The amount the member saw (from the quote): if prices moved since, checkout answers
    /// 409 `price_changed` instead of charging something else.
    pub expected_amount_fen: Money,
    /// Payment methods offered (default all).
    #[serde(default)]
    pub methods: Vec<PayMethod>,
    /// Buy this one SKU instead of the cart (立即购买); the cart is left as it is.
    #[serde(default)]
    pub buy_now: Option<BuyNow>,
}

/// The outcome of checkout.
#[derive(Debug, Serialize, ToSchema)]
pub struct Checkout {
    /// The payment for all orders.
    pub payment: PaymentView,
    /// One order per supplier.
    pub orders: Vec<Order>,
}

/// A line of an order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderLine {
    /// Line id.
    pub id: i64,
    /// SKU.
    pub sku_id: i64,
    /// Product.
    pub product_id: i64,
    /// Product name at purchase.
    pub product_name: String,
    /// Spec at purchase.
    pub spec: String,
    /// Unit price, fen.
    pub unit_price_fen: Money,
    /// Quantity.
    pub quantity: i32,
    /// Line total, fen.
    pub line_total_fen: Money,
    /// Coupon share, fen.
    pub discount_fen: Money,
    /// Units refunded.
    pub refunded_qty: i32,
    /// Paid back, fen.
    pub refunded_fen: Money,
    /// Counted as an assistance purchase (frozen at purchase).
    pub assistance_eligible: bool,
    /// Origin county (frozen).
    pub origin_county_code: String,
    /// Certificate numbers valid at purchase.
    pub cert_numbers: Vec<String>,
    /// The product's photo (its first one today), when it has one.
    pub image: Option<Vec<crate::media::ImageUrls>>,
}

/// An order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Order {
    /// Id.
    pub id: i64,
    /// Order number.
    pub order_no: String,
    /// Payment.
    pub payment_id: i64,
    /// Supplier.
    pub supplier_org_id: i64,
    /// Supplier name.
    pub supplier_name: String,
    /// Status.
    pub status: OrderStatus,
    /// Sum, fen.
    pub items_total_fen: Money,
    /// Coupon discount, fen.
    pub discount_fen: Money,
    /// Paid, fen.
    pub amount_due_fen: Money,
    /// Refunded, fen.
    pub refunded_fen: Money,
    /// Shipping address.
    pub address: AddressView,
    /// Carrier.
    pub carrier: Option<String>,
    /// Tracking number.
    pub tracking_no: Option<String>,
    /// Lines.
    pub lines: Vec<OrderLine>,
    /// Placed.
    pub created_at: DateTime<Utc>,
    /// Paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// Shipped.
    pub shipped_at: Option<DateTime<Utc>>,
    /// Received.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why cancelled.
    pub cancel_reason: Option<String>,
    /// Where the latest refund asked on this order stands (none asked: null).
    pub refund_status: Option<super::model::RefundStatus>,
}

/// A page of orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    /// Orders, newest first.
    pub items: Vec<Order>,
    /// Next page.
    pub next_cursor: Option<String>,
}

/// Filters for order lists.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// Only this status.
    pub status: Option<OrderStatus>,
    /// Only orders with a refund asked (退款/售后), whatever its outcome.
    pub refunds: Option<bool>,
    /// Order number or product name contains (1-50 characters).
    pub q: Option<String>,
    /// Page cursor.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: Option<u64>,
}

/// Shipping details.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ship {
    /// Carrier, e.g. 顺丰速运.
    pub carrier: String,
    /// Tracking number.
    pub tracking_no: String,
}

/// Lines to refund.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundLineRequest {
    /// Order line.
    pub line_id: i64,
    /// Units.
    pub quantity: i32,
}

/// A refund request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestRefund {
    /// Lines and units.
    pub lines: Vec<RefundLineRequest>,
    /// Why.
    pub reason: String,
    /// Photo hashes (from `/api/media/images`), at most 9; a repeated hash counts once.
    #[serde(default)]
    pub photos: Vec<String>,
}

/// A supplier's decision on a refund.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundDecision {
    /// Why (required to reject).
    pub reason: Option<String>,
    /// The goods came back (or were never shipped): put them back in stock.
    #[serde(default)]
    pub restock: bool,
}

/// A refund.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Refund {
    /// Id.
    pub id: i64,
    /// Order.
    pub order_id: i64,
    /// Status.
    pub status: RefundStatus,
    /// Why.
    pub reason: String,
    /// Photo hashes.
    pub photos: Vec<String>,
    /// Renditions of each photo, in the order of `photos`.
    pub photo_urls: Vec<Vec<ImageUrls>>,
    /// Lines and units.
    pub lines: Vec<RefundLineRequest>,
    /// Paid back, fen (known once approved).
    pub amount_fen: Money,
    /// Coupon value returned to the union, fen.
    pub discount_fen: Money,
    /// The coupon went back to the member's wallet.
    pub coupon_returned: bool,
    /// Supplier's reason.
    pub decision_reason: Option<String>,
    /// Asked.
    pub created_at: DateTime<Utc>,
}

/// Refunds.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefundList {
    /// Refunds, newest first.
    pub items: Vec<Refund>,
}

/// Filters for refund lists.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RefundQuery {
    /// Only this status.
    pub status: Option<RefundStatus>,
}

/// A settlement statement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Statement {
    /// Id.
    pub id: i64,
    /// Campaign.
    pub campaign_id: i64,
    /// Campaign name.
    pub campaign_name: String,
    /// Supplier.
    pub supplier_org_id: i64,
    /// Supplier name.
    pub supplier_name: String,
    /// Coupons redeemed at this supplier.
    pub coupon_count: i64,
    /// Coupon value redeemed, net of refunds, fen.
    pub redeemed_fen: Money,
    /// Status.
    pub status: SettlementStatus,
    /// Reviewed by the operator.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Approved by the union.
    pub approved_at: Option<DateTime<Utc>>,
    /// Paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// Bank voucher reference.
    pub bank_voucher_ref: Option<String>,
}

/// Statements.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementList {
    /// Statements.
    pub items: Vec<Statement>,
}

/// Payment of a statement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayStatement {
    /// Bank voucher (回单) reference.
    pub bank_voucher_ref: String,
}
