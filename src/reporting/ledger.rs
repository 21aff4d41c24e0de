//! The signed ledger of completion facts and its summary rows.
//!
//! A fact is written once (unique per source, source id and source line) and never changed
//! (a trigger forbids it); the summary row of its key (unit, year, month, county, programme,
//! channel, paired) is updated in the same transaction with `INSERT … ON CONFLICT DO UPDATE`,
//! so a city report sums a few thousand rows instead of scanning every order line, and no
//! transaction writes a row shared by the whole city. [`recompute`] rebuilds every summary
//! from the facts and repairs (and reports) any difference.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, Set, Statement,
};

use super::model::{Channel, FactSource};
use crate::auth::model::OrgKind;
use crate::entities::{
    bulk_order_lines, bulk_orders, invoice_lines, invoices, offplatform_purchases,
    order_evaluations, organizations, share_facts, share_summaries,
};
use crate::error::AppError;
use crate::procurement::model::InvoiceKind;

/// A fact about to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFact {
    /// The unit the purchase counts for.
    pub unit_org_id: i64,
    /// Business date (Asia/Shanghai) of the completion, refund or verification.
    pub date: NaiveDate,
    /// Origin county ("" when none).
    pub county_code: String,
    /// Programme ("" when none).
    pub programme: String,
    /// Where the money was spent.
    pub channel: Channel,
    /// The pairing valid on the date, if any.
    pub pairing_id: Option<i64>,
    /// What the fact records.
    pub source: FactSource,
    /// The source row.
    pub source_id: i64,
    /// The line within the source (0 when the source is one line).
    pub source_line: i64,
    /// Signed amount of assistance products, fen.
    pub assistance_fen: i64,
    /// Signed amount of all agricultural purchases, fen.
    pub total_fen: i64,
    /// The bulk order, if any.
    pub order_id: Option<i64>,
    /// The supplier, if any.
    pub supplier_org_id: Option<i64>,
}

/// The key of a summary row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SummaryKey {
    /// Unit.
    pub unit_org_id: i64,
    /// Year.
    pub year: i32,
    /// Month (1-12).
    pub month: i16,
    /// Origin county ("" when none).
    pub county_code: String,
    /// Programme ("" when none).
    pub programme: String,
    /// Channel.
    pub channel: Channel,
    /// A pairing covered the origin on the fact's date.
    pub paired: bool,
}

/// The sums of one summary row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SummarySums {
    /// Assistance amount, fen.
    pub assistance_fen: i64,
    /// Total amount, fen.
    pub total_fen: i64,
    /// Number of facts.
    pub facts: i64,
}

fn month_of(date: NaiveDate) -> i16 {
    i16::try_from(date.month()).unwrap_or(1)
}

impl NewFact {
    fn key(&self) -> SummaryKey {
        SummaryKey {
            unit_org_id: self.unit_org_id,
            year: self.date.year(),
            month: month_of(self.date),
            county_code: self.county_code.clone(),
            programme: self.programme.clone(),
            channel: self.channel,
            paired: self.pairing_id.is_some(),
        }
    }
}

/// Writes facts that are not written yet and adds each written one to its summary row, in
/// the caller's transaction. Answers how many were written (0 when all existed: a repeated
/// call changes nothing).
///
/// # Errors
/// Database errors.
pub async fn post(conn: &impl ConnectionTrait, facts: Vec<NewFact>) -> Result<u64, AppError> {
    let now = Utc::now();
    let mut sums: BTreeMap<SummaryKey, SummarySums> = BTreeMap::new();
    let mut written = 0;
    for f in facts {
        let inserted = share_facts::Entity::insert(share_facts::ActiveModel {
            unit_org_id: Set(f.unit_org_id),
            year: Set(f.date.year()),
            month: Set(month_of(f.date)),
            fact_date: Set(f.date),
            county_code: Set(f.county_code.clone()),
            programme: Set(f.programme.clone()),
            channel: Set(f.channel),
            paired: Set(f.pairing_id.is_some()),
            pairing_id: Set(f.pairing_id),
            source: Set(f.source),
            source_id: Set(f.source_id),
            source_line: Set(f.source_line),
            assistance_fen: Set(f.assistance_fen),
            total_fen: Set(f.total_fen),
            order_id: Set(f.order_id),
            supplier_org_id: Set(f.supplier_org_id),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                share_facts::Column::Source,
                share_facts::Column::SourceId,
                share_facts::Column::SourceLine,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
        if inserted == 0 {
            continue;
        }
        written += inserted;
        let s = sums.entry(f.key()).or_default();
        s.assistance_fen += f.assistance_fen;
        s.total_fen += f.total_fen;
        s.facts += 1;
    }
    // Keys in a fixed order: two transactions touching the same rows lock them alike.
    for (k, s) in sums {
        add_to_summary(conn, &k, s).await?;
    }
    Ok(written)
}

async fn add_to_summary(
    conn: &impl ConnectionTrait,
    k: &SummaryKey,
    s: SummarySums,
) -> Result<(), AppError> {
    use share_summaries::Column as C;
    share_summaries::Entity::insert(share_summaries::ActiveModel {
        unit_org_id: Set(k.unit_org_id),
        year: Set(k.year),
        month: Set(k.month),
        county_code: Set(k.county_code.clone()),
        programme: Set(k.programme.clone()),
        channel: Set(k.channel),
        paired: Set(k.paired),
        assistance_fen: Set(s.assistance_fen),
        total_fen: Set(s.total_fen),
        facts: Set(s.facts),
    })
    .on_conflict(
        OnConflict::columns([
            C::UnitOrgId,
            C::Year,
            C::Month,
            C::CountyCode,
            C::Programme,
            C::Channel,
            C::Paired,
        ])
        .value(
            C::AssistanceFen,
            Expr::cust("share_summaries.assistance_fen + excluded.assistance_fen"),
        )
        .value(
            C::TotalFen,
            Expr::cust("share_summaries.total_fen + excluded.total_fen"),
        )
        .value(
            C::Facts,
            Expr::cust("share_summaries.facts + excluded.facts"),
        )
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Channel and source of an order's buyer: a budget unit's own order, or a union's.
async fn buyer_channel(
    conn: &impl ConnectionTrait,
    buyer_org_id: i64,
) -> Result<(Channel, FactSource), AppError> {
    let kind = organizations::Entity::find_by_id(buyer_org_id)
        .one(conn)
        .await?
        .map(|o| o.kind);
    Ok(if kind == Some(OrgKind::Union) {
        (Channel::Union, FactSource::UnionOrder)
    } else {
        (Channel::Institutional, FactSource::BulkOrderLine)
    })
}

/// County, programme and pairing of an order line on a date: the line's frozen origin and
/// programme, and the pairing valid on that date (which may differ from the one at ordering).
/// The pairings valid on one date, by county, looked up once per county for all the lines of
/// an order (an order of 1,000 lines comes from a handful of counties).
type PairingsOn = HashMap<String, Option<crate::entities::pairings::Model>>;

async fn origin_of(
    conn: &impl ConnectionTrait,
    line: &bulk_order_lines::Model,
    date: NaiveDate,
    known: &mut PairingsOn,
) -> Result<(String, String, Option<i64>), AppError> {
    let county = line.origin_county_code.clone().unwrap_or_default();
    let pairing = if county.is_empty() || !line.assistance_eligible {
        None
    } else if let Some(p) = known.get(&county) {
        p.clone()
    } else {
        let p = crate::regions::service::pairing_on(conn, &county, date).await?;
        known.insert(county.clone(), p.clone());
        p
    };
    let programme = line
        .programme
        .map(|p| p.as_str().to_owned())
        .or_else(|| pairing.as_ref().map(|p| p.programme.as_str().to_owned()))
        .unwrap_or_default();
    Ok((county, programme, pairing.map(|p| p.id)))
}

fn amount_of(line: &bulk_order_lines::Model) -> i64 {
    i64::from(line.accepted_qty).saturating_mul(line.unit_price_fen)
}

/// Records the completion of a bulk order (accepted, paid and evaluated): one signed fact
/// per line, accepted quantity × frozen price, dated by the evaluation. Called in the
/// evaluation's transaction; an order without an evaluation records nothing, and a second
/// call records nothing more.
///
/// # Errors
/// Database errors.
#[tracing::instrument(skip(conn))]
pub async fn record_completion(
    conn: &impl ConnectionTrait,
    order_id: i64,
) -> Result<u64, AppError> {
    let Some(evaluation) = order_evaluations::Entity::find_by_id(order_id)
        .one(conn)
        .await?
    else {
        return Ok(0);
    };
    let Some(order) = bulk_orders::Entity::find_by_id(order_id).one(conn).await? else {
        return Ok(0);
    };
    let date = crate::time::business_date(evaluation.created_at);
    let (channel, source) = buyer_channel(conn, order.buyer_org_id).await?;
    let lines = bulk_order_lines::Entity::find()
        .filter(bulk_order_lines::Column::OrderId.eq(order_id))
        .all(conn)
        .await?;
    let mut facts = Vec::with_capacity(lines.len());
    let mut pairings = PairingsOn::new();
    for line in &lines {
        let amount = amount_of(line);
        if amount == 0 {
            continue;
        }
        let (county_code, programme, pairing_id) =
            origin_of(conn, line, date, &mut pairings).await?;
        facts.push(NewFact {
            unit_org_id: order.buyer_org_id,
            date,
            county_code,
            programme,
            channel,
            pairing_id,
            source,
            source_id: line.id,
            source_line: 0,
            assistance_fen: if line.assistance_eligible { amount } else { 0 },
            total_fen: amount,
            order_id: Some(order_id),
            supplier_org_id: Some(order.supplier_org_id),
        });
    }
    post(conn, facts).await
}

/// The counted amount per order line of an order so far (completion facts plus invoice
/// adjustments), fen.
async fn counted_per_line(
    conn: &impl ConnectionTrait,
    order_id: i64,
) -> Result<HashMap<i64, i64>, AppError> {
    let facts = share_facts::Entity::find()
        .filter(share_facts::Column::OrderId.eq(order_id))
        .all(conn)
        .await?;
    let mut counted: HashMap<i64, i64> = HashMap::new();
    for f in facts {
        let line = match f.source {
            FactSource::BulkOrderLine | FactSource::UnionOrder => f.source_id,
            _ => f.source_line,
        };
        *counted.entry(line).or_default() += f.total_fen;
    }
    Ok(counted)
}

/// Records an invoice uploaded after its order was completed: a red invoice enters negative
/// facts (one per order line it reverses, dated by its upload); a blue one issued after a red
/// one enters positive adjustments, at most back up to the accepted value of each line (a
/// blue invoice never counts a line twice). Before completion nothing is recorded: the
/// completion counts accepted quantity × price, whatever was invoiced.
///
/// # Errors
/// Database errors.
#[tracing::instrument(skip(conn))]
pub async fn record_invoice(conn: &impl ConnectionTrait, invoice_id: i64) -> Result<u64, AppError> {
    let Some(invoice) = invoices::Entity::find_by_id(invoice_id).one(conn).await? else {
        return Ok(0);
    };
    let order_id = invoice.order_id;
    let completed = order_evaluations::Entity::find_by_id(order_id)
        .one(conn)
        .await?
        .is_some();
    if !completed {
        return Ok(0);
    }
    // An order completed before the ledger existed gets its completion first.
    record_completion(conn, order_id).await?;
    let Some(order) = bulk_orders::Entity::find_by_id(order_id).one(conn).await? else {
        return Ok(0);
    };
    let date = crate::time::business_date(invoice.created_at);
    let (channel, _) = buyer_channel(conn, order.buyer_org_id).await?;
    let lines: HashMap<i64, bulk_order_lines::Model> = bulk_order_lines::Entity::find()
        .filter(bulk_order_lines::Column::OrderId.eq(order_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let mut per_line: BTreeMap<i64, i64> = BTreeMap::new();
    for il in invoice_lines::Entity::find()
        .filter(invoice_lines::Column::InvoiceId.eq(invoice_id))
        .all(conn)
        .await?
    {
        if let Some(id) = il.order_line_id {
            *per_line.entry(id).or_default() += il.total_fen;
        }
    }
    let counted = counted_per_line(conn, order_id).await?;
    let (source, red) = match invoice.kind {
        InvoiceKind::Red => (FactSource::RedInvoice, true),
        InvoiceKind::Blue => (FactSource::Adjustment, false),
    };
    let mut facts = Vec::new();
    let mut pairings = PairingsOn::new();
    for (line_id, invoiced) in per_line {
        let Some(line) = lines.get(&line_id) else {
            continue;
        };
        let so_far = counted.get(&line_id).copied().unwrap_or(0);
        let amount = if red {
            // Reverse what the invoice reverses, never below zero for the line.
            invoiced.min(0).max(-so_far.max(0))
        } else {
            invoiced.max(0).min((amount_of(line) - so_far).max(0))
        };
        if amount == 0 {
            continue;
        }
        let (county_code, programme, pairing_id) =
            origin_of(conn, line, date, &mut pairings).await?;
        facts.push(NewFact {
            unit_org_id: order.buyer_org_id,
            date,
            county_code,
            programme,
            channel,
            pairing_id,
            source,
            source_id: invoice_id,
            source_line: line_id,
            assistance_fen: if line.assistance_eligible { amount } else { 0 },
            total_fen: amount,
            order_id: Some(order_id),
            supplier_org_id: Some(order.supplier_org_id),
        });
    }
    post(conn, facts).await
}

/// Records a verified off-platform declaration (channel off-platform, dated by the purchase).
///
/// # Errors
/// Database errors.
pub async fn record_offplatform(
    conn: &impl ConnectionTrait,
    declaration: &offplatform_purchases::Model,
) -> Result<u64, AppError> {
    let county = declaration.origin_county_code.clone().unwrap_or_default();
    let pairing = if declaration.assistance && !county.is_empty() {
        crate::regions::service::pairing_on(conn, &county, declaration.purchase_date).await?
    } else {
        None
    };
    let fact = NewFact {
        unit_org_id: declaration.unit_org_id,
        date: declaration.purchase_date,
        county_code: county,
        programme: pairing
            .as_ref()
            .map(|p| p.programme.as_str().to_owned())
            .unwrap_or_default(),
        channel: Channel::Offplatform,
        pairing_id: pairing.map(|p| p.id),
        source: FactSource::Offplatform,
        source_id: declaration.id,
        source_line: 0,
        assistance_fen: if declaration.assistance {
            declaration.amount_fen
        } else {
            0
        },
        total_fen: declaration.amount_fen,
        order_id: None,
        supplier_org_id: None,
    };
    post(conn, vec![fact]).await
}

#[derive(Debug, FromQueryResult)]
struct OrderId {
    order_id: i64,
}

/// Records the facts of every completed order that has none, each dated by its evaluation
/// (for data loaded before the ledger, e.g. the demo's back-dated year of orders). Each order
/// in its own transaction. Answers how many facts were written.
///
/// # Errors
/// Database errors.
pub async fn backfill(db: &DatabaseConnection) -> Result<u64, AppError> {
    let backend = db.get_database_backend();
    let rows = OrderId::find_by_statement(Statement::from_string(
        backend,
        "SELECT e.order_id AS order_id FROM order_evaluations e \
         WHERE NOT EXISTS (SELECT 1 FROM share_facts f WHERE f.order_id = e.order_id) \
         ORDER BY e.order_id",
    ))
    .all(db)
    .await?;
    let mut written = 0;
    for r in rows {
        let txn = crate::db::begin_write(db).await?;
        written += record_completion(&txn, r.order_id).await?;
        txn.commit().await?;
    }
    Ok(written)
}

#[derive(Debug, FromQueryResult)]
struct SumRow {
    unit_org_id: i64,
    year: i32,
    month: i16,
    county_code: String,
    programme: String,
    channel: Channel,
    paired: bool,
    assistance_fen: i64,
    total_fen: i64,
    facts: i64,
}

impl SumRow {
    fn split(self) -> (SummaryKey, SummarySums) {
        (
            SummaryKey {
                unit_org_id: self.unit_org_id,
                year: self.year,
                month: self.month,
                county_code: self.county_code,
                programme: self.programme,
                channel: self.channel,
                paired: self.paired,
            },
            SummarySums {
                assistance_fen: self.assistance_fen,
                total_fen: self.total_fen,
                facts: self.facts,
            },
        )
    }
}

/// Every summary as a full recomputation from the facts gives it (a job's work: it scans
/// every fact).
///
/// # Errors
/// Database errors.
pub async fn from_facts(
    conn: &impl ConnectionTrait,
) -> Result<BTreeMap<SummaryKey, SummarySums>, AppError> {
    let rows = SumRow::find_by_statement(Statement::from_string(
        conn.get_database_backend(),
        "SELECT unit_org_id, year, month, county_code, programme, channel, paired, \
         CAST(SUM(assistance_fen) AS BIGINT) AS assistance_fen, \
         CAST(SUM(total_fen) AS BIGINT) AS total_fen, CAST(COUNT(*) AS BIGINT) AS facts \
         FROM share_facts \
         GROUP BY unit_org_id, year, month, county_code, programme, channel, paired",
    ))
    .all(conn)
    .await?;
    Ok(rows.into_iter().map(SumRow::split).collect())
}

/// Every stored summary row.
///
/// # Errors
/// Database errors.
pub async fn stored(
    conn: &impl ConnectionTrait,
) -> Result<BTreeMap<SummaryKey, SummarySums>, AppError> {
    Ok(share_summaries::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|r| {
            (
                SummaryKey {
                    unit_org_id: r.unit_org_id,
                    year: r.year,
                    month: r.month,
                    county_code: r.county_code,
                    programme: r.programme,
                    channel: r.channel,
                    paired: r.paired,
                },
                SummarySums {
                    assistance_fen: r.assistance_fen,
                    total_fen: r.total_fen,
                    facts: r.facts,
                },
            )
        })
        .collect())
}

/// A summary row that disagreed with the facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Its key.
    pub key: SummaryKey,
    /// What was stored (none: missing).
    pub stored: Option<SummarySums>,
    /// What the facts give (none: a row without facts; zero sums count as none).
    pub expected: Option<SummarySums>,
}

/// The differences between stored summaries and a recomputation (rows whose sums are all
/// zero count as absent).
#[must_use]
pub fn differences(
    stored: &BTreeMap<SummaryKey, SummarySums>,
    expected: &BTreeMap<SummaryKey, SummarySums>,
) -> Vec<Difference> {
    let zero = SummarySums::default();
    let norm = |s: Option<&SummarySums>| s.copied().filter(|x| *x != zero);
    let mut keys: Vec<&SummaryKey> = stored.keys().chain(expected.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (s, e) = (norm(stored.get(k)), norm(expected.get(k)));
            (s != e).then(|| Difference {
                key: k.clone(),
                stored: s,
                expected: e,
            })
        })
        .collect()
}

/// Recomputes every summary from the facts; on a difference logs an error, counts it in
/// `bangfu_share_summary_mismatches_total`, notifies the operators and repairs the rows.
/// Answers the differences found (none on a healthy ledger).
///
/// # Errors
/// Database errors.
pub async fn recompute(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<Difference>, AppError> {
    let expected = from_facts(conn).await?;
    let stored = stored(conn).await?;
    let diffs = differences(&stored, &expected);
    if diffs.is_empty() {
        return Ok(diffs);
    }
    tracing::error!(
        differences = diffs.len(),
        first = ?diffs.first(),
        "share summaries disagree with the facts; repairing from the facts"
    );
    metrics::counter!("bangfu_share_summary_mismatches_total")
        .increment(u64::try_from(diffs.len()).unwrap_or(u64::MAX));
    for d in &diffs {
        use share_summaries::Column as C;
        let k = &d.key;
        share_summaries::Entity::delete_many()
            .filter(C::UnitOrgId.eq(k.unit_org_id))
            .filter(C::Year.eq(k.year))
            .filter(C::Month.eq(k.month))
            .filter(C::CountyCode.eq(k.county_code.clone()))
            .filter(C::Programme.eq(k.programme.clone()))
            .filter(C::Channel.eq(k.channel))
            .filter(C::Paired.eq(k.paired))
            .exec(conn)
            .await?;
        if let Some(e) = d.expected {
            add_to_summary(conn, k, e).await?;
        }
    }
    notify_operators(conn, &diffs, now).await?;
    Ok(diffs)
}

async fn notify_operators(
    conn: &impl ConnectionTrait,
    diffs: &[Difference],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let platforms: Vec<i64> = organizations::Entity::find()
        .filter(organizations::Column::Kind.eq(OrgKind::Platform))
        .select_only()
        .column(organizations::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let units: Vec<String> = diffs
        .iter()
        .map(|d| d.key.unit_org_id)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .take(20)
        .map(|u| u.to_string())
        .collect();
    for org in platforms {
        crate::entities::notifications::Entity::insert(
            crate::entities::notifications::ActiveModel {
                org_id: Set(org),
                kind: Set(crate::suppliers::model::NotificationKind::LedgerMismatch),
                title: Set("份额汇总与明细不符，已自动修复 / share summaries repaired".to_owned()),
                body: Set(format!(
                    "重算发现 {} 行汇总与台账明细不符，已按明细修复。涉及单位：{}。{} summary rows differed from the facts and were rebuilt.",
                    diffs.len(),
                    units.join("、"),
                    diffs.len()
                )),
                dedupe_key: Set(Some(format!(
                    "ledger-mismatch:{}:{}",
                    org,
                    now.timestamp_micros()
                ))),
                created_at: Set(now),
                read_at: Set(None),
                ..Default::default()
            },
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(unit: i64, month: i16) -> SummaryKey {
        SummaryKey {
            unit_org_id: unit,
            year: 2026,
            month,
            county_code: "451024".into(),
            programme: "east_west".into(),
            channel: Channel::Institutional,
            paired: true,
        }
    }

    #[test]
    fn differences_name_missing_extra_and_changed_rows_and_ignore_zero_rows() {
        let s = |a, t, n| SummarySums {
            assistance_fen: a,
            total_fen: t,
            facts: n,
        };
        let stored = BTreeMap::from([
            (key(1, 1), s(100, 100, 1)),
            (key(1, 2), s(0, 0, 0)),
            (key(2, 1), s(5, 5, 1)),
        ]);
        let expected = BTreeMap::from([(key(1, 1), s(100, 100, 1)), (key(3, 1), s(7, 9, 2))]);
        let d = differences(&stored, &expected);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].key, key(2, 1));
        assert_eq!(d[0].expected, None);
        assert_eq!(d[1].key, key(3, 1));
        assert_eq!(d[1].stored, None);
        assert!(differences(&expected, &expected).is_empty());
    }
}
