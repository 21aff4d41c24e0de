//! Bulk orders: the order form (dry run, then an all-or-nothing commit that makes one order
//! per supplier), approval chains frozen at submit, the views, and the one function that
//! derives an order's status from its lines.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::dto::{
    ApprovalStep, BulkOrder, BulkOrderLine, BulkOrderQuery, CheckedLine, DeliveredLine, Delivery,
    DryRun, Evaluation, FormLine, Invoice, LineProblem, OrderForm, Placed, Suggestion,
};
use super::model::{
    ApprovalRuleKind, ApproverRole, BulkOrderStatus, DeliveryAddress, InvoiceKind, InvoiceStatus,
    PaymentMethod, PriceSource, StepStatus,
};
use super::units::{self, holds};
use crate::audit::{self, AuditEvent};
use crate::auth::Actor;
use crate::auth::model::Role;
use crate::catalog::model::ProductStatus;
use crate::catalog::search::{SearchIndex, SearchRequest};
use crate::catalog::stock::{self, FrozenFacts};
use crate::catalog::view;
use crate::db::begin_write;
use crate::domain::{Phone, mask_phone};
use crate::entities::{
    acceptance_lines, acceptances, approval_steps, bulk_order_lines, bulk_orders, categories,
    deliveries, delivery_lines, invoices, order_evaluations, organizations, product_skus,
};
use crate::error::{AppError, ErrorCode, FieldCode, FieldErrors};
use crate::vocab::JsonText;

/// Lines of one form, at most.
pub const MAX_LINES: usize = 1000;
/// A line's quantity, at most.
pub const MAX_QTY: i64 = 1_000_000;
/// Days the supplier has to confirm.
pub const CONFIRM_DAYS: i64 = 3;
/// Roles that place orders for an organisation.
pub const BUYERS: &[Role] = &[Role::Buyer, Role::UnitAdmin, Role::UnionAdmin];
/// Roles of a supplier.
pub const SUPPLIER_STAFF: &[Role] = &[Role::SupplierAdmin, Role::SupplierStaff];

/// A form line matched to a SKU and priced.
struct Matched {
    row: usize,
    sku: product_skus::Model,
    quantity: i32,
    unit_price_fen: i64,
    tiered: bool,
    name: String,
    supplier_org_id: i64,
    category_id: i64,
    county: String,
    facts: FrozenFacts,
    wanted_date: Option<NaiveDate>,
}

/// What checking a form found: the matched lines and the report of every line.
struct Checked {
    matched: Vec<Matched>,
    report: Vec<CheckedLine>,
}

/// `P<id>` or a bare id: a product code.
fn product_code(text: &str) -> Option<i64> {
    let t = text.trim();
    let digits = t
        .strip_prefix('P')
        .or_else(|| t.strip_prefix('p'))
        .unwrap_or(t);
    digits.parse().ok()
}

/// Checks every line of a form against the catalogue as it stands: the SKU (by id, or by
/// product code or exact name and specification), listed and active, quantity, minimum
/// order, stock; prices each line (tiers) and evaluates its assistance facts for today.
async fn check_form(
    conn: &impl ConnectionTrait,
    search: &SearchIndex,
    lines: &[FormLine],
) -> Result<Checked, AppError> {
    let today = crate::time::business_date(Utc::now());
    // Which SKUs and products the form names, in one read each.
    let named_products: Vec<String> = lines
        .iter()
        .filter(|l| l.sku_id.is_none())
        .filter_map(|l| l.product.as_ref().map(|p| p.trim().to_owned()))
        .collect();
    let mut product_ids: Vec<i64> = named_products
        .iter()
        .filter_map(|p| product_code(p))
        .collect();
    if !named_products.is_empty() {
        let by_name: Vec<i64> = crate::entities::products::Entity::find()
            .select_only()
            .column(crate::entities::products::Column::Id)
            .filter(crate::entities::products::Column::Name.is_in(named_products.clone()))
            .into_tuple()
            .all(conn)
            .await?;
        product_ids.extend(by_name);
    }
    let sku_ids: Vec<i64> = lines.iter().filter_map(|l| l.sku_id).collect();
    let mut skus: HashMap<i64, product_skus::Model> = stock::skus(conn, &sku_ids).await?;
    if !product_ids.is_empty() {
        for s in product_skus::Entity::find()
            .filter(product_skus::Column::ProductId.is_in(product_ids.clone()))
            .all(conn)
            .await?
        {
            skus.insert(s.id, s);
        }
    }
    let mut all_products: Vec<i64> = skus.values().map(|s| s.product_id).collect();
    all_products.sort_unstable();
    all_products.dedup();
    let docs = view::docs(conn, &all_products).await?;
    let all_skus: Vec<i64> = skus.keys().copied().collect();
    let tiers = stock::tiers_of(conn, &all_skus).await?;
    // Reserved so far by earlier lines of this form, per SKU (stock is checked per total).
    let mut wanted: HashMap<i64, i64> = HashMap::new();
    let mut matched = Vec::new();
    let mut report = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let row = i + 1;
        let mut problems = Vec::new();
        let mut problem = |column: &str, message: String| {
            problems.push(LineProblem {
                column: column.to_owned(),
                message,
            });
        };
        let sku = match (line.sku_id, line.product.as_deref()) {
            (Some(id), _) => skus.get(&id).cloned(),
            (None, Some(p)) => {
                let p = p.trim();
                let spec = line.spec.as_deref().map(str::trim).unwrap_or_default();
                let candidates: Vec<&product_skus::Model> = skus
                    .values()
                    .filter(|s| {
                        docs.get(&s.product_id).is_some_and(|d| {
                            d.doc.detail.card.name == p || product_code(p) == Some(s.product_id)
                        })
                    })
                    .collect();
                let by_spec: Vec<&&product_skus::Model> =
                    candidates.iter().filter(|s| s.spec == spec).collect();
                match (by_spec.as_slice(), candidates.as_slice()) {
                    ([one], _) => Some((**one).clone()),
                    ([], [one]) if spec.is_empty() => Some((*one).clone()),
                    _ => None,
                }
            }
            (None, None) => None,
        };
        let quantity = line.quantity;
        if !(1..=MAX_QTY).contains(&quantity) {
            problem(
                "quantity",
                format!("数量须为 1-{MAX_QTY} / the quantity must be 1-{MAX_QTY}"),
            );
        }
        if line.wanted_date.is_some_and(|d| d < today) {
            problem(
                "wanted_date",
                "期望送达日期早于今天 / the wanted date is in the past".into(),
            );
        }
        let Some(sku) = sku else {
            problem(
                "product",
                "未找到对应的在售商品和规格 / no listed product and specification matches".into(),
            );
            let text = line.product.clone().unwrap_or_default();
            let suggestions = suggest(conn, search, &text).await?;
            report.push(CheckedLine {
                row,
                sku_id: None,
                product_name: line.product.clone(),
                spec: line.spec.clone(),
                supplier_org_id: None,
                quantity,
                unit_price_fen: None,
                line_total_fen: None,
                assistance: false,
                problems,
                suggestions,
            });
            continue;
        };
        let shelved = docs.get(&sku.product_id);
        let name = shelved.map_or_else(String::new, |d| d.doc.detail.card.name.clone());
        let listed = shelved.is_some_and(|d| d.status == ProductStatus::Listed) && sku.active;
        if !listed {
            problem("product", format!("「{name}」已下架 / no longer for sale"));
        }
        let qty = i32::try_from(quantity.clamp(0, MAX_QTY)).unwrap_or(0);
        if (1..=MAX_QTY).contains(&quantity) && qty < sku.min_order_qty {
            problem(
                "quantity",
                format!(
                    "起订量为 {} / minimum order {}",
                    sku.min_order_qty, sku.min_order_qty
                ),
            );
        }
        let total_wanted = wanted.entry(sku.id).or_default();
        *total_wanted = total_wanted.saturating_add(Ord::max(quantity, 0));
        if *total_wanted > sku.stock {
            problem(
                "quantity",
                format!("库存不足（剩 {}） / only {} left", sku.stock, sku.stock),
            );
        }
        let price = stock::price(&sku, &tiers, qty);
        let facts = shelved.map(|d| stock::freeze(&d.doc.facts, today));
        let assistance = facts.as_ref().is_some_and(|f| f.eligible);
        let ok = problems.is_empty();
        report.push(CheckedLine {
            row,
            sku_id: Some(sku.id),
            product_name: Some(name.clone()),
            spec: Some(sku.spec.clone()),
            supplier_org_id: shelved.map(|d| d.doc.detail.card.supplier.id),
            quantity,
            unit_price_fen: Some(price.unit_price_fen),
            line_total_fen: Some(price.unit_price_fen * i64::from(qty)),
            assistance,
            problems,
            suggestions: Vec::new(),
        });
        if ok && let (Some(d), Some(facts)) = (shelved, facts) {
            matched.push(Matched {
                row,
                quantity: qty,
                unit_price_fen: price.unit_price_fen,
                tiered: price.tiered,
                name,
                supplier_org_id: d.doc.detail.card.supplier.id,
                category_id: d.doc.detail.category_id,
                county: d.doc.detail.card.origin.county_code.clone(),
                facts,
                wanted_date: line.wanted_date,
                sku,
            });
        }
    }
    Ok(Checked { matched, report })
}

/// Up to three listed SKUs closest to `text` (the shop's search: Chinese, pinyin, initials).
async fn suggest(
    conn: &impl ConnectionTrait,
    search: &SearchIndex,
    text: &str,
) -> Result<Vec<Suggestion>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    // The whole text first; then its two-character pieces (a sheet's "芒果干礼盒 1kg" finds
    // the 芒果 products when no product has every word).
    let chars: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(50)
        .collect();
    let mut queries: Vec<String> = vec![chars.iter().collect()];
    queries.extend(
        chars
            .windows(2)
            .take(24)
            .map(|w| w.iter().collect::<String>()),
    );
    let mut ids: Vec<i64> = Vec::new();
    for q in queries {
        let hits = search.search(&SearchRequest {
            text: Some(q),
            limit: 3,
            ..Default::default()
        })?;
        for id in hits.ids {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if ids.len() >= 3 {
            break;
        }
    }
    ids.truncate(3);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let hits = crate::catalog::search::SearchHits {
        ids,
        ..Default::default()
    };
    let docs = view::docs(conn, &hits.ids).await?;
    let skus = product_skus::Entity::find()
        .filter(product_skus::Column::ProductId.is_in(hits.ids.clone()))
        .filter(product_skus::Column::Active.eq(true))
        .order_by_asc(product_skus::Column::Position)
        .all(conn)
        .await?;
    Ok(hits
        .ids
        .iter()
        .filter_map(|pid| {
            let sku = skus.iter().find(|s| s.product_id == *pid)?;
            Some(Suggestion {
                sku_id: sku.id,
                product_name: docs.get(pid)?.doc.detail.card.name.clone(),
                spec: sku.spec.clone(),
                price_fen: sku.price_fen,
            })
        })
        .collect())
}

/// The organisation the actor buys for, checked.
pub(crate) async fn buying_org(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    org_id: i64,
) -> Result<organizations::Model, AppError> {
    let org = units::buyer_org(conn, org_id).await?;
    if !units::may_read_unit(actor, &org) {
        return Err(AppError::NotFound);
    }
    if !holds(actor, org_id, BUYERS) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有本单位采购员可以下单 / only the unit's buyers place orders",
        ));
    }
    Ok(org)
}

fn check_form_shape(form: &OrderForm) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    if form.lines.is_empty() {
        errors.add(
            "lines",
            FieldCode::Required,
            "订单至少一行 / at least one line",
        );
    }
    if form.lines.len() > MAX_LINES {
        errors.add(
            "lines",
            FieldCode::TooMany,
            format!("一次最多 {MAX_LINES} 行 / at most {MAX_LINES} lines"),
        );
    }
    let d = &form.delivery;
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
    if form.note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        errors.add(
            "note",
            FieldCode::TooLong,
            "备注最多 500 字 / at most 500 characters",
        );
    }
    if let Some(k) = &form.submission_key
        && !(8..=64).contains(&k.len())
    {
        errors.add(
            "submission_key",
            FieldCode::OutOfRange,
            "提交键为 8-64 个字符 / 8-64 characters",
        );
    }
    errors.into_result()
}

/// Checks an order form without writing anything: every line's match, price, stock and
/// problems (with suggestions).
///
/// # Errors
/// 404/403 for the buying organisation; 422 for a form that cannot be checked at all.
pub async fn dry_run(
    db: &DatabaseConnection,
    search: &SearchIndex,
    actor: &Actor,
    form: &OrderForm,
) -> Result<DryRun, AppError> {
    buying_org(db, actor, form.buyer_org_id).await?;
    check_form_shape(form)?;
    let checked = check_form(db, search, &form.lines).await?;
    Ok(summarise(checked))
}

/// Checks an uploaded sheet's lines as [`dry_run`] does, reporting the sheet's row numbers
/// and the cells that could not be read.
///
/// # Errors
/// 404/403 for the buying organisation.
pub async fn dry_run_sheet(
    db: &DatabaseConnection,
    search: &SearchIndex,
    actor: &Actor,
    buyer_org_id: i64,
    sheet: Vec<super::sheet::SheetLine>,
) -> Result<super::dto::SheetChecked, AppError> {
    buying_org(db, actor, buyer_org_id).await?;
    let lines: Vec<FormLine> = sheet.iter().map(|l| l.line.clone()).collect();
    let mut checked = check_form(db, search, &lines).await?;
    for (entry, read) in checked.report.iter_mut().zip(&sheet) {
        entry.row = read.row;
        if !read.problems.is_empty() {
            let read_columns: Vec<&str> = read.problems.iter().map(|p| p.column.as_str()).collect();
            entry
                .problems
                .retain(|p| !read_columns.contains(&p.column.as_str()));
            entry.problems.splice(0..0, read.problems.iter().cloned());
        }
    }
    let bad_rows: Vec<usize> = sheet
        .iter()
        .filter(|l| !l.problems.is_empty())
        .map(|l| l.row)
        .collect();
    checked.matched.retain(|m| !bad_rows.contains(&m.row));
    Ok(super::dto::SheetChecked {
        lines,
        dry_run: summarise(checked),
    })
}

fn summarise(checked: Checked) -> DryRun {
    let problem_count = checked
        .report
        .iter()
        .filter(|l| !l.problems.is_empty())
        .count();
    let total_fen = checked
        .matched
        .iter()
        .map(|m| m.unit_price_fen * i64::from(m.quantity))
        .sum();
    let mut suppliers: Vec<i64> = checked.matched.iter().map(|m| m.supplier_org_id).collect();
    suppliers.sort_unstable();
    suppliers.dedup();
    DryRun {
        lines: checked.report,
        problem_count,
        total_fen,
        order_count: suppliers.len(),
    }
}

/// Why an order needs which approval levels (the largest over the rules that match).
fn approval_levels(
    rules: &[crate::entities::approval_rules::Model],
    amount_fen: i64,
    month_total_fen: i64,
    category_paths: &[Vec<i64>],
) -> (i16, Vec<String>) {
    let mut levels = 0;
    let mut reasons = Vec::new();
    for r in rules {
        let hit = match r.kind {
            ApprovalRuleKind::OrderAmountOver => r.amount_fen.is_some_and(|t| amount_fen > t),
            ApprovalRuleKind::MonthTotalOver => r.amount_fen.is_some_and(|t| month_total_fen > t),
            ApprovalRuleKind::Category => r
                .category_id
                .is_some_and(|c| category_paths.iter().any(|p| p.contains(&c))),
        };
        if hit {
            levels = Ord::max(levels, r.levels);
            reasons.push(match r.kind {
                ApprovalRuleKind::OrderAmountOver => format!(
                    "订单金额超过 {} / order above the threshold",
                    crate::money::Money::from_fen(r.amount_fen.unwrap_or(0))
                ),
                ApprovalRuleKind::MonthTotalOver => format!(
                    "本月累计超过 {} / month total above the threshold",
                    crate::money::Money::from_fen(r.amount_fen.unwrap_or(0))
                ),
                ApprovalRuleKind::Category => "含指定品类 / contains the category".to_owned(),
            });
        }
    }
    (levels, reasons)
}

/// Places the form: all lines or nothing. One order per supplier under one submission key;
/// stock reserved in SKU order through the catalog's step; each line's price and assistance
/// facts frozen; the approval chain decided by the unit's rules and frozen. Answers the
/// orders already placed when the same key is submitted again.
///
/// # Errors
/// 404/403; 422 when any line has a problem (each with its row and column), or for a bad
/// form; 409 `out_of_stock` when stock went between the check and the reservation.
pub async fn commit(
    db: &DatabaseConnection,
    search: &SearchIndex,
    actor: &Actor,
    form: OrderForm,
) -> Result<Placed, AppError> {
    let org = buying_org(db, actor, form.buyer_org_id).await?;
    check_form_shape(&form)?;
    let key = form
        .submission_key
        .clone()
        .unwrap_or_else(|| format!("auto-{}", uuid::Uuid::new_v4().simple()));
    let existing = bulk_orders::Entity::find()
        .filter(bulk_orders::Column::BuyerOrgId.eq(org.id))
        .filter(bulk_orders::Column::SubmissionKey.eq(key.clone()))
        .order_by_asc(bulk_orders::Column::Id)
        .all(db)
        .await?;
    if !existing.is_empty() {
        let ids: Vec<i64> = existing.iter().map(|o| o.id).collect();
        return Ok(Placed {
            orders: views(db, &ids).await?,
        });
    }
    let known = PlaceRules::read(db, &org).await?;
    let txn = begin_write(db).await?;
    // One commit at a time per buying organisation (SQLite's write lock already serialises):
    // a resubmitted key finds the first one's orders, and the month's total is exact.
    lock_buyer(&txn, org.id).await?;
    let again = bulk_orders::Entity::find()
        .select_only()
        .column(bulk_orders::Column::Id)
        .filter(bulk_orders::Column::BuyerOrgId.eq(org.id))
        .filter(bulk_orders::Column::SubmissionKey.eq(key.clone()))
        .order_by_asc(bulk_orders::Column::Id)
        .into_tuple::<i64>()
        .all(&txn)
        .await?;
    if !again.is_empty() {
        txn.rollback().await?;
        return Ok(Placed {
            orders: views(db, &again).await?,
        });
    }
    let checked = check_form(&txn, search, &form.lines).await?;
    let mut errors = FieldErrors::new();
    for l in &checked.report {
        for p in &l.problems {
            errors.add(
                &format!("lines[{}].{}", l.row - 1, p.column),
                if p.column == "product" {
                    FieldCode::NoMatch
                } else {
                    FieldCode::OutOfRange
                },
                format!("第 {} 行：{}", l.row, p.message),
            );
        }
    }
    errors.into_result()?;
    let lines: Vec<Placing> = checked
        .matched
        .into_iter()
        .map(|m| Placing {
            product_id: Some(m.sku.product_id),
            spec: m.sku.spec.clone(),
            unit: m.sku.unit.clone(),
            quantity: m.quantity,
            unit_price_fen: m.unit_price_fen,
            price_source: if m.tiered {
                PriceSource::Tier
            } else {
                PriceSource::List
            },
            rfq_item_id: None,
            name: m.name,
            supplier_org_id: m.supplier_org_id,
            category_id: Some(m.category_id),
            county: Some(m.county),
            facts: m.facts,
            wanted_date: m.wanted_date,
            sku: Some(m.sku),
        })
        .collect();
    let line_count = lines.len();
    let ids = place(
        &txn,
        actor,
        &org,
        known,
        lines,
        &Placement {
            delivery: &form.delivery,
            payment_method: form.payment_method,
            note: form.note.clone(),
            key,
            quote: None,
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(orders = ids.len(), lines = line_count, "bulk order placed");
    Ok(Placed {
        orders: views(db, &ids).await?,
    })
}

/// Serialises the placements of one buying organisation (a row lock on PostgreSQL; SQLite's
/// write lock already does).
///
/// # Errors
/// Database errors.
pub(crate) async fn lock_buyer(
    txn: &sea_orm::DatabaseTransaction,
    org_id: i64,
) -> Result<(), AppError> {
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        txn.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT id FROM organizations WHERE id = $1 FOR UPDATE",
            [org_id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// A line ready to be written: matched, priced (list, tier or an accepted quote) and with its
/// assistance facts frozen.
pub(crate) struct Placing {
    /// The listed SKU, whose stock is reserved; none for a quoted free-text item.
    pub sku: Option<product_skus::Model>,
    pub product_id: Option<i64>,
    pub name: String,
    pub spec: String,
    pub unit: String,
    pub quantity: i32,
    pub unit_price_fen: i64,
    pub price_source: PriceSource,
    pub rfq_item_id: Option<i64>,
    pub supplier_org_id: i64,
    pub category_id: Option<i64>,
    pub county: Option<String>,
    pub facts: FrozenFacts,
    pub wanted_date: Option<NaiveDate>,
}

/// What a placement decides by: the unit's settings and approval rules and the category tree,
/// read before the placement's transaction (so its lock is held only for the writes).
pub(crate) struct PlaceRules {
    pub settings: crate::entities::budget_units::Model,
    pub rules: Vec<crate::entities::approval_rules::Model>,
    pub categories: Vec<categories::Model>,
}

impl PlaceRules {
    /// Reads them for `org`.
    ///
    /// # Errors
    /// Database errors.
    pub(crate) async fn read(
        db: &DatabaseConnection,
        org: &organizations::Model,
    ) -> Result<Self, AppError> {
        Ok(PlaceRules {
            settings: units::settings_row(db, org).await?,
            rules: units::rules_of(db, org.id).await?,
            categories: categories::Entity::find().all(db).await?,
        })
    }
}

/// What a placement writes besides its lines.
pub(crate) struct Placement<'a> {
    pub delivery: &'a DeliveryAddress,
    pub payment_method: Option<PaymentMethod>,
    pub note: Option<String>,
    /// The submission key every order of the placement carries.
    pub key: String,
    /// The request for quote and the accepted quote the prices come from.
    pub quote: Option<(i64, i64)>,
}

/// Writes checked lines as orders, one per supplier, in the caller's transaction (the step
/// an order form and an accepted quote share): the approval chain decided by the unit's
/// rules and frozen, the confirmation deadline scheduled when no approval is needed, the
/// stock of SKU lines reserved in SKU order through the catalog's step, each order audited.
/// Answers the new orders' ids.
///
/// # Errors
/// 409 `out_of_stock` when a SKU has not enough left; database errors.
pub(crate) async fn place(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    org: &organizations::Model,
    known: PlaceRules,
    lines: Vec<Placing>,
    meta: &Placement<'_>,
) -> Result<Vec<i64>, AppError> {
    let PlaceRules {
        settings,
        rules,
        categories: reference_categories,
    } = known;
    let now = Utc::now();
    let today = crate::time::business_date(now);
    let mut by_supplier: BTreeMap<i64, Vec<&Placing>> = BTreeMap::new();
    for m in &lines {
        by_supplier.entry(m.supplier_org_id).or_default().push(m);
    }
    let month_start = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let month_so_far: i64 = bulk_orders::Entity::find()
        .filter(bulk_orders::Column::BuyerOrgId.eq(org.id))
        .filter(bulk_orders::Column::CreatedAt.gte(crate::time::start_of_day(month_start)))
        .filter(bulk_orders::Column::Status.is_not_in([
            BulkOrderStatus::Rejected,
            BulkOrderStatus::Cancelled,
            BulkOrderStatus::Declined,
        ]))
        .all(txn)
        .await?
        .iter()
        .map(|o| o.items_total_fen)
        .sum();
    let mut month_total = month_so_far;
    let mut ids = Vec::new();
    for (n, (supplier, lines)) in by_supplier.iter().enumerate() {
        let total: i64 = lines
            .iter()
            .map(|m| m.unit_price_fen * i64::from(m.quantity))
            .sum();
        month_total += total;
        let paths: Vec<Vec<i64>> = lines
            .iter()
            .filter_map(|m| m.category_id)
            .map(|c| category_path(&reference_categories, c))
            .collect();
        let (levels, reasons) = approval_levels(&rules, total, month_total, &paths);
        let status = if levels > 0 {
            BulkOrderStatus::PendingApproval
        } else {
            BulkOrderStatus::AwaitingConfirmation
        };
        let order = bulk_orders::ActiveModel {
            // Renumbered below from the id; unique until then.
            order_no: Set(format!("tmp-{}-{n}", uuid::Uuid::new_v4().simple())),
            buyer_org_id: Set(org.id),
            placed_by: Set(actor.user_id),
            supplier_org_id: Set(*supplier),
            submission_key: Set(meta.key.clone()),
            status: Set(status),
            items_total_fen: Set(total),
            payment_method: Set(meta.payment_method.unwrap_or(PaymentMethod::Transfer)),
            payment_term_days: Set(settings.payment_term_days),
            delivery_address: Set(JsonText(DeliveryAddress {
                contact: meta.delivery.contact.trim().to_owned(),
                phone: Phone::parse(&meta.delivery.phone)
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default(),
                address: meta.delivery.address.trim().to_owned(),
            })),
            wanted_date: Set(lines.iter().filter_map(|m| m.wanted_date).min()),
            rfq_id: Set(meta.quote.map(|q| q.0)),
            quote_id: Set(meta.quote.map(|q| q.1)),
            note: Set(meta.note.clone()),
            confirm_deadline: Set(now + Duration::days(CONFIRM_DAYS)),
            approved_at: Set(if levels == 0 { Some(now) } else { None }),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        // The order number carries the id so it is unique however many forms a day.
        bulk_orders::Entity::update_many()
            .col_expr(
                bulk_orders::Column::OrderNo,
                Expr::value(format!("BU{}{:08}", today.format("%Y%m%d"), order.id)),
            )
            .filter(bulk_orders::Column::Id.eq(order.id))
            .exec(txn)
            .await?;
        for (i, m) in lines.iter().enumerate() {
            bulk_order_lines::ActiveModel {
                order_id: Set(order.id),
                line_no: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
                sku_id: Set(m.sku.as_ref().map(|s| s.id)),
                product_id: Set(m.product_id),
                category_id: Set(m.category_id),
                product_name: Set(m.name.clone()),
                spec: Set(m.spec.clone()),
                unit: Set(m.unit.clone()),
                unit_price_fen: Set(m.unit_price_fen),
                price_source: Set(m.price_source),
                rfq_item_id: Set(m.rfq_item_id),
                ordered_qty: Set(m.quantity),
                confirmed_qty: Set(None),
                delivered_qty: Set(0),
                accepted_qty: Set(0),
                rejected_qty: Set(0),
                credited_qty: Set(0),
                returned_qty: Set(0),
                wanted_date: Set(m.wanted_date),
                assistance_eligible: Set(m.facts.eligible),
                origin_county_code: Set(m.county.clone()),
                supplier_approved: Set(m.facts.supplier_approved),
                cert_numbers: Set(JsonText(m.facts.cert_numbers.clone())),
                pairing_id: Set(m.facts.pairing_id),
                helper_code: Set(m.facts.helper_code.clone()),
                programme: Set(m.facts.programme),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
        for level in 1..=levels {
            approval_steps::ActiveModel {
                order_id: Set(order.id),
                level: Set(level),
                role: Set(if level == 1 {
                    ApproverRole::Approver
                } else {
                    ApproverRole::UnitAdmin
                }),
                status: Set(if level == 1 {
                    StepStatus::Pending
                } else {
                    StepStatus::Waiting
                }),
                reasons: Set(JsonText(reasons.clone())),
                decided_by: Set(None),
                decided_at: Set(None),
                comment: Set(None),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
        if levels == 0 {
            super::flow::schedule_deadline(txn, order.id, now + Duration::days(CONFIRM_DAYS))
                .await?;
        }
        audit::record(
            txn,
            Some(actor),
            AuditEvent::new("bulk_order.place", "bulk_order", order.id).after(total),
        )
        .await?;
        ids.push(order.id);
    }
    let taking: Vec<(i64, i64)> = lines
        .iter()
        .filter_map(|m| m.sku.as_ref().map(|s| (s.id, i64::from(m.quantity))))
        .collect();
    let names: HashMap<i64, String> = lines
        .iter()
        .filter_map(|m| {
            m.sku
                .as_ref()
                .map(|s| (s.id, format!("{} {}", m.name, s.spec)))
        })
        .collect();
    stock::reserve(txn, &taking, |id| {
        names.get(&id).cloned().unwrap_or_default()
    })
    .await?;
    Ok(ids)
}

/// The category and its ancestors.
fn category_path(all: &[categories::Model], id: i64) -> Vec<i64> {
    let mut path = Vec::new();
    let mut cur = Some(id);
    while let Some(c) = cur {
        if path.contains(&c) || path.len() > 10 {
            break;
        }
        path.push(c);
        cur = all.iter().find(|x| x.id == c).and_then(|x| x.parent_id);
    }
    path
}

/// The status an order's lines, steps, invoices and payment say it is in. One function for
/// every change, never a counter.
#[must_use]
pub fn derive_status(
    order: &bulk_orders::Model,
    lines: &[bulk_order_lines::Model],
    steps: &[approval_steps::Model],
    invoices_matched: bool,
    evaluated: bool,
) -> BulkOrderStatus {
    if order.cancelled_at.is_some() {
        return BulkOrderStatus::Cancelled;
    }
    if steps.iter().any(|s| s.status == StepStatus::Rejected) {
        return BulkOrderStatus::Rejected;
    }
    if steps
        .iter()
        .any(|s| matches!(s.status, StepStatus::Pending | StepStatus::Waiting))
    {
        return BulkOrderStatus::PendingApproval;
    }
    if lines.iter().any(|l| l.confirmed_qty.is_none()) {
        return BulkOrderStatus::AwaitingConfirmation;
    }
    let confirmed: i32 = lines.iter().filter_map(|l| l.confirmed_qty).sum();
    if confirmed == 0 {
        return BulkOrderStatus::Declined;
    }
    if lines.iter().all(|l| l.delivered_qty == 0) {
        return BulkOrderStatus::Confirmed;
    }
    // Every confirmed unit is accepted or credited: the goods are done.
    let settled = lines
        .iter()
        .all(|l| l.accepted_qty + l.credited_qty == l.confirmed_qty.unwrap_or(0));
    let delivered_all = lines
        .iter()
        .all(|l| l.delivered_qty - l.rejected_qty + l.credited_qty >= l.confirmed_qty.unwrap_or(0));
    if !settled {
        return if delivered_all {
            BulkOrderStatus::Delivered
        } else {
            BulkOrderStatus::InDelivery
        };
    }
    if !invoices_matched {
        return BulkOrderStatus::Delivered;
    }
    if order.paid_at.is_none() {
        return BulkOrderStatus::Accepted;
    }
    if !evaluated {
        return BulkOrderStatus::Paid;
    }
    BulkOrderStatus::Completed
}

/// What is owed for an order: accepted quantities × frozen prices, fen.
#[must_use]
pub fn payable(lines: &[bulk_order_lines::Model]) -> i64 {
    lines
        .iter()
        .map(|l| l.unit_price_fen * i64::from(l.accepted_qty - l.returned_qty))
        .sum()
}

/// Whether the order's blue invoices (less red ones) are all matched and cover what is owed.
#[must_use]
pub fn invoices_settle(invs: &[invoices::Model], payable_fen: i64) -> bool {
    let live: Vec<&invoices::Model> = invs
        .iter()
        .filter(|i| i.kind == InvoiceKind::Blue && i.status != InvoiceStatus::Reversed)
        .collect();
    !live.is_empty()
        && live.iter().all(|i| i.status == InvoiceStatus::Matched)
        && live.iter().map(|i| i.total_fen).sum::<i64>() == payable_fen
}

/// Recomputes and stores an order's status (in the caller's transaction); answers it.
///
/// # Errors
/// Database errors.
pub async fn restate(
    conn: &impl ConnectionTrait,
    order_id: i64,
) -> Result<BulkOrderStatus, AppError> {
    let order = bulk_orders::Entity::find_by_id(order_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = lines_of(conn, &[order_id]).await?;
    let steps = approval_steps::Entity::find()
        .filter(approval_steps::Column::OrderId.eq(order_id))
        .all(conn)
        .await?;
    let invs = invoices::Entity::find()
        .filter(invoices::Column::OrderId.eq(order_id))
        .all(conn)
        .await?;
    let evaluated = order_evaluations::Entity::find_by_id(order_id)
        .one(conn)
        .await?
        .is_some();
    let status = derive_status(
        &order,
        &lines,
        &steps,
        invoices_settle(&invs, payable(&lines)),
        evaluated,
    );
    if status != order.status {
        let now = Utc::now();
        let mut update = bulk_orders::Entity::update_many()
            .col_expr(bulk_orders::Column::Status, Expr::value(status))
            .col_expr(bulk_orders::Column::UpdatedAt, Expr::value(now));
        if status == BulkOrderStatus::Accepted && order.accepted_at.is_none() {
            let due = crate::time::business_date(now)
                + Duration::days(i64::from(order.payment_term_days));
            update = update
                .col_expr(bulk_orders::Column::AcceptedAt, Expr::value(Some(now)))
                .col_expr(bulk_orders::Column::DueDate, Expr::value(Some(due)));
        }
        if status == BulkOrderStatus::Completed {
            update = update.col_expr(bulk_orders::Column::CompletedAt, Expr::value(Some(now)));
        }
        update
            .filter(bulk_orders::Column::Id.eq(order_id))
            .exec(conn)
            .await?;
    }
    Ok(status)
}

/// Lines of the orders, by order then line number.
///
/// # Errors
/// Database errors.
pub async fn lines_of(
    conn: &impl ConnectionTrait,
    order_ids: &[i64],
) -> Result<Vec<bulk_order_lines::Model>, AppError> {
    Ok(bulk_order_lines::Entity::find()
        .filter(bulk_order_lines::Column::OrderId.is_in(order_ids.to_vec()))
        .order_by_asc(bulk_order_lines::Column::OrderId)
        .order_by_asc(bulk_order_lines::Column::LineNo)
        .all(conn)
        .await?)
}

/// Whether the actor may read the order: the buying organisation's staff and supervisor,
/// the supplier's staff, operators and regulators.
///
/// # Errors
/// Database errors.
pub async fn may_read(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    order: &bulk_orders::Model,
) -> Result<bool, AppError> {
    if holds(actor, order.supplier_org_id, SUPPLIER_STAFF) {
        return Ok(true);
    }
    let org = units::buyer_org(conn, order.buyer_org_id).await?;
    Ok(units::may_read_unit(actor, &org))
}

/// An order the actor may read, or 404.
///
/// # Errors
/// 404.
pub async fn readable(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<bulk_orders::Model, AppError> {
    let order = bulk_orders::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if may_read(conn, actor, &order).await? {
        Ok(order)
    } else {
        Err(AppError::NotFound)
    }
}

/// One order, whole.
///
/// # Errors
/// 404.
pub async fn get(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<BulkOrder, AppError> {
    readable(db, actor, id).await?;
    views(db, &[id]).await?.pop().ok_or(AppError::NotFound)
}

/// Orders the actor may see: of the organisations they buy or approve for, of their
/// supplier, or all (operators, regulators); newest first, at most 200.
///
/// # Errors
/// Database errors.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    q: BulkOrderQuery,
) -> Result<Vec<BulkOrder>, AppError> {
    let mut find = bulk_orders::Entity::find();
    if !actor.is_operator() && !actor.has_role(Role::Regulator) {
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
        find = find.filter(
            bulk_orders::Column::BuyerOrgId
                .is_in(buying)
                .or(bulk_orders::Column::SupplierOrgId.is_in(selling)),
        );
    }
    if let Some(s) = q.status {
        find = find.filter(bulk_orders::Column::Status.eq(s));
    }
    if q.mine {
        let waiting = if actor
            .grants
            .iter()
            .any(|g| SUPPLIER_STAFF.contains(&g.role))
        {
            vec![
                BulkOrderStatus::AwaitingConfirmation,
                BulkOrderStatus::Confirmed,
            ]
        } else {
            vec![BulkOrderStatus::PendingApproval]
        };
        find = find.filter(bulk_orders::Column::Status.is_in(waiting));
    }
    let ids: Vec<i64> = find
        .select_only()
        .column(bulk_orders::Column::Id)
        .order_by_desc(bulk_orders::Column::Id)
        .limit(200)
        .into_tuple()
        .all(db)
        .await?;
    views(db, &ids).await
}

/// Assembles the views of `ids` (in that order) from a handful of reads.
///
/// # Errors
/// Database errors.
pub async fn views(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<BulkOrder>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let orders = bulk_orders::Entity::find()
        .filter(bulk_orders::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?;
    let lines = lines_of(conn, ids).await?;
    let steps = approval_steps::Entity::find()
        .filter(approval_steps::Column::OrderId.is_in(ids.to_vec()))
        .order_by_asc(approval_steps::Column::Level)
        .all(conn)
        .await?;
    let dels = deliveries::Entity::find()
        .filter(deliveries::Column::OrderId.is_in(ids.to_vec()))
        .order_by_asc(deliveries::Column::Seq)
        .all(conn)
        .await?;
    let del_ids: Vec<i64> = dels.iter().map(|d| d.id).collect();
    let dlines = delivery_lines::Entity::find()
        .filter(delivery_lines::Column::DeliveryId.is_in(del_ids.clone()))
        .all(conn)
        .await?;
    let accs = acceptances::Entity::find()
        .filter(acceptances::Column::DeliveryId.is_in(del_ids))
        .all(conn)
        .await?;
    let acc_ids: Vec<i64> = accs.iter().map(|a| a.id).collect();
    let alines = acceptance_lines::Entity::find()
        .filter(acceptance_lines::Column::AcceptanceId.is_in(acc_ids))
        .all(conn)
        .await?;
    let invs = invoices::Entity::find()
        .filter(invoices::Column::OrderId.is_in(ids.to_vec()))
        .order_by_asc(invoices::Column::Id)
        .all(conn)
        .await?;
    let evals = order_evaluations::Entity::find()
        .filter(order_evaluations::Column::OrderId.is_in(ids.to_vec()))
        .all(conn)
        .await?;
    let mut org_ids: Vec<i64> = orders
        .iter()
        .flat_map(|o| [o.buyer_org_id, o.supplier_org_id])
        .collect();
    org_ids.sort_unstable();
    org_ids.dedup();
    let names: HashMap<i64, String> = organizations::Entity::find()
        .filter(organizations::Column::Id.is_in(org_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let today = crate::time::business_date(Utc::now());
    let by_id: HashMap<i64, &bulk_orders::Model> = orders.iter().map(|o| (o.id, o)).collect();
    Ok(ids
        .iter()
        .filter_map(|id| by_id.get(id))
        .map(|o| {
            let my_lines: Vec<bulk_order_lines::Model> = lines
                .iter()
                .filter(|l| l.order_id == o.id)
                .cloned()
                .collect();
            let payable_fen = payable(&my_lines);
            let (overdue_days, late_interest_fen) = match (o.due_date, o.paid_at) {
                (Some(due), None) if today > due => {
                    let days = (today - due).num_days();
                    // 0.05% a day of what is owed, rounded to the fen.
                    let interest =
                        (i128::from(payable_fen) * i128::from(days) * 5 + 5_000) / 10_000;
                    (days, i64::try_from(interest).unwrap_or(i64::MAX))
                }
                _ => (0, 0),
            };
            BulkOrder {
                id: o.id,
                order_no: o.order_no.clone(),
                buyer_org_id: o.buyer_org_id,
                buyer_name: names.get(&o.buyer_org_id).cloned().unwrap_or_default(),
                supplier_org_id: o.supplier_org_id,
                supplier_name: names.get(&o.supplier_org_id).cloned().unwrap_or_default(),
                status: o.status,
                items_total_fen: o.items_total_fen,
                payable_fen,
                payment_method: o.payment_method,
                payment_term_days: o.payment_term_days,
                delivery: DeliveryAddress {
                    contact: o.delivery_address.contact.clone(),
                    phone: mask_phone(&o.delivery_address.phone),
                    address: o.delivery_address.address.clone(),
                },
                confirm_deadline: o.confirm_deadline,
                due_date: o.due_date,
                overdue_days,
                late_interest_fen,
                bank_reference: o.bank_reference.clone(),
                created_at: o.created_at,
                lines: my_lines
                    .iter()
                    .map(|l| BulkOrderLine {
                        id: l.id,
                        line_no: l.line_no,
                        sku_id: l.sku_id,
                        product_name: l.product_name.clone(),
                        spec: l.spec.clone(),
                        unit: l.unit.clone(),
                        unit_price_fen: l.unit_price_fen,
                        price_source: l.price_source,
                        ordered_qty: l.ordered_qty,
                        confirmed_qty: l.confirmed_qty,
                        delivered_qty: l.delivered_qty,
                        accepted_qty: l.accepted_qty,
                        rejected_qty: l.rejected_qty,
                        credited_qty: l.credited_qty,
                        assistance_eligible: l.assistance_eligible,
                        origin_county_code: l.origin_county_code.clone(),
                        accepted_fen: l.unit_price_fen * i64::from(l.accepted_qty),
                    })
                    .collect(),
                approval: steps
                    .iter()
                    .filter(|s| s.order_id == o.id)
                    .map(|s| ApprovalStep {
                        level: s.level,
                        role: s.role,
                        status: s.status,
                        reasons: s.reasons.0.clone(),
                        decided_at: s.decided_at,
                        comment: s.comment.clone(),
                    })
                    .collect(),
                deliveries: dels
                    .iter()
                    .filter(|d| d.order_id == o.id)
                    .map(|d| {
                        let acc = accs.iter().find(|a| a.delivery_id == d.id);
                        Delivery {
                            id: d.id,
                            seq: d.seq,
                            delivery_no: d.delivery_no.clone(),
                            carrier: d.carrier.clone(),
                            tracking_no: d.tracking_no.clone(),
                            shipped_at: d.shipped_at,
                            accepted: acc.is_some(),
                            photos: acc.map(|a| a.photos.0.clone()).unwrap_or_default(),
                            photo_urls: acc
                                .map(|a| a.photos.iter().map(|h| crate::media::urls(h)).collect())
                                .unwrap_or_default(),
                            lines: dlines
                                .iter()
                                .filter(|x| x.delivery_id == d.id)
                                .map(|x| {
                                    let al = acc.and_then(|a| {
                                        alines.iter().find(|y| {
                                            y.acceptance_id == a.id
                                                && y.order_line_id == x.order_line_id
                                        })
                                    });
                                    DeliveredLine {
                                        line_id: x.order_line_id,
                                        quantity: x.quantity,
                                        accepted_qty: al.map(|y| y.accepted_qty),
                                        rejected_qty: al.map(|y| y.rejected_qty),
                                        remedy: al.map(|y| y.remedy),
                                        reason: al.and_then(|y| y.reason.clone()),
                                    }
                                })
                                .collect(),
                        }
                    })
                    .collect(),
                invoices: invs
                    .iter()
                    .filter(|i| i.order_id == o.id)
                    .map(|i| Invoice {
                        id: i.id,
                        kind: i.kind,
                        number: i.number.clone(),
                        issue_date: i.issue_date,
                        seller_id: i.seller_id.clone(),
                        buyer_id: i.buyer_id.clone(),
                        total_fen: i.total_fen,
                        total_tax_fen: i.total_tax_fen,
                        source: i.source,
                        status: i.status,
                        check: i.check_report.0.clone(),
                    })
                    .collect(),
                evaluation: evals
                    .iter()
                    .find(|e| e.order_id == o.id)
                    .map(|e| Evaluation {
                        quality: e.quality,
                        delivery: e.delivery,
                        service: e.service,
                        comment: e.comment.clone(),
                    }),
            }
        })
        .collect())
}
