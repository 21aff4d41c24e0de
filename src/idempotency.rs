//! Retry-safe POSTs: a client sends `Idempotency-Key: <unique key>`; the first request with
//! that key runs and its answer is stored; a retry with the same key and body gets the stored
//! answer instead of running again; the same key with another body is refused.

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
            expires_at: Set(now + KEEP_FOR),
        }
        .insert(&state.db)
        .await;
        match inserted {
            Ok(_) => {}
            Err(err) if is_unique_violation(&err, "idempotency_keys") || is_pk_violation(&err) => {
                return replay(state, actor.user_id, &key, method, path, &self.hash).await;
            }
            Err(err) => return Err(err.into()),
        }
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
            .filter(idempotency_keys::Column::UserId.eq(actor.user_id))
            .filter(idempotency_keys::Column::Key.eq(key.clone()))
            .exec(&state.db)
            .await?;
        Ok(Response::from_parts(parts, axum::body::Body::from(bytes)))
    }
}

fn is_pk_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

async fn replay(
    state: &AppState,
    user_id: i64,
    key: &str,
    method: &str,
    path: &str,
    hash: &str,
) -> Result<Response, AppError> {
    let stored = idempotency_keys::Entity::find_by_id((user_id, key.to_owned()))
        .one(&state.db)
        .await?
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::IdempotencyInProgress,
                "请求处理中，请稍后重试 / the first request is still running",
            )
        })?;
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
            Ok(response)
        }
        _ => Err(AppError::new(
            ErrorCode::IdempotencyInProgress,
            "请求处理中，请稍后重试 / the first request is still running",
        )),
    }
}
