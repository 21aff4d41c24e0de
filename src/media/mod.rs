//! Product photos, refund photos and documents: upload (multipart), checks, re-encoding,
//! content-addressed storage behind [`MediaStore`], and serving with long cache lifetimes and
//! ETags.
//!
//! `media.org_id` is the organisation of the uploader: a supplier for its product photos, none
//! for operators (and the demo seed), the member's union for refund photos. Only images of no
//! organisation or of a supplier may appear in the catalogue ([`catalog_images`]), so a
//! member's photo (which may show a name or address on a parcel) never becomes a listing's.

mod handlers;
pub mod process;
pub mod s3;
pub mod store;

use std::collections::HashSet;
use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use handlers::read_file_field as handlers_read_file;
pub use s3::{S3Settings, S3Store};
pub use store::{LocalStore, MediaStore};

use crate::app::AppState;
use crate::auth::OrgKind;
use crate::entities::{media, organizations};
use crate::error::AppError;

/// Who uploads an image, which decides whose it is (`media.org_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uploader {
    /// Staff of this supplier: a product photo of theirs.
    Supplier(i64),
    /// A platform operator: a catalogue image of no one organisation (e.g. a zone banner).
    Operator,
    /// A member of this union: a refund photo, never a catalogue image.
    Member(i64),
    /// A buyer of this budget unit: an acceptance (验货) photo, never a catalogue image.
    Buyer(i64),
}

impl Uploader {
    fn org_id(self) -> Option<i64> {
        match self {
            Uploader::Supplier(org) | Uploader::Member(org) | Uploader::Buyer(org) => Some(org),
            Uploader::Operator => None,
        }
    }
}

/// Storage and processing capacity for media.
#[derive(Debug, Clone)]
pub struct Media {
    /// Where blobs live.
    pub store: Arc<dyn MediaStore>,
    /// At most this many images decode at once (each may take ~250 MB while decoding).
    pub permits: Arc<Semaphore>,
}

impl Media {
    /// Media kept in a local directory.
    #[must_use]
    pub fn local(dir: impl AsRef<std::path::Path>) -> Self {
        Media::with_store(Arc::new(LocalStore::new(dir)))
    }

    /// Media kept in `store`.
    #[must_use]
    pub fn with_store(store: Arc<dyn MediaStore>) -> Self {
        Media {
            store,
            permits: Arc::new(Semaphore::new(2)),
        }
    }

    /// The store the configuration names: an S3-compatible bucket when
    /// `BANGFU_MEDIA_S3_BUCKET` is set, the media directory otherwise.
    ///
    /// # Errors
    /// When the S3 settings are incomplete or unusable.
    pub fn from_config(config: &crate::config::Config) -> anyhow::Result<Self> {
        match config.media_s3()? {
            Some(settings) => {
                let store = S3Store::new(&settings).map_err(|e| {
                    anyhow::anyhow!("media store (S3 bucket {}): {e}", settings.bucket)
                })?;
                tracing::info!(bucket = %settings.bucket, endpoint = settings.endpoint.as_deref().unwrap_or("aws"), prefix = settings.prefix.as_deref().unwrap_or(""), "media in an S3 bucket");
                Ok(Media::with_store(Arc::new(store)))
            }
            None => Ok(Media::local(config.media_dir())),
        }
    }
}

/// URLs of one size of an image.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct ImageUrls {
    /// Long edge in pixels.
    pub size: u32,
    /// WebP rendition.
    pub webp: String,
    /// JPEG fallback.
    pub jpg: String,
}

/// A stored image.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImageInfo {
    /// Content hash (SHA-256 of the upload): the image's id.
    pub hash: String,
    /// Original width.
    pub width: i32,
    /// Original height.
    pub height: i32,
    /// The renditions.
    pub urls: Vec<ImageUrls>,
}

/// URLs of the renditions of image `hash`.
#[must_use]
pub fn urls(hash: &str) -> Vec<ImageUrls> {
    process::SIZES
        .iter()
        .map(|s| ImageUrls {
            size: *s,
            webp: format!("/media/{hash}/{s}.webp"),
            jpg: format!("/media/{hash}/{s}.jpg"),
        })
        .collect()
}

fn key(hash: &str, size: u32, ext: &str) -> String {
    format!("img/{}/{hash}/{size}.{ext}", &hash[..2])
}

/// Of `hashes`, those that exist and may be shown in the catalogue (product photos, zone
/// banners): uploaded by an operator or the seed (no organisation) or by a supplier. Members'
/// refund photos are left out.
///
/// # Errors
/// Database errors.
pub async fn catalog_images(
    conn: &impl ConnectionTrait,
    hashes: &[String],
) -> Result<HashSet<String>, DbErr> {
    if hashes.is_empty() {
        return Ok(HashSet::new());
    }
    let rows: Vec<(String, Option<i64>)> = media::Entity::find()
        .select_only()
        .column(media::Column::Hash)
        .column(media::Column::OrgId)
        .filter(media::Column::Hash.is_in(hashes.iter().cloned()))
        .into_tuple()
        .all(conn)
        .await?;
    let orgs: HashSet<i64> = rows.iter().filter_map(|(_, org)| *org).collect();
    let suppliers: HashSet<i64> = if orgs.is_empty() {
        HashSet::new()
    } else {
        organizations::Entity::find()
            .select_only()
            .column(organizations::Column::Id)
            .filter(organizations::Column::Id.is_in(orgs))
            .filter(organizations::Column::Kind.eq(OrgKind::Supplier))
            .into_tuple::<i64>()
            .all(conn)
            .await?
            .into_iter()
            .collect()
    };
    Ok(rows
        .into_iter()
        .filter(|(_, org)| org.is_none_or(|o| suppliers.contains(&o)))
        .map(|(hash, _)| hash)
        .collect())
}

/// Checks, re-encodes and stores an uploaded image; the same bytes uploaded twice give the same
/// image. Nothing is stored when the image is refused. A supplier or operator uploading the
/// bytes of a member's photo holds the original file too, so the image becomes theirs.
///
/// # Errors
/// 422 with the image error's code; 500 when storage fails.
pub async fn store_image(
    state: &AppState,
    uploader: Uploader,
    bytes: Bytes,
) -> Result<ImageInfo, AppError> {
    let hash = hex::encode(Sha256::digest(&bytes));
    if let Some(existing) = media::Entity::find_by_id(hash.clone())
        .one(&state.db)
        .await?
    {
        if !matches!(uploader, Uploader::Member(_) | Uploader::Buyer(_))
            && existing.org_id.is_some()
            && existing.org_id != uploader.org_id()
            && catalog_images(&state.db, std::slice::from_ref(&hash))
                .await?
                .is_empty()
        {
            media::Entity::update_many()
                .col_expr(
                    media::Column::OrgId,
                    sea_orm::sea_query::Expr::value(uploader.org_id()),
                )
                .filter(media::Column::Hash.eq(hash.clone()))
                .filter(media::Column::OrgId.eq(existing.org_id))
                .exec(&state.db)
                .await?;
        }
        return Ok(ImageInfo {
            urls: urls(&hash),
            hash,
            width: existing.width,
            height: existing.height,
        });
    }
    let size_bytes = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let permit = state
        .media
        .permits
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let processed = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        process::process(&bytes)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?
    .map_err(|e| {
        AppError::Validation({
            let mut f = crate::error::FieldErrors::new();
            f.add("file", e.code(), format!("图片不可用 / {e}"));
            f
        })
    })?;
    for r in &processed.renditions {
        state
            .media
            .store
            .put(&key(&hash, r.size, r.ext), Bytes::from(r.bytes.clone()))
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
    }
    let width = i32::try_from(processed.width).unwrap_or(i32::MAX);
    let height = i32::try_from(processed.height).unwrap_or(i32::MAX);
    media::Entity::insert(media::ActiveModel {
        hash: Set(hash.clone()),
        width: Set(width),
        height: Set(height),
        source_format: Set(processed.source_format.to_owned()),
        size_bytes: Set(size_bytes),
        org_id: Set(uploader.org_id()),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(media::Column::Hash)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&state.db)
    .await?;
    Ok(ImageInfo {
        urls: urls(&hash),
        hash,
        width,
        height,
    })
}

/// Reads one rendition.
///
/// # Errors
/// 404 for unknown images or sizes.
pub async fn read_rendition(
    state: &AppState,
    hash: &str,
    size: u32,
    ext: &str,
) -> Result<Bytes, AppError> {
    let valid = hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    if !valid || !process::SIZES.contains(&size) || !matches!(ext, "webp" | "jpg") {
        return Err(AppError::NotFound);
    }
    state
        .media
        .store
        .get(&key(hash, size, ext))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .ok_or(AppError::NotFound)
}

/// Stores a document's bytes under their hash; returns the key.
///
/// # Errors
/// 500 when storage fails.
pub async fn store_document(state: &AppState, bytes: Bytes) -> Result<String, AppError> {
    let hash = hex::encode(Sha256::digest(&bytes));
    let key = format!("doc/{}/{hash}", &hash[..2]);
    state
        .media
        .store
        .put(&key, bytes)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(key)
}

/// Reads a stored document.
///
/// # Errors
/// 404 when missing.
pub async fn read_document(state: &AppState, key: &str) -> Result<Bytes, AppError> {
    state
        .media
        .store
        .get(key)
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .ok_or(AppError::NotFound)
}

/// Routes of this context (uploads allow large bodies).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::upload_image))
        .layer(axum::extract::DefaultBodyLimit::max(
            process::MAX_UPLOAD_BYTES + 64 * 1024,
        ))
        .routes(routes!(handlers::get_rendition))
}
