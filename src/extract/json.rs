use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{AppError, ErrorCode};

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
        let (value, _) = read_json(req, state).await?;
        Ok(AppJson(value))
    }
}

/// Reads a JSON body: checks the content type, reads the bytes (within the body limit) and
/// parses them. Returns the raw bytes too (for hashing).
///
/// # Errors
/// 415 `unsupported_media_type`, 413 `payload_too_large`, 400 `malformed_json`,
/// 422 `invalid_body` / `unknown_field`.
pub async fn read_json<T: DeserializeOwned, S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<(T, Bytes), AppError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == "application"
                && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"))
        });
    if !is_json {
        return Err(AppError::UnsupportedMediaType);
    }
    let bytes = Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::new(
                ErrorCode::UnreadableBody,
                "无法读取请求体 / could not read the body",
            )
        }
    })?;
    let value = json_from_bytes(&bytes)?;
    Ok((value, bytes))
}

/// Parses a JSON body already read into memory, with the same errors as [`AppJson`].
///
/// # Errors
/// 400 `malformed_json` / `invalid_characters` (a NUL in a string), 422 `invalid_body` /
/// `unknown_field`.
pub fn json_from_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if super::text::json_has_nul(bytes) {
        return Err(super::text::nul_refused("请求体"));
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(deserializer) {
        Ok(value) => Ok(value),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            // serde_json calls some shape errors "syntax" (a number where an enum string
            // belongs); if the text parses as JSON at all, the shape is what is wrong.
            let well_formed = serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok();
            if well_formed {
                let text = inner.to_string();
                let code = if text.contains("unknown field") {
                    ErrorCode::UnknownField
                } else {
                    ErrorCode::InvalidBody
                };
                let location = if path == "." {
                    String::new()
                } else {
                    format!("{path}: ")
                };
                Err(AppError::new(
                    code,
                    format!("请求内容字段有误 / {location}{text}"),
                ))
            } else {
                Err(AppError::new(
                    ErrorCode::MalformedJson,
                    format!("请求体不是有效的 JSON / malformed JSON: {inner}"),
                ))
            }
        }
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
    AppError::new(
        ErrorCode::InvalidQuery,
        format!("查询参数有误 / {}", strip_prefix(&rejection.body_text())),
    )
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
    AppError::new(
        ErrorCode::InvalidPath,
        format!("路径参数有误 / {}", strip_prefix(&rejection.body_text())),
    )
}
