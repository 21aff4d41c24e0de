use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// JSON body extractor and response: like `axum::Json`, but a body that cannot be read answers
/// in the error envelope (400 malformed, 413 too large, 415 wrong type, 422 wrong shape).
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

impl<T, S> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(AppJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// Parses a JSON body already read into memory, with the same errors as [`AppJson`].
///
/// # Errors
/// 400 `malformed_json`, 422 `invalid_body` / `unknown_field`.
pub fn json_from_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    axum::Json::<T>::from_bytes(bytes).map(|j| j.0).map_err(json_rejection)
}

fn json_rejection(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            let message = e.body_text();
            let code = if message.contains("unknown field") { "unknown_field" } else { "invalid_body" };
            AppError::InvalidBody {
                message: format!("请求内容字段有误 / {}", strip_prefix(&message)),
                code,
            }
        }
        JsonRejection::JsonSyntaxError(e) => AppError::BadRequest {
            code: "malformed_json",
            message: format!("请求体不是有效的 JSON / malformed JSON: {}", strip_prefix(&e.body_text())),
            details: None,
        },
        JsonRejection::MissingJsonContentType(_) => AppError::UnsupportedMediaType,
        JsonRejection::BytesRejection(e) => {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else {
                AppError::bad_request("unreadable_body", "无法读取请求体 / could not read the body")
            }
        }
        _ => AppError::bad_request("malformed_json", "请求体不是有效的 JSON / malformed JSON"),
    }
}

/// axum prefixes its messages ("Failed to deserialize the JSON body into the target type: ");
/// keep the useful part.
fn strip_prefix(message: &str) -> &str {
    message.split_once(": ").map_or(message, |(_, rest)| rest)
}

impl<T: Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Query-string extractor answering 400 `invalid_query` in the envelope.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for AppQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(q) => Ok(AppQuery(q.0)),
            Err(rejection) => Err(query_rejection(&rejection)),
        }
    }
}

fn query_rejection(rejection: &QueryRejection) -> AppError {
    AppError::BadRequest {
        code: "invalid_query",
        message: format!("查询参数有误 / {}", strip_prefix(&rejection.body_text())),
        details: None,
    }
}

/// Path-parameter extractor answering 400 `invalid_path` in the envelope.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppPath<T>(pub T);

impl<T, S> FromRequestParts<S> for AppPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(p) => Ok(AppPath(p.0)),
            Err(rejection) => Err(path_rejection(&rejection)),
        }
    }
}

fn path_rejection(rejection: &PathRejection) -> AppError {
    AppError::BadRequest {
        code: "invalid_path",
        message: format!("路径参数有误 / {}", strip_prefix(&rejection.body_text())),
        details: None,
    }
}
