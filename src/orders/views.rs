//! Orders as members, suppliers and operators see them (a fixed number of queries per page).

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::checkout::address_view;
use super::dto::{Checkout, Order, OrderLine, OrderQuery, PaymentView};
use super::model::RefundStatus;
use crate::app::AppState;
use crate::auth::{Actor, Role, authz};
use crate::entities::{order_lines, orders, organizations, payments, refunds};
use crate::error::{AppError, FieldCode, FieldErrors};
use crate::extract::{Cursor, PageParams};
use crate::money::Money;

/// Builds the API shape of orders: five queries whatever their number.
///
/// # Errors
/// Database errors.
pub async fn to_dtos(
    conn: &impl ConnectionTrait,
    rows: Vec<orders::Model>,
) -> Result<Vec<Order>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|o| o.id).collect();
    let lines = order_lines::Entity::find()
        .filter(order_lines::Column::OrderId.is_in(ids.clone()))
        .order_by_asc(order_lines::Column::Id)
        .all(conn)
        .await?;
    let names: HashMap<i64, String> = organizations::Entity::find()
        .filter(
            organizations::Column::Id
                .is_in(rows.iter().map(|o| o.supplier_org_id).collect::<Vec<_>>()),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let mut products: Vec<i64> = lines.iter().map(|l| l.product_id).collect();
    products.sort_unstable();
    products.dedup();
    let images = crate::catalog::read::thumbnails(conn, &products).await?;
    // the latest refund of each order (ids ascending: the last one wins)
    let refund_status: HashMap<i64, RefundStatus> = refunds::Entity::find()
        .filter(refunds::Column::OrderId.is_in(ids))
        .order_by_asc(refunds::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.order_id, r.status))
        .collect();
    let mut out = assemble(rows, lines, &names, &images);
    for o in &mut out {
        o.refund_status = refund_status.get(&o.id).copied();
    }
    Ok(out)
}

/// Orders with their lines (in id order), supplier names and product photos, as the API shows
/// them.
#[must_use]
pub fn assemble(
    rows: Vec<orders::Model>,
    all_lines: Vec<order_lines::Model>,
    names: &HashMap<i64, String>,
    images: &HashMap<i64, Vec<crate::media::ImageUrls>>,
) -> Vec<Order> {
    let mut lines: HashMap<i64, Vec<OrderLine>> = HashMap::new();
    for l in all_lines {
        lines.entry(l.order_id).or_default().push(OrderLine {
            id: l.id,
            sku_id: l.sku_id,
            product_id: l.product_id,
            product_name: l.product_name,
            spec: l.spec,
            unit_price_fen: Money::from_fen(l.unit_price_fen),
            quantity: l.quantity,
            line_total_fen: Money::from_fen(l.line_total_fen),
            discount_fen: Money::from_fen(l.discount_fen),
            refunded_qty: l.refunded_qty,
            refunded_fen: Money::from_fen(l.refunded_fen),
            assistance_eligible: l.assistance_eligible,
            origin_county_code: l.origin_county_code,
            cert_numbers: l.cert_numbers.into_inner(),
            image: images.get(&l.product_id).cloned(),
        });
    }
    rows.into_iter()
        .map(|o| Order {
            lines: lines.remove(&o.id).unwrap_or_default(),
            supplier_name: names.get(&o.supplier_org_id).cloned().unwrap_or_default(),
            id: o.id,
            order_no: o.order_no,
            payment_id: o.payment_id,
            supplier_org_id: o.supplier_org_id,
            status: o.status,
            items_total_fen: Money::from_fen(o.items_total_fen),
            discount_fen: Money::from_fen(o.discount_fen),
            amount_due_fen: Money::from_fen(o.amount_due_fen),
            refunded_fen: Money::from_fen(o.refunded_fen),
            address: address_view(&o.address),
            carrier: o.carrier,
            tracking_no: o.tracking_no,
            created_at: o.created_at,
            paid_at: o.paid_at,
            shipped_at: o.shipped_at,
            delivered_at: o.delivered_at,
            completed_at: o.completed_at,
            cancelled_at: o.cancelled_at,
            cancel_reason: o.cancel_reason,
            refund_status: None,
        })
        .collect()
}

/// The payment and orders of a checkout (its buyer).
///
/// # Errors
/// 404 unless theirs.
pub async fn checkout(
    state: &AppState,
    actor: &Actor,
    payment_id: i64,
) -> Result<Checkout, AppError> {
    let p = payments::Entity::find_by_id(payment_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    authz::require_self(actor, p.user_id)?;
    let rows = orders::Entity::find()
        .filter(orders::Column::PaymentId.eq(payment_id))
        .order_by_asc(orders::Column::Id)
        .all(&state.db)
        .await?;
    let orders = to_dtos(&state.db, rows).await?;
    Ok(checkout_of(state, p, orders))
}

/// A checkout's answer from its payment and orders in hand.
#[must_use]
pub fn checkout_of(state: &AppState, p: payments::Model, orders: Vec<Order>) -> Checkout {
    Checkout {
        payment: PaymentView {
            id: p.id,
            amount_fen: Money::from_fen(p.amount_fen),
            discount_fen: Money::from_fen(p.discount_fen),
            status: p.status,
            test_mode: state.payments.provider.is_test(),
            provider: p.provider,
            client_secret: p.client_secret,
            expires_at: p.expires_at,
            paid_at: p.paid_at,
        },
        orders,
    }
}

/// The filters of an order list: status, 退款/售后, words in the order number or a product name.
fn filtered(
    filter: sea_orm::Condition,
    q: &OrderQuery,
) -> Result<sea_orm::Select<orders::Entity>, AppError> {
    let mut query = orders::Entity::find()
        .filter(filter)
        .order_by_desc(orders::Column::Id);
    if let Some(words) = q.q.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        if words.chars().count() > 50 {
            return Err(FieldErrors::single(
                "q",
                FieldCode::TooLong,
                "搜索词最多50个字 / at most 50 characters",
            ));
        }
        query = query.filter(
            sea_orm::Condition::any()
                .add(orders::Column::OrderNo.contains(words))
                .add(
                    orders::Column::Id.in_subquery(
                        sea_orm::sea_query::Query::select()
                            .column(order_lines::Column::OrderId)
                            .from(order_lines::Entity)
                            .and_where(order_lines::Column::ProductName.contains(words))
                            .to_owned(),
                    ),
                ),
        );
    }
    if let Some(s) = q.status {
        query = query.filter(orders::Column::Status.eq(s));
    }
    if q.refunds == Some(true) {
        query = query.filter(
            orders::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(refunds::Column::OrderId)
                    .from(refunds::Entity)
                    .to_owned(),
            ),
        );
    }
    Ok(query)
}

async fn page(
    state: &AppState,
    filter: sea_orm::Condition,
    q: OrderQuery,
) -> Result<(Vec<Order>, Option<String>), AppError> {
    let mut query = filtered(filter, &q)?;
    let params = PageParams {
        cursor: q.cursor,
        limit: q.limit,
    };
    let limit = params.limit();
    query = query.limit(limit);
    if let Some(Cursor(before)) = params.cursor()? {
        query = query.filter(orders::Column::Id.lt(before));
    }
    let items = to_dtos(&state.db, query.all(&state.db).await?).await?;
    let next = Cursor::next(&items, limit, |o| o.id);
    Ok((items, next))
}

/// The member's own orders.
///
/// # Errors
/// 403 for non-members.
pub async fn mine(
    state: &AppState,
    actor: &Actor,
    q: OrderQuery,
) -> Result<(Vec<Order>, Option<String>), AppError> {
    authz::require_any_role(actor, &[Role::Member])?;
    page(
        state,
        sea_orm::Condition::all().add(orders::Column::BuyerUserId.eq(actor.user_id)),
        q,
    )
    .await
}

/// A supplier's orders (its staff, operators).
///
/// # Errors
/// 404/403.
pub async fn for_supplier(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    q: OrderQuery,
) -> Result<(Vec<Order>, Option<String>), AppError> {
    authz::authorize_org_role(actor, org_id, &[Role::SupplierAdmin, Role::SupplierStaff])?;
    page(
        state,
        sea_orm::Condition::all().add(orders::Column::SupplierOrgId.eq(org_id)),
        q,
    )
    .await
}

/// When, in Beijing time, to the minute.
fn beijing(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A supplier's orders with the list's filters, as an XLSX workbook (newest first, at most
/// [`crate::export::MAX_ROWS`]); the recipient's phone masked as on screen.
///
/// # Errors
/// 404/403; 422 for bad filters.
pub async fn supplier_export(
    state: &AppState,
    actor: &Actor,
    org_id: i64,
    q: OrderQuery,
) -> Result<Vec<u8>, AppError> {
    use crate::export::Cell;
    authz::authorize_org_role(actor, org_id, &[Role::SupplierAdmin, Role::SupplierStaff])?;
    let rows = filtered(
        sea_orm::Condition::all().add(orders::Column::SupplierOrgId.eq(org_id)),
        &q,
    )?
    .limit(crate::export::MAX_ROWS)
    .all(&state.db)
    .await?;
    let items = to_dtos(&state.db, rows).await?;
    let headers = [
        "订单号 Order no.",
        "下单时间 Placed (UTC+8)",
        "状态 Status",
        "商品 Items",
        "商品金额（元）Items (yuan)",
        "券抵扣（元）Coupon (yuan)",
        "实付（元）Paid (yuan)",
        "已退款（元）Refunded (yuan)",
        "退款 Refund",
        "收货人 Recipient",
        "手机 Phone",
        "收货地址 Address",
        "物流单号 Tracking no.",
    ];
    let rows: Vec<Vec<Cell>> = items
        .iter()
        .map(|o| {
            let lines = o
                .lines
                .iter()
                .map(|l| format!("{} {} × {}", l.product_name, l.spec, l.quantity))
                .collect::<Vec<_>>()
                .join("；");
            vec![
                o.order_no.clone().into(),
                beijing(o.created_at).into(),
                o.status.label_zh().into(),
                lines.into(),
                o.items_total_fen.into(),
                o.discount_fen.into(),
                o.amount_due_fen.into(),
                o.refunded_fen.into(),
                o.refund_status.map_or("", RefundStatus::label_zh).into(),
                o.address.recipient.clone().into(),
                o.address.phone_masked.clone().into(),
                format!("{} {}", o.address.region, o.address.detail).into(),
                o.tracking_no.clone().unwrap_or_default().into(),
            ]
        })
        .collect();
    crate::export::workbook("订单", &headers, &rows)
}

/// One order: its buyer, its supplier's staff, operators.
///
/// # Errors
/// 404 for anyone else.
pub async fn one(state: &AppState, actor: &Actor, id: i64) -> Result<Order, AppError> {
    let o = orders::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = o.buyer_user_id == actor.user_id
        || actor.is_operator()
        || actor
            .roles_in(o.supplier_org_id)
            .any(|r| matches!(r, Role::SupplierAdmin | Role::SupplierStaff));
    if !allowed {
        return Err(AppError::NotFound);
    }
    to_dtos(&state.db, vec![o])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}
