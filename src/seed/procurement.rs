//! Demo procurement: each demo budget unit's settings and approval rules, its filing for the
//! year (approved ones, a corrected one, one sent back, one late, one missing) and about a
//! year of bulk orders in every state, back-dated month by month, from the demo catalogue.
//!
//! The seed is the documented exception to table ownership: it writes the procurement rows
//! directly, but every row is what the services would have written (quantities within the
//! database's rules, invoices matching accepted quantity × frozen price, approval steps as
//! the unit's rules decide them, stock reserved for open orders through the catalog's step),
//! and each order's stored status is checked against `orders::restate` before it is kept.
//! Share facts are not written here: the reporting ledger backfills them from the orders.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::Lcg;
use crate::catalog::model::ProductStatus;
use crate::catalog::stock::{self, FrozenFacts};
use crate::catalog::view;
use crate::entities::{
    acceptance_lines, acceptances, approval_rules, approval_steps, budget_units, bulk_order_lines,
    bulk_orders, deliveries, delivery_lines, filings, invoice_lines, invoices, order_evaluations,
    organizations, product_skus, products,
};
use crate::procurement::model::{
    ApprovalRuleKind, ApproverRole, BulkOrderStatus, CanteenMode, CheckReport, DeliveryAddress,
    FilingStatus, InvoiceKind, InvoiceSource, InvoiceStatus, LineCheck, PaymentMethod, PriceSource,
    Remedy, StepStatus,
};
use crate::vocab::JsonText;

/// One demo unit and its three people.
pub(super) struct UnitStaff {
    pub org: i64,
    pub buyer: i64,
    pub approver: i64,
    pub admin: i64,
}

/// One demo supplier and its admin.
pub(super) struct SupplierStaff {
    pub org: i64,
    pub user: i64,
}

/// Orders above this need one approval (the demo units' rule), fen: 5,000 yuan.
pub const DEMO_ONE_LEVEL_FEN: i64 = 500_000;
/// Orders above this need two approvals, fen: 20,000 yuan.
pub const DEMO_TWO_LEVELS_FEN: i64 = 2_000_000;
/// Prefix of the demo orders' submission keys (how a second run knows they exist).
const KEY_PREFIX: &str = "demo-";

/// How far an order got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    PendingApproval,
    Rejected,
    AwaitingConfirmation,
    Confirmed,
    InDelivery,
    /// Goods accepted, no invoice yet (status `delivered`).
    GoodsAccepted,
    /// Goods and invoice accepted, payment due (status `accepted`).
    Invoiced,
    Paid,
    Completed,
}

impl Stage {
    fn status(self) -> BulkOrderStatus {
        match self {
            Stage::PendingApproval => BulkOrderStatus::PendingApproval,
            Stage::Rejected => BulkOrderStatus::Rejected,
            Stage::AwaitingConfirmation => BulkOrderStatus::AwaitingConfirmation,
            Stage::Confirmed => BulkOrderStatus::Confirmed,
            Stage::InDelivery => BulkOrderStatus::InDelivery,
            Stage::GoodsAccepted => BulkOrderStatus::Delivered,
            Stage::Invoiced => BulkOrderStatus::Accepted,
            Stage::Paid => BulkOrderStatus::Paid,
            Stage::Completed => BulkOrderStatus::Completed,
        }
    }

    /// Whether the order still holds its stock reservation in the catalogue (open orders).
    fn reserves_stock(self) -> bool {
        matches!(
            self,
            Stage::PendingApproval
                | Stage::AwaitingConfirmation
                | Stage::Confirmed
                | Stage::InDelivery
        )
    }

    fn confirmed(self) -> bool {
        !matches!(
            self,
            Stage::PendingApproval | Stage::Rejected | Stage::AwaitingConfirmation
        )
    }
}

/// A listed SKU with what an order line freezes from it.
#[derive(Clone)]
struct Offer {
    sku: product_skus::Model,
    name: String,
    category_id: i64,
    county: String,
    facts: crate::catalog::doc::Facts,
}

/// `hour`:00 in Shanghai on `date`.
fn at(date: NaiveDate, hour: i64) -> DateTime<Utc> {
    crate::time::start_of_day(date) + Duration::hours(hour)
}

/// Loads the demo procurement data; does nothing when it is already there.
///
/// # Errors
/// Database errors; an order whose derived status is not the one written (a seed bug).
pub(super) async fn seed(
    conn: &impl ConnectionTrait,
    units: &[UnitStaff],
    suppliers: &[SupplierStaff],
    operator: i64,
) -> anyhow::Result<u64> {
    let already = bulk_orders::Entity::find()
        .filter(bulk_orders::Column::SubmissionKey.starts_with(KEY_PREFIX))
        .count(conn)
        .await?;
    if already > 0 || units.is_empty() {
        return Ok(0);
    }
    let now = Utc::now();
    let today = crate::time::business_date(now);
    let year = today.year();
    settings_and_rules(conn, units, now).await?;
    seed_filings(conn, units, operator, year).await?;

    let offers = offers(conn, suppliers).await?;
    if offers.is_empty() {
        return Ok(0);
    }
    let supplier_ids: Vec<i64> = suppliers
        .iter()
        .map(|s| s.org)
        .filter(|o| offers.contains_key(o))
        .collect();
    let supplier_user: HashMap<i64, i64> = suppliers.iter().map(|s| (s.org, s.user)).collect();
    let uscc: HashMap<i64, (String, String)> = organizations::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, (o.uscc.unwrap_or_default(), o.name)))
        .collect();
    let mut remaining: HashMap<i64, i64> = offers
        .values()
        .flatten()
        .map(|o| (o.sku.id, o.sku.stock))
        .collect();

    let month_start = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let last_month = month_start
        .checked_sub_months(Months::new(1))
        .unwrap_or(month_start);
    let mut rng = Lcg(20_261_203);
    let mut count = 0;
    for (i, unit) in units.iter().enumerate() {
        let idx = i64::try_from(i).unwrap_or(0);
        let mut plan: Vec<(Stage, NaiveDate)> = Vec::new();
        // Completed orders month by month (the first units every month, the others every
        // other month), then one order in each open state in the last month or two.
        let every = if i < 4 { 1 } else { 2 };
        for m in (2..=11_u32).rev().step_by(every) {
            if let Some(start) = month_start.checked_sub_months(Months::new(m)) {
                if start.year() != year {
                    continue;
                }
                plan.push((Stage::Completed, start + Duration::days(2 + (idx * 3) % 17)));
            }
        }
        let early_last = last_month + Duration::days(1 + idx % 4);
        plan.push((Stage::Paid, early_last));
        let invoiced_on = if i % 3 == 0 {
            // Accepted two months ago: past its 30-day term, so overdue with late interest.
            month_start
                .checked_sub_months(Months::new(2))
                .unwrap_or(last_month)
                + Duration::days(3)
        } else {
            last_month + Duration::days(6)
        };
        plan.push((Stage::Invoiced, invoiced_on));
        plan.push((Stage::GoodsAccepted, last_month + Duration::days(9)));
        plan.push((Stage::Rejected, last_month + Duration::days(11)));
        plan.push((Stage::InDelivery, last_month + Duration::days(14)));
        plan.push((Stage::Confirmed, last_month + Duration::days(18)));
        plan.push((Stage::AwaitingConfirmation, last_month + Duration::days(22)));
        plan.push((Stage::PendingApproval, last_month + Duration::days(24)));
        for (n, (stage, date)) in plan.into_iter().enumerate() {
            if date >= month_start || (date.year() != year && stage == Stage::Completed) {
                continue;
            }
            let supplier = supplier_ids[(i * 5 + n * 3) % supplier_ids.len()];
            let Some(catalogue) = offers.get(&supplier) else {
                continue;
            };
            let lines = pick_lines(catalogue, stage, &mut rng, &mut remaining);
            if lines.is_empty() {
                continue;
            }
            let order = DemoOrder {
                unit,
                supplier,
                supplier_user: supplier_user.get(&supplier).copied().unwrap_or(operator),
                stage,
                placed: at(date, 10),
                seq: n,
                term: if i == 9 { 45 } else { 30 },
                now,
            };
            order.insert(conn, &lines, &uscc).await?;
            count += 1;
        }
    }
    Ok(count)
}

/// Budget unit settings (canteen modes, 30-day terms, a 45-day one) and the approval rules
/// the orders below were decided by: one approval above 5,000 yuan, two above 20,000.
async fn settings_and_rules(
    conn: &impl ConnectionTrait,
    units: &[UnitStaff],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for (i, unit) in units.iter().enumerate() {
        let org = organizations::Entity::find_by_id(unit.org)
            .one(conn)
            .await?;
        let jurisdiction = org
            .and_then(|o| o.region_code)
            .map_or_else(|| "440300".to_owned(), |c| format!("{}00", &c[..4]));
        let (mode, contractor) = match i {
            4 | 7 => (
                CanteenMode::Outsourced,
                Some("深圳演示膳食管理有限公司".to_owned()),
            ),
            _ => (CanteenMode::Own, None),
        };
        budget_units::Entity::insert(budget_units::ActiveModel {
            org_id: Set(unit.org),
            jurisdiction_code: Set(jurisdiction),
            canteen_mode: Set(mode),
            contractor_name: Set(contractor),
            represented_by_org_id: Set(None),
            payment_term_days: Set(if i == 9 { 45 } else { 30 }),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(budget_units::Column::OrgId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
        let has_rules = approval_rules::Entity::find()
            .filter(approval_rules::Column::UnitOrgId.eq(unit.org))
            .count(conn)
            .await?
            > 0;
        if has_rules {
            continue;
        }
        for (amount, levels) in [(DEMO_ONE_LEVEL_FEN, 1), (DEMO_TWO_LEVELS_FEN, 2)] {
            approval_rules::ActiveModel {
                unit_org_id: Set(unit.org),
                kind: Set(ApprovalRuleKind::OrderAmountOver),
                amount_fen: Set(Some(amount)),
                category_id: Set(None),
                levels: Set(levels),
                created_by: Set(Some(unit.admin)),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(conn)
            .await?;
        }
    }
    Ok(())
}

/// The year's filings: approved (filed before the deadline), a corrected one (version 1
/// superseded by version 2), one sent back, one submitted late and still waiting, one
/// missing.
async fn seed_filings(
    conn: &impl ConnectionTrait,
    units: &[UnitStaff],
    operator: i64,
    year: i32,
) -> anyhow::Result<()> {
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d).unwrap_or_default();
    for (i, unit) in units.iter().enumerate() {
        let exists = filings::Entity::find()
            .filter(filings::Column::UnitOrgId.eq(unit.org))
            .filter(filings::Column::Year.eq(year))
            .count(conn)
            .await?
            > 0;
        if exists || i == 5 {
            // Unit 6 never filed: the supervisor sees it as missing.
            continue;
        }
        let idx = i64::try_from(i).unwrap_or(0);
        // 200,000 - 1,100,000 yuan of agricultural purchases a year.
        let expected = (200_000 + ((idx * 37) % 10) * 100_000) * 100;
        let ratio = if i % 4 == 1 { 3500 } else { 3000 };
        let submitted = day(1, 10) + Duration::days(idx * 2);
        let mut versions: Vec<Version> = Vec::new();
        match i {
            1 => {
                versions.push((
                    FilingStatus::Superseded,
                    submitted,
                    Some(submitted + Duration::days(4)),
                    None,
                    expected * 8 / 10,
                ));
                versions.push((
                    FilingStatus::Approved,
                    day(6, 2),
                    Some(day(6, 5)),
                    None,
                    expected,
                ));
            }
            2 => versions.push((
                FilingStatus::Returned,
                submitted,
                Some(submitted + Duration::days(3)),
                Some("预计采购总额与上年食堂食材决算差异较大，请核实后重新填报"),
                expected,
            )),
            // Filed after the deadline (20 Feb), still waiting for review.
            6 => versions.push((FilingStatus::Submitted, day(3, 28), None, None, expected)),
            _ => versions.push((
                FilingStatus::Approved,
                submitted,
                Some(submitted + Duration::days(5)),
                None,
                expected,
            )),
        }
        for (v, (status, sent, decided, reason, total)) in versions.into_iter().enumerate() {
            filings::ActiveModel {
                unit_org_id: Set(unit.org),
                year: Set(year),
                version: Set(i32::try_from(v + 1).unwrap_or(1)),
                status: Set(status),
                canteen_mode: Set(if i == 4 || i == 7 {
                    CanteenMode::Outsourced
                } else {
                    CanteenMode::Own
                }),
                expected_total_fen: Set(total),
                ratio_bp: Set(ratio),
                reserved_fen: Set(crate::reporting::rules::reserved_amount(total, ratio)),
                union_funds_fen: Set(None),
                covered_units: Set(JsonText(Vec::new())),
                contact_name: Set("食堂采购负责人".to_owned()),
                contact_phone: Set(super::demo_phone(
                    10,
                    u64::try_from(idx).unwrap_or(0) * 3 + 1,
                )),
                note: Set(None),
                created_by: Set(unit.buyer),
                submitted_at: Set(Some(at(sent, 9))),
                submitted_by: Set(Some(unit.buyer)),
                decided_at: Set(decided.map(|d| at(d, 15))),
                decided_by: Set(decided.map(|_| operator)),
                decision_reason: Set(reason.map(str::to_owned)),
                created_at: Set(at(sent, 9)),
                updated_at: Set(at(decided.unwrap_or(sent), 15)),
                ..Default::default()
            }
            .insert(conn)
            .await?;
        }
    }
    Ok(())
}

/// A filing version: status, submitted, decided, reason, expected total.
type Version = (
    FilingStatus,
    NaiveDate,
    Option<NaiveDate>,
    Option<&'static str>,
    i64,
);

/// A delivery: when, and per order line (line, quantity, rejected).
type Shipment = (DateTime<Utc>, Vec<(i64, i32, i32)>);

/// The listed SKUs of each supplier (first active SKU of each listed product).
async fn offers(
    conn: &impl ConnectionTrait,
    suppliers: &[SupplierStaff],
) -> anyhow::Result<HashMap<i64, Vec<Offer>>> {
    let orgs: Vec<i64> = suppliers.iter().map(|s| s.org).collect();
    let listed = products::Entity::find()
        .filter(products::Column::SupplierOrgId.is_in(orgs))
        .filter(products::Column::Status.eq(ProductStatus::Listed))
        .order_by_asc(products::Column::Id)
        // The hand-written demo listings come first; synthetic load-test products do not matter.
        .limit(300)
        .all(conn)
        .await?;
    let ids: Vec<i64> = listed.iter().map(|p| p.id).collect();
    let docs = view::docs(conn, &ids)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let skus = product_skus::Entity::find()
        .filter(product_skus::Column::ProductId.is_in(ids))
        .filter(product_skus::Column::Active.eq(true))
        .order_by_asc(product_skus::Column::Position)
        .order_by_asc(product_skus::Column::Id)
        .all(conn)
        .await?;
    let mut out: HashMap<i64, Vec<Offer>> = HashMap::new();
    for p in &listed {
        let (Some(doc), Some(sku)) = (
            docs.get(&p.id),
            skus.iter().find(|s| s.product_id == p.id && s.stock > 0),
        ) else {
            continue;
        };
        out.entry(p.supplier_org_id).or_default().push(Offer {
            sku: sku.clone(),
            name: doc.doc.detail.card.name.clone(),
            category_id: doc.doc.detail.category_id,
            county: doc.doc.detail.card.origin.county_code.clone(),
            facts: doc.doc.facts.clone(),
        });
    }
    Ok(out)
}

/// Two to four lines from a supplier's catalogue. Quantities are a canteen's: dozens to a
/// couple of hundred; open orders (which hold stock) take what stock is left.
fn pick_lines(
    catalogue: &[Offer],
    stage: Stage,
    rng: &mut Lcg,
    remaining: &mut HashMap<i64, i64>,
) -> Vec<(Offer, i32)> {
    let n = 2 + usize::try_from(rng.next() % 3).unwrap_or(0);
    let start = usize::try_from(rng.next()).unwrap_or(0) % catalogue.len();
    let mut out = Vec::new();
    for k in 0..n.min(catalogue.len()) {
        let offer = &catalogue[(start + k) % catalogue.len()];
        let mut qty = i64::try_from(10 + (rng.next() % 20) * 10).unwrap_or(10);
        if stage.reserves_stock() {
            // Open orders hold at most 40% of a SKU's stock: the rest stays for the shop.
            let left = remaining.get(&offer.sku.id).copied().unwrap_or(0);
            let floor = offer.sku.stock * 6 / 10;
            qty = qty.min(left - floor);
            if qty < i64::from(offer.sku.min_order_qty.max(1)) {
                continue;
            }
            remaining.insert(offer.sku.id, left - qty);
        }
        out.push((offer.clone(), i32::try_from(qty).unwrap_or(10)));
    }
    out
}

struct DemoOrder<'a> {
    unit: &'a UnitStaff,
    supplier: i64,
    supplier_user: i64,
    stage: Stage,
    placed: DateTime<Utc>,
    seq: usize,
    /// The unit's payment term, days.
    term: i64,
    now: DateTime<Utc>,
}

/// What happened to one line, in quantities.
#[derive(Clone, Copy, Default)]
struct LineQty {
    confirmed: Option<i32>,
    /// Delivered in the first delivery, and in the second.
    first: i32,
    second: i32,
    rejected: i32,
}

impl DemoOrder<'_> {
    #[allow(clippy::too_many_lines)]
    async fn insert(
        &self,
        conn: &impl ConnectionTrait,
        lines: &[(Offer, i32)],
        orgs: &HashMap<i64, (String, String)>,
    ) -> anyhow::Result<()> {
        let stage = self.stage;
        let placed = self.placed;
        let date = crate::time::business_date(placed);
        let tiers = stock::tiers_of(
            conn,
            &lines.iter().map(|(o, _)| o.sku.id).collect::<Vec<_>>(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let priced: Vec<(stock::LinePrice, FrozenFacts)> = lines
            .iter()
            .map(|(o, q)| {
                (
                    stock::price(&o.sku, &tiers, *q),
                    stock::freeze(&o.facts, date),
                )
            })
            .collect();
        let total: i64 = lines
            .iter()
            .zip(&priced)
            .map(|((_, q), (p, _))| p.unit_price_fen * i64::from(*q))
            .sum();
        let levels: i16 = if total > DEMO_TWO_LEVELS_FEN {
            2
        } else if total > DEMO_ONE_LEVEL_FEN {
            1
        } else {
            0
        };
        // A pending or rejected order is one the rules stopped: skip it when they did not.
        if matches!(stage, Stage::PendingApproval | Stage::Rejected) && levels == 0 {
            return Ok(());
        }
        // Quantities per line: a short confirmation on some orders, a rejection credited on
        // some, two deliveries on some.
        let seq = self.seq;
        let qty: Vec<LineQty> = lines
            .iter()
            .enumerate()
            .map(|(k, (_, q))| {
                if !stage.confirmed() {
                    return LineQty::default();
                }
                let confirmed = if seq % 5 == 1 && k == 1 {
                    q - q / 5
                } else {
                    *q
                };
                let mut l = LineQty {
                    confirmed: Some(confirmed),
                    ..LineQty::default()
                };
                match stage {
                    Stage::Confirmed => {}
                    Stage::InDelivery => {
                        if k == 0 {
                            l.first = confirmed / 2;
                        }
                    }
                    _ => {
                        if seq.is_multiple_of(3) {
                            l.first = confirmed / 2;
                            l.second = confirmed - confirmed / 2;
                        } else {
                            l.first = confirmed;
                        }
                        if seq % 4 == 2 && k == 0 && confirmed > 4 {
                            l.rejected = 2;
                        }
                    }
                }
                l
            })
            .collect();
        let day = |d: i64| placed + Duration::days(d);
        let approved_at = if levels == 0 {
            Some(placed)
        } else {
            match stage {
                Stage::PendingApproval | Stage::Rejected => None,
                // Approved yesterday: the supplier's three days run from there.
                Stage::AwaitingConfirmation => Some(self.now - Duration::days(1)),
                _ => Some(day(1)),
            }
        };
        let confirmed_at = stage.confirmed().then(|| day(2));
        let first_at = day(4);
        let second_at = day(7);
        let deliveries_done = matches!(
            stage,
            Stage::GoodsAccepted | Stage::Invoiced | Stage::Paid | Stage::Completed
        );
        let last_delivery = if seq.is_multiple_of(3) {
            second_at
        } else {
            first_at
        };
        let invoice_at = last_delivery + Duration::days(2);
        let invoiced = matches!(stage, Stage::Invoiced | Stage::Paid | Stage::Completed);
        let term = self.term;
        let due = invoiced.then(|| crate::time::business_date(invoice_at) + Duration::days(term));
        let paid_at = matches!(stage, Stage::Paid | Stage::Completed)
            .then(|| invoice_at + Duration::days(5 + i64::try_from(seq % 5).unwrap_or(0)));
        let completed_at =
            (stage == Stage::Completed).then(|| paid_at.unwrap_or(invoice_at) + Duration::days(2));
        let confirm_deadline = match (stage, approved_at) {
            (Stage::AwaitingConfirmation, _) => self.now + Duration::days(2),
            (_, Some(a)) => a + Duration::days(3),
            (_, None) => placed + Duration::days(3),
        };
        let last_change = [
            Some(placed),
            approved_at,
            confirmed_at,
            deliveries_done.then_some(last_delivery),
            invoiced.then_some(invoice_at),
            paid_at,
            completed_at,
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(placed);
        let (buyer_uscc, buyer_name) = orgs.get(&self.unit.org).cloned().unwrap_or_default();
        let (seller_uscc, seller_name) = orgs.get(&self.supplier).cloned().unwrap_or_default();
        let order = bulk_orders::ActiveModel {
            order_no: Set(format!("tmp-demo-{}-{seq}", self.unit.org)),
            buyer_org_id: Set(self.unit.org),
            placed_by: Set(self.unit.buyer),
            supplier_org_id: Set(self.supplier),
            submission_key: Set(format!("{KEY_PREFIX}{}-{seq}", self.unit.org)),
            status: Set(stage.status()),
            items_total_fen: Set(total),
            payment_method: Set(PaymentMethod::Transfer),
            payment_term_days: Set(i32::try_from(term).unwrap_or(30)),
            delivery_address: Set(JsonText(DeliveryAddress {
                contact: "食堂仓管员".to_owned(),
                phone: super::demo_phone(30, u64::try_from(self.unit.org).unwrap_or(0)),
                address: format!("{buyer_name}食堂收货处"),
            })),
            wanted_date: Set(Some(date + Duration::days(7))),
            rfq_id: Set(None),
            quote_id: Set(None),
            note: Set(None),
            confirm_deadline: Set(confirm_deadline),
            approved_at: Set(approved_at),
            confirmed_at: Set(confirmed_at),
            accepted_at: Set(invoiced.then_some(invoice_at)),
            due_date: Set(due),
            payment_id: Set(None),
            bank_reference: Set(paid_at.map(|p| format!("DEMO{}{:04}", p.format("%Y%m%d"), seq))),
            paid_at: Set(paid_at),
            completed_at: Set(completed_at),
            cancelled_at: Set(None),
            cancel_reason: Set(None),
            created_at: Set(placed),
            updated_at: Set(last_change),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        bulk_orders::Entity::update_many()
            .col_expr(
                bulk_orders::Column::OrderNo,
                Expr::value(format!("BU{}{:08}", date.format("%Y%m%d"), order.id)),
            )
            .filter(bulk_orders::Column::Id.eq(order.id))
            .exec(conn)
            .await?;
        let mut line_ids = Vec::new();
        for (k, ((offer, q), (price, facts))) in lines.iter().zip(&priced).enumerate() {
            let l = qty[k];
            let delivered = if deliveries_done || stage == Stage::InDelivery {
                l.first + l.second
            } else {
                0
            };
            let rejected = if deliveries_done { l.rejected } else { 0 };
            let accepted = delivered - rejected;
            let row = bulk_order_lines::ActiveModel {
                order_id: Set(order.id),
                line_no: Set(i32::try_from(k + 1).unwrap_or(1)),
                sku_id: Set(Some(offer.sku.id)),
                product_id: Set(Some(offer.sku.product_id)),
                category_id: Set(Some(offer.category_id)),
                product_name: Set(offer.name.clone()),
                spec: Set(offer.sku.spec.clone()),
                unit: Set(offer.sku.unit.clone()),
                unit_price_fen: Set(price.unit_price_fen),
                price_source: Set(if price.tiered {
                    PriceSource::Tier
                } else {
                    PriceSource::List
                }),
                rfq_item_id: Set(None),
                ordered_qty: Set(*q),
                confirmed_qty: Set(l.confirmed),
                delivered_qty: Set(delivered),
                accepted_qty: Set(accepted),
                rejected_qty: Set(rejected),
                // A rejection is credited: the line closes short.
                credited_qty: Set(rejected),
                returned_qty: Set(0),
                wanted_date: Set(Some(date + Duration::days(7))),
                assistance_eligible: Set(facts.eligible),
                origin_county_code: Set(Some(offer.county.clone())),
                supplier_approved: Set(facts.supplier_approved),
                cert_numbers: Set(JsonText(facts.cert_numbers.clone())),
                pairing_id: Set(facts.pairing_id),
                helper_code: Set(facts.helper_code.clone()),
                programme: Set(facts.programme),
                ..Default::default()
            }
            .insert(conn)
            .await?;
            line_ids.push(row);
        }
        // Approval steps as the rules decided at submit.
        for level in 1..=levels {
            let status = match (stage, level) {
                (Stage::PendingApproval, 1) => StepStatus::Pending,
                (Stage::PendingApproval, _) => StepStatus::Waiting,
                (Stage::Rejected, 1) => StepStatus::Rejected,
                (Stage::Rejected, _) => StepStatus::Cancelled,
                _ => StepStatus::Approved,
            };
            let decided = matches!(status, StepStatus::Approved | StepStatus::Rejected);
            let mut reasons = vec![format!(
                "订单金额超过 {} / order above the threshold",
                crate::money::Money::from_fen(DEMO_ONE_LEVEL_FEN)
            )];
            if levels == 2 {
                reasons.push(format!(
                    "订单金额超过 {} / order above the threshold",
                    crate::money::Money::from_fen(DEMO_TWO_LEVELS_FEN)
                ));
            }
            approval_steps::ActiveModel {
                order_id: Set(order.id),
                level: Set(level),
                role: Set(if level == 1 {
                    ApproverRole::Approver
                } else {
                    ApproverRole::UnitAdmin
                }),
                status: Set(status),
                reasons: Set(JsonText(reasons)),
                decided_by: Set(decided.then_some(if level == 1 {
                    self.unit.approver
                } else {
                    self.unit.admin
                })),
                decided_at: Set(decided.then(|| {
                    if stage == Stage::AwaitingConfirmation {
                        approved_at.unwrap_or(placed)
                    } else {
                        day(1)
                    }
                })),
                comment: Set((status == StepStatus::Rejected)
                    .then(|| "超出本月食材预算，请分批采购 / over this month's budget".to_owned())),
                ..Default::default()
            }
            .insert(conn)
            .await?;
        }
        if stage == Stage::AwaitingConfirmation {
            crate::procurement::flow::schedule_deadline(conn, order.id, confirm_deadline)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        if stage.reserves_stock() {
            let taking: Vec<(i64, i64)> = lines
                .iter()
                .map(|(o, q)| (o.sku.id, i64::from(*q)))
                .collect();
            stock::reserve(conn, &taking, |_| String::new())
                .await
                .map_err(|e| anyhow::anyhow!("demo stock: {e}"))?;
        }
        // Deliveries, each accepted (the in-delivery order's first one too).
        let shipments: Vec<Shipment> = {
            let mut out = Vec::new();
            if deliveries_done || stage == Stage::InDelivery {
                let first: Vec<(i64, i32, i32)> = line_ids
                    .iter()
                    .zip(&qty)
                    .filter(|(_, q)| q.first > 0)
                    .map(|(row, q)| {
                        // The rejection falls on the last delivery of the line.
                        let rej = if deliveries_done && q.second == 0 {
                            q.rejected
                        } else {
                            0
                        };
                        (row.id, q.first, rej)
                    })
                    .collect();
                out.push((first_at, first));
                let second: Vec<(i64, i32, i32)> = line_ids
                    .iter()
                    .zip(&qty)
                    .filter(|(_, q)| q.second > 0 && deliveries_done)
                    .map(|(row, q)| (row.id, q.second, q.rejected))
                    .collect();
                if !second.is_empty() {
                    out.push((second_at, second));
                }
            }
            out
        };
        for (n, (shipped, items)) in shipments.iter().enumerate() {
            if items.is_empty() {
                continue;
            }
            let seq_no = i32::try_from(n + 1).unwrap_or(1);
            let d = deliveries::ActiveModel {
                order_id: Set(order.id),
                seq: Set(seq_no),
                delivery_no: Set(format!(
                    "DN{}{:08}-{seq_no}",
                    date.format("%Y%m%d"),
                    order.id
                )),
                carrier: Set(Some("顺丰冷运".to_owned())),
                tracking_no: Set(Some(format!("SF{:010}{seq_no}", order.id))),
                note: Set(None),
                created_by: Set(self.supplier_user),
                shipped_at: Set(*shipped),
                ..Default::default()
            }
            .insert(conn)
            .await?;
            for (line_id, q, _) in items {
                delivery_lines::ActiveModel {
                    delivery_id: Set(d.id),
                    order_line_id: Set(*line_id),
                    quantity: Set(*q),
                }
                .insert(conn)
                .await?;
            }
            let a = acceptances::ActiveModel {
                delivery_id: Set(d.id),
                order_id: Set(order.id),
                accepted_by: Set(self.unit.buyer),
                photos: Set(JsonText(Vec::new())),
                note: Set(Some("到货验收 / checked on arrival".to_owned())),
                created_at: Set(*shipped + Duration::days(1)),
                ..Default::default()
            }
            .insert(conn)
            .await?;
            for (line_id, q, rej) in items {
                acceptance_lines::ActiveModel {
                    acceptance_id: Set(a.id),
                    order_line_id: Set(*line_id),
                    accepted_qty: Set(q - rej),
                    rejected_qty: Set(*rej),
                    remedy: Set(if *rej > 0 {
                        Remedy::Credit
                    } else {
                        Remedy::None
                    }),
                    reason: Set((*rej > 0).then(|| "包装破损 / damaged packaging".to_owned())),
                }
                .insert(conn)
                .await?;
            }
        }
        if invoiced {
            let stored = bulk_order_lines::Entity::find()
                .filter(bulk_order_lines::Column::OrderId.eq(order.id))
                .order_by_asc(bulk_order_lines::Column::LineNo)
                .all(conn)
                .await?;
            let checks: Vec<LineCheck> = stored
                .iter()
                .map(|l| {
                    let fen = l.unit_price_fen * i64::from(l.accepted_qty);
                    LineCheck {
                        order_line_id: l.id,
                        line_no: l.line_no,
                        expected_fen: fen,
                        invoiced_fen: fen,
                        matches: true,
                    }
                })
                .collect();
            // Farm produce of an assistance line is exempt (免税); the others carry 9%.
            let split: Vec<(i64, i64, String)> = stored
                .iter()
                .map(|l| {
                    let total = l.unit_price_fen * i64::from(l.accepted_qty);
                    if l.assistance_eligible {
                        (total, 0, "exempt".to_owned())
                    } else {
                        let without = (total * 100 + 54) / 109;
                        (without, total - without, "900".to_owned())
                    }
                })
                .collect();
            let without: i64 = split.iter().map(|s| s.0).sum();
            let tax: i64 = split.iter().map(|s| s.1).sum();
            let inv = invoices::ActiveModel {
                order_id: Set(order.id),
                supplier_org_id: Set(self.supplier),
                kind: Set(InvoiceKind::Blue),
                number: Set(format!("2644{:016}", order.id)),
                issue_date: Set(crate::time::business_date(invoice_at)),
                vat_kind: Set(Some("Ordinary".to_owned())),
                seller_id: Set(seller_uscc),
                seller_name: Set(seller_name),
                buyer_id: Set(buyer_uscc),
                buyer_name: Set(buyer_name),
                total_without_tax_fen: Set(without),
                total_tax_fen: Set(tax),
                total_fen: Set(without + tax),
                source: Set(InvoiceSource::Manual),
                xml_key: Set(None),
                evidence_key: Set(None),
                evidence_filename: Set(None),
                status: Set(InvoiceStatus::Matched),
                reverses_invoice_id: Set(None),
                check_report: Set(JsonText(CheckReport {
                    problems: Vec::new(),
                    lines: checks,
                })),
                uploaded_by: Set(self.supplier_user),
                created_at: Set(invoice_at),
                updated_at: Set(invoice_at),
                ..Default::default()
            }
            .insert(conn)
            .await?;
            for (k, (l, (amount, tax, rate))) in stored.iter().zip(split).enumerate() {
                invoice_lines::ActiveModel {
                    invoice_id: Set(inv.id),
                    line_no: Set(i32::try_from(k + 1).unwrap_or(1)),
                    item_name: Set(l.product_name.clone()),
                    spec: Set(Some(l.spec.clone())),
                    unit: Set(Some(l.unit.clone())),
                    quantity: Set(Some(l.accepted_qty.to_string())),
                    unit_price: Set(None),
                    amount_fen: Set(amount),
                    discount_fen: Set(0),
                    tax_rate: Set(rate),
                    tax_fen: Set(tax),
                    total_fen: Set(amount + tax),
                    order_line_id: Set(Some(l.id)),
                }
                .insert(conn)
                .await?;
            }
        }
        if let Some(done) = completed_at {
            let stars = |k: i64| i16::try_from(4 + (order.id + k) % 2).unwrap_or(5);
            order_evaluations::ActiveModel {
                order_id: Set(order.id),
                quality: Set(stars(0)),
                delivery: Set(stars(1)),
                service: Set(5),
                comment: Set(Some("货品新鲜，送货准时 / fresh and on time".to_owned())),
                evaluated_by: Set(self.unit.buyer),
                created_at: Set(done),
            }
            .insert(conn)
            .await?;
        }
        // The stored status must be the one the lines say (nothing is updated when it is).
        let derived = crate::procurement::orders::restate(conn, order.id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(
            derived == stage.status(),
            "demo order {} ({stage:?}) derives as {derived:?}",
            order.id
        );
        Ok(())
    }
}
