//! The cart and checkout. Checkout splits the cart into one order per supplier under one
//! payment, re-prices from current data, checks stock, works out the coupon, and in one
//! transaction reserves stock (conditional decrements in SKU order, so locks are always taken
//! in the same order), holds the coupon (a conditional update: a coupon is held once however
//! many checkouts race), writes the orders with their lines' assistance status frozen, and
//! schedules the expiry of the unpaid orders. The payment provider is called only after commit.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
};

use super::dto::{
    Address, BuyNow, Cart, CartLine, Checkout, CheckoutRequest, CouponOption, Quote, QuoteGroup,
    QuoteLine, SetCartItem,
};
use super::model::{OrderKind, OrderStatus, StoredAddress};
use super::pricing::{self, Applied, PricedLine, Terms};
use crate::app::AppState;
use crate::auth::{Actor, Role, authz};
use crate::catalog::model::ProductStatus;
use crate::catalog::reference::Reference;
use crate::catalog::stock;
use crate::catalog::view::{self, Shelved};
use crate::coupons::model::CouponStatus;
use crate::db::begin_write;
use crate::domain::{Phone, mask_phone};
use crate::entities::{
    cart_items, coupon_campaigns, coupons, order_lines, orders, payments, product_skus, regions,
    zones,
};
use crate::error::{AppError, ErrorCode, FieldCode, FieldErrors};
use crate::money::Money;
use crate::regions::model::RegionLevel;
use crate::vocab::JsonText;
use crate::worker::{JobOptions, enqueue};

/// Roles that shop.
pub const SHOPPERS: &[Role] = &[Role::Member];

/// The cart joined with current data: the SKU rows (price, stock) and the product documents
/// (name, supplier, origin, the facts of the assistance status), which are rewritten in the
/// transaction of every change to a product, its supplier, certificates or pairings.
struct Prepared {
    lines: Vec<(cart_items::Model, product_skus::Model, PricedLine)>,
    products: HashMap<i64, Shelved>,
    problems: Vec<String>,
    /// Some problem is a shortage of stock.
    short: bool,
}

/// The one line of a 立即购买, as if it were the cart: 422 for a bad quantity, 404 for a SKU that
/// is not for sale (like putting it in the cart).
async fn buy_now_line(
    conn: &impl ConnectionTrait,
    user_id: i64,
    line: BuyNow,
) -> Result<Vec<(cart_items::Model, Option<product_skus::Model>)>, AppError> {
    if !(1..=999).contains(&line.quantity) {
        return Err(FieldErrors::single(
            "buy_now.quantity",
            FieldCode::OutOfRange,
            "数量应为1-999 / 1 to 999",
        ));
    }
    let sku = product_skus::Entity::find_by_id(line.sku_id)
        .one(conn)
        .await?
        .filter(|s| s.active)
        .ok_or(AppError::NotFound)?;
    let listed = crate::entities::products::Entity::find_by_id(sku.product_id)
        .one(conn)
        .await?
        .is_some_and(|p| p.status == ProductStatus::Listed);
    if !listed {
        return Err(AppError::NotFound);
    }
    let item = cart_items::Model {
        user_id,
        sku_id: sku.id,
        quantity: line.quantity,
        added_price_fen: sku.price_fen,
        updated_at: Utc::now(),
    };
    Ok(vec![(item, Some(sku))])
}

/// The cart, or the one line of a 立即购买, priced from current data.
async fn prepare(
    conn: &impl ConnectionTrait,
    reference: Arc<Reference>,
    user_id: i64,
    buy_now: Option<BuyNow>,
) -> Result<Prepared, AppError> {
    // The cart and its SKUs in one read, in SKU order (the order stock is taken in).
    let rows = match buy_now {
        Some(line) => buy_now_line(conn, user_id, line).await?,
        None => {
            let sku_of = cart_items::Entity::belongs_to(product_skus::Entity)
                .from(cart_items::Column::SkuId)
                .to(product_skus::Column::Id)
                .into();
            cart_items::Entity::find()
                .join(JoinType::InnerJoin, sku_of)
                .select_also(product_skus::Entity)
                .filter(cart_items::Column::UserId.eq(user_id))
                .order_by_asc(cart_items::Column::SkuId)
                .all(conn)
                .await?
        }
    };
    let mut items = Vec::with_capacity(rows.len());
    let mut skus: HashMap<i64, product_skus::Model> = HashMap::new();
    for (item, sku) in rows {
        if let Some(sku) = sku {
            skus.insert(sku.id, sku);
        }
        items.push(item);
    }
    let mut product_ids: Vec<i64> = skus.values().map(|s| s.product_id).collect();
    product_ids.sort_unstable();
    product_ids.dedup();
    let products = view::docs(conn, &product_ids).await?;
    let today = crate::time::business_date(Utc::now());
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut short = false;
    for item in items {
        let Some(sku) = skus.get(&item.sku_id).cloned() else {
            continue;
        };
        let Some(shelved) = products.get(&sku.product_id) else {
            continue;
        };
        let (doc, card) = (&shelved.doc, &shelved.doc.detail.card);
        let name = &card.name;
        if shelved.status != ProductStatus::Listed || !sku.active {
            problems.push(format!("「{name}」已下架 / {name} is no longer for sale"));
        } else if sku.stock < i64::from(item.quantity) {
            short = true;
            problems.push(format!(
                "「{} {}」库存不足（剩 {}）/ only {} left",
                name, sku.spec, sku.stock, sku.stock
            ));
        }
        if item.quantity < sku.min_order_qty {
            problems.push(format!(
                "「{} {}」起订量为 {} / minimum order {}",
                name, sku.spec, sku.min_order_qty, sku.min_order_qty
            ));
        }
        let facts = doc.facts.evaluate(today);
        let priced = PricedLine {
            sku_id: sku.id,
            product_id: card.id,
            supplier_org_id: card.supplier.id,
            quantity: item.quantity,
            unit_price: Money::from_fen(sku.price_fen),
            assistance: facts.eligible,
            region_codes: reference
                .region_path(&card.origin.county_code)
                .iter()
                .map(|r| r.code.clone())
                .collect(),
            category_ids: reference
                .category_path(doc.detail.category_id)
                .iter()
                .map(|c| c.id)
                .collect(),
            programmes: doc.facts.programmes_on(today),
            cert_kinds: facts.cert_kinds,
        };
        lines.push((item, sku, priced));
    }
    if lines.is_empty() {
        problems.push("购物车是空的 / the cart is empty".into());
    }
    Ok(Prepared {
        lines,
        products,
        problems,
        short,
    })
}

/// A coupon of `user_id` with its campaign, in one read; 404 for anyone else's.
async fn coupon_with_campaign(
    conn: &impl ConnectionTrait,
    id: i64,
    user_id: i64,
) -> Result<(coupons::Model, coupon_campaigns::Model), AppError> {
    match coupons::Entity::find_by_id(id)
        .find_also_related(coupon_campaigns::Entity)
        .one(conn)
        .await?
    {
        Some((c, Some(campaign))) if c.user_id == user_id => Ok((c, campaign)),
        _ => Err(AppError::NotFound),
    }
}

/// The pricing terms of a coupon of `campaign` (reads the zones its scope names, if any).
async fn terms_for(
    conn: &impl ConnectionTrait,
    coupon: &coupons::Model,
    campaign: &coupon_campaigns::Model,
) -> Result<Terms, AppError> {
    let scope = crate::coupons::campaigns::scope_of(campaign);
    let zone_rules = if scope.zones.is_empty() {
        vec![]
    } else {
        zones::Entity::find()
            .filter(zones::Column::Slug.is_in(scope.zones.clone()))
            .all(conn)
            .await?
            .into_iter()
            .map(|z| (z.rule_kind, z.rule_value))
            .collect()
    };
    Ok(Terms {
        face_value: Money::from_fen(coupon.face_value_fen),
        min_spend: Money::from_fen(coupon.min_spend_fen),
        scope,
        zone_rules,
    })
}

/// The member's coupons usable now, each with its campaign: one read.
async fn usable_coupons(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<(coupons::Model, Option<coupon_campaigns::Model>)>, AppError> {
    let now = Utc::now();
    Ok(coupons::Entity::find()
        .find_also_related(coupon_campaigns::Entity)
        .filter(coupons::Column::UserId.eq(user_id))
        .filter(coupons::Column::Status.eq(CouponStatus::Available))
        .filter(coupons::Column::ValidFrom.lte(now))
        .filter(coupons::Column::ValidUntil.gt(now))
        .order_by_asc(coupons::Column::ValidUntil)
        .all(conn)
        .await?)
}

/// The member's cart at today's prices.
///
/// # Errors
/// 403 for non-members.
pub async fn cart(state: &AppState, actor: &Actor) -> Result<Cart, AppError> {
    authz::require_any_role(actor, SHOPPERS)?;
    let reference = state.catalog.reference(&state.db).await?;
    let prepared = prepare(&state.db, reference, actor.user_id, None).await?;
    let mut lines: Vec<CartLine> = prepared
        .lines
        .iter()
        .filter_map(|(item, sku, priced)| {
            let p = prepared.products.get(&sku.product_id)?;
            let card = &p.doc.detail.card;
            Some(CartLine {
                sku_id: sku.id,
                product_id: card.id,
                product_name: card.name.clone(),
                spec: sku.spec.clone(),
                image: card.image.clone(),
                supplier_org_id: card.supplier.id,
                supplier_name: card.supplier.name.clone(),
                quantity: item.quantity,
                unit_price_fen: priced.unit_price,
                added_price_fen: Money::from_fen(item.added_price_fen),
                price_changed: item.added_price_fen != sku.price_fen,
                stock: sku.stock,
                available: p.status == ProductStatus::Listed && sku.active,
                assistance_eligible: priced.assistance,
            })
        })
        .collect();
    lines.sort_by_key(|l| (l.supplier_org_id, l.sku_id));
    let total_fen = lines
        .iter()
        .filter(|l| l.available)
        .map(|l| {
            l.unit_price_fen
                .checked_mul(i64::from(l.quantity))
                .unwrap_or(Money::ZERO)
        })
        .sum();
    Ok(Cart { lines, total_fen })
}

/// Sets the quantity of a SKU in the cart; 0 removes it.
///
/// # Errors
/// 403; 404 for SKUs not for sale; 422 for a bad quantity.
pub async fn set_item(
    state: &AppState,
    actor: &Actor,
    sku_id: i64,
    req: SetCartItem,
) -> Result<Cart, AppError> {
    authz::require_any_role(actor, SHOPPERS)?;
    if !(0..=999).contains(&req.quantity) {
        return Err(FieldErrors::single(
            "quantity",
            FieldCode::OutOfRange,
            "数量应为0-999 / 0 to 999",
        ));
    }
    if req.quantity == 0 {
        cart_items::Entity::delete_many()
            .filter(cart_items::Column::UserId.eq(actor.user_id))
            .filter(cart_items::Column::SkuId.eq(sku_id))
            .exec(&state.db)
            .await?;
        return cart(state, actor).await;
    }
    let sku = product_skus::Entity::find_by_id(sku_id)
        .one(&state.db)
        .await?
        .filter(|s| s.active)
        .ok_or(AppError::NotFound)?;
    let listed = crate::entities::products::Entity::find_by_id(sku.product_id)
        .one(&state.db)
        .await?
        .is_some_and(|p| p.status == ProductStatus::Listed);
    if !listed {
        return Err(AppError::NotFound);
    }
    let count = cart_items::Entity::find()
        .filter(cart_items::Column::UserId.eq(actor.user_id))
        .all(&state.db)
        .await?
        .len();
    let exists = cart_items::Entity::find_by_id((actor.user_id, sku_id))
        .one(&state.db)
        .await?;
    match exists {
        Some(item) => {
            let mut a: cart_items::ActiveModel = item.into();
            a.quantity = Set(req.quantity);
            a.updated_at = Set(Utc::now());
            a.update(&state.db).await?;
        }
        None => {
            if count >= 50 {
                return Err(AppError::new(
                    ErrorCode::CartFull,
                    "购物车最多50种商品 / at most 50 items in the cart",
                ));
            }
            cart_items::ActiveModel {
                user_id: Set(actor.user_id),
                sku_id: Set(sku_id),
                quantity: Set(req.quantity),
                added_price_fen: Set(sku.price_fen),
                updated_at: Set(Utc::now()),
            }
            .insert(&state.db)
            .await?;
        }
    }
    cart(state, actor).await
}

fn build_quote(
    prepared: &Prepared,
    applied: Option<&Applied>,
    coupon_id: Option<i64>,
    options: Vec<CouponOption>,
) -> Quote {
    let mut groups: BTreeMap<i64, QuoteGroup> = BTreeMap::new();
    for (i, (item, sku, priced)) in prepared.lines.iter().enumerate() {
        let card = prepared
            .products
            .get(&sku.product_id)
            .map(|p| &p.doc.detail.card);
        let share = applied.map_or(Money::ZERO, |a| a.shares[i]);
        let group = groups
            .entry(priced.supplier_org_id)
            .or_insert_with(|| QuoteGroup {
                supplier_org_id: priced.supplier_org_id,
                supplier_name: card.map(|c| c.supplier.name.clone()).unwrap_or_default(),
                lines: vec![],
                items_total_fen: Money::ZERO,
                discount_fen: Money::ZERO,
                amount_due_fen: Money::ZERO,
            });
        group.items_total_fen += priced.total();
        group.discount_fen += share;
        group.amount_due_fen += priced.total() - share;
        group.lines.push(QuoteLine {
            sku_id: sku.id,
            product_name: card.map(|c| c.name.clone()).unwrap_or_default(),
            spec: sku.spec.clone(),
            quantity: item.quantity,
            unit_price_fen: priced.unit_price,
            added_price_fen: Money::from_fen(item.added_price_fen),
            line_total_fen: priced.total(),
            discount_fen: share,
            assistance_eligible: priced.assistance,
            coupon_eligible: applied.is_some_and(|a| a.covered[i]),
        });
    }
    let groups: Vec<QuoteGroup> = groups.into_values().collect();
    let items_total_fen = groups.iter().map(|g| g.items_total_fen).sum();
    let discount_fen = groups.iter().map(|g| g.discount_fen).sum();
    Quote {
        amount_due_fen: groups.iter().map(|g| g.amount_due_fen).sum(),
        items_total_fen,
        discount_fen,
        coupon_id,
        suggested_coupon_id: options.iter().find(|o| o.usable).map(|o| o.coupon_id),
        coupons: options,
        prices_changed: prepared
            .lines
            .iter()
            .any(|(item, sku, _)| item.added_price_fen != sku.price_fen),
        problems: prepared.problems.clone(),
        groups,
    }
}

async fn coupon_options(
    conn: &impl ConnectionTrait,
    user_id: i64,
    lines: &[PricedLine],
) -> Result<Vec<CouponOption>, AppError> {
    let mut out = Vec::new();
    for (c, campaign) in usable_coupons(conn, user_id).await? {
        let Some(campaign) = campaign else { continue };
        let terms = terms_for(conn, &c, &campaign).await?;
        let a = pricing::apply(lines, &terms);
        out.push(CouponOption {
            coupon_id: c.id,
            campaign_name: campaign.name,
            face_value_fen: terms.face_value,
            min_spend_fen: terms.min_spend,
            eligible_subtotal_fen: a.eligible_subtotal,
            discount_fen: a.discount,
            usable: a.discount.fen() > 0,
        });
    }
    out.sort_by(|a, b| {
        b.discount_fen
            .cmp(&a.discount_fen)
            .then(a.coupon_id.cmp(&b.coupon_id))
    });
    Ok(out)
}

/// Prices the cart with an optional coupon, and lists the member's coupons for it (best first).
///
/// # Errors
/// 403; 404 for someone else's coupon.
pub async fn quote(
    state: &AppState,
    actor: &Actor,
    coupon_id: Option<i64>,
    buy_now: Option<BuyNow>,
) -> Result<Quote, AppError> {
    authz::require_any_role(actor, SHOPPERS)?;
    let reference = state.catalog.reference(&state.db).await?;
    let prepared = prepare(&state.db, reference, actor.user_id, buy_now).await?;
    let priced: Vec<PricedLine> = prepared.lines.iter().map(|(_, _, p)| p.clone()).collect();
    let options = coupon_options(&state.db, actor.user_id, &priced).await?;
    let applied = match coupon_id {
        None => None,
        Some(id) => {
            let (c, campaign) = coupon_with_campaign(&state.db, id, actor.user_id).await?;
            let terms = terms_for(&state.db, &c, &campaign).await?;
            Some(pricing::apply(&priced, &terms))
        }
    };
    Ok(build_quote(&prepared, applied.as_ref(), coupon_id, options))
}

/// Checks an address against the regions and the field rules (fields under `address.`).
pub(crate) fn check_address(reference: &Reference, a: &Address) -> Result<StoredAddress, AppError> {
    let mut e = FieldErrors::new();
    if !(1..=30).contains(&a.recipient.trim().chars().count()) {
        e.add(
            "address.recipient",
            FieldCode::NameLength,
            "收货人应为1-30个字符 / 1-30 characters",
        );
    }
    let phone = e.check("address.phone", Phone::parse(&a.phone));
    if !(4..=120).contains(&a.detail.trim().chars().count()) {
        e.add(
            "address.detail",
            FieldCode::DetailLength,
            "详细地址应为4-120个字符 / 4-120 characters",
        );
    }
    let mut names = Vec::new();
    let province = reference.regions.get(&a.province_code);
    let city = reference.regions.get(&a.city_code);
    match (province, city) {
        (Some(p), Some(c))
            if p.level == RegionLevel::Province
                && c.parent_code.as_deref() == Some(p.code.as_str()) =>
        {
            names.push(p.name.clone());
            names.push(c.name.clone());
            let children: Vec<&regions::Model> = reference.children_of(&c.code).collect();
            match &a.district_code {
                Some(d) => match children.iter().find(|r| &r.code == d) {
                    Some(r) => names.push(r.name.clone()),
                    None => e.add(
                        "address.district_code",
                        FieldCode::UnknownRegion,
                        "区县不属于该城市 / not a district of the city",
                    ),
                },
                None if !children.is_empty() => e.add(
                    "address.district_code",
                    FieldCode::Required,
                    "请选择区县 / choose a district",
                ),
                None => {}
            }
        }
        _ => e.add(
            "address.city_code",
            FieldCode::UnknownRegion,
            "省市不匹配 / province and city do not match",
        ),
    }
    e.into_result()?;
    // `check` recorded a bad phone, so `into_result` has already refused it.
    let phone = phone.ok_or_else(|| AppError::Internal(anyhow::anyhow!("unchecked phone")))?;
    Ok(StoredAddress {
        recipient: a.recipient.trim().to_owned(),
        phone: phone.into(),
        province_code: a.province_code.clone(),
        city_code: a.city_code.clone(),
        district_code: a.district_code.clone(),
        region: names.join(" "),
        detail: a.detail.trim().to_owned(),
    })
}

/// Places the orders of the cart (or of one 立即购买 line) under one payment. Idempotent per
/// `checkout_key`. The steps, in one transaction: price the cart ([`prepare`]), apply the coupon, check the amount the
/// member saw, create the payment and hold the coupon, write one order per supplier with its
/// lines' facts frozen, empty the cart, schedule the expiry, reserve stock (last, so a popular
/// SKU's row is locked only to the commit). The provider is called after the commit.
///
/// # Errors
/// 403; 409 `checkout_problems`, `price_changed`, `out_of_stock`, `coupon_unavailable`,
/// `coupon_not_applicable`; 422 for a bad address.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn place(
    state: &AppState,
    actor: &Actor,
    req: CheckoutRequest,
    checkout_key: Option<String>,
) -> Result<Checkout, AppError> {
    authz::require_any_role(actor, SHOPPERS)?;
    let reference = state.catalog.reference(&state.db).await?;
    let address = check_address(&reference, &req.address)?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let prepared = prepare(&txn, reference, actor.user_id, req.buy_now).await?;
    prepared.ready()?;
    let coupon = apply_coupon(&txn, req.coupon_id, actor.user_id, &prepared.priced()).await?;
    let amount_due = check_amount(&prepared, &coupon, req.expected_amount_fen)?;
    let payment = crate::payments::create_pending(
        &txn,
        crate::payments::NewPayment {
            user_id: actor.user_id,
            amount_fen: amount_due.fen(),
            coupon_id: coupon.coupon.as_ref().map(|c| c.id),
            discount_fen: coupon.discount().fen(),
            checkout_key,
            provider: state.payments.provider.name(),
            expires_at: now + Duration::minutes(Ord::max(state.config.payment_timeout_minutes, 1)),
        },
    )
    .await?;
    hold_coupon(&txn, &coupon, actor.user_id, payment.id, now).await?;
    let written = write_orders(&txn, &prepared, &coupon, &payment, &address, now).await?;
    // What was bought leaves the cart; a 立即购买 leaves the cart as it was.
    if req.buy_now.is_none() {
        clear_cart(&txn, actor.user_id, &prepared).await?;
    }
    schedule_expiry(&txn, &payment).await?;
    reserve_stock(&txn, &prepared).await?;
    txn.commit().await?;
    tracing::info!(
        payment_id = payment.id,
        orders = written.orders.len(),
        amount = amount_due.fen(),
        "checkout placed"
    );
    answer(state, actor, &payment, amount_due, written, &prepared).await
}

impl Prepared {
    /// 409 with every problem of the cart (`out_of_stock` when one is a shortage).
    fn ready(&self) -> Result<(), AppError> {
        if self.problems.is_empty() {
            return Ok(());
        }
        let code = if self.short {
            ErrorCode::OutOfStock
        } else {
            ErrorCode::CheckoutProblems
        };
        Err(AppError::new(code, self.problems.join("；")))
    }

    fn priced(&self) -> Vec<PricedLine> {
        self.lines.iter().map(|(_, _, p)| p.clone()).collect()
    }

    fn items_total(&self) -> Money {
        self.lines.iter().map(|(_, _, p)| p.total()).sum()
    }
}

/// The coupon a checkout uses (none, or the coupon with its campaign and its split).
#[derive(Default)]
struct CouponUse {
    applied: Option<Applied>,
    coupon: Option<coupons::Model>,
    campaign: Option<coupon_campaigns::Model>,
}

impl CouponUse {
    fn discount(&self) -> Money {
        self.applied.as_ref().map_or(Money::ZERO, |a| a.discount)
    }

    /// The discount's share on line `i` of the cart.
    fn share(&self, i: usize) -> Money {
        self.applied.as_ref().map_or(Money::ZERO, |a| a.shares[i])
    }
}

/// Applies the member's chosen coupon to the priced cart; 409 `coupon_not_applicable` when it
/// takes nothing off.
async fn apply_coupon(
    txn: &DatabaseTransaction,
    coupon_id: Option<i64>,
    user_id: i64,
    priced: &[PricedLine],
) -> Result<CouponUse, AppError> {
    let Some(id) = coupon_id else {
        return Ok(CouponUse::default());
    };
    let (c, campaign) = coupon_with_campaign(txn, id, user_id).await?;
    let terms = terms_for(txn, &c, &campaign).await?;
    let applied = pricing::apply(priced, &terms);
    if applied.discount.fen() == 0 {
        return Err(AppError::new(
            ErrorCode::CouponNotApplicable,
            "该券不适用于购物车中的商品或未达门槛 / the coupon does not apply to this cart",
        ));
    }
    Ok(CouponUse {
        applied: Some(applied),
        coupon: Some(c),
        campaign: Some(campaign),
    })
}

/// The amount due; 409 `price_changed` unless it is what the member saw.
fn check_amount(
    prepared: &Prepared,
    coupon: &CouponUse,
    expected: Money,
) -> Result<Money, AppError> {
    let amount_due = prepared.items_total() - coupon.discount();
    if amount_due != expected {
        return Err(AppError::new(
            ErrorCode::PriceChanged,
            format!(
                "价格已变化，应付 {amount_due}，请确认后再下单 / prices changed: {amount_due} is now due"
            ),
        ));
    }
    Ok(amount_due)
}

/// Holds the coupon for the payment; 409 `coupon_unavailable` when another checkout holds it
/// or it is spent or expired.
async fn hold_coupon(
    txn: &DatabaseTransaction,
    coupon: &CouponUse,
    user_id: i64,
    payment_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(c) = &coupon.coupon else {
        return Ok(());
    };
    if crate::coupons::spend::hold(txn, c.id, user_id, payment_id, now).await? {
        return Ok(());
    }
    Err(AppError::new(
        ErrorCode::CouponUnavailable,
        "该券已被使用或已过期 / the coupon is no longer available",
    ))
}

/// The orders and lines a checkout wrote.
struct Written {
    orders: Vec<orders::Model>,
    lines: Vec<order_lines::Model>,
}

/// Writes one order per supplier (in supplier order) with its lines.
async fn write_orders(
    txn: &DatabaseTransaction,
    prepared: &Prepared,
    coupon: &CouponUse,
    payment: &payments::Model,
    address: &StoredAddress,
    now: DateTime<Utc>,
) -> Result<Written, AppError> {
    let today = crate::time::business_date(now);
    let mut by_supplier: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, (_, _, p)) in prepared.lines.iter().enumerate() {
        by_supplier.entry(p.supplier_org_id).or_default().push(i);
    }
    let mut written = Written {
        orders: Vec::new(),
        lines: Vec::new(),
    };
    for (n, (supplier, idx)) in by_supplier.iter().enumerate() {
        let total: Money = idx.iter().map(|i| prepared.lines[*i].2.total()).sum();
        let disc: Money = idx.iter().map(|i| coupon.share(*i)).sum();
        let order = orders::ActiveModel {
            order_no: Set(format!(
                "BF{}{:08}{:02}",
                today.format("%Y%m%d"),
                payment.id,
                n + 1
            )),
            kind: Set(OrderKind::Member),
            payment_id: Set(payment.id),
            buyer_user_id: Set(payment.user_id),
            supplier_org_id: Set(*supplier),
            union_org_id: Set(coupon.campaign.as_ref().map(|c| c.union_org_id)),
            campaign_id: Set(coupon.campaign.as_ref().map(|c| c.id)),
            status: Set(OrderStatus::PendingPayment),
            items_total_fen: Set(total.fen()),
            discount_fen: Set(disc.fen()),
            amount_due_fen: Set((total - disc).fen()),
            refunded_fen: Set(0),
            address: Set(JsonText(address.clone())),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        for i in idx {
            let line = write_line(txn, prepared, *i, coupon.share(*i), order.id, today).await?;
            written.lines.push(line);
        }
        written.orders.push(order);
    }
    Ok(written)
}

/// Writes line `i` of the cart into its order, with the product's name and the line's
/// assistance facts frozen as they stand today.
async fn write_line(
    txn: &DatabaseTransaction,
    prepared: &Prepared,
    i: usize,
    discount: Money,
    order_id: i64,
    today: NaiveDate,
) -> Result<order_lines::Model, AppError> {
    let (item, sku, p) = &prepared.lines[i];
    let doc = &prepared
        .products
        .get(&p.product_id)
        .ok_or(AppError::NotFound)?
        .doc;
    let e = stock::freeze(&doc.facts, today);
    Ok(order_lines::ActiveModel {
        order_id: Set(order_id),
        sku_id: Set(sku.id),
        product_id: Set(p.product_id),
        product_name: Set(doc.detail.card.name.clone()),
        spec: Set(sku.spec.clone()),
        unit_price_fen: Set(p.unit_price.fen()),
        quantity: Set(item.quantity),
        line_total_fen: Set(p.total().fen()),
        discount_fen: Set(discount.fen()),
        refunded_qty: Set(0),
        refunded_fen: Set(0),
        refunded_discount_fen: Set(0),
        assistance_eligible: Set(e.eligible),
        origin_county_code: Set(doc.detail.card.origin.county_code.clone()),
        supplier_approved: Set(e.supplier_approved),
        cert_numbers: Set(JsonText(e.cert_numbers.clone())),
        pairing_id: Set(e.pairing_id),
        helper_code: Set(e.helper_code.clone()),
        programme: Set(e.programme),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// Takes the checked-out SKUs out of the member's cart.
async fn clear_cart(
    txn: &DatabaseTransaction,
    user_id: i64,
    prepared: &Prepared,
) -> Result<(), AppError> {
    let skus: Vec<i64> = prepared.lines.iter().map(|(_, s, _)| s.id).collect();
    cart_items::Entity::delete_many()
        .filter(cart_items::Column::UserId.eq(user_id))
        .filter(cart_items::Column::SkuId.is_in(skus))
        .exec(txn)
        .await?;
    Ok(())
}

/// Schedules the release of the payment if it is still unpaid when it expires.
async fn schedule_expiry(
    txn: &DatabaseTransaction,
    payment: &payments::Model,
) -> Result<(), AppError> {
    enqueue(
        txn,
        super::lifecycle::EXPIRE_JOB,
        super::lifecycle::ExpirePayment {
            payment_id: payment.id,
        },
        JobOptions {
            run_at: Some(payment.expires_at),
            unique_key: Some(format!("expire-payment:{}", payment.id)),
            max_attempts: Some(10),
        },
    )
    .await?;
    Ok(())
}

/// Reserves the cart's stock, in SKU order, each decrement conditional (409 `out_of_stock`).
async fn reserve_stock(txn: &DatabaseTransaction, prepared: &Prepared) -> Result<(), AppError> {
    let taking: Vec<(i64, i64)> = prepared
        .lines
        .iter()
        .map(|(item, sku, _)| (sku.id, i64::from(item.quantity)))
        .collect();
    stock::reserve(txn, &taking, |id| {
        prepared
            .lines
            .iter()
            .find(|(_, s, _)| s.id == id)
            .map(|(_, s, _)| s.spec.clone())
            .unwrap_or_default()
    })
    .await
}

/// After the commit: completes a payment the coupon covers entirely, or starts the provider's
/// payment and answers from what was just written (nothing else can have changed it yet).
async fn answer(
    state: &AppState,
    actor: &Actor,
    payment: &payments::Model,
    amount_due: Money,
    written: Written,
    prepared: &Prepared,
) -> Result<Checkout, AppError> {
    if amount_due.fen() == 0 {
        super::lifecycle::complete_payment(
            state,
            payment.id,
            "coupon",
            &format!("coupon:{}", payment.id),
        )
        .await?;
    } else if let Some(started) = crate::payments::start_for(state, payment).await? {
        let names: HashMap<i64, String> = written
            .orders
            .iter()
            .map(|o| {
                let name = prepared
                    .products
                    .values()
                    .map(|p| &p.doc.detail.card.supplier)
                    .find(|s| s.id == o.supplier_org_id)
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                (o.supplier_org_id, name)
            })
            .collect();
        let images: HashMap<i64, Vec<crate::media::ImageUrls>> = prepared
            .products
            .iter()
            .filter_map(|(id, p)| p.doc.detail.card.image.clone().map(|i| (*id, i)))
            .collect();
        let orders = super::views::assemble(written.orders, written.lines, &names, &images);
        return Ok(super::views::checkout_of(state, started, orders));
    }
    super::views::checkout(state, actor, payment.id).await
}

/// The masked form of a stored address.
#[must_use]
pub fn address_view(stored: &StoredAddress) -> super::dto::AddressView {
    super::dto::AddressView {
        recipient: stored.recipient.clone(),
        phone_masked: mask_phone(&stored.phone),
        region: stored.region.clone(),
        detail: stored.detail.clone(),
    }
}
