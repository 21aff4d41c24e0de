//! Products as their supplier writes them and operators review them.
//!
//! draft -> pending_review -> listed -> delisted, with rejected (and a reason) as the way back.
//! Only admitted suppliers submit. On a listed product, price changes are applied and audited
//! (before and after); a change of origin sends it back to review; stock changes are immediate
//! and audited.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::dto::{
    ManagedProduct, ManagedQuery, ProductCard, ProductInput, SkuInput, StockChange, StockLevel,
};
use super::model::ProductStatus;
use super::read;
use crate::app::AppState;
use crate::audit::{self, AuditEvent};
use crate::auth::authz;
use crate::auth::{Actor, Role};
use crate::db::begin_write;
use crate::domain::limits;
use crate::entities::{
    categories, documents, product_images, product_skus, products, sku_price_tiers,
    supplier_profiles,
};
use crate::error::{AppError, ErrorCode, FieldCode, FieldErrors};
use crate::extract::{Cursor, PageParams};
use crate::suppliers::model::SupplierStatus;

/// Roles that write a supplier's listings.
const WRITERS: &[Role] = &[Role::SupplierAdmin, Role::SupplierStaff];

/// Allowed tags and attributes of descriptions; everything else (scripts, styles, event
/// handlers, links to javascript:) is removed.
#[must_use]
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .tags(HashSet::from([
            "p",
            "br",
            "b",
            "strong",
            "i",
            "em",
            "u",
            "ul",
            "ol",
            "li",
            "h3",
            "h4",
            "blockquote",
            "span",
            "img",
        ]))
        .generic_attributes(HashSet::new())
        .tag_attributes(HashMap::from([("img", HashSet::from(["src", "alt"]))]))
        .url_schemes(HashSet::from(["https"]))
        .url_relative(ammonia::UrlRelative::PassThrough)
        .clean(html)
        .to_string()
}

/// Loads a product for its supplier's staff (or an operator): 403 for anyone without a
/// supplier role, 404 for other suppliers.
async fn load_owned(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    roles: &'static [Role],
) -> Result<products::Model, AppError> {
    authz::require_any_role(
        actor,
        &[Role::SupplierAdmin, Role::SupplierStaff, Role::Operator],
    )?;
    let p = products::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    authz::authorize_org_role(actor, p.supplier_org_id, roles)?;
    Ok(p)
}

struct Checked {
    name: String,
    producer: String,
    origin: String,
    description: String,
}

/// Checks a product input against the rules; collects every problem.
async fn check(
    conn: &impl ConnectionTrait,
    org_id: i64,
    input: &ProductInput,
) -> Result<Checked, AppError> {
    let mut errors = FieldErrors::new();
    let profile = supplier_profiles::Entity::find_by_id(org_id)
        .one(conn)
        .await?;
    let name = input.name.trim().to_owned();
    if !(2..=60).contains(&name.chars().count()) {
        errors.add(
            "name",
            FieldCode::NameLength,
            "商品名称应为2-60个字符 / 2-60 characters",
        );
    }
    match categories::Entity::find_by_id(input.category_id)
        .one(conn)
        .await?
    {
        Some(c) if c.parent_id.is_some() => {}
        Some(_) => errors.add(
            "category_id",
            FieldCode::CategoryNotLeaf,
            "请选择二级类目 / choose a second-level category",
        ),
        None => errors.add(
            "category_id",
            FieldCode::UnknownCategory,
            "类目不存在 / unknown category",
        ),
    }
    if !(1..=3650).contains(&input.shelf_life_days) {
        errors.add(
            "shelf_life_days",
            FieldCode::OutOfRange,
            "保质期应为1-3650天 / 1-3650 days",
        );
    }
    let is_agent = profile.as_ref().is_some_and(|p| p.is_agent);
    let registered = profile
        .as_ref()
        .map(|p| p.registered_county_code.clone())
        .unwrap_or_default();
    let origin = match (&input.origin_county_code, is_agent) {
        (Some(code), true) => {
            crate::suppliers::service::check_partner_county(
                conn,
                &mut errors,
                "origin_county_code",
                code,
            )
            .await?;
            code.clone()
        }
        (Some(code), false) if *code != registered => {
            errors.add("origin_county_code", FieldCode::OriginNotAllowed, "非代理供应商的产地须为注册地 / only agent suppliers sell products of other counties");
            code.clone()
        }
        _ => registered,
    };
    if origin.is_empty() {
        errors.add(
            "origin_county_code",
            FieldCode::Required,
            "请先完善供应商注册地 / the supplier has no registered county",
        );
    }
    let producer = match (&input.producer_name, is_agent) {
        (Some(p), _) if !p.trim().is_empty() => p.trim().to_owned(),
        (_, true) => {
            errors.add(
                "producer_name",
                FieldCode::Required,
                "代理供应商须填写生产者 / agent suppliers name the producer",
            );
            String::new()
        }
        _ => profile
            .as_ref()
            .map(|p| p.legal_name.clone())
            .unwrap_or_default(),
    };
    if input.skus.is_empty() {
        errors.add(
            "skus",
            FieldCode::Required,
            "至少需要一个规格 / at least one SKU",
        );
    }
    if input.skus.len() > 20 {
        errors.add("skus", FieldCode::TooMany, "最多20个规格 / at most 20 SKUs");
    }
    for (i, sku) in input.skus.iter().enumerate() {
        check_sku(&mut errors, i, sku);
    }
    if input.images.len() > 9 {
        errors.add(
            "images",
            FieldCode::TooMany,
            "最多9张图片 / at most 9 images",
        );
    }
    // Members' refund photos are not catalogue images: to a product they do not exist.
    let unique: HashSet<&String> = input.images.iter().collect();
    let usable = crate::media::catalog_images(conn, &input.images).await?;
    if usable.len() != unique.len() {
        errors.add(
            "images",
            FieldCode::UnknownImage,
            "图片不存在，请重新上传 / unknown image, upload it again",
        );
    }
    if let Some(doc) = input.trace_test_report_id {
        let owned = documents::Entity::find_by_id(doc)
            .one(conn)
            .await?
            .is_some_and(|d| d.org_id == org_id);
        if !owned {
            errors.add(
                "trace_test_report_id",
                FieldCode::UnknownDocument,
                "检测报告不存在 / unknown document",
            );
        }
    }
    let description = sanitize(&input.description_html);
    if description.chars().count() > 20_000 {
        errors.add(
            "description_html",
            FieldCode::TooLong,
            "描述过长 / description too long",
        );
    }
    errors.into_result()?;
    Ok(Checked {
        name,
        producer,
        origin,
        description,
    })
}

fn check_sku(errors: &mut FieldErrors, i: usize, sku: &SkuInput) {
    let field = |f: &str| format!("skus[{i}].{f}");
    if !(1..=40).contains(&sku.spec.trim().chars().count()) {
        errors.add(
            &field("spec"),
            FieldCode::SpecLength,
            "规格应为1-40个字符 / 1-40 characters",
        );
    }
    if sku.price_fen.fen() <= 0 || sku.price_fen.fen() > limits::MAX_PRICE_FEN {
        errors.add(
            &field("price_fen"),
            FieldCode::OutOfRange,
            "价格应在0.01至100万元之间 / between 0.01 and 1,000,000 yuan",
        );
    }
    if !(1..=10).contains(&sku.unit.trim().chars().count()) {
        errors.add(
            &field("unit"),
            FieldCode::UnitLength,
            "单位应为1-10个字符 / 1-10 characters",
        );
    }
    if !(1..=limits::MAX_WEIGHT_GRAMS).contains(&sku.weight_grams) {
        errors.add(
            &field("weight_grams"),
            FieldCode::OutOfRange,
            "重量应为1克至1吨 / 1 g to 1 t",
        );
    }
    if sku
        .stock
        .is_some_and(|s| !(0..=limits::MAX_STOCK).contains(&s))
    {
        errors.add(
            &field("stock"),
            FieldCode::OutOfRange,
            "库存应为0至1亿 / 0 to 100,000,000",
        );
    }
    if sku
        .min_order_qty
        .is_some_and(|m| !(1..=limits::MAX_ORDER_QTY).contains(&m))
    {
        errors.add(
            &field("min_order_qty"),
            FieldCode::OutOfRange,
            "起订量应为1至10万 / 1 to 100,000",
        );
    }
    let mut last_qty = 0;
    let mut last_price = sku.price_fen.fen();
    for (j, tier) in sku.tiers.iter().enumerate() {
        if tier.min_qty <= last_qty.max(1)
            || tier.min_qty > limits::MAX_ORDER_QTY
            || tier.price_fen.fen() <= 0
            || tier.price_fen.fen() >= last_price
        {
            errors.add(
                &format!("skus[{i}].tiers[{j}]"),
                FieldCode::TierOrder,
                "阶梯价须数量递增、价格递减 / tiers need rising quantities and falling prices",
            );
            break;
        }
        last_qty = tier.min_qty;
        last_price = tier.price_fen.fen();
    }
}

/// Writes the SKUs of a product: changes those named by id, adds new ones, deactivates those
/// left out. Returns (before, after) prices for the audit log.
async fn write_skus(
    txn: &DatabaseTransaction,
    product_id: i64,
    skus: &[SkuInput],
) -> Result<(Vec<(i64, i64)>, Vec<(i64, i64)>), AppError> {
    let existing = product_skus::Entity::find()
        .filter(product_skus::Column::ProductId.eq(product_id))
        .all(txn)
        .await?;
    let before: Vec<(i64, i64)> = existing
        .iter()
        .filter(|s| s.active)
        .map(|s| (s.id, s.price_fen))
        .collect();
    let mut kept = HashSet::new();
    let now = Utc::now();
    for (pos, input) in skus.iter().enumerate() {
        let position = i32::try_from(pos).unwrap_or(0);
        let sku_id = match input.id.and_then(|id| existing.iter().find(|s| s.id == id)) {
            Some(current) => {
                let mut a = current.clone().into_active_model();
                a.spec = Set(input.spec.trim().to_owned());
                a.price_fen = Set(input.price_fen.fen());
                a.unit = Set(input.unit.trim().to_owned());
                a.weight_grams = Set(input.weight_grams);
                a.min_order_qty = Set(input.min_order_qty.unwrap_or(1));
                a.position = Set(position);
                a.active = Set(true);
                a.updated_at = Set(now);
                a.update(txn).await?.id
            }
            None if input.id.is_some() => {
                return Err(FieldErrors::single(
                    &format!("skus[{pos}].id"),
                    FieldCode::UnknownSku,
                    "规格不存在 / unknown SKU",
                ));
            }
            None => {
                product_skus::ActiveModel {
                    product_id: Set(product_id),
                    spec: Set(input.spec.trim().to_owned()),
                    price_fen: Set(input.price_fen.fen()),
                    unit: Set(input.unit.trim().to_owned()),
                    weight_grams: Set(input.weight_grams),
                    stock: Set(input.stock.unwrap_or(0)),
                    min_order_qty: Set(input.min_order_qty.unwrap_or(1)),
                    position: Set(position),
                    active: Set(true),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await?
                .id
            }
        };
        kept.insert(sku_id);
        sku_price_tiers::Entity::delete_many()
            .filter(sku_price_tiers::Column::SkuId.eq(sku_id))
            .exec(txn)
            .await?;
        for tier in &input.tiers {
            sku_price_tiers::ActiveModel {
                sku_id: Set(sku_id),
                min_qty: Set(tier.min_qty),
                price_fen: Set(tier.price_fen.fen()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
    }
    let dropped: Vec<i64> = existing
        .iter()
        .filter(|s| !kept.contains(&s.id))
        .map(|s| s.id)
        .collect();
    if !dropped.is_empty() {
        product_skus::Entity::update_many()
            .col_expr(
                product_skus::Column::Active,
                sea_orm::sea_query::Expr::value(false),
            )
            .filter(product_skus::Column::Id.is_in(dropped))
            .exec(txn)
            .await?;
    }
    let after: Vec<(i64, i64)> = product_skus::Entity::find()
        .filter(product_skus::Column::ProductId.eq(product_id))
        .filter(product_skus::Column::Active.eq(true))
        .all(txn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.price_fen))
        .collect();
    Ok((before, after))
}

async fn write_images(
    txn: &DatabaseTransaction,
    product_id: i64,
    hashes: &[String],
) -> Result<(), AppError> {
    product_images::Entity::delete_many()
        .filter(product_images::Column::ProductId.eq(product_id))
        .exec(txn)
        .await?;
    for (pos, hash) in hashes.iter().enumerate() {
        product_images::ActiveModel {
            product_id: Set(product_id),
            media_hash: Set(hash.clone()),
            position: Set(i32::try_from(pos).unwrap_or(0)),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Creates a draft product of a supplier.
///
/// # Errors
/// 404/403; 422 with every problem.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    input: ProductInput,
) -> Result<ManagedProduct, AppError> {
    authz::authorize_org_role(actor, org_id, WRITERS)?;
    let checked = check(&state.db, org_id, &input).await?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let row = products::ActiveModel {
        supplier_org_id: Set(org_id),
        producer_name: Set(checked.producer),
        origin_county_code: Set(checked.origin),
        category_id: Set(input.category_id),
        name: Set(checked.name),
        subtitle: Set(input.subtitle.map(|s| s.trim().chars().take(60).collect())),
        description_html: Set(checked.description),
        storage: Set(input.storage),
        shelf_life_days: Set(input.shelf_life_days),
        status: Set(ProductStatus::Draft),
        review_reason: Set(None),
        trace_base: Set(input.trace_base),
        trace_batch: Set(input.trace_batch),
        trace_harvest_date: Set(input.trace_harvest_date),
        trace_test_report_id: Set(input.trace_test_report_id),
        sales_count: Set(0),
        version: Set(1),
        listed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    write_skus(&txn, row.id, &input.skus).await?;
    write_images(&txn, row.id, &input.images).await?;
    super::touch_products(&txn, &[row.id]).await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("product.create", "product", row.id)
            .after(serde_json::json!({"name": row.name, "supplier": org_id})),
    )
    .await?;
    txn.commit().await?;
    get(state, actor, row.id).await
}

/// Replaces a product's content, SKUs and images. On a listed product, price changes are
/// audited and an origin change sends it back to review.
///
/// # Errors
/// 404/403; 409 while pending review; 422 with every problem.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i64,
    input: ProductInput,
) -> Result<ManagedProduct, AppError> {
    let current = load_owned(&state.db, actor, id, WRITERS).await?;
    let status = current.status;
    if status == ProductStatus::PendingReview {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            "审核中的商品不能修改 / cannot change a product under review",
        ));
    }
    let checked = check(&state.db, current.supplier_org_id, &input).await?;
    let txn = begin_write(&state.db).await?;
    let origin_changed = checked.origin != current.origin_county_code;
    let mut active = current.clone().into_active_model();
    active.name = Set(checked.name);
    active.producer_name = Set(checked.producer);
    active.origin_county_code = Set(checked.origin.clone());
    active.category_id = Set(input.category_id);
    active.subtitle = Set(input.subtitle.map(|s| s.trim().chars().take(60).collect()));
    active.description_html = Set(checked.description);
    active.storage = Set(input.storage);
    active.shelf_life_days = Set(input.shelf_life_days);
    active.trace_base = Set(input.trace_base);
    active.trace_batch = Set(input.trace_batch);
    active.trace_harvest_date = Set(input.trace_harvest_date);
    active.trace_test_report_id = Set(input.trace_test_report_id);
    let back_to_review = status == ProductStatus::Listed && origin_changed;
    if back_to_review {
        active.status = Set(ProductStatus::PendingReview);
    }
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    let (before, after) = write_skus(&txn, id, &input.skus).await?;
    write_images(&txn, id, &input.images).await?;
    super::touch_products(&txn, &[id]).await?;
    if before != after {
        audit::record(
            &txn,
            Some(actor),
            AuditEvent::new("product.price_change", "product", id)
                .before(serde_json::json!({"skus": before}))
                .after(serde_json::json!({"skus": after})),
        )
        .await?;
    }
    if origin_changed {
        audit::record(
            &txn,
            Some(actor),
            AuditEvent::new("product.origin_change", "product", id)
                .before(serde_json::json!({"origin": current.origin_county_code, "status": current.status}))
                .after(serde_json::json!({"origin": checked.origin, "status": if back_to_review { ProductStatus::PendingReview } else { current.status }})),
        )
        .await?;
    }
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("product.update", "product", id),
    )
    .await?;
    txn.commit().await?;
    if status == ProductStatus::Listed {
        state.catalog.changed(state).await;
    }
    get(state, actor, id).await
}

/// A product as its supplier (or an operator) sees it, whatever its status.
///
/// # Errors
/// 404 for strangers.
pub async fn get(state: &AppState, actor: &Actor, id: i64) -> Result<ManagedProduct, AppError> {
    let p = load_owned(&state.db, actor, id, WRITERS).await?;
    let loaded = read::load(&state.db, &[p.id], true).await?;
    let today = crate::time::business_date(Utc::now());
    let product = loaded.products.first().ok_or(AppError::NotFound)?;
    let image_hashes = product_images::Entity::find()
        .filter(product_images::Column::ProductId.eq(id))
        .order_by_asc(product_images::Column::Position)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|i| i.media_hash)
        .collect();
    Ok(ManagedProduct {
        detail: loaded.detail(product, today),
        review_reason: p.review_reason.clone(),
        image_hashes,
        version: p.version,
    })
}

/// A supplier's products, newest first.
///
/// # Errors
/// 404 for strangers.
pub async fn list_for_supplier(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    q: ManagedQuery,
) -> Result<(Vec<ProductCard>, Option<String>), AppError> {
    authz::authorize_org_role(actor, org_id, WRITERS)?;
    page(state, Some(org_id), q).await
}

/// The product review queue (operators).
///
/// # Errors
/// 403 for non-operators.
pub async fn list_for_review(
    state: &AppState,
    actor: &Actor,
    mut q: ManagedQuery,
) -> Result<(Vec<ProductCard>, Option<String>), AppError> {
    authz::require_operator(actor)?;
    q.status = Some(q.status.unwrap_or(ProductStatus::PendingReview));
    page(state, None, q).await
}

async fn page(
    state: &AppState,
    org_id: Option<i64>,
    q: ManagedQuery,
) -> Result<(Vec<ProductCard>, Option<String>), AppError> {
    let params = PageParams {
        cursor: q.cursor,
        limit: q.limit,
    };
    let limit = params.limit();
    let mut query = products::Entity::find()
        .select_only()
        .column(products::Column::Id)
        .order_by_desc(products::Column::Id)
        .limit(limit);
    if let Some(org) = org_id {
        query = query.filter(products::Column::SupplierOrgId.eq(org));
    }
    if let Some(s) = q.status {
        query = query.filter(products::Column::Status.eq(s));
    }
    if let Some(Cursor(before)) = params.cursor()? {
        query = query.filter(products::Column::Id.lt(before));
    }
    let ids: Vec<i64> = query.into_tuple().all(&state.db).await?;
    let loaded = read::load(&state.db, &ids, false).await?;
    let today = crate::time::business_date(Utc::now());
    let items: Vec<ProductCard> = loaded
        .products
        .iter()
        .map(|p| loaded.card(p, today))
        .collect();
    let next = Cursor::next(&items, limit, |c| c.id);
    Ok((items, next))
}

/// The status moves of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Supplier: draft/rejected/delisted -> pending_review.
    Submit,
    /// Operator: pending_review -> listed.
    Approve,
    /// Operator: pending_review -> rejected (reason required).
    Reject,
    /// Supplier or operator: listed -> delisted.
    Delist,
}

/// Moves a product on, audited with the reason.
///
/// # Errors
/// 404/403; 409 `invalid_state` or `supplier_not_approved`; 422 when a reason, a SKU or an
/// image is missing.
pub async fn transition(
    state: &AppState,
    actor: &Actor,
    id: i64,
    mv: Move,
    reason: Option<String>,
) -> Result<ManagedProduct, AppError> {
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    let current = match mv {
        Move::Submit => load_owned(&state.db, actor, id, WRITERS).await?,
        Move::Approve | Move::Reject => {
            authz::require_operator(actor)?;
            products::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .ok_or(AppError::NotFound)?
        }
        Move::Delist => load_owned(&state.db, actor, id, WRITERS).await?,
    };
    let from = current.status;
    let (allowed, to): (&[ProductStatus], ProductStatus) = match mv {
        Move::Submit => (
            &[
                ProductStatus::Draft,
                ProductStatus::Rejected,
                ProductStatus::Delisted,
            ],
            ProductStatus::PendingReview,
        ),
        Move::Approve => (&[ProductStatus::PendingReview], ProductStatus::Listed),
        Move::Reject => (&[ProductStatus::PendingReview], ProductStatus::Rejected),
        Move::Delist => (&[ProductStatus::Listed], ProductStatus::Delisted),
    };
    if !allowed.contains(&from) {
        return Err(AppError::new(
            ErrorCode::InvalidState,
            format!("当前状态（{from}）不能执行此操作 / not allowed from status {from}"),
        ));
    }
    if mv == Move::Reject && reason.is_none() {
        return Err(FieldErrors::single(
            "reason",
            FieldCode::Required,
            "请填写驳回原因 / a reason is required",
        ));
    }
    let txn = begin_write(&state.db).await?;
    if matches!(mv, Move::Submit | Move::Approve) {
        let approved = supplier_profiles::Entity::find_by_id(current.supplier_org_id)
            .one(&txn)
            .await?
            .is_some_and(|p| p.status == SupplierStatus::Approved);
        if !approved {
            return Err(AppError::new(
                ErrorCode::SupplierNotApproved,
                "供应商尚未通过准入，不能上架 / the supplier is not admitted",
            ));
        }
        let mut errors = FieldErrors::new();
        let skus = product_skus::Entity::find()
            .filter(product_skus::Column::ProductId.eq(id))
            .filter(product_skus::Column::Active.eq(true))
            .count(&txn)
            .await?;
        if skus == 0 {
            errors.add(
                "skus",
                FieldCode::Required,
                "至少需要一个规格 / at least one SKU",
            );
        }
        let images = product_images::Entity::find()
            .filter(product_images::Column::ProductId.eq(id))
            .count(&txn)
            .await?;
        if images == 0 {
            errors.add(
                "images",
                FieldCode::Required,
                "至少需要一张图片 / at least one image",
            );
        }
        errors.into_result()?;
    }
    let now = Utc::now();
    let mut active = current.clone().into_active_model();
    active.status = Set(to);
    active.updated_at = Set(now);
    match mv {
        Move::Reject => active.review_reason = Set(reason.clone()),
        Move::Approve => {
            active.review_reason = Set(None);
            if current.listed_at.is_none() {
                active.listed_at = Set(Some(now));
            }
        }
        _ => {}
    }
    active.update(&txn).await?;
    super::touch_products(&txn, &[id]).await?;
    let action = match mv {
        Move::Submit => "product.submit",
        Move::Approve => "product.approve",
        Move::Reject => "product.reject",
        Move::Delist => "product.delist",
    };
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new(action, "product", id)
            .before(serde_json::json!({"status": from}))
            .after(serde_json::json!({"status": to}))
            .reason(reason),
    )
    .await?;
    txn.commit().await?;
    if matches!(mv, Move::Approve | Move::Delist) {
        state.catalog.changed(state).await;
    }
    get(state, actor, id).await
}

/// Sets or changes a SKU's stock at once (audited). A difference is applied with one
/// conditional update, so concurrent changes never drive stock below zero.
///
/// # Errors
/// 404/403; 409 `insufficient_stock`; 422 for a missing or negative value.
pub async fn change_stock(
    state: &AppState,
    actor: &Actor,
    sku_id: i64,
    change: StockChange,
) -> Result<StockLevel, AppError> {
    let sku = product_skus::Entity::find_by_id(sku_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let product = load_owned(&state.db, actor, sku.product_id, WRITERS).await?;
    let txn = begin_write(&state.db).await?;
    let before = product_skus::Entity::find_by_id(sku_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?
        .stock;
    let result = match (change.set, change.delta) {
        (Some(level), None) if (0..=limits::MAX_STOCK).contains(&level) => {
            product_skus::Entity::update_many()
                .col_expr(
                    product_skus::Column::Stock,
                    sea_orm::sea_query::Expr::value(level),
                )
                .col_expr(
                    product_skus::Column::UpdatedAt,
                    sea_orm::sea_query::Expr::value(Utc::now()),
                )
                .filter(product_skus::Column::Id.eq(sku_id))
                .exec(&txn)
                .await?
        }
        (Some(_), None) => {
            return Err(FieldErrors::single(
                "set",
                FieldCode::OutOfRange,
                "库存应为0至1亿 / 0 to 100,000,000",
            ));
        }
        (None, Some(delta)) if delta.unsigned_abs() > limits::MAX_STOCK.unsigned_abs() => {
            return Err(FieldErrors::single(
                "delta",
                FieldCode::OutOfRange,
                "库存变化量应在±1亿之内 / within ±100,000,000",
            ));
        }
        (None, Some(delta))
            if before
                .checked_add(delta)
                .is_none_or(|n| n > limits::MAX_STOCK) =>
        {
            return Err(FieldErrors::single(
                "delta",
                FieldCode::OutOfRange,
                "变更后库存将超过1亿 / the level would exceed 100,000,000",
            ));
        }
        (None, Some(delta)) => {
            use sea_orm::sea_query::{Expr, ExprTrait};
            product_skus::Entity::update_many()
                .col_expr(
                    product_skus::Column::Stock,
                    Expr::col(product_skus::Column::Stock).add(delta),
                )
                .col_expr(product_skus::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(product_skus::Column::Id.eq(sku_id))
                // Compared with bounds computed here (|delta| <= MAX_STOCK): no sum in SQL
                // can overflow, and the level stays within 0..=MAX_STOCK.
                .filter(Expr::col(product_skus::Column::Stock).gte(-delta))
                .filter(Expr::col(product_skus::Column::Stock).lte(limits::MAX_STOCK - delta))
                .exec(&txn)
                .await?
        }
        _ => {
            return Err(FieldErrors::single(
                "set",
                FieldCode::InvalidStockChange,
                "请给出新的库存量（不小于0）或变化量 / give `set` (>= 0) or `delta`",
            ));
        }
    };
    if result.rows_affected != 1 {
        return Err(AppError::new(
            ErrorCode::InsufficientStock,
            "库存不足 / not enough stock",
        ));
    }
    let after = product_skus::Entity::find_by_id(sku_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?
        .stock;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("sku.stock", "sku", sku_id)
            .before(serde_json::json!({"stock": before}))
            .after(serde_json::json!({"stock": after}))
            .reason(change.reason),
    )
    .await?;
    // Only a change between none and some affects what lists show.
    let listed = product.status == ProductStatus::Listed;
    if (before == 0) != (after == 0) {
        super::touch_products(&txn, &[product.id]).await?;
    }
    txn.commit().await?;
    if listed {
        state.catalog.changed(state).await;
    }
    Ok(StockLevel {
        sku_id,
        stock: after,
    })
}
