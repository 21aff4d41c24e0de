//! Requests for quote (询价) and quotes (报价): a buyer asks one or several suppliers for
//! prices of listed SKUs or free-text items; each supplier answers with a price per item, a
//! validity date and delivery terms; the buyer accepts one quote, which is placed as an order
//! through the same step as an order form (`orders::place`) with the quoted prices frozen
//! on its lines. A supplier sees only requests addressed to it and only its own quote.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::dto::{
    AwardQuote, NewQuote, NewRfq, Placed, QuoteItem, Rfq, RfqItem, RfqQuery, RfqSupplier,
    SupplierChoice, SupplierQuote,
};
use super::model::{PriceSource, QuoteStatus, RfqStatus};
use super::orders::{self, BUYERS, MAX_QTY, PlaceRules, Placement, Placing, SUPPLIER_STAFF};
use super::units::{self, holds};
use crate::audit::{self, AuditEvent};
use crate::auth::Actor;
use crate::auth::model::{OrgKind, OrgStatus, Role};
use crate::catalog::model::ProductStatus;
use crate::catalog::stock::{self, FrozenFacts};
use crate::catalog::view;
use crate::db::begin_write;
use crate::domain::Phone;
use crate::entities::{
    bulk_orders, organizations, product_skus, quote_items, quotes, rfq_items, rfq_suppliers, rfqs,
};
use crate::error::{AppError, ErrorCode, FieldCode, FieldErrors};

/// Items of one request, at most.
pub const MAX_ITEMS: usize = 200;
/// Suppliers asked by one request, at most.
pub const MAX_SUPPLIERS: usize = 10;
/// Highest unit price a quote may carry, fen (1,000,000 yuan).
pub const MAX_PRICE_FEN: i64 = 100_000_000;

/// Who is looking at a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Viewer {
    /// The buying side (its staff, supervisor, operators, regulators): everything.
    Buyer,
    /// An addressed supplier: its own row and quote.
    Supplier(i64),
}

fn wrong_state(message: &str) -> AppError {
    AppError::new(ErrorCode::InvalidState, message.to_owned())
}

/// How the actor may see the request, if at all.
async fn viewer_of(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    rfq: &rfqs::Model,
) -> Result<Option<Viewer>, AppError> {
    let org = units::buyer_org(conn, rfq.buyer_org_id).await?;
    if units::may_read_unit(actor, &org) {
        return Ok(Some(Viewer::Buyer));
    }
    let addressed: Vec<i64> = rfq_suppliers::Entity::find()
        .select_only()
        .column(rfq_suppliers::Column::SupplierOrgId)
        .filter(rfq_suppliers::Column::RfqId.eq(rfq.id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(addressed
        .into_iter()
        .find(|s| holds(actor, *s, SUPPLIER_STAFF))
        .map(Viewer::Supplier))
}

async fn readable(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<(rfqs::Model, Viewer), AppError> {
    let rfq = rfqs::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    match viewer_of(conn, actor, &rfq).await? {
        Some(v) => Ok((rfq, v)),
        None => Err(AppError::NotFound),
    }
}

/// Active suppliers, by name, for a buyer choosing whom to ask (anyone who buys for an
/// organisation, operators).
///
/// # Errors
/// 403 for anyone else.
pub async fn suppliers(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<SupplierChoice>, AppError> {
    if !actor.is_operator() && !actor.grants.iter().any(|g| BUYERS.contains(&g.role)) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有采购员可以查看供应商名录 / for buyers",
        ));
    }
    Ok(organizations::Entity::find()
        .filter(organizations::Column::Kind.eq(OrgKind::Supplier))
        .filter(organizations::Column::Status.eq(OrgStatus::Active))
        .order_by_asc(organizations::Column::Name)
        .limit(500)
        .all(db)
        .await?
        .into_iter()
        .map(|o| SupplierChoice {
            org_id: o.id,
            name: o.name,
            region_code: o.region_code,
        })
        .collect())
}

/// Sends a request for quote (the organisation's buyers).
///
/// # Errors
/// 404/403 for the organisation; 422 for a bad title, deadline, item or supplier (a listed
/// SKU can be quoted only by its own supplier).
pub async fn create(db: &DatabaseConnection, actor: &Actor, req: NewRfq) -> Result<Rfq, AppError> {
    let org = orders::buying_org(db, actor, req.buyer_org_id).await?;
    let now = Utc::now();
    let today = crate::time::business_date(now);
    let mut errors = FieldErrors::new();
    if !(2..=100).contains(&req.title.trim().chars().count()) {
        errors.add(
            "title",
            FieldCode::NameLength,
            "标题为 2-100 字 / 2-100 characters",
        );
    }
    if req.deadline <= now || req.deadline > now + Duration::days(30) {
        errors.add(
            "deadline",
            FieldCode::OutOfRange,
            "报价截止时间须在今后 30 天内 / the deadline must be within the next 30 days",
        );
    }
    if req.wanted_date.is_some_and(|d| d < today) {
        errors.add(
            "wanted_date",
            FieldCode::OutOfRange,
            "期望送达日期早于今天 / the wanted date is in the past",
        );
    }
    if req.note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        errors.add(
            "note",
            FieldCode::TooLong,
            "备注最多 500 字 / at most 500 characters",
        );
    }
    if req.items.is_empty() || req.items.len() > MAX_ITEMS {
        errors.add(
            "items",
            FieldCode::TooMany,
            format!("询价为 1-{MAX_ITEMS} 项 / 1-{MAX_ITEMS} items"),
        );
    }
    let mut suppliers: Vec<i64> = Vec::new();
    for s in &req.supplier_org_ids {
        if !suppliers.contains(s) {
            suppliers.push(*s);
        }
    }
    if suppliers.is_empty() || suppliers.len() > MAX_SUPPLIERS {
        errors.add(
            "supplier_org_ids",
            FieldCode::TooMany,
            format!("询价对象为 1-{MAX_SUPPLIERS} 家供应商 / 1-{MAX_SUPPLIERS} suppliers"),
        );
    }
    let known: HashSet<i64> = organizations::Entity::find()
        .filter(organizations::Column::Id.is_in(suppliers.clone()))
        .filter(organizations::Column::Kind.eq(OrgKind::Supplier))
        .filter(organizations::Column::Status.eq(OrgStatus::Active))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    for (i, s) in suppliers.iter().enumerate() {
        if !known.contains(s) {
            errors.add(
                &format!("supplier_org_ids[{i}]"),
                FieldCode::UnknownSupplier,
                "不是在营的供应商 / not an active supplier",
            );
        }
    }
    // Listed items: the SKU, its product's document (name, supplier, status).
    let sku_ids: Vec<i64> = req.items.iter().filter_map(|i| i.sku_id).collect();
    let skus = stock::skus(db, &sku_ids).await?;
    let product_ids: Vec<i64> = skus.values().map(|s| s.product_id).collect();
    let docs = view::docs(db, &product_ids).await?;
    let mut items: Vec<rfq_items::ActiveModel> = Vec::new();
    for (i, item) in req.items.iter().enumerate() {
        let field = |f: &str| format!("items[{i}].{f}");
        if !(1..=MAX_QTY).contains(&item.quantity) {
            errors.add(
                &field("quantity"),
                FieldCode::OutOfRange,
                format!("数量须为 1-{MAX_QTY} / 1-{MAX_QTY}"),
            );
        }
        if item.note.as_ref().is_some_and(|n| n.chars().count() > 200) {
            errors.add(
                &field("note"),
                FieldCode::TooLong,
                "说明最多 200 字 / at most 200 characters",
            );
        }
        let (name, spec, unit) = if let Some(id) = item.sku_id {
            let found = skus.get(&id).and_then(|s| {
                docs.get(&s.product_id)
                    .filter(|d| d.status == ProductStatus::Listed && s.active)
                    .map(|d| (s, d))
            });
            let Some((sku, doc)) = found else {
                errors.add(
                    &field("sku_id"),
                    FieldCode::UnknownSku,
                    "不是在售的商品规格 / not a listed SKU",
                );
                continue;
            };
            let owner = doc.doc.detail.card.supplier.id;
            if suppliers.iter().any(|s| *s != owner) {
                errors.add(
                    &field("sku_id"),
                    FieldCode::NotApplicable,
                    "目录商品只能向其供应商询价 / a listed SKU is quoted by its own supplier",
                );
            }
            (
                doc.doc.detail.card.name.clone(),
                sku.spec.clone(),
                sku.unit.clone(),
            )
        } else {
            let name = item.name.as_deref().map(str::trim).unwrap_or_default();
            let spec = item.spec.as_deref().map(str::trim).unwrap_or_default();
            let unit = item.unit.as_deref().map(str::trim).unwrap_or_default();
            if !(1..=100).contains(&name.chars().count()) {
                errors.add(
                    &field("name"),
                    FieldCode::NameLength,
                    "品名为 1-100 字 / 1-100 characters",
                );
            }
            if spec.chars().count() > 50 {
                errors.add(
                    &field("spec"),
                    FieldCode::SpecLength,
                    "规格最多 50 字 / at most 50 characters",
                );
            }
            if !(1..=10).contains(&unit.chars().count()) {
                errors.add(
                    &field("unit"),
                    FieldCode::UnitLength,
                    "单位为 1-10 字 / 1-10 characters",
                );
            }
            (name.to_owned(), spec.to_owned(), unit.to_owned())
        };
        items.push(rfq_items::ActiveModel {
            line_no: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
            sku_id: Set(item.sku_id),
            name: Set(name),
            spec: Set(spec),
            unit: Set(unit),
            quantity: Set(i32::try_from(item.quantity.clamp(1, MAX_QTY)).unwrap_or(1)),
            note: Set(item.note.clone().filter(|n| !n.trim().is_empty())),
            ..Default::default()
        });
    }
    errors.into_result()?;
    let txn = begin_write(db).await?;
    let saved = rfqs::ActiveModel {
        rfq_no: Set(format!("tmp-{}", uuid::Uuid::new_v4().simple())),
        buyer_org_id: Set(org.id),
        created_by: Set(actor.user_id),
        title: Set(req.title.trim().to_owned()),
        status: Set(RfqStatus::Open),
        deadline: Set(req.deadline),
        wanted_date: Set(req.wanted_date),
        note: Set(req.note.clone().filter(|n| !n.trim().is_empty())),
        awarded_quote_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    rfqs::Entity::update_many()
        .col_expr(
            rfqs::Column::RfqNo,
            Expr::value(format!("RFQ{}{:06}", today.format("%Y%m%d"), saved.id)),
        )
        .filter(rfqs::Column::Id.eq(saved.id))
        .exec(&txn)
        .await?;
    for mut item in items {
        item.rfq_id = Set(saved.id);
        item.insert(&txn).await?;
    }
    for s in &suppliers {
        rfq_suppliers::ActiveModel {
            rfq_id: Set(saved.id),
            supplier_org_id: Set(*s),
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("rfq.create", "rfq", saved.id).after(suppliers.len()),
    )
    .await?;
    txn.commit().await?;
    view_one(db, saved.id, Viewer::Buyer).await
}

/// Requests the actor may see, newest first (at most 200): of the organisations they buy
/// for, addressed to their supplier, or all (operators, regulators).
///
/// # Errors
/// Database errors.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    q: RfqQuery,
) -> Result<Vec<Rfq>, AppError> {
    let everything = actor.is_operator() || actor.has_role(Role::Regulator);
    let buying: Vec<i64> = actor
        .grants
        .iter()
        .filter(|g| units::UNIT_STAFF.contains(&g.role) || g.role == Role::UnionAdmin)
        .map(|g| g.org_id)
        .collect();
    let selling: Vec<i64> = actor
        .grants
        .iter()
        .filter(|g| SUPPLIER_STAFF.contains(&g.role))
        .map(|g| g.org_id)
        .collect();
    let addressed: Vec<(i64, i64)> = rfq_suppliers::Entity::find()
        .select_only()
        .column(rfq_suppliers::Column::RfqId)
        .column(rfq_suppliers::Column::SupplierOrgId)
        .filter(rfq_suppliers::Column::SupplierOrgId.is_in(selling))
        .into_tuple()
        .all(db)
        .await?;
    let mut find = rfqs::Entity::find();
    if !everything {
        find = find.filter(
            rfqs::Column::BuyerOrgId
                .is_in(buying.clone())
                .or(rfqs::Column::Id.is_in(addressed.iter().map(|a| a.0).collect::<Vec<_>>())),
        );
    }
    if let Some(s) = q.status {
        find = find.filter(rfqs::Column::Status.eq(s));
    }
    let rows = find
        .order_by_desc(rfqs::Column::Id)
        .limit(200)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let viewer = if everything || buying.contains(&r.buyer_org_id) {
            Viewer::Buyer
        } else if let Some((_, s)) = addressed.iter().find(|a| a.0 == r.id) {
            Viewer::Supplier(*s)
        } else {
            continue;
        };
        out.push(view_one(db, r.id, viewer).await?);
    }
    Ok(out)
}

/// One request as the actor may see it.
///
/// # Errors
/// 404.
pub async fn get(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<Rfq, AppError> {
    let (rfq, viewer) = readable(db, actor, id).await?;
    view_one(db, rfq.id, viewer).await
}

/// An addressed supplier answers (or answers again while the request is open and before
/// its deadline): a price for every item, validity, delivery days, terms.
///
/// # Errors
/// 404; 403 for the buying side; 409 when the request is closed or past its deadline, or the
/// quote was already decided; 422 for a missing or bad price, validity or terms.
pub async fn quote(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    req: NewQuote,
) -> Result<Rfq, AppError> {
    let (rfq, viewer) = readable(db, actor, id).await?;
    let Viewer::Supplier(supplier) = viewer else {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有被询价的供应商可以报价 / only an addressed supplier quotes",
        ));
    };
    let now = Utc::now();
    let today = crate::time::business_date(now);
    if rfq.status != RfqStatus::Open || now > rfq.deadline {
        return Err(wrong_state(
            "询价已截止或已关闭 / the request is closed or past its deadline",
        ));
    }
    let items = rfq_items::Entity::find()
        .filter(rfq_items::Column::RfqId.eq(id))
        .order_by_asc(rfq_items::Column::LineNo)
        .all(db)
        .await?;
    let mut errors = FieldErrors::new();
    if req.valid_until < today || req.valid_until > today + Duration::days(365) {
        errors.add(
            "valid_until",
            FieldCode::OutOfRange,
            "报价有效期须为今天起一年内 / valid from today, for at most a year",
        );
    }
    if !(0..=365).contains(&req.delivery_days) {
        errors.add(
            "delivery_days",
            FieldCode::OutOfRange,
            "交货天数为 0-365 / 0-365 days",
        );
    }
    if req.terms.as_ref().is_some_and(|t| t.chars().count() > 500) {
        errors.add(
            "terms",
            FieldCode::TooLong,
            "条款最多 500 字 / at most 500 characters",
        );
    }
    let mut priced: Vec<(i64, i64, i64)> = Vec::new();
    for (i, q) in req.items.iter().enumerate() {
        let Some(item) = items.iter().find(|x| x.id == q.rfq_item_id) else {
            errors.add(
                &format!("items[{i}].rfq_item_id"),
                FieldCode::UnknownLine,
                "不是本询价的项目 / not an item of this request",
            );
            continue;
        };
        if priced.iter().any(|p| p.0 == item.id) {
            errors.add(
                &format!("items[{i}].rfq_item_id"),
                FieldCode::Duplicate,
                "每项只能报一个价 / one price per item",
            );
            continue;
        }
        if !(1..=MAX_PRICE_FEN).contains(&q.unit_price_fen) {
            errors.add(
                &format!("items[{i}].unit_price_fen"),
                FieldCode::OutOfRange,
                "单价须为 0.01-1,000,000 元 / 0.01-1,000,000 yuan",
            );
            continue;
        }
        priced.push((
            item.id,
            q.unit_price_fen,
            q.unit_price_fen * i64::from(item.quantity),
        ));
    }
    for item in &items {
        if !req.items.iter().any(|q| q.rfq_item_id == item.id) {
            errors.add(
                "items",
                FieldCode::Required,
                format!(
                    "第 {} 项「{}」未报价 / item {} has no price",
                    item.line_no, item.name, item.line_no
                ),
            );
        }
    }
    errors.into_result()?;
    let total: i64 = priced.iter().map(|p| p.2).sum();
    let txn = begin_write(db).await?;
    let existing = quotes::Entity::find()
        .filter(quotes::Column::RfqId.eq(id))
        .filter(quotes::Column::SupplierOrgId.eq(supplier))
        .one(&txn)
        .await?;
    let quote_id = match existing {
        Some(q) if q.status != QuoteStatus::Submitted => {
            return Err(wrong_state("报价已被处理 / the quote was already decided"));
        }
        Some(q) => {
            quotes::ActiveModel {
                id: Set(q.id),
                valid_until: Set(req.valid_until),
                delivery_days: Set(req.delivery_days),
                terms: Set(req.terms.clone().filter(|t| !t.trim().is_empty())),
                total_fen: Set(total),
                created_by: Set(actor.user_id),
                updated_at: Set(now),
                ..Default::default()
            }
            .update(&txn)
            .await?;
            quote_items::Entity::delete_many()
                .filter(quote_items::Column::QuoteId.eq(q.id))
                .exec(&txn)
                .await?;
            q.id
        }
        None => {
            quotes::ActiveModel {
                rfq_id: Set(id),
                supplier_org_id: Set(supplier),
                status: Set(QuoteStatus::Submitted),
                valid_until: Set(req.valid_until),
                delivery_days: Set(req.delivery_days),
                terms: Set(req.terms.clone().filter(|t| !t.trim().is_empty())),
                total_fen: Set(total),
                created_by: Set(actor.user_id),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(|e| {
                if crate::error::is_unique_violation(&e, "uq_quotes_rfq_id_supplier_org_id") {
                    wrong_state("报价正在提交，请刷新 / a quote was just submitted; reload")
                } else {
                    e.into()
                }
            })?
            .id
        }
    };
    for (item, price, line_total) in &priced {
        quote_items::ActiveModel {
            quote_id: Set(quote_id),
            rfq_item_id: Set(*item),
            unit_price_fen: Set(*price),
            line_total_fen: Set(*line_total),
        }
        .insert(&txn)
        .await?;
    }
    // The request must still be open when the quote commits (the buyer may have accepted
    // another one meanwhile).
    let still_open = rfqs::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .is_some_and(|r| r.status == RfqStatus::Open);
    if !still_open {
        return Err(wrong_state("询价已关闭 / the request was closed"));
    }
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("rfq.quote", "quote", quote_id).after(total),
    )
    .await?;
    txn.commit().await?;
    view_one(db, id, viewer).await
}

/// The buyer accepts one valid quote: the request is awarded (once), the other quotes are
/// not selected, and the quote is placed as an order with its prices frozen on the lines
/// (`price_source = quote`), through the order form's own step: the unit's approval rules,
/// the stock of listed SKUs reserved, the confirmation deadline.
///
/// # Errors
/// 404; 403; 409 when the request is not open, the quote is not submitted or has expired,
/// or a listed SKU has not enough stock; 422 for a bad delivery address or note.
pub async fn award(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    req: AwardQuote,
) -> Result<Placed, AppError> {
    let (rfq, viewer) = readable(db, actor, id).await?;
    if viewer != Viewer::Buyer || !holds(actor, rfq.buyer_org_id, BUYERS) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有本单位采购员可以选定报价 / only the unit's buyers accept a quote",
        ));
    }
    let org = units::buyer_org(db, rfq.buyer_org_id).await?;
    let mut errors = FieldErrors::new();
    let d = &req.delivery;
    if !(2..=50).contains(&d.contact.trim().chars().count()) {
        errors.add(
            "delivery.contact",
            FieldCode::NameLength,
            "收货人为 2-50 字 / 2-50 characters",
        );
    }
    errors.check("delivery.phone", Phone::parse(&d.phone));
    if !(5..=200).contains(&d.address.trim().chars().count()) {
        errors.add(
            "delivery.address",
            FieldCode::DetailLength,
            "收货地址为 5-200 字 / 5-200 characters",
        );
    }
    if req.note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        errors.add(
            "note",
            FieldCode::TooLong,
            "备注最多 500 字 / at most 500 characters",
        );
    }
    errors.into_result()?;
    let today = crate::time::business_date(Utc::now());
    let known = PlaceRules::read(db, &org).await?;
    let txn = begin_write(db).await?;
    orders::lock_buyer(&txn, org.id).await?;
    let quote = quotes::Entity::find_by_id(req.quote_id)
        .one(&txn)
        .await?
        .filter(|q| q.rfq_id == id)
        .ok_or(AppError::NotFound)?;
    if quote.status != QuoteStatus::Submitted {
        return Err(wrong_state(
            "该报价不可选定 / this quote cannot be accepted",
        ));
    }
    if quote.valid_until < today {
        return Err(wrong_state("报价已过有效期 / the quote has expired"));
    }
    // Awarded once: the conditional update decides between two racing acceptances.
    let changed = rfqs::Entity::update_many()
        .col_expr(rfqs::Column::Status, Expr::value(RfqStatus::Awarded))
        .col_expr(rfqs::Column::AwardedQuoteId, Expr::value(Some(quote.id)))
        .col_expr(rfqs::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(rfqs::Column::Id.eq(id))
        .filter(rfqs::Column::Status.eq(RfqStatus::Open))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(wrong_state(
            "询价已选定或已关闭 / the request is no longer open",
        ));
    }
    quotes::Entity::update_many()
        .col_expr(
            quotes::Column::Status,
            Expr::value(QuoteStatus::NotSelected),
        )
        .filter(quotes::Column::RfqId.eq(id))
        .filter(quotes::Column::Id.ne(quote.id))
        .filter(quotes::Column::Status.eq(QuoteStatus::Submitted))
        .exec(&txn)
        .await?;
    quotes::Entity::update_many()
        .col_expr(quotes::Column::Status, Expr::value(QuoteStatus::Accepted))
        .filter(quotes::Column::Id.eq(quote.id))
        .exec(&txn)
        .await?;
    let items = rfq_items::Entity::find()
        .filter(rfq_items::Column::RfqId.eq(id))
        .order_by_asc(rfq_items::Column::LineNo)
        .all(&txn)
        .await?;
    let prices: HashMap<i64, i64> = quote_items::Entity::find()
        .filter(quote_items::Column::QuoteId.eq(quote.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|q| (q.rfq_item_id, q.unit_price_fen))
        .collect();
    let sku_ids: Vec<i64> = items.iter().filter_map(|i| i.sku_id).collect();
    let skus = stock::skus(&txn, &sku_ids).await?;
    let product_ids: Vec<i64> = skus.values().map(|s| s.product_id).collect();
    let docs = view::docs(&txn, &product_ids).await?;
    let supplier = organizations::Entity::find_by_id(quote.supplier_org_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut lines = Vec::with_capacity(items.len());
    for item in &items {
        let price = prices
            .get(&item.id)
            .copied()
            .ok_or_else(|| wrong_state("报价缺少项目价格 / the quote misses an item"))?;
        let listed: Option<(product_skus::Model, &view::Shelved)> = item.sku_id.and_then(|id| {
            let sku = skus.get(&id)?;
            docs.get(&sku.product_id).map(|d| (sku.clone(), d))
        });
        let line = match listed {
            Some((sku, d)) => {
                if d.status != ProductStatus::Listed || !sku.active {
                    return Err(wrong_state(&format!(
                        "「{}」已下架 / {} is no longer for sale",
                        item.name, item.name
                    )));
                }
                Placing {
                    product_id: Some(sku.product_id),
                    name: d.doc.detail.card.name.clone(),
                    spec: sku.spec.clone(),
                    unit: sku.unit.clone(),
                    quantity: item.quantity,
                    unit_price_fen: price,
                    price_source: PriceSource::Quote,
                    rfq_item_id: Some(item.id),
                    supplier_org_id: quote.supplier_org_id,
                    category_id: Some(d.doc.detail.category_id),
                    county: Some(d.doc.detail.card.origin.county_code.clone()),
                    facts: stock::freeze(&d.doc.facts, today),
                    wanted_date: rfq.wanted_date,
                    sku: Some(sku),
                }
            }
            // A free-text item is not a listed assistance product: nothing to freeze but
            // where its supplier is.
            None => Placing {
                sku: None,
                product_id: None,
                name: item.name.clone(),
                spec: item.spec.clone(),
                unit: item.unit.clone(),
                quantity: item.quantity,
                unit_price_fen: price,
                price_source: PriceSource::Quote,
                rfq_item_id: Some(item.id),
                supplier_org_id: quote.supplier_org_id,
                category_id: None,
                county: supplier.region_code.clone(),
                facts: FrozenFacts {
                    eligible: false,
                    supplier_approved: false,
                    cert_numbers: Vec::new(),
                    pairing_id: None,
                    helper_code: None,
                    programme: None,
                },
                wanted_date: rfq.wanted_date,
            },
        };
        lines.push(line);
    }
    let ids = orders::place(
        &txn,
        actor,
        &org,
        known,
        lines,
        &Placement {
            delivery: &req.delivery,
            payment_method: None,
            note: req.note.clone().filter(|n| !n.trim().is_empty()),
            key: format!("rfq-{id}"),
            quote: Some((id, quote.id)),
        },
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("rfq.award", "rfq", id).after(quote.id),
    )
    .await?;
    txn.commit().await?;
    Ok(Placed {
        orders: orders::views(db, &ids).await?,
    })
}

/// The buyer cancels an open request; its quotes are not selected.
///
/// # Errors
/// 404; 403; 409 unless it is open.
pub async fn cancel(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<Rfq, AppError> {
    let (rfq, viewer) = readable(db, actor, id).await?;
    if viewer != Viewer::Buyer || !holds(actor, rfq.buyer_org_id, BUYERS) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有本单位采购员可以撤销询价 / only the unit's buyers cancel a request",
        ));
    }
    let txn = begin_write(db).await?;
    let changed = rfqs::Entity::update_many()
        .col_expr(rfqs::Column::Status, Expr::value(RfqStatus::Cancelled))
        .col_expr(rfqs::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(rfqs::Column::Id.eq(id))
        .filter(rfqs::Column::Status.eq(RfqStatus::Open))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(wrong_state("询价不在进行中 / the request is not open"));
    }
    quotes::Entity::update_many()
        .col_expr(
            quotes::Column::Status,
            Expr::value(QuoteStatus::NotSelected),
        )
        .filter(quotes::Column::RfqId.eq(id))
        .filter(quotes::Column::Status.eq(QuoteStatus::Submitted))
        .exec(&txn)
        .await?;
    audit::record(&txn, Some(actor), AuditEvent::new("rfq.cancel", "rfq", id)).await?;
    txn.commit().await?;
    view_one(db, id, viewer).await
}

async fn view_one(conn: &impl ConnectionTrait, id: i64, viewer: Viewer) -> Result<Rfq, AppError> {
    let r = rfqs::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let items = rfq_items::Entity::find()
        .filter(rfq_items::Column::RfqId.eq(id))
        .order_by_asc(rfq_items::Column::LineNo)
        .all(conn)
        .await?;
    let mut addressed: Vec<i64> = rfq_suppliers::Entity::find()
        .select_only()
        .column(rfq_suppliers::Column::SupplierOrgId)
        .filter(rfq_suppliers::Column::RfqId.eq(id))
        .into_tuple()
        .all(conn)
        .await?;
    let mut all_quotes = quotes::Entity::find()
        .filter(quotes::Column::RfqId.eq(id))
        .order_by_asc(quotes::Column::TotalFen)
        .order_by_asc(quotes::Column::Id)
        .all(conn)
        .await?;
    let mut order_find = bulk_orders::Entity::find()
        .select_only()
        .column(bulk_orders::Column::Id)
        .filter(bulk_orders::Column::RfqId.eq(id));
    if let Viewer::Supplier(s) = viewer {
        addressed.retain(|x| *x == s);
        all_quotes.retain(|q| q.supplier_org_id == s);
        order_find = order_find.filter(bulk_orders::Column::SupplierOrgId.eq(s));
    }
    let order_ids: Vec<i64> = order_find.into_tuple().all(conn).await?;
    let quote_ids: Vec<i64> = all_quotes.iter().map(|q| q.id).collect();
    let q_items = quote_items::Entity::find()
        .filter(quote_items::Column::QuoteId.is_in(quote_ids))
        .all(conn)
        .await?;
    let mut org_ids = addressed.clone();
    org_ids.push(r.buyer_org_id);
    let names: HashMap<i64, String> = organizations::Entity::find()
        .filter(organizations::Column::Id.is_in(org_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    Ok(Rfq {
        id: r.id,
        rfq_no: r.rfq_no,
        buyer_org_id: r.buyer_org_id,
        buyer_name: name(r.buyer_org_id),
        title: r.title,
        status: r.status,
        deadline: r.deadline,
        wanted_date: r.wanted_date,
        note: r.note,
        items: items
            .iter()
            .map(|i| RfqItem {
                id: i.id,
                line_no: i.line_no,
                sku_id: i.sku_id,
                name: i.name.clone(),
                spec: i.spec.clone(),
                unit: i.unit.clone(),
                quantity: i.quantity,
                note: i.note.clone(),
            })
            .collect(),
        suppliers: addressed
            .iter()
            .map(|s| RfqSupplier {
                org_id: *s,
                name: name(*s),
                quoted: all_quotes.iter().any(|q| q.supplier_org_id == *s),
            })
            .collect(),
        quotes: all_quotes
            .iter()
            .map(|q| SupplierQuote {
                id: q.id,
                supplier_org_id: q.supplier_org_id,
                supplier_name: name(q.supplier_org_id),
                status: q.status,
                valid_until: q.valid_until,
                delivery_days: q.delivery_days,
                terms: q.terms.clone(),
                total_fen: q.total_fen,
                items: items
                    .iter()
                    .filter_map(|i| {
                        q_items
                            .iter()
                            .find(|x| x.quote_id == q.id && x.rfq_item_id == i.id)
                            .map(|x| QuoteItem {
                                rfq_item_id: x.rfq_item_id,
                                unit_price_fen: x.unit_price_fen,
                                line_total_fen: x.line_total_fen,
                            })
                    })
                    .collect(),
                updated_at: q.updated_at,
            })
            .collect(),
        awarded_quote_id: r.awarded_quote_id,
        order_ids,
        created_at: r.created_at,
    })
}
