//! The shop: search and list listed products, product pages, traceability, QR codes, zones.

use bytes::Bytes;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};

use super::dto::{ProductDetail, ProductPage, ProductQuery, SortBy, Zone, ZoneInput};
use super::model::{ProductStatus, ZoneRule};
use super::read;
use super::reference::Reference;
use super::search::{SearchRequest, label_facets};
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::auth::{Actor, authz};
use crate::db::begin_write;
use crate::entities::{products, regions, zones};
use crate::error::{AppError, DbResultExt, ErrorCode, FieldCode, FieldErrors};
use crate::regions::model::Programme;
use crate::suppliers::model::CertKind;

/// The facet path a zone selects.
fn zone_facet(reference: &Reference, zone: &zones::Model) -> Option<String> {
    match zone.rule_kind {
        ZoneRule::Region => reference.region_facet(&zone.rule_value),
        ZoneRule::Programme => Some(format!("/prog/{}", zone.rule_value)),
        ZoneRule::Certificate => Some(format!("/cert/{}", zone.rule_value)),
    }
}

/// Translates the shop's parameters into an index search. Unknown category, region or zone
/// give no results rather than an error (a stale link should show an empty list).
fn to_request(reference: &Reference, q: &ProductQuery) -> Result<SearchRequest, AppError> {
    let mut req = SearchRequest {
        text: q.q.clone().filter(|t| !t.trim().is_empty()),
        min_price: q.min_price,
        max_price: q.max_price,
        in_stock: q.in_stock.unwrap_or(false),
        cursor: q.cursor.clone(),
        limit: q.limit.unwrap_or(20),
        ..SearchRequest::default()
    };
    req.sort = q.sort.unwrap_or(if req.text.is_some() {
        SortBy::Relevance
    } else {
        SortBy::Sales
    });
    if q.q.as_ref().is_some_and(|t| t.chars().count() > 100) {
        return Err(AppError::new(
            ErrorCode::InvalidQuery,
            "搜索词过长 / query too long",
        ));
    }
    let nothing = "/none/none".to_owned();
    if let Some(id) = q.category {
        let path = match reference.categories.get(&id) {
            Some(c) => match c.parent_id {
                Some(p) => format!("/cat/{p}/{}", c.id),
                None => format!("/cat/{}", c.id),
            },
            None => nothing.clone(),
        };
        req.drill.push(path.clone());
        req.facets.push(path);
    }
    if let Some(code) = &q.region {
        let path = reference
            .region_facet(code)
            .unwrap_or_else(|| nothing.clone());
        req.drill.push(path.clone());
        req.facets.push(path);
    }
    if let Some(p) = q.programme {
        req.facets.push(format!("/prog/{}", p.as_str()));
    }
    if let Some(c) = q.cert {
        req.facets.push(format!("/cert/{}", c.as_str()));
    }
    if let Some(slug) = &q.zone {
        let path = reference
            .zones
            .iter()
            .find(|z| &z.slug == slug && z.active)
            .and_then(|z| zone_facet(reference, z))
            .unwrap_or_else(|| nothing.clone());
        req.facets.push(path);
    }
    Ok(req)
}

/// Searches and lists listed products: a page of cards, the total, facet counts. The answer
/// is cached (see `cache`); the flag tells whether it came from the cache.
///
/// # Errors
/// 400 for bad cursors or queries.
pub async fn list(
    state: &AppState,
    q: ProductQuery,
    raw_query: &str,
) -> Result<(Bytes, bool), AppError> {
    let key = format!("list:{}:{raw_query}", state.catalog.search.generation());
    state
        .catalog
        .cache
        .get_or_fill(&key, || async {
            let page = list_uncached(state, &q).await?;
            serde_json::to_vec(&page)
                .map(Bytes::from)
                .map_err(|e| AppError::Internal(e.into()))
        })
        .await
}

/// [`list`] without the cache.
///
/// # Errors
/// 400 for bad cursors or queries.
pub async fn list_uncached(state: &AppState, q: &ProductQuery) -> Result<ProductPage, AppError> {
    let reference = state.catalog.reference(&state.db).await?;
    let req = to_request(&reference, q)?;
    let hits = state.catalog.search.search(&req)?;
    let today = crate::time::business_date(Utc::now());
    // A product delisted since the index last synced is left out rather than shown.
    let items = super::view::read(&state.db, &hits.ids)
        .await?
        .into_iter()
        .filter(|v| v.status == ProductStatus::Listed)
        .map(|v| v.doc.render(today, &v.stock).card)
        .collect();
    let facets = label_facets(&hits, |root, value| match root {
        "cat" => value
            .parse::<i64>()
            .ok()
            .and_then(|id| reference.categories.get(&id))
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        "region" => reference
            .regions
            .get(value)
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        "cert" => CertKind::parse(value).map_or_else(String::new, |k| k.label().to_owned()),
        "prog" => match Programme::parse(value) {
            Some(Programme::EastWest) => "东西部协作".to_owned(),
            Some(Programme::OldRevolutionary) => "革命老区对口合作".to_owned(),
            Some(Programme::InProvince) => "省内帮扶".to_owned(),
            None => String::new(),
        },
        _ => String::new(),
    });
    Ok(ProductPage {
        items,
        next_cursor: hits.next_cursor,
        total: hits.total,
        facets,
    })
}

/// The page of a listed product (cached).
///
/// # Errors
/// 404 unless listed.
pub async fn detail(state: &AppState, id: i64) -> Result<(Bytes, bool), AppError> {
    state
        .catalog
        .cache
        .get_or_fill(&format!("detail:{id}"), || detail_uncached(state, id))
        .await
}

/// [`detail`] without the cache: the JSON of a [`ProductDetail`].
///
/// # Errors
/// 404 unless listed.
pub async fn detail_uncached(state: &AppState, id: i64) -> Result<Bytes, AppError> {
    let stored = super::view::read_stored(&state.db, &[id])
        .await?
        .into_iter()
        .next()
        .filter(|v| v.status == ProductStatus::Listed)
        .ok_or(AppError::NotFound)?;
    super::doc::render_page(
        &stored.text,
        crate::time::business_date(Utc::now()),
        &stored.stock,
    )
    .map(Bytes::from)
    .map_err(|e| super::view::unreadable(id, &e))
}

/// The traceability record behind a package's QR code: any product that was ever submitted
/// (a package outlives its listing).
///
/// # Errors
/// 404 for drafts and unknown products.
pub async fn trace(state: &AppState, id: i64) -> Result<ProductDetail, AppError> {
    let loaded = read::load(&state.db, &[id], false).await?;
    let p = loaded
        .products
        .first()
        .filter(|p| p.status != ProductStatus::Draft)
        .ok_or(AppError::NotFound)?;
    Ok(loaded.detail(p, crate::time::business_date(Utc::now())))
}

/// The address a product's QR code points to.
#[must_use]
pub fn trace_url(state: &AppState, id: i64) -> String {
    format!(
        "{}/trace/{id}",
        state.config.public_url.trim_end_matches('/')
    )
}

/// A QR code of the product's traceability page, as SVG or PNG.
///
/// # Errors
/// 404 as [`trace`].
pub async fn qr(state: &AppState, id: i64, png: bool) -> Result<Bytes, AppError> {
    let exists = products::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .is_some_and(|p| p.status != ProductStatus::Draft);
    if !exists {
        return Err(AppError::NotFound);
    }
    let code = qrcode::QrCode::new(trace_url(state, id).as_bytes())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("qr: {e}")))?;
    if png {
        let img = code
            .render::<image::Luma<u8>>()
            .min_dimensions(320, 320)
            .build();
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageLuma8(img)
            .write_to(&mut out, image::ImageFormat::Png)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("qr png: {e}")))?;
        Ok(Bytes::from(out.into_inner()))
    } else {
        let svg = code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(320, 320)
            .build();
        Ok(Bytes::from(svg))
    }
}

fn zone_dto(z: zones::Model) -> Zone {
    Zone {
        banner: z.banner_media_hash.as_deref().map(crate::media::urls),
        banner_media_hash: z.banner_media_hash.clone(),
        id: z.id,
        slug: z.slug,
        name: z.name,
        name_en: z.name_en,
        rule_kind: z.rule_kind,
        rule_value: z.rule_value,
        description: z.description,
        position: z.position,
        active: z.active,
    }
}

/// Zones: the active ones for the shop, all for operators.
///
/// # Errors
/// Database errors.
pub async fn zones(state: &AppState, include_inactive: bool) -> Result<Vec<Zone>, AppError> {
    let mut q = zones::Entity::find()
        .order_by_asc(zones::Column::Position)
        .order_by_asc(zones::Column::Id);
    if !include_inactive {
        q = q.filter(zones::Column::Active.eq(true));
    }
    Ok(q.all(&state.db).await?.into_iter().map(zone_dto).collect())
}

async fn check_zone(conn: &impl ConnectionTrait, z: &ZoneInput) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    let slug_ok = (2..=40).contains(&z.slug.len())
        && z.slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !slug_ok {
        errors.add(
            "slug",
            FieldCode::SlugFormat,
            "标识为2-40位小写字母、数字或- / 2-40 of a-z, 0-9, -",
        );
    }
    if !(2..=30).contains(&z.name.trim().chars().count()) {
        errors.add(
            "name",
            FieldCode::NameLength,
            "名称应为2-30个字符 / 2-30 characters",
        );
    }
    let value_ok = match z.rule_kind {
        ZoneRule::Region => regions::Entity::find_by_id(z.rule_value.clone())
            .one(conn)
            .await?
            .is_some(),
        ZoneRule::Programme => Programme::parse(&z.rule_value).is_some(),
        ZoneRule::Certificate => CertKind::parse(&z.rule_value).is_some(),
    };
    if !value_ok {
        errors.add(
            "rule_value",
            FieldCode::InvalidRuleValue,
            "规则取值无效 / the rule value does not exist",
        );
    }
    if let Some(hash) = &z.banner_media_hash
        && crate::media::catalog_images(conn, std::slice::from_ref(hash))
            .await?
            .is_empty()
    {
        errors.add(
            "banner_media_hash",
            FieldCode::UnknownImage,
            "图片不存在 / unknown image",
        );
    }
    errors.into_result()
}

/// Creates (`id` none) or changes a zone (operators; audited).
///
/// # Errors
/// 403; 404; 422.
pub async fn save_zone(
    state: &AppState,
    actor: &Actor,
    id: Option<i64>,
    z: ZoneInput,
) -> Result<Zone, AppError> {
    authz::require_operator(actor)?;
    check_zone(&state.db, &z).await?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let mut active = match id {
        Some(id) => zones::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?
            .into_active_model(),
        None => zones::ActiveModel {
            created_at: Set(now),
            ..Default::default()
        },
    };
    active.slug = Set(z.slug);
    active.name = Set(z.name.trim().to_owned());
    active.name_en = Set(z.name_en.trim().to_owned());
    active.rule_kind = Set(z.rule_kind);
    active.rule_value = Set(z.rule_value);
    active.banner_media_hash = Set(z.banner_media_hash);
    active.description = Set(z.description);
    active.position = Set(z.position);
    active.active = Set(z.active);
    active.updated_at = Set(now);
    let row = if id.is_some() {
        active.update(&txn).await
    } else {
        active.insert(&txn).await
    }
    .on_unique("uq_zones_slug", "slug")?;
    let dto = zone_dto(row);
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new(
            if id.is_some() {
                "zone.update"
            } else {
                "zone.create"
            },
            "zone",
            dto.id,
        )
        .after(&dto),
    )
    .await?;
    txn.commit().await?;
    state.catalog.cache.bump().await;
    Ok(dto)
}
