//! Retry-safe POSTs: a client sends `Idempotency-Key: <unique key>`; the first request with
//! that key runs and its answer is stored; a retry with the same key and body gets the stored
//! answer instead of running again; the same key with another body is refused.
//!
//! While the first request runs, its key is held with a short lease ([`LEASE`], in
//! `expires_at`) that the request renews as it works; a retry meanwhile is told 409
//! `idempotency_in_progress`. When the owner died (a killed instance, a dropped connection),
//! the lease runs out within seconds and the next retry takes the key over and runs the
//! request again: what the first attempt committed before dying stays guarded by the
//! database (a coupon claim, for one, cannot pass the member's limit). Once done, the answer
//! is kept for [`KEEP_FOR`].

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::auth::Actor;
use crate::entities::idempotency_keys;
use crate::error::{AppError, ErrorCode, is_unique_violation};
use crate::extract::read_json;

/// Header naming the key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// How long a stored answer is kept.
const KEEP_FOR: Duration = Duration::hours(24);
/// How long a request holds its key without renewing it.
pub const LEASE: std::time::Duration = std::time::Duration::from_secs(5);
/// How often a running request renews its key's lease.
const RENEW_EVERY: std::time::Duration = std::time::Duration::from_millis(1500);

fn lease_end(now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    now + Duration::from_std(LEASE).unwrap_or(Duration::seconds(5))
}

crate::vocab::text_enum! {
    /// Where a keyed request stands.
    IdempotencyState {
        /// The first request is running.
        InProgress = "in_progress",
        /// Finished; its answer is stored for replay.
        Done = "done",
    }
}

/// A JSON body together with its `Idempotency-Key` (optional) and the hash of the raw body.
#[derive(Debug)]
pub struct IdempotentJson<T> {
    /// The parsed body.
    pub body: T,
    key: Option<String>,
    hash: String,
}

impl<T, S> FromRequest<S> for IdempotentJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let key = match req.headers().get(IDEMPOTENCY_KEY) {
            None => None,
            Some(v) => {
                let k = v
                    .to_str()
                    .ok()
                    .map(str::trim)
                    .filter(|k| !k.is_empty() && k.len() <= 255);
                Some(k.ok_or_else(|| {
                    AppError::new(
                        ErrorCode::InvalidIdempotencyKey,
                        "Idempotency-Key 应为1-255个可见字符 / Idempotency-Key must be 1-255 visible characters",
                    )
                })?.to_owned())
            }
        };
        let (body, bytes) = read_json(req, state).await?;
        let hash = hex::encode(Sha256::digest(&bytes));
        Ok(IdempotentJson { body, key, hash })
    }
}

impl<T> IdempotentJson<T> {
    /// Runs `f` once per key: stores its answer, or replays the stored one for a retry.
    /// Without a key, `f` simply runs. A 5xx answer is not stored, so the client may retry.
    ///
    /// # Errors
    /// 400 `idempotency_key_reused` (same key, other request), 409 `idempotency_in_progress`
    /// (the first request has not finished), database errors, and whatever `f` returns.
    pub async fn run<F, Fut>(
        self,
        state: &AppState,
        actor: &Actor,
        route: &str,
        f: F,
    ) -> Result<Response, AppError>
    where
        F: FnOnce(T) -> Fut,
        Fut: std::future::Future<Output = Result<Response, AppError>>,
    {
        let Some(key) = self.key else {
            return f(self.body).await;
        };
        let (method, path) = route.split_once(' ').unwrap_or(("POST", route));
        let now = Utc::now();
        let inserted = idempotency_keys::ActiveModel {
            user_id: Set(actor.user_id),
            key: Set(key.clone()),
            method: Set(method.to_owned()),
            path: Set(path.to_owned()),
            request_hash: Set(self.hash.clone()),
            state: Set(IdempotencyState::InProgress),
            response_status: Set(None),
            response_body: Set(None),
            created_at: Set(now),
            expires_at: Set(lease_end(now)),
        }
        .insert(&state.db)
        .await;
        match inserted {
            Ok(_) => {}
            Err(err) if is_unique_violation(&err, "idempotency_keys") || is_pk_violation(&err) => {
                let taken_over =
                    replay(state, actor.user_id, &key, method, path, &self.hash).await?;
                if let Some(response) = taken_over {
                    return Ok(response);
                }
            }
            Err(err) => return Err(err.into()),
        }
        let renewing = tokio::spawn(renew(state.db.clone(), actor.user_id, key.clone()));
        let _stop = AbortOnDrop(renewing);
        let outcome = f(self.body).await;
        let response = match outcome {
            Ok(r) => r,
            Err(e) => e.into_response(),
        };
        let status = response.status();
        let key_filter = || {
            idempotency_keys::Entity::delete_many()
                .filter(idempotency_keys::Column::UserId.eq(actor.user_id))
                .filter(idempotency_keys::Column::Key.eq(key.clone()))
        };
        if status.is_server_error() {
            key_filter().exec(&state.db).await?;
            return Ok(response);
        }
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, 4 * 1024 * 1024)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("buffering response: {e}")))?;
        idempotency_keys::Entity::update_many()
            .col_expr(
                idempotency_keys::Column::State,
                sea_orm::sea_query::Expr::value(IdempotencyState::Done),
            )
            .col_expr(
                idempotency_keys::Column::ResponseStatus,
                sea_orm::sea_query::Expr::value(i32::from(status.as_u16())),
            )
            .col_expr(
                idempotency_keys::Column::ResponseBody,
                sea_orm::sea_query::Expr::value(String::from_utf8_lossy(&bytes).into_owned()),
            )
            .col_expr(
                idempotency_keys::Column::ExpiresAt,
                sea_orm::sea_query::Expr::value(Utc::now() + KEEP_FOR),
            )
            .filter(idempotency_keys::Column::UserId.eq(actor.user_id))
            .filter(idempotency_keys::Column::Key.eq(key.clone()))
            .exec(&state.db)
            .await?;
        Ok(Response::from_parts(parts, axum::body::Body::from(bytes)))
    }
}

/// Stops the lease renewal when the request ends, however it ends (a dropped request
/// included: its key's lease then runs out and a retry may take it over).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Extends the lease of a key in progress every [`RENEW_EVERY`] while its request runs.
async fn renew(db: sea_orm::DatabaseConnection, user_id: i64, key: String) {
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        let renewed = idempotency_keys::Entity::update_many()
            .col_expr(
                idempotency_keys::Column::ExpiresAt,
                sea_orm::sea_query::Expr::value(lease_end(Utc::now())),
            )
            .filter(idempotency_keys::Column::UserId.eq(user_id))
            .filter(idempotency_keys::Column::Key.eq(key.clone()))
            .filter(idempotency_keys::Column::State.eq(IdempotencyState::InProgress))
            .exec(&db)
            .await;
        if let Err(err) = renewed {
            tracing::warn!(error = %err, "idempotency key lease not renewed");
        }
    }
}

fn is_pk_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// A retry of a known key: the stored answer, or `None` when the key's first request died
/// (its lease ran out) and this retry took the key over (it runs the request itself).
async fn replay(
    state: &AppState,
    user_id: i64,
    key: &str,
    method: &str,
    path: &str,
    hash: &str,
) -> Result<Option<Response>, AppError> {
    let in_progress = || {
        AppError::new(
            ErrorCode::IdempotencyInProgress,
            "请求处理中，请稍后重试 / the first request is still running",
        )
    };
    let stored = idempotency_keys::Entity::find_by_id((user_id, key.to_owned()))
        .one(&state.db)
        .await?
        .ok_or_else(in_progress)?;
    if stored.request_hash != hash || stored.method != method || stored.path != path {
        return Err(AppError::new(
            ErrorCode::IdempotencyKeyReused,
            "该 Idempotency-Key 已用于另一个请求 / this Idempotency-Key was used for another request",
        ));
    }
    match (stored.state, stored.response_status, stored.response_body) {
        (IdempotencyState::Done, Some(status), Some(body)) => {
            let status = StatusCode::from_u16(u16::try_from(status).unwrap_or(500))
                .unwrap_or(StatusCode::OK);
            let mut response = (status, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(Some(response))
        }
        (IdempotencyState::InProgress, _, _) if stored.expires_at < Utc::now() => {
            // The owner stopped renewing: take the key over, unless another retry just did.
            let now = Utc::now();
            let taken = idempotency_keys::Entity::update_many()
                .col_expr(
                    idempotency_keys::Column::ExpiresAt,
                    sea_orm::sea_query::Expr::value(lease_end(now)),
                )
                .filter(idempotency_keys::Column::UserId.eq(user_id))
                .filter(idempotency_keys::Column::Key.eq(key.to_owned()))
                .filter(idempotency_keys::Column::State.eq(IdempotencyState::InProgress))
                .filter(idempotency_keys::Column::ExpiresAt.lt(now))
                .exec(&state.db)
                .await?;
            if taken.rows_affected == 1 {
                tracing::info!("idempotency key taken over from a request that stopped");
                Ok(None)
            } else {
                Err(in_progress())
            }
        }
        _ => Err(in_progress()),
    }
}
