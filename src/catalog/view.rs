//! The product read model: [`refresh`] rewrites the documents of changed products inside the
//! transaction of the change; [`read`] fetches documents with current stock in one statement.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, Value,
};

use super::doc::ProductDoc;
use super::model::ProductStatus;
use super::read;
use crate::entities::{product_views, products};
use crate::error::AppError;

/// Rewrites the documents of `ids` (in chunks).
///
/// # Errors
/// Database errors.
pub async fn refresh(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<(), AppError> {
    for chunk in ids.chunks(500) {
        let loaded = read::load(conn, chunk, true).await?;
        let now = Utc::now();
        let rows: Vec<product_views::ActiveModel> = loaded
            .products
            .iter()
            .map(|p| {
                let doc = serde_json::to_string(&loaded.doc(p))
                    .map_err(|e| AppError::Internal(e.into()))?;
                Ok(product_views::ActiveModel {
                    product_id: Set(p.id),
                    status: Set(p.status),
                    version: Set(p.version),
                    doc: Set(doc),
                    updated_at: Set(now),
                })
            })
            .collect::<Result<_, AppError>>()?;
        if rows.is_empty() {
            continue;
        }
        product_views::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(product_views::Column::ProductId)
                    .update_columns([
                        product_views::Column::Status,
                        product_views::Column::Version,
                        product_views::Column::Doc,
                        product_views::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Writes the documents of products that have none (after an upgrade, or bulk seeding).
///
/// # Errors
/// Database errors.
pub async fn backfill(conn: &impl ConnectionTrait) -> Result<usize, AppError> {
    let have: std::collections::HashSet<i64> = product_views::Entity::find()
        .select_only()
        .column(product_views::Column::ProductId)
        .into_tuple::<i64>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let missing: Vec<i64> = products::Entity::find()
        .select_only()
        .column(products::Column::Id)
        .into_tuple::<i64>()
        .all(conn)
        .await?
        .into_iter()
        .filter(|id| !have.contains(id))
        .collect();
    refresh(conn, &missing).await?;
    Ok(missing.len())
}

#[derive(Debug, FromQueryResult)]
struct Row {
    product_id: i64,
    status: Option<ProductStatus>,
    doc: Option<String>,
    sku_id: Option<i64>,
    stock: Option<i64>,
}

/// A stored document as text, with its status and current stock per SKU.
#[derive(Debug)]
pub struct Stored {
    /// Product id.
    pub product_id: i64,
    /// Product status when the document was written.
    pub status: ProductStatus,
    /// The document's JSON.
    pub text: String,
    /// Units in stock per active SKU, now.
    pub stock: HashMap<i64, i64>,
}

/// A document read back, with its status and current stock per SKU.
#[derive(Debug)]
pub struct Viewed {
    /// Product status when the document was written.
    pub status: ProductStatus,
    /// The document.
    pub doc: ProductDoc,
    /// Units in stock per active SKU, now.
    pub stock: HashMap<i64, i64>,
}

/// Documents of `ids` as text with current stock, in the order of `ids`: one statement, the
/// documents and the stock rows of their active SKUs in one union (cheaper for PostgreSQL
/// than aggregating the stock into each document's row).
///
/// # Errors
/// Database errors.
pub async fn read_stored(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<Stored>, AppError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let list = list.join(", ");
    let sql = format!(
        "SELECT v.product_id, v.status, v.doc, CAST(NULL AS BIGINT) AS sku_id, CAST(NULL AS BIGINT) AS stock \
           FROM product_views v WHERE v.product_id IN ({list}) \
         UNION ALL \
         SELECT s.product_id, NULL, NULL, s.id, s.stock \
           FROM product_skus s WHERE s.product_id IN ({list}) AND s.active"
    );
    let values: Vec<Value> = ids.iter().map(|id| (*id).into()).collect();
    let rows = Row::find_by_statement(crate::db::statement(
        conn.get_database_backend(),
        &sql,
        values,
    ))
    .all(conn)
    .await?;
    let mut stock: HashMap<i64, HashMap<i64, i64>> = HashMap::new();
    let mut docs: HashMap<i64, (ProductStatus, String)> = HashMap::new();
    for r in rows {
        if let Some(doc) = r.doc {
            let status = r.status.ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("product view {}: no status", r.product_id))
            })?;
            docs.insert(r.product_id, (status, doc));
        } else if let Some(sku) = r.sku_id {
            stock
                .entry(r.product_id)
                .or_default()
                .insert(sku, r.stock.unwrap_or(0));
        }
    }
    Ok(ids
        .iter()
        .filter_map(|id| {
            let (status, text) = docs.remove(id)?;
            Some(Stored {
                product_id: *id,
                status,
                text,
                stock: stock.remove(id).unwrap_or_default(),
            })
        })
        .collect())
}

/// Documents of `ids` with current stock, in the order of `ids`: one statement.
///
/// # Errors
/// Database errors; 500 for an unreadable document.
pub async fn read(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<Viewed>, AppError> {
    read_stored(conn, ids)
        .await?
        .into_iter()
        .map(|s| {
            Ok(Viewed {
                doc: parse(s.product_id, &s.text)?,
                status: s.status,
                stock: s.stock,
            })
        })
        .collect()
}

/// Reads a stored document; 500 when it is unreadable.
fn parse(product_id: i64, text: &str) -> Result<ProductDoc, AppError> {
    serde_json::from_str(text).map_err(|e| unreadable(product_id, &e))
}

/// The error for a stored document that does not read as one (a 500: documents are written
/// by this code only).
#[must_use]
pub fn unreadable(product_id: i64, err: &serde_json::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("product view {product_id}: {err}"))
}

/// A document with the product status it was written under (no stock).
#[derive(Debug, Clone)]
pub struct Shelved {
    /// Product status when the document was written.
    pub status: ProductStatus,
    /// The document.
    pub doc: ProductDoc,
}

/// Documents of `ids` by product id, without stock: one statement. For checkout, which reads
/// stock and prices from the SKU rows it decrements.
///
/// # Errors
/// Database errors; 500 for an unreadable document.
pub async fn docs(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, Shelved>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    product_views::Entity::find()
        .filter(product_views::Column::ProductId.is_in(ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| {
            let doc = parse(v.product_id, &v.doc)?;
            Ok((
                v.product_id,
                Shelved {
                    status: v.status,
                    doc,
                },
            ))
        })
        .collect()
}

/// Ids of the products of a supplier.
///
/// # Errors
/// Database errors.
pub async fn ids_of_supplier(
    conn: &impl ConnectionTrait,
    org_id: i64,
) -> Result<Vec<i64>, AppError> {
    Ok(products::Entity::find()
        .select_only()
        .column(products::Column::Id)
        .filter(products::Column::SupplierOrgId.eq(org_id))
        .into_tuple()
        .all(conn)
        .await?)
}
