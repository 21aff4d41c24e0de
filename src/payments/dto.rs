//! What the payments context answers with.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::PaymentStatus;
use crate::money::Money;

/// A payment as the payer sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentView {
    /// Payment id.
    pub id: i64,
    /// Amount, fen.
    pub amount_fen: Money,
    /// Coupon discount, fen.
    pub discount_fen: Money,
    /// Status.
    pub status: PaymentStatus,
    /// `stripe` or `test`.
    pub provider: String,
    /// The offline test provider: no money moves.
    pub test_mode: bool,
    /// For the browser to confirm with the provider (Stripe client secret).
    pub client_secret: Option<String>,
    /// Pay before.
    pub expires_at: DateTime<Utc>,
    /// Paid.
    pub paid_at: Option<DateTime<Utc>>,
}
