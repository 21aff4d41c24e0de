//! Payments: one provider behind [`provider::PaymentProvider`] (Stripe when configured, the
//! offline test provider otherwise). The provider is called only outside transactions; its
//! events (webhooks, the test page, the reconciliation job) go through [`handle_event`], which
//! records each event once by id and applies it with the guarded transitions of [`settle`],
//! which tell the payments' [`settle::Payee`] (registered at start; this context imports none).

pub mod dto;
mod handlers;
pub mod model;
pub mod provider;
pub mod settle;
pub mod stripe;
pub mod test_provider;

use std::sync::Arc;

use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::config::Config;
use crate::db::begin_write;
use crate::entities::{payment_events, payments, refunds};
use crate::error::{AppError, ErrorCode};
use crate::money::Money;
use crate::worker::{JobOptions, JobRegistry, Slot, enqueue};
use model::{PaymentStatus, RefundStatus};
use provider::{CreateIntent, EventKind, PayMethod, PaymentProvider, ProviderEvent, RefundRequest};
use settle::{Completion, Payee};

/// Job: refund through the provider (outside any transaction, idempotent by key).
pub const REFUND_JOB: &str = "payments.refund";
/// Job: ask the provider about payments stuck pending.
pub const RECONCILE_JOB: &str = "payments.reconcile";

/// The payment provider of this deployment.
#[derive(Debug, Clone)]
pub struct Payments {
    /// The provider.
    pub provider: Arc<dyn PaymentProvider>,
    /// The same, when it is the test provider (for the test payment page).
    pub test: Option<Arc<test_provider::TestProvider>>,
    /// What the payments pay for (the member orders of a checkout), told when one ends.
    pub payee: Arc<dyn Payee>,
}

impl Payments {
    /// Stripe when a secret key is configured (a webhook secret is then required), the offline
    /// test provider otherwise.
    ///
    /// # Errors
    /// When Stripe is half-configured.
    pub fn from_config(config: &Config, payee: Arc<dyn Payee>) -> anyhow::Result<Self> {
        use secrecy::ExposeSecret;
        match (&config.stripe_secret_key, &config.stripe_webhook_secret) {
            (Some(key), Some(hook)) => {
                let p = stripe::StripeProvider::new(
                    key.expose_secret(),
                    hook.expose_secret(),
                    config.stripe_api_base.as_deref(),
                )
                .map_err(|e| anyhow::anyhow!("stripe: {e}"))?;
                tracing::info!("payments: Stripe");
                Ok(Payments {
                    provider: Arc::new(p),
                    test: None,
                    payee,
                })
            }
            (Some(_), None) => {
                anyhow::bail!("STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not")
            }
            _ => {
                tracing::warn!(
                    "payments: no STRIPE_SECRET_KEY, using the offline TEST provider (no money moves)"
                );
                let t = Arc::new(test_provider::TestProvider::default());
                Ok(Payments {
                    provider: t.clone(),
                    test: Some(t),
                    payee,
                })
            }
        }
    }
}

/// A payment to create: who pays, how much, with which coupon's discount.
#[derive(Debug, Clone)]
pub struct NewPayment {
    /// The paying member.
    pub user_id: i64,
    /// Amount due, fen.
    pub amount_fen: i64,
    /// The coupon held for it, and its discount.
    pub coupon_id: Option<i64>,
    /// Discount, fen.
    pub discount_fen: i64,
    /// The client's checkout key (one payment per key and member).
    pub checkout_key: Option<String>,
    /// Provider name.
    pub provider: &'static str,
    /// When it is released unpaid.
    pub expires_at: chrono::DateTime<Utc>,
}

/// Creates a pending payment in the caller's transaction: the payments context's one way to
/// write a new `payments` row (checkout calls it).
///
/// # Errors
/// 409 `checkout_in_progress` when the member already placed this checkout key; database
/// errors.
pub async fn create_pending(
    conn: &impl sea_orm::ConnectionTrait,
    new: NewPayment,
) -> Result<payments::Model, AppError> {
    use sea_orm::ActiveModelTrait;
    let now = Utc::now();
    payments::ActiveModel {
        user_id: Set(new.user_id),
        amount_fen: Set(new.amount_fen),
        currency: Set("CNY".into()),
        provider: Set(new.provider.to_owned()),
        provider_ref: Set(None),
        client_secret: Set(None),
        status: Set(PaymentStatus::Pending),
        attempt: Set(0),
        coupon_id: Set(new.coupon_id),
        discount_fen: Set(new.discount_fen),
        checkout_key: Set(new.checkout_key),
        created_at: Set(now),
        updated_at: Set(now),
        paid_at: Set(None),
        expires_at: Set(new.expires_at),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| {
        if crate::error::is_unique_violation(&e, "uq_payments_user_checkout_key") {
            AppError::new(
                ErrorCode::CheckoutInProgress,
                "该下单请求已处理 / this checkout was already placed",
            )
        } else {
            e.into()
        }
    })
}

/// Creates the provider's payment object for a pending payment (after checkout committed).
/// Safe to call again: the idempotency key is the same for the same attempt.
///
/// # Errors
/// 502-like `payment_provider_unavailable` (409) when the provider cannot be reached; the
/// member may retry.
pub async fn start(state: &AppState, payment_id: i64) -> Result<(), AppError> {
    let p = payments::Entity::find_by_id(payment_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    start_for(state, &p).await.map(|_| ())
}

/// [`start`] for a payment already read (e.g. just created). Answers the payment as this
/// call left it, or `None` when there was nothing to do (or another call did it first).
///
/// # Errors
/// 409 `payment_provider_unavailable`; database errors.
pub async fn start_for(
    state: &AppState,
    p: &payments::Model,
) -> Result<Option<payments::Model>, AppError> {
    let payment_id = p.id;
    if p.status != PaymentStatus::Pending || p.provider_ref.is_some() {
        return Ok(None);
    }
    let created = state
        .payments
        .provider
        .create_intent(CreateIntent {
            payment_id,
            amount: Money::from_fen(p.amount_fen),
            methods: vec![PayMethod::Card, PayMethod::Alipay, PayMethod::WechatPay],
            idempotency_key: format!("bangfu-payment-{payment_id}-{}", p.attempt + 1),
            description: format!("帮扶 Bangfu 订单 #{payment_id}"),
        })
        .await
        .map_err(|e| {
            AppError::new(
                ErrorCode::PaymentProviderUnavailable,
                format!("支付服务暂不可用，请稍后重试 / payment provider unavailable: {e}"),
            )
        })?;
    let now = Utc::now();
    let done = payments::Entity::update_many()
        .col_expr(
            payments::Column::ProviderRef,
            Expr::value(Some(created.provider_ref.clone())),
        )
        .col_expr(
            payments::Column::ClientSecret,
            Expr::value(created.client_secret.clone()),
        )
        .col_expr(payments::Column::Attempt, Expr::value(p.attempt + 1))
        .col_expr(payments::Column::UpdatedAt, Expr::value(now))
        .filter(payments::Column::Id.eq(payment_id))
        .filter(payments::Column::ProviderRef.is_null())
        .exec(&state.db)
        .await?;
    if done.rows_affected != 1 {
        return Ok(None);
    }
    Ok(Some(payments::Model {
        provider_ref: Some(created.provider_ref),
        client_secret: created.client_secret,
        attempt: p.attempt + 1,
        updated_at: now,
        ..p.clone()
    }))
}

/// What happened to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Applied now.
    Applied,
    /// Seen before (same event id): ignored.
    Duplicate,
    /// Recorded, nothing to change (unknown payment, outdated state, other kinds).
    Ignored,
}

/// Records a provider event once (by provider and event id) and applies it. Out-of-order
/// delivery is harmless: every transition is guarded by the current state.
///
/// # Errors
/// Database errors (the provider will redeliver).
pub async fn handle_event(
    state: &AppState,
    provider: &str,
    event: ProviderEvent,
    payload: &str,
) -> Result<Handled, AppError> {
    let (kind, provider_ref) = match &event.kind {
        EventKind::PaymentSucceeded { provider_ref, .. } => {
            ("payment_succeeded", Some(provider_ref.clone()))
        }
        EventKind::PaymentFailed { provider_ref, .. } => {
            ("payment_failed", Some(provider_ref.clone()))
        }
        EventKind::PaymentCancelled { provider_ref } => {
            ("payment_cancelled", Some(provider_ref.clone()))
        }
        EventKind::RefundUpdated {
            provider_refund_ref,
            ..
        } => ("refund_updated", Some(provider_refund_ref.clone())),
        EventKind::Other(t) => (t.as_str(), None),
    };
    let txn = begin_write(&state.db).await?;
    let inserted = payment_events::Entity::insert(payment_events::ActiveModel {
        provider: Set(provider.to_owned()),
        event_id: Set(event.event_id.clone()),
        kind: Set(kind.to_owned()),
        provider_ref: Set(provider_ref.clone()),
        created: Set(event.created),
        payload: Set(payload.chars().take(20_000).collect()),
        received_at: Set(Utc::now()),
        processed_at: Set(Some(Utc::now())),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            payment_events::Column::Provider,
            payment_events::Column::EventId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        return Ok(Handled::Duplicate);
    }
    let mut late_refund = None;
    let handled = match event.kind {
        EventKind::PaymentSucceeded {
            provider_ref,
            amount,
        } => {
            match payments::Entity::find()
                .filter(payments::Column::ProviderRef.eq(provider_ref.clone()))
                .one(&txn)
                .await?
            {
                None => Handled::Ignored,
                Some(p) => {
                    if amount.fen() != p.amount_fen {
                        tracing::error!(
                            payment_id = p.id,
                            expected = p.amount_fen,
                            got = amount.fen(),
                            "amount mismatch on a payment"
                        );
                    }
                    match settle::complete_in(
                        state.payments.payee.as_ref(),
                        &txn,
                        p.id,
                        "webhook",
                        &event.event_id,
                    )
                    .await?
                    {
                        Completion::Completed => Handled::Applied,
                        Completion::AlreadyDone => Handled::Ignored,
                        Completion::ArrivedTooLate => {
                            late_refund = Some((p.id, provider_ref, amount));
                            Handled::Applied
                        }
                    }
                }
            }
        }
        EventKind::PaymentCancelled { provider_ref } => {
            match payments::Entity::find()
                .filter(payments::Column::ProviderRef.eq(provider_ref))
                .one(&txn)
                .await?
            {
                Some(p)
                    if settle::release_in(
                        state.payments.payee.as_ref(),
                        &txn,
                        p.id,
                        "payment_cancelled",
                    )
                    .await? =>
                {
                    Handled::Applied
                }
                _ => Handled::Ignored,
            }
        }
        EventKind::PaymentFailed { .. } => Handled::Ignored, // the payer may try another method
        EventKind::RefundUpdated {
            provider_refund_ref,
            status,
        } => {
            let to = match status {
                provider::RefundStatus::Succeeded => RefundStatus::Succeeded,
                provider::RefundStatus::Failed => RefundStatus::Failed,
                provider::RefundStatus::Pending => RefundStatus::Processing,
            };
            let moved = refunds::Entity::update_many()
                .col_expr(refunds::Column::Status, Expr::value(to))
                .col_expr(refunds::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(refunds::Column::ProviderRefundRef.eq(provider_refund_ref))
                .filter(refunds::Column::Status.eq(RefundStatus::Processing))
                .exec(&txn)
                .await?;
            if moved.rows_affected > 0 {
                Handled::Applied
            } else {
                Handled::Ignored
            }
        }
        EventKind::Other(_) => Handled::Ignored,
    };
    if let Some((payment_id, provider_ref, amount)) = late_refund {
        enqueue(
            &txn,
            REFUND_JOB,
            RefundJob::LatePayment {
                late_payment_id: payment_id,
                provider_ref,
                amount_fen: amount.fen(),
            },
            JobOptions {
                unique_key: Some(format!("late-refund:{payment_id}")),
                max_attempts: Some(20),
                ..JobOptions::default()
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(handled)
}

/// Payload of [`REFUND_JOB`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RefundJob {
    /// A payment that arrived after its orders were released: give all of it back.
    LatePayment {
        /// Our payment id.
        late_payment_id: i64,
        /// The payment's provider id.
        provider_ref: String,
        /// The amount received, fen.
        amount_fen: i64,
    },
    /// An approved refund to send through the provider.
    Refund {
        /// The refund.
        refund_id: i64,
    },
}

async fn refund_job(state: AppState, job: RefundJob) -> anyhow::Result<()> {
    let refund_id = match job {
        RefundJob::LatePayment {
            late_payment_id,
            provider_ref,
            amount_fen,
        } => {
            state
                .payments
                .provider
                .refund(RefundRequest {
                    refund_id: 0,
                    provider_ref,
                    amount: Money::from_fen(amount_fen),
                    idempotency_key: format!("bangfu-late-refund-{late_payment_id}"),
                })
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            return Ok(());
        }
        RefundJob::Refund { refund_id } => refund_id,
    };
    let Some(r) = refunds::Entity::find_by_id(refund_id)
        .one(&state.db)
        .await?
    else {
        return Ok(());
    };
    if r.status != RefundStatus::Processing || r.provider_refund_ref.is_some() {
        return Ok(());
    }
    let Some(p) = payments::Entity::find_by_id(r.payment_id)
        .one(&state.db)
        .await?
    else {
        return Ok(());
    };
    let outcome = match (&p.provider_ref, r.amount_fen) {
        (_, 0) | (None, _) => None, // nothing was paid (coupon-only): nothing to send back
        (Some(provider_ref), amount) => Some(
            state
                .payments
                .provider
                .refund(RefundRequest {
                    refund_id,
                    provider_ref: provider_ref.clone(),
                    amount: Money::from_fen(amount),
                    idempotency_key: format!("bangfu-refund-{refund_id}"),
                })
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
    };
    let (status, reference) = match outcome {
        None => (RefundStatus::Succeeded, format!("none-{refund_id}")),
        Some(o) => (
            match o.status {
                provider::RefundStatus::Succeeded => RefundStatus::Succeeded,
                provider::RefundStatus::Failed => RefundStatus::Failed,
                provider::RefundStatus::Pending => RefundStatus::Processing,
            },
            o.provider_refund_ref,
        ),
    };
    refunds::Entity::update_many()
        .col_expr(refunds::Column::Status, Expr::value(status))
        .col_expr(
            refunds::Column::ProviderRefundRef,
            Expr::value(Some(reference)),
        )
        .col_expr(refunds::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(refunds::Column::Id.eq(refund_id))
        .filter(refunds::Column::Status.eq(RefundStatus::Processing))
        .exec(&state.db)
        .await?;
    Ok(())
}

async fn reconcile(state: AppState) -> anyhow::Result<()> {
    let cutoff = Utc::now() - chrono::Duration::minutes(5);
    let stuck = payments::Entity::find()
        .filter(payments::Column::Status.eq(PaymentStatus::Pending))
        .filter(payments::Column::ProviderRef.is_not_null())
        .filter(payments::Column::CreatedAt.lt(cutoff))
        .order_by_asc(payments::Column::Id)
        .limit(100)
        .all(&state.db)
        .await?;
    for p in stuck {
        let Some(r) = p.provider_ref.clone() else {
            continue;
        };
        match state.payments.provider.intent_status(&r).await {
            Ok(provider::IntentStatus::Succeeded) => {
                let event = ProviderEvent {
                    event_id: format!("reconcile:{r}:succeeded"),
                    created: Utc::now().timestamp(),
                    kind: EventKind::PaymentSucceeded {
                        provider_ref: r.clone(),
                        amount: Money::from_fen(p.amount_fen),
                    },
                };
                handle_event(
                    &state,
                    state.payments.provider.name(),
                    event,
                    "{\"source\":\"reconcile\"}",
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(payment_id = p.id, error = %err, "reconcile: provider unavailable")
            }
        }
    }
    Ok(())
}

/// Registers the payment jobs.
pub fn register_jobs(registry: &mut JobRegistry) {
    registry.register_plain(REFUND_JOB, refund_job);
    registry.register_plain(RECONCILE_JOB, |state, _slot: Slot| reconcile(state));
    registry.schedule(RECONCILE_JOB, std::time::Duration::from_secs(300));
}

/// Routes of this context.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::stripe_webhook))
        .routes(routes!(handlers::get_payment))
        .routes(routes!(handlers::retry_intent))
        .routes(routes!(handlers::test_complete))
}
