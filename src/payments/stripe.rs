//! Stripe as a [`PaymentProvider`]: card, Alipay and WeChat Pay in CNY, through
//! `async-stripe` 1.0 (pinned `=1.0.0-rc.10`, Stripe API version `2026-09-30.endive`).
//!
//! * Requests go through `stripe::Client`; each write carries the caller's idempotency key as
//!   Stripe's `Idempotency-Key` header ([`RequestStrategy::Idempotent`]) and is sent once: the
//!   caller retries later with the same key.
//! * Webhooks are verified here (HMAC-SHA256 over `"{t}.{payload}"`, any of several `v1`
//!   signatures, constant-time comparison, 300 s tolerance against the caller's clock) and read
//!   with `serde_json`, taking only the fields we use, so an event we ignore never fails on a
//!   shape the generated types do not expect.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use ::stripe::{
    Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest,
};
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use stripe_core::payment_intent::{
    CreatePaymentIntent, CreatePaymentIntentPaymentMethodOptions,
    CreatePaymentIntentPaymentMethodOptionsWechatPay,
    CreatePaymentIntentPaymentMethodOptionsWechatPayClient, RetrievePaymentIntent,
};
use stripe_core::refund::CreateRefund;
use stripe_core::{PaymentIntent, PaymentIntentAllowedPaymentMethodTypes, PaymentIntentStatus};
use stripe_types::Currency;

use crate::money::Money;
use crate::payments::provider::{
    CreateIntent, EventKind, IntentCreated, IntentStatus, PayMethod, PaymentProvider,
    ProviderError, ProviderEvent, RefundCreated, RefundRequest, RefundStatus, WebhookError,
};

/// How far a webhook's signed timestamp may be from the caller's clock, in seconds.
pub const WEBHOOK_TOLERANCE_SECS: i64 = 300;

/// Per-attempt timeout for Stripe API calls.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

type HmacSha256 = Hmac<Sha256>;

/// Why a [`StripeProvider`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Stripe configuration: {0}")]
pub struct StripeConfigError(String);

/// The Stripe payment provider.
///
/// Its `Debug` output never shows the secret key or the webhook secret.
#[derive(Clone)]
pub struct StripeProvider {
    client: Client,
    webhook_secret: String,
    api_base: Option<String>,
}

impl fmt::Debug for StripeProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeProvider")
            .field("secret_key", &"<redacted>")
            .field("webhook_secret", &"<redacted>")
            .field(
                "api_base",
                &self
                    .api_base
                    .as_deref()
                    .unwrap_or("https://api.stripe.com/"),
            )
            .finish()
    }
}

impl StripeProvider {
    /// A provider calling Stripe with `secret_key` (`sk_…`/`rk_…`) and verifying webhooks with
    /// `webhook_secret` (`whsec_…`). `api_base` replaces `https://api.stripe.com/` (tests point
    /// it at a mock server); requests go to `{api_base}/v1/…`.
    ///
    /// Installs rustls' `ring` crypto provider as the process default if none is installed yet.
    ///
    /// # Errors
    /// An empty key or secret, a key that is not a valid header value, or an invalid `api_base`.
    pub fn new(
        secret_key: &str,
        webhook_secret: &str,
        api_base: Option<&str>,
    ) -> Result<Self, StripeConfigError> {
        if secret_key.trim().is_empty() {
            return Err(StripeConfigError("empty secret key".into()));
        }
        // An empty HMAC key would let anyone sign webhooks.
        if webhook_secret.trim().is_empty() {
            return Err(StripeConfigError("empty webhook secret".into()));
        }
        // hyper-rustls needs a process-level crypto provider when more than one is compiled in;
        // an error only means one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let mut builder = ClientBuilder::new(secret_key)
            .request_strategy(RequestStrategy::Once)
            .timeout(REQUEST_TIMEOUT);
        let api_base = api_base.map(|base| {
            // The client appends `v1/…` to the base verbatim.
            if base.ends_with('/') {
                base.to_owned()
            } else {
                format!("{base}/")
            }
        });
        if let Some(base) = &api_base {
            builder = builder.url(base.clone());
        }
        let client = builder
            .build()
            .map_err(|e| StripeConfigError(e.to_string()))?;
        Ok(Self {
            client,
            webhook_secret: webhook_secret.to_owned(),
            api_base,
        })
    }
}

#[async_trait]
impl PaymentProvider for StripeProvider {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn is_test(&self) -> bool {
        false
    }

    async fn create_intent(&self, req: CreateIntent) -> Result<IntentCreated, ProviderError> {
        if req.amount.fen() <= 0 {
            return Err(ProviderError::Rejected("amount must be positive".into()));
        }
        let mut allowed: Vec<PaymentIntentAllowedPaymentMethodTypes> = Vec::new();
        for method in &req.methods {
            let ty = match method {
                PayMethod::Card => PaymentIntentAllowedPaymentMethodTypes::Card,
                PayMethod::Alipay => PaymentIntentAllowedPaymentMethodTypes::Alipay,
                PayMethod::WechatPay => PaymentIntentAllowedPaymentMethodTypes::WechatPay,
            };
            if !allowed.contains(&ty) {
                allowed.push(ty);
            }
        }
        if allowed.is_empty() {
            return Err(ProviderError::Rejected("no payment method offered".into()));
        }
        let key = idempotency_key(&req.idempotency_key)?;

        let metadata = HashMap::from([("payment_id".to_owned(), req.payment_id.to_string())]);
        // API 2026-09-30.endive no longer accepts `payment_method_types` on create (400
        // `payment_method_types_no_longer_supported`); `allowed_payment_method_types` replaces it.
        let mut create = CreatePaymentIntent::new(req.amount.fen(), Currency::CNY)
            .allowed_payment_method_types(allowed)
            .metadata(metadata);
        if !req.description.is_empty() {
            create = create.description(req.description);
        }
        if req.methods.contains(&PayMethod::WechatPay) {
            let mut wechat = CreatePaymentIntentPaymentMethodOptionsWechatPay::new();
            wechat.client = Some(CreatePaymentIntentPaymentMethodOptionsWechatPayClient::Web);
            let mut options = CreatePaymentIntentPaymentMethodOptions::new();
            options.wechat_pay = Some(wechat);
            create = create.payment_method_options(options);
        }

        let intent = create
            .customize()
            .request_strategy(RequestStrategy::Idempotent(key))
            .send(&self.client)
            .await
            .map_err(map_stripe_error)?;
        Ok(IntentCreated {
            status: intent_status_of(&intent),
            client_secret: intent.client_secret,
            provider_ref: intent.id.to_string(),
        })
    }

    async fn intent_status(&self, provider_ref: &str) -> Result<IntentStatus, ProviderError> {
        check_id(provider_ref)?;
        let intent = RetrievePaymentIntent::new(provider_ref)
            .send(&self.client)
            .await
            .map_err(map_stripe_error)?;
        Ok(intent_status_of(&intent))
    }

    async fn refund(&self, req: RefundRequest) -> Result<RefundCreated, ProviderError> {
        if req.amount.fen() <= 0 {
            return Err(ProviderError::Rejected(
                "refund amount must be positive".into(),
            ));
        }
        check_id(&req.provider_ref)?;
        let key = idempotency_key(&req.idempotency_key)?;
        let metadata = HashMap::from([("refund_id".to_owned(), req.refund_id.to_string())]);
        let refund = CreateRefund::new()
            .payment_intent(req.provider_ref)
            .amount(req.amount.fen())
            .metadata(metadata)
            .customize()
            .request_strategy(RequestStrategy::Idempotent(key))
            .send(&self.client)
            .await
            .map_err(map_stripe_error)?;
        Ok(RefundCreated {
            status: refund_status_of(refund.status.as_deref()),
            provider_refund_ref: refund.id.to_string(),
        })
    }

    fn parse_webhook(
        &self,
        payload: &[u8],
        signature: Option<&str>,
        now_unix: i64,
    ) -> Result<ProviderEvent, WebhookError> {
        verify_signature(self.webhook_secret.as_bytes(), payload, signature, now_unix)?;
        read_event(payload)
    }
}

/// Maps a PaymentIntent's state. `requires_payment_method` with a `last_payment_error` means
/// an attempt was declined; without one the payer simply has not paid yet.
fn intent_status_of(intent: &PaymentIntent) -> IntentStatus {
    match intent.status {
        PaymentIntentStatus::Succeeded => IntentStatus::Succeeded,
        PaymentIntentStatus::Canceled => IntentStatus::Cancelled,
        PaymentIntentStatus::RequiresPaymentMethod if intent.last_payment_error.is_some() => {
            IntentStatus::Failed
        }
        _ => IntentStatus::Pending,
    }
}

/// Maps a Refund's `status`; a cancelled refund returned no money, so it counts as failed.
fn refund_status_of(status: Option<&str>) -> RefundStatus {
    match status {
        Some("succeeded") => RefundStatus::Succeeded,
        Some("failed" | "canceled") => RefundStatus::Failed,
        // `pending`, `requires_action`, absent or new values.
        _ => RefundStatus::Pending,
    }
}

fn idempotency_key(key: &str) -> Result<IdempotencyKey, ProviderError> {
    IdempotencyKey::new(key)
        .map_err(|e| ProviderError::Rejected(format!("invalid idempotency key: {e}")))
}

/// Stripe ids are `[A-Za-z0-9_]+`; anything else could change the request path.
fn check_id(id: &str) -> Result<(), ProviderError> {
    if !id.is_empty()
        && id.len() <= 255
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        Ok(())
    } else {
        Err(ProviderError::Rejected(format!("invalid Stripe id {id:?}")))
    }
}

/// Client errors (card declined, invalid request, auth) are final; rate limits, conflicts
/// (a concurrent request with the same idempotency key), Stripe outages, network trouble and
/// unreadable responses are worth a retry with the same idempotency key.
fn map_stripe_error(err: StripeError) -> ProviderError {
    match err {
        StripeError::Stripe(api, status) => {
            let mut msg = api
                .message
                .clone()
                .unwrap_or_else(|| api.type_.as_str().to_owned());
            let code = api.code.as_ref().map(|c| c.as_str().to_owned());
            match (code, api.decline_code.as_deref()) {
                (Some(code), Some(decline)) => msg = format!("{msg} ({code}: {decline})"),
                (Some(code), None) => msg = format!("{msg} ({code})"),
                (None, Some(decline)) => msg = format!("{msg} ({decline})"),
                (None, None) => {}
            }
            match status {
                409 | 424 | 429 => ProviderError::Unavailable(format!("HTTP {status}: {msg}")),
                400..=499 => ProviderError::Rejected(msg),
                _ => ProviderError::Unavailable(format!("HTTP {status}: {msg}")),
            }
        }
        StripeError::ConfigError(msg) => ProviderError::Rejected(msg),
        StripeError::JSONDeserialize(msg) => {
            ProviderError::Unavailable(format!("unreadable response: {msg}"))
        }
        StripeError::ClientError(msg) => ProviderError::Unavailable(msg),
        StripeError::Timeout => ProviderError::Unavailable("timeout".into()),
    }
}

/// Checks a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`) against `payload`.
fn verify_signature(
    secret: &[u8],
    payload: &[u8],
    header: Option<&str>,
    now_unix: i64,
) -> Result<(), WebhookError> {
    let header = header.map(str::trim).filter(|h| !h.is_empty());
    let header = header.ok_or(WebhookError::MissingSignature)?;

    let mut timestamp: Option<&str> = None;
    let mut candidates: Vec<&str> = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = Some(value),
            Some(("v1", value)) => candidates.push(value),
            _ => {} // other schemes (v0) and junk are ignored, as Stripe's libraries do
        }
    }
    let t_str = timestamp.ok_or(WebhookError::BadSignature)?;
    let t: i64 = t_str.parse().map_err(|_| WebhookError::BadSignature)?;
    if candidates.is_empty() {
        return Err(WebhookError::BadSignature);
    }

    let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| WebhookError::BadSignature)?;
    mac.update(t_str.as_bytes());
    mac.update(b".");
    mac.update(payload);
    // `verify_slice` compares in constant time.
    let ok = candidates.iter().any(|candidate| {
        hex::decode(candidate).is_ok_and(|sig| mac.clone().verify_slice(&sig).is_ok())
    });
    if !ok {
        return Err(WebhookError::BadSignature);
    }
    if now_unix.abs_diff(t) > WEBHOOK_TOLERANCE_SECS.unsigned_abs() {
        return Err(WebhookError::StaleTimestamp);
    }
    Ok(())
}

#[derive(Deserialize)]
struct RawEvent {
    id: String,
    created: i64,
    #[serde(rename = "type")]
    type_: String,
    data: RawData,
}

#[derive(Deserialize)]
struct RawData {
    object: serde_json::Value,
}

#[derive(Deserialize)]
struct RawIntent {
    id: String,
    #[serde(default)]
    amount_received: Option<i64>,
    #[serde(default)]
    last_payment_error: Option<RawPaymentError>,
}

#[derive(Deserialize)]
struct RawPaymentError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    decline_code: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

#[derive(Deserialize)]
struct RawRefund {
    id: String,
    #[serde(default)]
    status: Option<String>,
}

/// Reads a verified event body.
fn read_event(payload: &[u8]) -> Result<ProviderEvent, WebhookError> {
    let raw: RawEvent =
        serde_json::from_slice(payload).map_err(|e| WebhookError::Malformed(e.to_string()))?;
    let object = raw.data.object;
    let kind = match raw.type_.as_str() {
        "payment_intent.succeeded" => {
            let pi: RawIntent = object_as(object)?;
            let amount = pi.amount_received.ok_or_else(|| {
                WebhookError::Malformed("data.object.amount_received missing".into())
            })?;
            EventKind::PaymentSucceeded {
                provider_ref: pi.id,
                amount: Money::from_fen(amount),
            }
        }
        "payment_intent.payment_failed" => {
            let pi: RawIntent = object_as(object)?;
            let reason = pi
                .last_payment_error
                .and_then(|e| e.message.or(e.decline_code).or(e.code))
                .unwrap_or_else(|| "payment failed".to_owned());
            EventKind::PaymentFailed {
                provider_ref: pi.id,
                reason,
            }
        }
        "payment_intent.canceled" => {
            let pi: RawIntent = object_as(object)?;
            EventKind::PaymentCancelled {
                provider_ref: pi.id,
            }
        }
        "charge.refund.updated" | "refund.updated" | "refund.created" => {
            let refund: RawRefund = object_as(object)?;
            EventKind::RefundUpdated {
                status: refund_status_of(refund.status.as_deref()),
                provider_refund_ref: refund.id,
            }
        }
        _ => EventKind::Other(raw.type_),
    };
    Ok(ProviderEvent {
        event_id: raw.id,
        created: raw.created,
        kind,
    })
}

fn object_as<T: serde::de::DeserializeOwned>(object: serde_json::Value) -> Result<T, WebhookError> {
    serde_json::from_value(object).map_err(|e| WebhookError::Malformed(format!("data.object: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refund_status_mapping() {
        assert_eq!(refund_status_of(Some("succeeded")), RefundStatus::Succeeded);
        assert_eq!(refund_status_of(Some("pending")), RefundStatus::Pending);
        assert_eq!(
            refund_status_of(Some("requires_action")),
            RefundStatus::Pending
        );
        assert_eq!(refund_status_of(Some("failed")), RefundStatus::Failed);
        assert_eq!(refund_status_of(Some("canceled")), RefundStatus::Failed);
        assert_eq!(refund_status_of(None), RefundStatus::Pending);
    }

    #[test]
    fn ids_are_checked() {
        assert!(check_id("pi_3Nabc123").is_ok());
        assert!(check_id("").is_err());
        assert!(check_id("pi_1/../customers").is_err());
        assert!(check_id("pi_1?expand=x").is_err());
    }

    #[test]
    fn empty_secrets_are_refused() {
        assert!(StripeProvider::new("", "whsec_x", None).is_err());
        assert!(StripeProvider::new("sk_test_x", " ", None).is_err());
        assert!(StripeProvider::new("sk_test_x", "whsec_x", Some("not a url")).is_err());
    }

    #[test]
    fn debug_hides_secrets() {
        let p = StripeProvider::new("sk_test_SECRETKEY", "whsec_SECRETHOOK", None);
        let dbg = format!("{p:?}");
        assert!(!dbg.contains("SECRETKEY"), "{dbg}");
        assert!(!dbg.contains("SECRETHOOK"), "{dbg}");
    }
}
