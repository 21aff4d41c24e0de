//! HTTP handlers of the payments context.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use sea_orm::EntityTrait;
use serde::Serialize;
use utoipa::ToSchema;

use super::dto::PaymentView;
use super::provider::{EventKind, ProviderEvent, WebhookError};
use super::{Handled, handle_event};
use crate::app::AppState;
use crate::auth::{Actor, authz};
use crate::entities::payments;
use crate::error::{AppError, ErrorBody, ErrorCode};
use crate::extract::{AppJson, AppPath};
use crate::money::Money;

/// What the webhook did.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAck {
    /// `applied`, `duplicate` or `ignored`.
    pub outcome: String,
}

/// Stripe's webhook: verifies the `Stripe-Signature` (timestamp tolerance 5 minutes), records
/// the event once by id and applies it. The only path by which Stripe payments become paid.
#[utoipa::path(post, path = "/api/payments/webhooks/stripe", tag = "payments", request_body(content = String, content_type = "application/json"),
    responses((status = 200, body = WebhookAck), (status = 400, description = "webhook_signature_invalid, webhook_timestamp_stale, webhook_malformed", body = ErrorBody)))]
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<AppJson<WebhookAck>, AppError> {
    if state.payments.provider.name() != "stripe" {
        return Err(AppError::RouteNotFound);
    }
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let event = state
        .payments
        .provider
        .parse_webhook(&body, signature, chrono::Utc::now().timestamp())
        .map_err(|e| match e {
            WebhookError::MissingSignature | WebhookError::BadSignature => AppError::new(
                ErrorCode::WebhookSignatureInvalid,
                "签名无效 / invalid signature",
            ),
            WebhookError::StaleTimestamp => AppError::new(
                ErrorCode::WebhookTimestampStale,
                "签名时间超出容差 / timestamp outside tolerance",
            ),
            WebhookError::Malformed(m) => AppError::new(
                ErrorCode::WebhookMalformed,
                format!("无法读取事件 / malformed event: {m}"),
            ),
        })?;
    let outcome = handle_event(&state, "stripe", event, &String::from_utf8_lossy(&body)).await?;
    Ok(AppJson(WebhookAck {
        outcome: match outcome {
            Handled::Applied => "applied",
            Handled::Duplicate => "duplicate",
            Handled::Ignored => "ignored",
        }
        .into(),
    }))
}

fn view(state: &AppState, p: payments::Model) -> PaymentView {
    PaymentView {
        id: p.id,
        amount_fen: Money::from_fen(p.amount_fen),
        discount_fen: Money::from_fen(p.discount_fen),
        status: p.status,
        test_mode: state.payments.provider.is_test(),
        provider: p.provider,
        client_secret: p.client_secret,
        expires_at: p.expires_at,
        paid_at: p.paid_at,
    }
}

async fn own_payment(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<payments::Model, AppError> {
    let p = payments::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    authz::require_self(actor, p.user_id)?;
    Ok(p)
}

/// A payment (its payer): poll it after paying.
#[utoipa::path(get, path = "/api/payments/{id}", tag = "payments", params(("id" = i64, Path, description = "payment")),
    responses((status = 200, body = PaymentView), (status = 404, body = ErrorBody)))]
pub async fn get_payment(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<PaymentView>, AppError> {
    let p = own_payment(&state, &actor, id).await?;
    Ok(AppJson(view(&state, p)))
}

/// Asks the provider again for a payment object (when the first call failed).
#[utoipa::path(post, path = "/api/payments/{id}/intent", tag = "payments", params(("id" = i64, Path, description = "payment")),
    responses((status = 200, body = PaymentView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn retry_intent(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<PaymentView>, AppError> {
    own_payment(&state, &actor, id).await?;
    super::start(&state, id).await?;
    let p = own_payment(&state, &actor, id).await?;
    Ok(AppJson(view(&state, p)))
}

/// TEST PROVIDER ONLY (测试支付，不扣款): completes a payment as if the payer had paid. Goes
/// through the same event handling as a provider's webhook. 404 when Stripe is configured.
#[utoipa::path(post, path = "/api/payments/{id}/test-complete", tag = "payments", params(("id" = i64, Path, description = "payment")),
    responses((status = 200, body = PaymentView), (status = 404, body = ErrorBody)))]
pub async fn test_complete(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<AppJson<PaymentView>, AppError> {
    let Some(test) = state.payments.test.clone() else {
        return Err(AppError::RouteNotFound);
    };
    let p = own_payment(&state, &actor, id).await?;
    let Some(provider_ref) = p.provider_ref.clone() else {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            "该支付无需付款或尚未创建 / nothing to pay",
        ));
    };
    test.succeed(&provider_ref);
    let event = ProviderEvent {
        event_id: format!("test:{provider_ref}:succeeded"),
        created: chrono::Utc::now().timestamp(),
        kind: EventKind::PaymentSucceeded {
            provider_ref,
            amount: Money::from_fen(p.amount_fen),
        },
    };
    handle_event(&state, "test", event, "{\"source\":\"test_page\"}").await?;
    let p = own_payment(&state, &actor, id).await?;
    Ok(AppJson(view(&state, p)))
}
