//! The payment provider interface. Stripe (card, Alipay, WeChat Pay in CNY) serves the open
//! demo; a mainland deployment plugs WeChat Pay or UnionPay in behind the same trait; the
//! offline test provider completes payments when no Stripe key is configured.

use std::fmt::Debug;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::money::Money;

/// A way to pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayMethod {
    /// Bank card.
    Card,
    /// Alipay (支付宝).
    Alipay,
    /// WeChat Pay (微信支付).
    WechatPay,
}

/// A request to collect money.
#[derive(Debug, Clone)]
pub struct CreateIntent {
    /// Our payment id (sent as metadata `payment_id`).
    pub payment_id: i64,
    /// Amount due, CNY fen.
    pub amount: Money,
    /// Methods offered.
    pub methods: Vec<PayMethod>,
    /// Deterministic per payment attempt: a retry never creates a second charge.
    pub idempotency_key: String,
    /// Shown to the payer.
    pub description: String,
}

/// Where a payment stands at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentStatus {
    /// Waiting for the payer (or processing).
    Pending,
    /// Money collected.
    Succeeded,
    /// Declined or errored.
    Failed,
    /// Cancelled.
    Cancelled,
}

/// The provider's answer to [`CreateIntent`].
#[derive(Debug, Clone)]
pub struct IntentCreated {
    /// The provider's id (Stripe: `pi_…`).
    pub provider_ref: String,
    /// What the browser needs to confirm the payment (Stripe: the client secret).
    pub client_secret: Option<String>,
    /// Status right after creation.
    pub status: IntentStatus,
}

/// A request to give money back.
#[derive(Debug, Clone)]
pub struct RefundRequest {
    /// Our refund id (sent as metadata `refund_id`).
    pub refund_id: i64,
    /// The payment's provider id.
    pub provider_ref: String,
    /// Amount, CNY fen.
    pub amount: Money,
    /// Deterministic per refund: a retry never refunds twice.
    pub idempotency_key: String,
}

/// Where a refund stands at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Being processed.
    Pending,
    /// Money returned.
    Succeeded,
    /// Refused by the provider.
    Failed,
}

/// The provider's answer to [`RefundRequest`].
#[derive(Debug, Clone)]
pub struct RefundCreated {
    /// The provider's id (Stripe: `re_…`).
    pub provider_refund_ref: String,
    /// Status right after creation.
    pub status: RefundStatus,
}

/// What a verified webhook says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A payment succeeded.
    PaymentSucceeded {
        /// The payment's provider id.
        provider_ref: String,
        /// Amount received, fen.
        amount: Money,
    },
    /// A payment failed.
    PaymentFailed {
        /// The payment's provider id.
        provider_ref: String,
        /// Why, as the provider says it.
        reason: String,
    },
    /// A payment was cancelled.
    PaymentCancelled {
        /// The payment's provider id.
        provider_ref: String,
    },
    /// A refund changed state.
    RefundUpdated {
        /// The refund's provider id.
        provider_refund_ref: String,
        /// Its new state.
        status: RefundStatus,
    },
    /// Anything else (ignored, but recorded).
    Other(String),
}

/// A verified provider event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEvent {
    /// The provider's event id (Stripe: `evt_…`): duplicates are ignored by it.
    pub event_id: String,
    /// When the provider created it (Unix seconds): events may arrive out of order.
    pub created: i64,
    /// What happened.
    pub kind: EventKind,
}

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No signature header.
    #[error("missing signature")]
    MissingSignature,
    /// The signature does not match the body.
    #[error("bad signature")]
    BadSignature,
    /// Signed too long ago (or in the future): a replay.
    #[error("timestamp outside the tolerance")]
    StaleTimestamp,
    /// Not an event we can read.
    #[error("malformed event: {0}")]
    Malformed(String),
}

/// A provider call that failed.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider refused the request (card declined, invalid amount…); not worth retrying.
    #[error("rejected by the provider: {0}")]
    Rejected(String),
    /// Network trouble or a provider outage; retry later with the same idempotency key.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
}

/// A payment service provider.
#[async_trait]
pub trait PaymentProvider: Send + Sync + Debug {
    /// `stripe`, `test`, …
    fn name(&self) -> &'static str;

    /// Whether this is the offline test provider (no money moves).
    fn is_test(&self) -> bool;

    /// Creates the provider's payment object for `req`.
    async fn create_intent(&self, req: CreateIntent) -> Result<IntentCreated, ProviderError>;

    /// Asks the provider where a payment stands (the reconciliation job uses it).
    async fn intent_status(&self, provider_ref: &str) -> Result<IntentStatus, ProviderError>;

    /// Refunds (part of) a payment.
    async fn refund(&self, req: RefundRequest) -> Result<RefundCreated, ProviderError>;

    /// Verifies a webhook (signature and timestamp tolerance against `now_unix`) and reads it.
    fn parse_webhook(
        &self,
        payload: &[u8],
        signature: Option<&str>,
        now_unix: i64,
    ) -> Result<ProviderEvent, WebhookError>;
}
