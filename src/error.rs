//! One error type for every handler, mapped to HTTP with a stable snake_case code:
//! `{"error":{"code","message","details","request_id"}}`.
//!
//! Codes are part of the API: never rename one. They form closed lists ([`ErrorCode`],
//! [`FieldCode`], in `codes.rs`), each error code with its one status; `docs/errors.md` is
//! generated from them.

mod codes;

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

pub use codes::{ErrorCode, FieldCode, reference};

use crate::domain::Invalid;
use crate::request_id;

/// Field-level validation problems: field name -> list of problems.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct FieldErrors(BTreeMap<String, Vec<FieldError>>);

/// One problem with one field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// Stable snake_case reason, e.g. `uscc_check_char`.
    pub code: FieldCode,
    /// Human-readable message.
    pub message: String,
}

impl FieldErrors {
    /// No problems yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem with `field`.
    pub fn add(&mut self, field: &str, code: FieldCode, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(FieldError {
                code,
                message: message.into(),
            });
    }

    /// Records a refused value.
    pub fn invalid(&mut self, field: &str, invalid: &Invalid) {
        self.add(field, invalid.code, invalid.message);
    }

    /// Keeps the parsed value, or records why it was refused.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, Invalid>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.invalid(field, &e);
                None
            }
        }
    }

    /// Whether any problem was recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when there is no problem, the validation error otherwise.
    ///
    /// # Errors
    /// [`AppError::Validation`] carrying these problems.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self))
        }
    }

    /// One problem with one field, as an error.
    #[must_use]
    pub fn single(field: &str, code: FieldCode, message: impl Into<String>) -> AppError {
        let mut errors = FieldErrors::new();
        errors.add(field, code, message);
        AppError::Validation(errors)
    }
}

/// Every error a request can end with. Its status is always its code's
/// ([`ErrorCode::status`]).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 422 `validation_failed`: fields were refused; `details.fields` says which and why.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// A request refused with a code of its own (e.g. 400 `invalid_query`, 403
    /// `coupon_not_eligible`, 409 `invalid_state`, 422 `unknown_field`); the status is the
    /// code's.
    #[error("{message}")]
    Refused {
        /// Stable snake_case code.
        code: ErrorCode,
        /// Human-readable message.
        message: String,
        /// Extra facts for the client (which parameter, what was expected).
        details: Option<Value>,
    },
    /// 401 `unauthenticated`: no valid session or token.
    #[error("authentication required")]
    Unauthenticated,
    /// 401 `invalid_credentials`: wrong login or password (never says which).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// 403 `forbidden`: authenticated, but the role does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// 403 `csrf_rejected`: a cookie-authenticated change without the matching CSRF token.
    #[error("csrf token missing or wrong")]
    CsrfRejected,
    /// 404 `not_found`: no such object, or it belongs to someone else (existence not leaked).
    #[error("not found")]
    NotFound,
    /// 404 `route_not_found`: no such endpoint.
    #[error("no such route")]
    RouteNotFound,
    /// 405 `method_not_allowed`: the endpoint exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 408 `request_timeout`: the request took too long.
    #[error("request timeout")]
    Timeout,
    /// 413 `payload_too_large`: the body is over the limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 415 `unsupported_media_type`: e.g. a JSON endpoint without `Content-Type: application/json`.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 429 `rate_limited`: too many attempts; `Retry-After` says when to try again.
    #[error("rate limited")]
    RateLimited {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// 503 `unavailable`: a dependency is down.
    #[error("{0} unavailable")]
    Unavailable(&'static str),
    /// 500 `internal_error`: anything unexpected. Logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorPayload,
}

/// The inside of [`ErrorBody`].
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorPayload {
    /// Stable snake_case code.
    pub code: ErrorCode,
    /// Human-readable message (Chinese, then English).
    pub message: String,
    /// Extra facts: `fields` for validation errors.
    pub details: Option<Value>,
    /// The request id, also sent as the `x-request-id` header.
    pub request_id: Option<String>,
}

impl AppError {
    /// A request refused with `code` (its status is the code's).
    #[must_use]
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError::Refused {
            code,
            message: message.into(),
            details: None,
        }
    }

    /// The HTTP status of this error: always its code's.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.code().status()
    }

    /// The stable code of this error.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Validation(_) => ErrorCode::ValidationFailed,
            AppError::Refused { code, .. } => *code,
            AppError::Unauthenticated => ErrorCode::Unauthenticated,
            AppError::InvalidCredentials => ErrorCode::InvalidCredentials,
            AppError::Forbidden => ErrorCode::Forbidden,
            AppError::CsrfRejected => ErrorCode::CsrfRejected,
            AppError::NotFound => ErrorCode::NotFound,
            AppError::RouteNotFound => ErrorCode::RouteNotFound,
            AppError::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            AppError::Timeout => ErrorCode::RequestTimeout,
            AppError::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            AppError::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            AppError::RateLimited { .. } => ErrorCode::RateLimited,
            AppError::Unavailable(_) => ErrorCode::Unavailable,
            AppError::Internal(_) => ErrorCode::InternalError,
        }
    }

    fn message(&self) -> String {
        match self {
            AppError::Validation(_) => {
                "输入有误，请检查标出的字段 / some fields are invalid".into()
            }
            AppError::Refused { message, .. } => message.clone(),
            AppError::Unauthenticated => "请先登录 / please log in".into(),
            AppError::InvalidCredentials => "账号或密码错误 / wrong login or password".into(),
            AppError::Forbidden => "您的角色无权执行此操作 / your role does not allow this".into(),
            AppError::CsrfRejected => {
                "安全校验失败，请刷新页面后重试 / CSRF token missing or wrong".into()
            }
            AppError::NotFound => "未找到该对象 / not found".into(),
            AppError::RouteNotFound => "没有这个接口 / no such endpoint".into(),
            AppError::MethodNotAllowed => "该接口不支持此请求方法 / method not allowed here".into(),
            AppError::Timeout => "请求超时 / the request took too long".into(),
            AppError::PayloadTooLarge => "请求内容过大 / request body too large".into(),
            AppError::UnsupportedMediaType => {
                "请求内容类型不受支持，请使用 application/json / unsupported content type".into()
            }
            AppError::RateLimited { retry_after_secs } => format!(
                "尝试次数过多，请在 {retry_after_secs} 秒后重试 / too many attempts, retry in {retry_after_secs}s"
            ),
            AppError::Unavailable(what) => {
                let name = match *what {
                    "database" => "数据库",
                    "redis" => "缓存服务",
                    other => other,
                };
                format!("{name}暂时不可用，请稍后重试 / {what} unavailable, retry shortly")
            }
            AppError::Internal(_) => "服务器内部错误 / internal error".into(),
        }
    }

    fn details(&self) -> Option<Value> {
        match self {
            AppError::Validation(fields) => Some(serde_json::json!({ "fields": fields })),
            AppError::Refused { details, .. } => details.clone(),
            _ => None,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let AppError::Internal(err) = &self {
            tracing::error!(error = ?err, "internal error");
        }
        let body = ErrorBody {
            error: ErrorPayload {
                code: self.code(),
                message: self.message(),
                details: self.details(),
                request_id: request_id::current(),
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let AppError::RateLimited { retry_after_secs } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if let AppError::Unavailable(_) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

impl AppError {
    /// The error to show for a bare status produced outside the handlers (axum's 405, a
    /// timeout, a missing or unsatisfiable static file), so that every error answers in the
    /// envelope. A status without a code of its own becomes 400 `bad_request` (client
    /// errors) or 500 `internal_error`: a code is always answered with its one status.
    #[must_use]
    pub fn from_status(status: StatusCode) -> AppError {
        match status {
            StatusCode::NOT_FOUND => AppError::RouteNotFound,
            StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
            StatusCode::REQUEST_TIMEOUT => AppError::Timeout,
            StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
            StatusCode::UNAUTHORIZED => AppError::Unauthenticated,
            StatusCode::FORBIDDEN => AppError::Forbidden,
            StatusCode::PRECONDITION_FAILED => AppError::new(
                ErrorCode::PreconditionFailed,
                "文件已变化 / the file changed since the given time",
            ),
            StatusCode::RANGE_NOT_SATISFIABLE => AppError::new(
                ErrorCode::RangeNotSatisfiable,
                "请求的范围超出文件 / the range is outside the file",
            ),
            s if s.is_client_error() => {
                AppError::new(ErrorCode::BadRequest, "请求有误 / bad request")
            }
            _ => AppError::Internal(anyhow::anyhow!("status {status} without a body")),
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if is_unavailable(&err) {
            tracing::warn!(error = %err, "database unavailable");
            return AppError::Unavailable("database");
        }
        AppError::Internal(anyhow::Error::new(err))
    }
}

/// Whether `err` says the database cannot be reached now (restarting, down, every connection
/// busy for too long) rather than that the request went wrong: the client is told 503
/// `unavailable` and may retry. The pool replaces broken connections by itself, so the server
/// recovers without a restart once the database is back.
#[must_use]
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    let runtime = match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(r) | DbErr::Query(r) => r,
        _ => return false,
    };
    let sea_orm::RuntimeErr::SqlxError(e) = runtime else {
        return false;
    };
    match e.as_ref() {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed => true,
        Sqlx::Database(db) => db.code().is_some_and(|code| {
            // PostgreSQL: connection exceptions (08…), shutting down or starting up (57P01-03),
            // too many connections (53300). SQLite: busy or locked beyond the busy timeout.
            code.starts_with("08")
                || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300" | "5" | "6")
        }),
        _ => false,
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

/// Turns unique-constraint violations into field errors, in one place.
pub trait DbResultExt<T> {
    /// When the error is a unique violation of `constraint` (its name must appear in the
    /// database message), report it as `field` already taken.
    ///
    /// # Errors
    /// The mapped error, or the original one converted into [`AppError`].
    fn on_unique(self, constraint: &str, field: &str) -> Result<T, AppError>;

    /// Like [`DbResultExt::on_unique`] for several (constraint, field) pairs.
    ///
    /// # Errors
    /// The mapped error, or the original one converted into [`AppError`].
    fn on_uniques(self, pairs: &[(&str, &str)]) -> Result<T, AppError>;
}

impl<T> DbResultExt<T> for Result<T, DbErr> {
    fn on_unique(self, constraint: &str, field: &str) -> Result<T, AppError> {
        self.on_uniques(&[(constraint, field)])
    }

    fn on_uniques(self, pairs: &[(&str, &str)]) -> Result<T, AppError> {
        self.map_err(|err| {
            for (constraint, field) in pairs {
                if is_unique_violation(&err, constraint) {
                    return FieldErrors::single(
                        field,
                        FieldCode::AlreadyExists,
                        "该值已被使用 / already taken",
                    );
                }
            }
            err.into()
        })
    }
}

/// Whether `err` is a unique violation of the named index. SQLite names the columns rather
/// than the index, so the index names here are `uq_<table>_<columns>` and the columns are
/// matched as well.
#[must_use]
pub fn is_unique_violation(err: &DbErr, constraint: &str) -> bool {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(msg)) => {
            msg.contains(constraint) || sqlite_columns_match(&msg, constraint)
        }
        _ => false,
    }
}

fn sqlite_columns_match(msg: &str, constraint: &str) -> bool {
    // SQLite: "UNIQUE constraint failed: users.username"; index uq_users_username.
    let Some(cols) = msg.split("failed:").nth(1) else {
        return false;
    };
    let Some(rest) = constraint.strip_prefix("uq_") else {
        return false;
    };
    let mut names: Vec<String> = Vec::new();
    let mut table = String::new();
    for part in cols.split(',') {
        let part = part.trim();
        if let Some((t, c)) = part.split_once('.') {
            table = t.to_owned();
            names.push(c.to_owned());
        }
    }
    !table.is_empty() && rest == format!("{table}_{}", names.join("_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_messages_match_index_names() {
        assert!(sqlite_columns_match(
            "UNIQUE constraint failed: users.username",
            "uq_users_username"
        ));
        assert!(sqlite_columns_match(
            "UNIQUE constraint failed: organizations.kind, organizations.name",
            "uq_organizations_kind_name"
        ));
        assert!(!sqlite_columns_match(
            "UNIQUE constraint failed: users.phone",
            "uq_users_username"
        ));
    }

    #[test]
    fn every_fixed_error_has_a_distinct_code_and_its_status() {
        let all = [
            AppError::Validation(FieldErrors::new()),
            AppError::Unauthenticated,
            AppError::InvalidCredentials,
            AppError::Forbidden,
            AppError::CsrfRejected,
            AppError::NotFound,
            AppError::RouteNotFound,
            AppError::MethodNotAllowed,
            AppError::Timeout,
            AppError::PayloadTooLarge,
            AppError::UnsupportedMediaType,
            AppError::RateLimited {
                retry_after_secs: 1,
            },
            AppError::Unavailable("redis"),
            AppError::Internal(anyhow::anyhow!("x")),
        ];
        let mut codes: Vec<_> = all.iter().map(|e| e.code().as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }

    /// A bare status from the HTTP stack keeps its status when it has a code of its own;
    /// otherwise it takes its code's status.
    #[test]
    fn bare_statuses_answer_with_their_codes_status() {
        for status in [404, 405, 408, 412, 413, 415, 416, 401, 403] {
            let status = StatusCode::from_u16(status).expect("status");
            assert_eq!(AppError::from_status(status).status(), status);
        }
        let teapot = AppError::from_status(StatusCode::IM_A_TEAPOT);
        assert_eq!(teapot.code(), ErrorCode::BadRequest);
        assert_eq!(teapot.status(), StatusCode::BAD_REQUEST);
        let gateway = AppError::from_status(StatusCode::BAD_GATEWAY);
        assert_eq!(gateway.code(), ErrorCode::InternalError);
    }
}
