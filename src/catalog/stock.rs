//! The catalog's small API for what others do with its SKUs when they sell them: price a line
//! (list price or quantity tier), reserve and release stock, and freeze a line's assistance
//! facts. Member checkout and institutional bulk orders call these same steps; only the
//! catalog writes `product_skus.stock`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::doc::Facts;
use crate::entities::{product_skus, products, sku_price_tiers};
use crate::error::{AppError, ErrorCode};
use crate::regions::model::Programme;

/// The price of one line: the SKU's list price, or the tier with the largest minimum the
/// quantity reaches (tiers are bulk discounts, only ever below the list price).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinePrice {
    /// Unit price, fen.
    pub unit_price_fen: i64,
    /// Whether a tier gave it.
    pub tiered: bool,
}

/// Prices `quantity` of a SKU from its list price and tiers (any order).
#[must_use]
pub fn price(
    sku: &product_skus::Model,
    tiers: &[sku_price_tiers::Model],
    quantity: i32,
) -> LinePrice {
    tiers
        .iter()
        .filter(|t| t.sku_id == sku.id && t.min_qty <= quantity && t.price_fen < sku.price_fen)
        .max_by_key(|t| (t.min_qty, std::cmp::Reverse(t.price_fen)))
        .map_or(
            LinePrice {
                unit_price_fen: sku.price_fen,
                tiered: false,
            },
            |t| LinePrice {
                unit_price_fen: t.price_fen,
                tiered: true,
            },
        )
}

/// The tiers of `sku_ids`, one statement.
///
/// # Errors
/// Database errors.
pub async fn tiers_of(
    conn: &impl ConnectionTrait,
    sku_ids: &[i64],
) -> Result<Vec<sku_price_tiers::Model>, AppError> {
    if sku_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(sku_price_tiers::Entity::find()
        .filter(sku_price_tiers::Column::SkuId.is_in(sku_ids.to_vec()))
        .order_by_asc(sku_price_tiers::Column::SkuId)
        .order_by_asc(sku_price_tiers::Column::MinQty)
        .all(conn)
        .await?)
}

/// Sums quantities per SKU, in SKU order (the one order stock rows are ever locked in, so two
/// reservations over overlapping SKUs cannot deadlock).
fn summed_by_id(items: &[(i64, i64)]) -> BTreeMap<i64, i64> {
    let mut sum: BTreeMap<i64, i64> = BTreeMap::new();
    for (sku, qty) in items {
        *sum.entry(*sku).or_default() += qty;
    }
    sum
}

/// Takes `(sku_id, quantity)` from stock in the caller's transaction: one conditional
/// decrement per SKU, in SKU order, each refused when the stock is short or the SKU inactive.
///
/// # Errors
/// 409 `out_of_stock` naming the SKU by `name_of` (the caller rolls back); database errors.
pub async fn reserve(
    conn: &impl ConnectionTrait,
    items: &[(i64, i64)],
    name_of: impl Fn(i64) -> String,
) -> Result<(), AppError> {
    for (sku, qty) in summed_by_id(items) {
        let taken = product_skus::Entity::update_many()
            .col_expr(
                product_skus::Column::Stock,
                Expr::col(product_skus::Column::Stock).sub(qty),
            )
            .filter(product_skus::Column::Id.eq(sku))
            .filter(product_skus::Column::Active.eq(true))
            .filter(Expr::col(product_skus::Column::Stock).gte(qty))
            .exec(conn)
            .await?;
        if taken.rows_affected != 1 {
            return Err(AppError::new(
                ErrorCode::OutOfStock,
                format!("「{}」库存不足 / out of stock", name_of(sku)),
            ));
        }
    }
    Ok(())
}

/// Gives `(sku_id, quantity)` back to stock (a cancelled, declined or rejected reservation),
/// in SKU order.
///
/// # Errors
/// Database errors.
pub async fn release(conn: &impl ConnectionTrait, items: &[(i64, i64)]) -> Result<(), AppError> {
    for (sku, qty) in summed_by_id(items) {
        if qty <= 0 {
            continue;
        }
        product_skus::Entity::update_many()
            .col_expr(
                product_skus::Column::Stock,
                Expr::col(product_skus::Column::Stock).add(qty),
            )
            .filter(product_skus::Column::Id.eq(sku))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Adds sold quantities to the products' sales counts (`(product_id, quantity)`, shown on
/// the cards), in product order.
///
/// # Errors
/// Database errors.
pub async fn count_sales(conn: &impl ConnectionTrait, sold: &[(i64, i64)]) -> Result<(), AppError> {
    for (product, qty) in summed_by_id(sold) {
        if qty <= 0 {
            continue;
        }
        products::Entity::update_many()
            .col_expr(
                products::Column::SalesCount,
                Expr::col(products::Column::SalesCount).add(qty),
            )
            .filter(products::Column::Id.eq(product))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// A line's assistance facts as they stand on the purchase date, frozen on the line so that
/// later changes (a certificate lapsing, a pairing ending) never move a past purchase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenFacts {
    /// The line counts as an assistance purchase.
    pub eligible: bool,
    /// The supplier was admitted.
    pub supplier_approved: bool,
    /// Certificates valid that day.
    pub cert_numbers: Vec<String>,
    /// The pairing the purchase is attributed to.
    pub pairing_id: Option<i64>,
    /// The helper region of that pairing.
    pub helper_code: Option<String>,
    /// Its programme.
    pub programme: Option<Programme>,
}

/// Freezes `facts` as of `date`.
#[must_use]
pub fn freeze(facts: &Facts, date: NaiveDate) -> FrozenFacts {
    let e = facts.evaluate(date);
    FrozenFacts {
        eligible: e.eligible,
        supplier_approved: e.supplier_approved,
        cert_numbers: e.cert_numbers,
        pairing_id: e.pairing.as_ref().map(|p| p.id),
        helper_code: e.pairing.as_ref().map(|p| p.helper_code.clone()),
        programme: e.pairing.as_ref().map(|p| p.programme),
    }
}

/// The SKUs of `ids` by id, one statement.
///
/// # Errors
/// Database errors.
pub async fn skus(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, product_skus::Model>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(product_skus::Entity::find()
        .filter(product_skus::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sku(price: i64) -> product_skus::Model {
        product_skus::Model {
            id: 7,
            product_id: 1,
            spec: "5kg".into(),
            price_fen: price,
            unit: "箱".into(),
            weight_grams: 5000,
            stock: 100,
            min_order_qty: 1,
            position: 0,
            active: true,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    fn tier(id: i64, min_qty: i32, price_fen: i64) -> sku_price_tiers::Model {
        sku_price_tiers::Model {
            id,
            sku_id: 7,
            min_qty,
            price_fen,
        }
    }

    #[test]
    fn the_largest_tier_reached_prices_the_line() {
        let s = sku(5000);
        let tiers = [tier(1, 50, 4600), tier(2, 10, 4800), tier(3, 200, 4400)];
        assert_eq!(price(&s, &tiers, 9).unit_price_fen, 5000);
        assert!(!price(&s, &tiers, 9).tiered);
        assert_eq!(price(&s, &tiers, 10).unit_price_fen, 4800);
        assert_eq!(price(&s, &tiers, 49).unit_price_fen, 4800);
        assert_eq!(price(&s, &tiers, 50).unit_price_fen, 4600);
        assert_eq!(price(&s, &tiers, 1000).unit_price_fen, 4400);
        // A "tier" above the list price never applies.
        assert_eq!(price(&s, &[tier(4, 5, 5200)], 6).unit_price_fen, 5000);
    }

    #[test]
    fn reservations_are_summed_and_taken_in_sku_order() {
        let sum = summed_by_id(&[(9, 2), (3, 1), (9, 5)]);
        assert_eq!(sum.into_iter().collect::<Vec<_>>(), vec![(3, 1), (9, 7)]);
    }
}
