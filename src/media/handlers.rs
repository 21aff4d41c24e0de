//! HTTP handlers of the media context.

use std::time::Duration;

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::{ImageInfo, Uploader};
use crate::app::AppState;
use crate::auth::{Actor, Role};
use crate::error::{AppError, ErrorBody, ErrorCode, FieldCode, FieldErrors};
use crate::extract::{AppJson, AppPath};
use crate::ratelimit::Decision;

/// Reads the one file field of a multipart upload.
///
/// # Errors
/// 400 `invalid_multipart`, 413 `payload_too_large`, 422 when the field is missing.
pub async fn read_file_field(
    mut multipart: Multipart,
    field_name: &str,
) -> Result<(Bytes, Option<String>, Vec<(String, String)>), AppError> {
    let mut file = None;
    let mut texts = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(multipart_error(&e)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name.contains('\0') || field.file_name().is_some_and(|f| f.contains('\0')) {
            return Err(crate::extract::nul_refused("表单"));
        }
        if name == field_name {
            let filename = field.file_name().map(str::to_owned);
            let bytes = field.bytes().await.map_err(|e| multipart_error(&e))?;
            file = Some((bytes, filename));
        } else {
            let value = field.text().await.map_err(|e| multipart_error(&e))?;
            if value.contains('\0') {
                return Err(crate::extract::nul_refused("表单"));
            }
            texts.push((name, value));
        }
    }
    let (bytes, filename) = file.ok_or_else(|| {
        FieldErrors::single(
            field_name,
            FieldCode::Required,
            "请选择文件 / a file is required",
        )
    })?;
    Ok((bytes, filename, texts))
}

fn multipart_error(e: &axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::new(
            ErrorCode::InvalidMultipart,
            format!(
                "上传内容格式有误 / malformed multipart body: {}",
                e.body_text()
            ),
        )
    }
}

/// Uploads a photo (JPEG, PNG or WebP, at most 10 MB and 8000x8000): suppliers and operators
/// for the catalogue, verified members for refund requests and unit buyers for acceptance
/// photos (both rate limited per person, by default 30 an hour). The image is re-encoded
/// (metadata removed) at 240, 480 and 960 px as WebP and JPEG.
#[utoipa::path(post, path = "/api/media/images", tag = "media",
    request_body(content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 201, body = ImageInfo), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, description = "image_unsupported_format, image_trailing_data, image_dimensions_too_large, image_undecodable, image_too_large", body = ErrorBody), (status = 429, description = "rate_limited (members)", body = ErrorBody)))]
pub async fn upload_image(
    State(state): State<AppState>,
    actor: Actor,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let uploader = uploader_of(&actor)?;
    if matches!(uploader, Uploader::Member(_) | Uploader::Buyer(_)) {
        limit_member(&state, &actor).await?;
    }
    let multipart = multipart.map_err(|e| {
        AppError::new(
            ErrorCode::InvalidMultipart,
            format!("请以 multipart/form-data 上传 / {}", e.body_text()),
        )
    })?;
    let (bytes, _, _) = read_file_field(multipart, "file").await?;
    let info = super::store_image(&state, uploader, bytes).await?;
    Ok((StatusCode::CREATED, AppJson(info)).into_response())
}

/// Whose upload this is: a supplier role wins (its photos are for its listings), then the
/// operator, then a verified member, then a unit's buyer (acceptance photos).
fn uploader_of(actor: &Actor) -> Result<Uploader, AppError> {
    let supplier = actor
        .grants
        .iter()
        .find(|g| matches!(g.role, Role::SupplierAdmin | Role::SupplierStaff));
    if let Some(g) = supplier {
        Ok(Uploader::Supplier(g.org_id))
    } else if actor.is_operator() {
        Ok(Uploader::Operator)
    } else if let Some(union) = actor.orgs_with(Role::Member).next() {
        Ok(Uploader::Member(union))
    } else if let Some(g) = actor
        .grants
        .iter()
        .find(|g| matches!(g.role, Role::Buyer | Role::UnitAdmin))
    {
        Ok(Uploader::Buyer(g.org_id))
    } else {
        Err(AppError::Forbidden)
    }
}

/// Counts a member's upload before the body is read, so a flood costs no decoding.
async fn limit_member(state: &AppState, actor: &Actor) -> Result<(), AppError> {
    let decision = state
        .limiter
        .hit(
            &format!("upload:user:{}", actor.user_id),
            state.config.member_uploads_per_hour,
            Duration::from_secs(3600),
        )
        .await;
    match decision {
        Decision::Allowed => Ok(()),
        Decision::Limited(wait) => Err(AppError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        }),
    }
}

/// One rendition of an image, e.g. `/media/<hash>/480.webp`. Immutable: cached for a year.
#[utoipa::path(get, path = "/media/{hash}/{file}", tag = "media",
    params(("hash" = String, Path, description = "image hash"), ("file" = String, Path, description = "`<size>.<webp|jpg>`")),
    responses((status = 200, content_type = "image/webp"), (status = 304), (status = 404, body = ErrorBody)))]
pub async fn get_rendition(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppPath((hash, file)): AppPath<(String, String)>,
) -> Result<Response, AppError> {
    let (size, ext) = file.split_once('.').ok_or(AppError::NotFound)?;
    let size: u32 = size.parse().map_err(|_| AppError::NotFound)?;
    let etag = format!("\"{hash}-{size}-{ext}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let bytes = super::read_rendition(&state, &hash, size, ext).await?;
    let content_type = if ext == "webp" {
        "image/webp"
    } else {
        "image/jpeg"
    };
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}
