//! Saved lists (常购清单): a buying organisation's usual SKUs and quantities, made by hand or
//! from one of its orders, and loaded into the order form (which checks and prices them as
//! any typed line).

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::dto::{SaveList, SavedList, SavedListItem};
use super::orders::{self, BUYERS, MAX_QTY};
use super::units::{self, holds};
use crate::audit::{self, AuditEvent};
use crate::auth::Actor;
use crate::catalog::model::ProductStatus;
use crate::catalog::view;
use crate::db::begin_write;
use crate::entities::{product_skus, saved_list_items, saved_lists};
use crate::error::{AppError, ErrorCode, FieldCode, FieldErrors};

/// Items of one list, at most.
pub const MAX_ITEMS: usize = 500;
/// Lists of one organisation, at most.
pub const MAX_LISTS: u64 = 100;

/// The organisation's lists (anyone who may read the unit).
///
/// # Errors
/// 404 for anyone else.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    org_id: i64,
) -> Result<Vec<SavedList>, AppError> {
    let org = units::buyer_org(db, org_id).await?;
    if !units::may_read_unit(actor, &org) {
        return Err(AppError::NotFound);
    }
    let rows = saved_lists::Entity::find()
        .filter(saved_lists::Column::OrgId.eq(org_id))
        .order_by_desc(saved_lists::Column::UpdatedAt)
        .order_by_desc(saved_lists::Column::Id)
        .all(db)
        .await?;
    views(db, rows).await
}

/// Creates a list (the organisation's buyers).
///
/// # Errors
/// 404; 403; 422 for a bad name (or one already used), item or order.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    org_id: i64,
    req: SaveList,
) -> Result<SavedList, AppError> {
    writable_org(db, actor, org_id).await?;
    let items = items_of(db, actor, org_id, &req).await?;
    let txn = begin_write(db).await?;
    let count = saved_lists::Entity::find()
        .filter(saved_lists::Column::OrgId.eq(org_id))
        .all(&txn)
        .await?
        .len();
    if u64::try_from(count).unwrap_or(u64::MAX) >= MAX_LISTS {
        return Err(FieldErrors::single(
            "name",
            FieldCode::TooMany,
            format!("最多 {MAX_LISTS} 个清单 / at most {MAX_LISTS} lists"),
        ));
    }
    let now = Utc::now();
    let saved = saved_lists::ActiveModel {
        org_id: Set(org_id),
        name: Set(req.name.trim().to_owned()),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(name_taken)?;
    write_items(&txn, saved.id, &items).await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("saved_list.create", "saved_list", saved.id).after(items.len()),
    )
    .await?;
    txn.commit().await?;
    views(db, vec![saved])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Replaces a list's name and items (the organisation's buyers).
///
/// # Errors
/// 404; 403; 422 (a name already used too).
pub async fn replace(
    db: &DatabaseConnection,
    actor: &Actor,
    list_id: i64,
    req: SaveList,
) -> Result<SavedList, AppError> {
    let row = readable(db, actor, list_id).await?;
    writable_org(db, actor, row.org_id).await?;
    let items = items_of(db, actor, row.org_id, &req).await?;
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let saved = saved_lists::ActiveModel {
        id: Set(row.id),
        name: Set(req.name.trim().to_owned()),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await
    .map_err(name_taken)?;
    saved_list_items::Entity::delete_many()
        .filter(saved_list_items::Column::ListId.eq(row.id))
        .exec(&txn)
        .await?;
    write_items(&txn, row.id, &items).await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("saved_list.replace", "saved_list", row.id).after(items.len()),
    )
    .await?;
    txn.commit().await?;
    views(db, vec![saved])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Deletes a list (the organisation's buyers).
///
/// # Errors
/// 404; 403.
pub async fn delete(db: &DatabaseConnection, actor: &Actor, list_id: i64) -> Result<(), AppError> {
    let row = readable(db, actor, list_id).await?;
    writable_org(db, actor, row.org_id).await?;
    let txn = begin_write(db).await?;
    saved_list_items::Entity::delete_many()
        .filter(saved_list_items::Column::ListId.eq(row.id))
        .exec(&txn)
        .await?;
    saved_lists::Entity::delete_by_id(row.id).exec(&txn).await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("saved_list.delete", "saved_list", row.id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn readable(
    db: &DatabaseConnection,
    actor: &Actor,
    list_id: i64,
) -> Result<saved_lists::Model, AppError> {
    let row = saved_lists::Entity::find_by_id(list_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let org = units::buyer_org(db, row.org_id).await?;
    if units::may_read_unit(actor, &org) {
        Ok(row)
    } else {
        Err(AppError::NotFound)
    }
}

async fn writable_org(db: &DatabaseConnection, actor: &Actor, org_id: i64) -> Result<(), AppError> {
    let org = units::buyer_org(db, org_id).await?;
    if !units::may_read_unit(actor, &org) {
        return Err(AppError::NotFound);
    }
    if !holds(actor, org_id, BUYERS) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有本单位采购员可以维护常购清单 / only the unit's buyers keep saved lists",
        ));
    }
    Ok(())
}

fn name_taken(e: sea_orm::DbErr) -> AppError {
    if crate::error::is_unique_violation(&e, "uq_saved_lists_org_id_name") {
        FieldErrors::single(
            "name",
            FieldCode::AlreadyExists,
            "已有同名清单 / a list with this name exists",
        )
    } else {
        e.into()
    }
}

/// The items a request asks for, checked: typed ones (existing SKUs, quantities in range, no
/// SKU twice) or an order of the organisation's (its SKU lines, quantities summed per SKU).
async fn items_of(
    db: &DatabaseConnection,
    actor: &Actor,
    org_id: i64,
    req: &SaveList,
) -> Result<Vec<(i64, i32)>, AppError> {
    let mut errors = FieldErrors::new();
    if !(1..=50).contains(&req.name.trim().chars().count()) {
        errors.add(
            "name",
            FieldCode::NameLength,
            "清单名称为 1-50 字 / 1-50 characters",
        );
    }
    let mut items: Vec<(i64, i32)> = Vec::new();
    if let Some(order_id) = req.from_order_id {
        let order = orders::readable(db, actor, order_id).await?;
        if order.buyer_org_id != org_id {
            return Err(AppError::NotFound);
        }
        for l in orders::lines_of(db, &[order_id]).await? {
            let Some(sku) = l.sku_id else { continue };
            match items.iter_mut().find(|(s, _)| *s == sku) {
                Some(item) => item.1 = item.1.saturating_add(l.ordered_qty),
                None => items.push((sku, l.ordered_qty)),
            }
        }
        if items.is_empty() {
            errors.add(
                "from_order_id",
                FieldCode::NotApplicable,
                "该订单没有目录商品行 / the order has no catalogue lines",
            );
        }
    } else {
        if req.items.is_empty() || req.items.len() > MAX_ITEMS {
            errors.add(
                "items",
                FieldCode::TooMany,
                format!("清单为 1-{MAX_ITEMS} 项 / 1-{MAX_ITEMS} items"),
            );
        }
        let ids: Vec<i64> = req.items.iter().map(|i| i.sku_id).collect();
        let known: Vec<i64> = product_skus::Entity::find()
            .filter(product_skus::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect();
        for (i, item) in req.items.iter().enumerate() {
            if !known.contains(&item.sku_id) {
                errors.add(
                    &format!("items[{i}].sku_id"),
                    FieldCode::UnknownSku,
                    "未知的商品规格 / unknown SKU",
                );
            }
            if !(1..=MAX_QTY).contains(&item.quantity) {
                errors.add(
                    &format!("items[{i}].quantity"),
                    FieldCode::OutOfRange,
                    format!("数量须为 1-{MAX_QTY} / 1-{MAX_QTY}"),
                );
            }
            if items.iter().any(|(s, _)| *s == item.sku_id) {
                errors.add(
                    &format!("items[{i}].sku_id"),
                    FieldCode::Duplicate,
                    "同一规格只能出现一次 / each SKU once",
                );
            }
            items.push((item.sku_id, i32::try_from(item.quantity).unwrap_or(1)));
        }
    }
    errors.into_result()?;
    Ok(items)
}

async fn write_items(
    conn: &impl ConnectionTrait,
    list_id: i64,
    items: &[(i64, i32)],
) -> Result<(), AppError> {
    if items.is_empty() {
        return Ok(());
    }
    saved_list_items::Entity::insert_many(items.iter().enumerate().map(|(i, (sku, qty))| {
        saved_list_items::ActiveModel {
            list_id: Set(list_id),
            sku_id: Set(*sku),
            quantity: Set(*qty),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
        }
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

async fn views(
    conn: &impl ConnectionTrait,
    rows: Vec<saved_lists::Model>,
) -> Result<Vec<SavedList>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let items = saved_list_items::Entity::find()
        .filter(saved_list_items::Column::ListId.is_in(ids))
        .order_by_asc(saved_list_items::Column::Position)
        .all(conn)
        .await?;
    let sku_ids: Vec<i64> = items.iter().map(|i| i.sku_id).collect();
    let skus = crate::catalog::stock::skus(conn, &sku_ids).await?;
    let mut product_ids: Vec<i64> = skus.values().map(|s| s.product_id).collect();
    product_ids.sort_unstable();
    product_ids.dedup();
    let docs = view::docs(conn, &product_ids).await?;
    let names: HashMap<i64, (String, bool)> = docs
        .iter()
        .map(|(id, d)| {
            (
                *id,
                (
                    d.doc.detail.card.name.clone(),
                    d.status == ProductStatus::Listed,
                ),
            )
        })
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| SavedList {
            id: r.id,
            org_id: r.org_id,
            name: r.name,
            updated_at: r.updated_at,
            items: items
                .iter()
                .filter(|i| i.list_id == r.id)
                .map(|i| {
                    let sku = skus.get(&i.sku_id);
                    let (name, listed) = sku
                        .and_then(|s| names.get(&s.product_id).cloned())
                        .unwrap_or_default();
                    SavedListItem {
                        sku_id: i.sku_id,
                        quantity: i.quantity,
                        product_name: name,
                        spec: sku.map(|s| s.spec.clone()).unwrap_or_default(),
                        unit: sku.map(|s| s.unit.clone()).unwrap_or_default(),
                        price_fen: sku.map_or(0, |s| s.price_fen),
                        available: listed && sku.is_some_and(|s| s.active),
                    }
                })
                .collect(),
        })
        .collect())
}
