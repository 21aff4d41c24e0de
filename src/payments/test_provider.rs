//! The offline test provider: clearly labelled, no money moves. Payments stay pending until
//! the payer presses "complete" on the test payment page (which goes through the same event
//! handling as a real provider's webhook); refunds succeed at once.

use async_trait::async_trait;
use dashmap::DashMap;
use sha2::{Digest, Sha256};

use super::provider::{
    CreateIntent, IntentCreated, IntentStatus, PaymentProvider, ProviderError, ProviderEvent,
    RefundCreated, RefundRequest, RefundStatus, WebhookError,
};

/// The offline provider.
#[derive(Debug, Default)]
pub struct TestProvider {
    intents: DashMap<String, IntentStatus>,
}

impl TestProvider {
    /// Marks a test payment succeeded (the "pay" button of the test page).
    pub fn succeed(&self, provider_ref: &str) {
        self.intents
            .insert(provider_ref.to_owned(), IntentStatus::Succeeded);
    }
}

fn reference(prefix: &str, key: &str) -> String {
    // The same idempotency key gives the same reference: a retried call creates nothing new.
    format!(
        "{prefix}_{}",
        &hex::encode(Sha256::digest(key.as_bytes()))[..24]
    )
}

#[async_trait]
impl PaymentProvider for TestProvider {
    fn name(&self) -> &'static str {
        "test"
    }

    fn is_test(&self) -> bool {
        true
    }

    async fn create_intent(&self, req: CreateIntent) -> Result<IntentCreated, ProviderError> {
        if req.amount.fen() <= 0 {
            return Err(ProviderError::Rejected("amount must be positive".into()));
        }
        let r = reference("test_pi", &req.idempotency_key);
        self.intents
            .entry(r.clone())
            .or_insert(IntentStatus::Pending);
        Ok(IntentCreated {
            client_secret: Some(format!("{r}_secret_test")),
            provider_ref: r,
            status: IntentStatus::Pending,
        })
    }

    async fn intent_status(&self, provider_ref: &str) -> Result<IntentStatus, ProviderError> {
        Ok(self
            .intents
            .get(provider_ref)
            .map_or(IntentStatus::Pending, |s| *s))
    }

    async fn refund(&self, req: RefundRequest) -> Result<RefundCreated, ProviderError> {
        Ok(RefundCreated {
            provider_refund_ref: reference("test_re", &req.idempotency_key),
            status: RefundStatus::Succeeded,
        })
    }

    fn parse_webhook(
        &self,
        _payload: &[u8],
        _signature: Option<&str>,
        _now_unix: i64,
    ) -> Result<ProviderEvent, WebhookError> {
        Err(WebhookError::Malformed(
            "the test provider sends no webhooks".into(),
        ))
    }
}
