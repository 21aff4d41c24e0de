//! Figures and reports read from the summary rows (never a scan of the facts): a unit's
//! year, the city report with ranks, roll-ups by supervising department and helper district,
//! and where the money went. Every function checks who asks and what they own.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    Statement,
};

use super::dto::{
    CityQuery, CityReport, FactRow, GroupReport, GroupRow, MonthFigures, OriginRow, Totals,
    UnitReport, UnitRow, WhereReport,
};
use super::figures::{self, FiledFigures, Sums, UnitFigures, UnitStatus, UnitYear};
use super::model::Channel;
use super::rules::{self, OriginFacts, Rule, ratio_centipercent};
use crate::auth::Actor;
use crate::auth::model::{OrgKind, Role};
use crate::entities::{
    budget_units, bulk_orders, filings, organizations, regions, share_facts, share_rules,
    share_summaries,
};
use crate::error::AppError;
use crate::procurement::model::{CanteenMode, FilingStatus};
use crate::procurement::units::{holds, may_read_unit};

/// The default jurisdiction (Shenzhen) for operators and units without settings.
pub const DEFAULT_JURISDICTION: &str = "440300";

/// This fiscal year (Asia/Shanghai).
#[must_use]
pub fn this_year() -> i32 {
    crate::time::business_date(Utc::now()).year()
}

fn today() -> NaiveDate {
    crate::time::business_date(Utc::now())
}

/// The city (jurisdiction) of a region code: its first four digits and `00`.
fn city_of(code: &str) -> String {
    if code.len() == 6 {
        format!("{}00", &code[..4])
    } else {
        code.to_owned()
    }
}

/// Whether region `code` lies in jurisdiction `jurisdiction` (itself or below it).
fn within(code: &str, jurisdiction: &str) -> bool {
    let mut prefix = jurisdiction;
    while prefix.len() > 2 && prefix.ends_with("00") {
        prefix = &prefix[..prefix.len() - 2];
    }
    code.starts_with(prefix)
}

/// A unit with what the figures need.
#[derive(Debug, Clone)]
struct Unit {
    org: organizations::Model,
    jurisdiction: String,
    canteen_mode: CanteenMode,
}

/// Every budget unit, with its jurisdiction and canteen mode.
async fn all_units(conn: &impl ConnectionTrait) -> Result<Vec<Unit>, AppError> {
    let orgs = organizations::Entity::find()
        .filter(organizations::Column::Kind.eq(OrgKind::BudgetUnit))
        .all(conn)
        .await?;
    let settings: HashMap<i64, budget_units::Model> = budget_units::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|b| (b.org_id, b))
        .collect();
    Ok(orgs
        .into_iter()
        .map(|org| {
            let s = settings.get(&org.id);
            Unit {
                jurisdiction: s.map_or_else(
                    || {
                        org.region_code
                            .as_deref()
                            .map_or_else(|| DEFAULT_JURISDICTION.to_owned(), city_of)
                    },
                    |s| s.jurisdiction_code.clone(),
                ),
                canteen_mode: s.map_or(CanteenMode::Own, |s| s.canteen_mode),
                org,
            }
        })
        .collect())
}

#[derive(Debug, FromQueryResult)]
struct Pending {
    buyer_org_id: i64,
    pending_fen: i64,
}

/// Accepted orders not yet paid and evaluated, per buying unit (assistance lines only).
async fn pending(conn: &impl ConnectionTrait) -> Result<HashMap<i64, i64>, AppError> {
    let rows = Pending::find_by_statement(Statement::from_string(
        conn.get_database_backend(),
        "SELECT o.buyer_org_id AS buyer_org_id, \
         CAST(SUM(l.accepted_qty * l.unit_price_fen) AS BIGINT) AS pending_fen \
         FROM bulk_orders o JOIN bulk_order_lines l ON l.order_id = o.id \
         WHERE o.status IN ('accepted', 'paid') AND l.assistance_eligible \
         GROUP BY o.buyer_org_id",
    ))
    .all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.buyer_org_id, r.pending_fen))
        .collect())
}

/// What the rule counts of a summary row, added to a unit's sums.
pub(crate) fn add_row(
    sums: &mut Sums,
    rule: &Rule,
    flags: Option<&regions::Model>,
    r: &share_summaries::Model,
) {
    let counts = rule.origins.count(OriginFacts {
        poverty_lifted: flags.is_some_and(|f| f.poverty_lifted),
        paired: r.paired,
        old_revolutionary: flags.is_some_and(|f| f.old_revolutionary),
    });
    let counted = if counts { r.assistance_fen } else { 0 };
    match r.channel {
        Channel::Institutional => {
            sums.platform_all_fen += r.total_fen;
            sums.institutional_fen += counted;
        }
        Channel::Offplatform => {
            sums.offplatform_all_fen += r.total_fen;
            sums.offplatform_assistance_fen += counted;
        }
        Channel::Union => {
            sums.union_all_fen += r.total_fen;
            sums.union_fen += counted;
        }
        Channel::Staff => sums.staff_fen += counted,
    }
}

/// Everything the figures of a year need, loaded once.
struct YearData {
    year: i32,
    units: Vec<Unit>,
    rules: HashMap<String, (Rule, Option<share_rules::Model>)>,
    filings: HashMap<i64, filings::Model>,
    covered: HashSet<i64>,
    summaries: HashMap<i64, Vec<share_summaries::Model>>,
    regions: HashMap<String, regions::Model>,
    pending: HashMap<i64, i64>,
    supervisors: HashMap<i64, String>,
}

impl YearData {
    async fn load(
        conn: &impl ConnectionTrait,
        year: i32,
        keep: impl Fn(&Unit) -> bool,
    ) -> Result<YearData, AppError> {
        let units: Vec<Unit> = all_units(conn).await?.into_iter().filter(keep).collect();
        let ids: Vec<i64> = units.iter().map(|u| u.org.id).collect();
        let mut rules_map = HashMap::new();
        for u in &units {
            if !rules_map.contains_key(&u.jurisdiction) {
                let mut r = rules::rule_or_fallback(conn, &u.jurisdiction, year).await?;
                // A rule stays in force until a later year's replaces it: the pace is this
                // year's.
                r.0.year = year;
                rules_map.insert(u.jurisdiction.clone(), r);
            }
        }
        let mut filings_map = HashMap::new();
        let mut covered = HashSet::new();
        for chunk in ids.chunks(500) {
            for f in filings::Entity::find()
                .filter(filings::Column::Year.eq(year))
                .filter(filings::Column::Status.eq(FilingStatus::Approved))
                .filter(filings::Column::UnitOrgId.is_in(chunk.to_vec()))
                .all(conn)
                .await?
            {
                covered.extend(
                    f.covered_units
                        .0
                        .iter()
                        .copied()
                        .filter(|c| *c != f.unit_org_id),
                );
                filings_map.insert(f.unit_org_id, f);
            }
        }
        let mut summaries: HashMap<i64, Vec<share_summaries::Model>> = HashMap::new();
        for chunk in ids.chunks(500) {
            for r in share_summaries::Entity::find()
                .filter(share_summaries::Column::Year.eq(year))
                .filter(share_summaries::Column::UnitOrgId.is_in(chunk.to_vec()))
                .all(conn)
                .await?
            {
                summaries.entry(r.unit_org_id).or_default().push(r);
            }
        }
        let counties: Vec<String> = summaries
            .values()
            .flatten()
            .map(|r| r.county_code.clone())
            .filter(|c| !c.is_empty())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut regions_map = HashMap::new();
        for chunk in counties.chunks(500) {
            for r in regions::Entity::find()
                .filter(regions::Column::Code.is_in(chunk.to_vec()))
                .all(conn)
                .await?
            {
                regions_map.insert(r.code.clone(), r);
            }
        }
        let parents: Vec<i64> = units
            .iter()
            .filter_map(|u| u.org.parent_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let supervisors = organizations::Entity::find()
            .filter(organizations::Column::Id.is_in(parents))
            .all(conn)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        Ok(YearData {
            year,
            units,
            rules: rules_map,
            filings: filings_map,
            covered,
            summaries,
            regions: regions_map,
            pending: pending(conn).await?,
            supervisors,
        })
    }

    fn rule_of(&self, u: &Unit) -> Rule {
        self.rules.get(&u.jurisdiction).map_or_else(
            || Rule::fallback(&u.jurisdiction, self.year),
            |r| r.0.clone(),
        )
    }

    /// The rows (unit ids) whose sums count for `u`: itself and the units its filing covers.
    fn members(&self, u: &Unit) -> Vec<i64> {
        let mut ids = vec![u.org.id];
        if let Some(f) = self.filings.get(&u.org.id) {
            ids.extend(f.covered_units.0.iter().copied().filter(|c| *c != u.org.id));
        }
        ids
    }

    fn sums_of(&self, u: &Unit, rule: &Rule) -> Sums {
        let mut sums = Sums::default();
        for id in self.members(u) {
            for r in self.summaries.get(&id).into_iter().flatten() {
                add_row(&mut sums, rule, self.regions.get(&r.county_code), r);
            }
            sums.pending_fen += self.pending.get(&id).copied().unwrap_or(0);
        }
        sums
    }

    fn figures_of(&self, u: &Unit, as_of: NaiveDate) -> UnitFigures {
        let rule = self.rule_of(u);
        let sums = self.sums_of(u, &rule);
        let filing = self.filings.get(&u.org.id);
        let represented = self.covered.contains(&u.org.id) && filing.is_none();
        let no_canteen =
            represented || filing.map_or(u.canteen_mode, |f| f.canteen_mode) == CanteenMode::None;
        let unit_year = UnitYear {
            no_canteen,
            filing: if represented {
                Some(FiledFigures {
                    expected_total_fen: 0,
                    reserved_fen: 0,
                    union_funds_fen: None,
                })
            } else {
                filing.map(|f| FiledFigures {
                    expected_total_fen: f.expected_total_fen,
                    reserved_fen: f.reserved_fen,
                    union_funds_fen: f.union_funds_fen,
                })
            },
        };
        let mut rule_for_unit = rule;
        if represented {
            // Represented by another unit's filing: owes nothing of its own.
            rule_for_unit.no_canteen = rules::NoCanteenRule::Exempt;
        }
        figures::compute(&rule_for_unit, unit_year, sums, as_of)
    }

    fn row_of(&self, u: &Unit, as_of: NaiveDate) -> UnitRow {
        let filing = self.filings.get(&u.org.id);
        UnitRow {
            unit_org_id: u.org.id,
            unit_name: u.org.name.clone(),
            uscc: u.org.uscc.clone(),
            category: u.org.category,
            supervisor_org_id: u.org.parent_id,
            supervisor_name: u
                .org
                .parent_id
                .and_then(|p| self.supervisors.get(&p).cloned()),
            helper_district_code: u.org.helper_district_code.clone(),
            canteen_mode: filing.map_or(u.canteen_mode, |f| f.canteen_mode),
            filed_total_fen: filing.map(|f| f.expected_total_fen),
            ratio_bp: filing.map(|f| f.ratio_bp),
            figures: self.figures_of(u, as_of),
            rank: None,
        }
    }

    /// Every unit's row, ranked by completion (units that owe something).
    fn ranked_rows(&self, as_of: NaiveDate) -> Vec<UnitRow> {
        let mut rows: Vec<UnitRow> = self.units.iter().map(|u| self.row_of(u, as_of)).collect();
        rank(&mut rows);
        rows
    }
}

/// Ranks rows by completion, highest first (ties: larger completed amount, then id); units
/// exempt or not filed get no rank and go last.
fn rank(rows: &mut [UnitRow]) {
    let ranked = |r: &UnitRow| {
        !matches!(r.figures.status, UnitStatus::Exempt | UnitStatus::NotFiled)
            && r.figures.completion_cp.is_some()
    };
    rows.sort_by(|a, b| {
        ranked(b)
            .cmp(&ranked(a))
            .then(
                b.figures
                    .completion_cp
                    .unwrap_or(i64::MIN)
                    .cmp(&a.figures.completion_cp.unwrap_or(i64::MIN)),
            )
            .then(b.figures.completed_fen.cmp(&a.figures.completed_fen))
            .then(a.unit_org_id.cmp(&b.unit_org_id))
    });
    let mut n = 0;
    for r in rows.iter_mut() {
        if ranked(r) {
            n += 1;
            r.rank = Some(n);
        } else {
            r.rank = None;
        }
    }
}

fn totals(rows: &[&UnitRow]) -> Totals {
    let mut t = Totals::default();
    for r in rows {
        t.units += 1;
        match r.figures.status {
            UnitStatus::NotFiled => t.not_filed += 1,
            UnitStatus::Met => {
                t.met += 1;
                t.filed += 1;
            }
            _ => {
                if r.filed_total_fen.is_some() {
                    t.filed += 1;
                }
            }
        }
        if r.canteen_mode == CanteenMode::None {
            t.no_canteen += 1;
        }
        t.reserved_fen += r.figures.reserved_fen;
        t.completed_fen += r.figures.completed_fen;
        t.pending_fen += r.figures.pending_fen;
    }
    t.completion_cp = ratio_centipercent(t.completed_fen, t.reserved_fen);
    t
}

fn groups(rows: &[UnitRow], key: impl Fn(&UnitRow) -> Option<(String, String)>) -> Vec<GroupRow> {
    let mut by: BTreeMap<String, (String, Vec<&UnitRow>)> = BTreeMap::new();
    for r in rows {
        if let Some((k, name)) = key(r) {
            by.entry(k).or_insert_with(|| (name, Vec::new())).1.push(r);
        }
    }
    let mut out: Vec<GroupRow> = by
        .into_iter()
        .map(|(k, (name, rs))| GroupRow {
            key: k,
            name,
            totals: totals(&rs),
            rank: 0,
        })
        .collect();
    out.sort_by(|a, b| {
        b.totals
            .completion_cp
            .unwrap_or(i64::MIN)
            .cmp(&a.totals.completion_cp.unwrap_or(i64::MIN))
            .then(a.key.cmp(&b.key))
    });
    for (i, g) in out.iter_mut().enumerate() {
        g.rank = i64::try_from(i + 1).unwrap_or(i64::MAX);
    }
    out
}

/// The jurisdiction a regulator reports on (their organisation's region), or the default
/// for operators; `None` for anyone else.
fn jurisdiction_of(actor: &Actor, orgs: &[organizations::Model]) -> Option<String> {
    if actor.is_operator() {
        return Some(DEFAULT_JURISDICTION.to_owned());
    }
    orgs.iter()
        .find(|o| {
            o.kind == OrgKind::Jurisdiction && actor.roles_in(o.id).any(|r| r == Role::Regulator)
        })
        .map(|o| {
            o.region_code
                .clone()
                .unwrap_or_else(|| DEFAULT_JURISDICTION.to_owned())
        })
}

async fn regulated(conn: &impl ConnectionTrait, actor: &Actor) -> Result<Option<String>, AppError> {
    let ids: Vec<i64> = actor.orgs_with(Role::Regulator).collect();
    let orgs = if ids.is_empty() {
        Vec::new()
    } else {
        organizations::Entity::find()
            .filter(organizations::Column::Id.is_in(ids))
            .all(conn)
            .await?
    };
    Ok(jurisdiction_of(actor, &orgs))
}

fn district_names(codes: &HashMap<String, regions::Model>, code: &str) -> String {
    codes
        .get(code)
        .map_or_else(|| code.to_owned(), |r| r.name.clone())
}

async fn region_names(
    conn: &impl ConnectionTrait,
    codes: Vec<String>,
) -> Result<HashMap<String, regions::Model>, AppError> {
    if codes.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(regions::Entity::find()
        .filter(regions::Column::Code.is_in(codes))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.code.clone(), r))
        .collect())
}

/// The city report (regulators of the jurisdiction, operators): every unit with its figures
/// and rank, and the roll-ups by department and district.
///
/// # Errors
/// 404 for anyone else.
pub async fn city(
    db: &DatabaseConnection,
    actor: &Actor,
    q: CityQuery,
) -> Result<CityReport, AppError> {
    let Some(code) = regulated(db, actor).await? else {
        return Err(AppError::NotFound);
    };
    let year = q.year.unwrap_or_else(this_year);
    let data = YearData::load(db, year, |u| within(&u.jurisdiction, &code)).await?;
    let rows = data.ranked_rows(today());
    let district_codes: Vec<String> = rows
        .iter()
        .filter_map(|r| r.helper_district_code.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let names = region_names(db, district_codes).await?;
    let departments = groups(&rows, |r| {
        Some(match (r.supervisor_org_id, &r.supervisor_name) {
            (Some(id), Some(name)) => (id.to_string(), name.clone()),
            _ => (String::new(), "（无主管部门）".to_owned()),
        })
    });
    let districts = groups(&rows, |r| {
        r.helper_district_code
            .as_ref()
            .map(|c| (c.clone(), district_names(&names, c)))
    });
    let needle = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let units: Vec<UnitRow> = rows
        .into_iter()
        .filter(|r| q.status.is_none_or(|s| r.figures.status == s))
        .filter(|r| q.category.is_none_or(|c| r.category == Some(c)))
        .filter(|r| {
            q.district
                .as_ref()
                .is_none_or(|d| r.helper_district_code.as_ref() == Some(d))
        })
        .filter(|r| needle.is_none_or(|n| r.unit_name.contains(n)))
        .collect();
    let (mut rule, row) = match data.rules.get(&code) {
        Some(r) => r.clone(),
        None => rules::rule_or_fallback(db, &code, year).await?,
    };
    rule.year = year;
    Ok(CityReport {
        year,
        jurisdiction_code: code,
        rule,
        rule_id: row.map(|r| r.id),
        totals: totals(&units.iter().collect::<Vec<_>>()),
        units,
        departments,
        districts,
    })
}

/// Whether the actor is a district officer of helper district `code`.
async fn officer_of(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    code: &str,
) -> Result<bool, AppError> {
    let ids: Vec<i64> = actor.orgs_with(Role::DistrictOfficer).collect();
    if ids.is_empty() {
        return Ok(false);
    }
    Ok(organizations::Entity::find()
        .filter(organizations::Column::Id.is_in(ids))
        .filter(organizations::Column::RegionCode.eq(code.to_owned()))
        .one(conn)
        .await?
        .is_some())
}

/// A unit's figures for a year, with its months, where its money went and its rank in its
/// jurisdiction (its staff, its supervising department, its helper district's officers,
/// regulators, operators).
///
/// # Errors
/// 404 for anyone else or an organisation that is not a budget unit.
pub async fn unit(
    db: &DatabaseConnection,
    actor: &Actor,
    org_id: i64,
    year: Option<i32>,
) -> Result<UnitReport, AppError> {
    let org = organizations::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .filter(|o| o.kind == OrgKind::BudgetUnit)
        .ok_or(AppError::NotFound)?;
    let district_officer = match &org.helper_district_code {
        Some(c) => officer_of(db, actor, c).await?,
        None => false,
    };
    if !may_read_unit(actor, &org) && !district_officer {
        return Err(AppError::NotFound);
    }
    let year = year.unwrap_or_else(this_year);
    let all = all_units(db).await?;
    let jurisdiction = all.iter().find(|u| u.org.id == org_id).map_or_else(
        || DEFAULT_JURISDICTION.to_owned(),
        |u| u.jurisdiction.clone(),
    );
    let data = YearData::load(db, year, |u| u.jurisdiction == jurisdiction).await?;
    let as_of = today();
    let rows = data.ranked_rows(as_of);
    let ranked_units = i64::try_from(rows.iter().filter(|r| r.rank.is_some()).count()).unwrap_or(0);
    let row = rows
        .into_iter()
        .find(|r| r.unit_org_id == org_id)
        .ok_or(AppError::NotFound)?;
    let u = data
        .units
        .iter()
        .find(|u| u.org.id == org_id)
        .ok_or(AppError::NotFound)?;
    let (rule, rule_row) = data
        .rules
        .get(&u.jurisdiction)
        .cloned()
        .unwrap_or_else(|| (Rule::fallback(&u.jurisdiction, year), None));
    // Months: what the rule counts, per month of the fact.
    let mut monthly = [0_i64; 12];
    let mut by_origin: BTreeMap<(String, String, bool), i64> = BTreeMap::new();
    for id in data.members(u) {
        for r in data.summaries.get(&id).into_iter().flatten() {
            let mut s = Sums::default();
            add_row(&mut s, &rule, data.regions.get(&r.county_code), r);
            let counted = s.institutional_fen
                + s.offplatform_assistance_fen
                + if rule.count_union { s.union_fen } else { 0 }
                + if rule.count_staff { s.staff_fen } else { 0 };
            let m = usize::try_from(r.month - 1).unwrap_or(0).min(11);
            monthly[m] += counted;
            if r.assistance_fen != 0 {
                *by_origin
                    .entry((r.county_code.clone(), r.programme.clone(), r.paired))
                    .or_default() += r.assistance_fen;
            }
        }
    }
    let reserved = row.figures.reserved_fen;
    let mut cumulative = 0;
    let months = (1..=12)
        .map(|m| {
            cumulative += monthly[usize::try_from(m - 1).unwrap_or(0)];
            MonthFigures {
                month: m,
                completed_fen: monthly[usize::try_from(m - 1).unwrap_or(0)],
                cumulative_fen: cumulative,
                pace_fen: i64::try_from((i128::from(reserved) * i128::from(m) + 11) / 12)
                    .unwrap_or(i64::MAX),
            }
        })
        .collect();
    let origins = origin_rows(db, by_origin).await?;
    Ok(UnitReport {
        year,
        unit: row,
        rule,
        rule_id: rule_row.map(|r| r.id),
        ranked_units,
        months,
        origins,
    })
}

/// The orders and declarations behind a unit's year (a drill-down from any figure): its
/// facts summed per order (per declaration), newest first. The same readers as [`unit`].
///
/// # Errors
/// 404 for anyone else.
pub async fn unit_facts(
    db: &DatabaseConnection,
    actor: &Actor,
    org_id: i64,
    year: Option<i32>,
) -> Result<Vec<FactRow>, AppError> {
    let org = organizations::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .filter(|o| o.kind == OrgKind::BudgetUnit)
        .ok_or(AppError::NotFound)?;
    let district_officer = match &org.helper_district_code {
        Some(c) => officer_of(db, actor, c).await?,
        None => false,
    };
    if !may_read_unit(actor, &org) && !district_officer {
        return Err(AppError::NotFound);
    }
    let year = year.unwrap_or_else(this_year);
    // One unit's year: the (unit, year) index bounds the read.
    let facts = share_facts::Entity::find()
        .filter(share_facts::Column::UnitOrgId.eq(org_id))
        .filter(share_facts::Column::Year.eq(year))
        .all(db)
        .await?;
    let mut rows: BTreeMap<(Option<i64>, i64), FactRow> = BTreeMap::new();
    for f in facts {
        let key = match f.order_id {
            Some(o) => (Some(o), 0),
            None => (None, f.source_id),
        };
        let row = rows.entry(key).or_insert_with(|| FactRow {
            order_id: f.order_id,
            order_no: None,
            supplier_name: None,
            source: f.source,
            channel: f.channel,
            date: f.fact_date,
            assistance_fen: 0,
            total_fen: 0,
        });
        row.assistance_fen += f.assistance_fen;
        row.total_fen += f.total_fen;
        row.date = row.date.max(f.fact_date);
    }
    let order_ids: Vec<i64> = rows.keys().filter_map(|k| k.0).collect();
    let orders: HashMap<i64, bulk_orders::Model> = if order_ids.is_empty() {
        HashMap::new()
    } else {
        bulk_orders::Entity::find()
            .filter(bulk_orders::Column::Id.is_in(order_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect()
    };
    let supplier_ids: Vec<i64> = orders.values().map(|o| o.supplier_org_id).collect();
    let suppliers: HashMap<i64, String> = if supplier_ids.is_empty() {
        HashMap::new()
    } else {
        organizations::Entity::find()
            .filter(organizations::Column::Id.is_in(supplier_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect()
    };
    let mut out: Vec<FactRow> = rows
        .into_values()
        .map(|mut r| {
            if let Some(o) = r.order_id.and_then(|id| orders.get(&id)) {
                r.order_no = Some(o.order_no.clone());
                r.supplier_name = suppliers.get(&o.supplier_org_id).cloned();
            }
            r
        })
        .collect();
    out.sort_by(|a, b| b.date.cmp(&a.date).then(b.order_id.cmp(&a.order_id)));
    Ok(out)
}

async fn origin_rows(
    conn: &impl ConnectionTrait,
    by_origin: BTreeMap<(String, String, bool), i64>,
) -> Result<Vec<OriginRow>, AppError> {
    let total: i64 = by_origin.values().sum();
    let mut codes: HashSet<String> = HashSet::new();
    for (c, _, _) in by_origin.keys() {
        if c.len() == 6 {
            codes.insert(c.clone());
            codes.insert(format!("{}00", &c[..4]));
            codes.insert(format!("{}0000", &c[..2]));
        }
    }
    let names = region_names(conn, codes.into_iter().collect()).await?;
    let mut rows: Vec<OriginRow> = by_origin
        .into_iter()
        .map(|((county, programme, paired), fen)| {
            let path = if county.len() == 6 {
                [
                    format!("{}0000", &county[..2]),
                    format!("{}00", &county[..4]),
                ]
                .iter()
                .filter(|c| **c != county)
                .filter_map(|c| names.get(c).map(|r| r.name.clone()))
                .collect()
            } else {
                Vec::new()
            };
            OriginRow {
                county_name: names
                    .get(&county)
                    .map_or_else(|| "（未标注产地）".to_owned(), |r| r.name.clone()),
                county_code: county,
                path,
                programme,
                paired,
                assistance_fen: fen,
                share_cp: ratio_centipercent(fen, total),
            }
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.assistance_fen));
    Ok(rows)
}

/// A supervising department's units (its admins, regulators, operators).
///
/// # Errors
/// 404 for anyone else.
pub async fn department(
    db: &DatabaseConnection,
    actor: &Actor,
    dept_org_id: i64,
    year: Option<i32>,
) -> Result<GroupReport, AppError> {
    let dept = organizations::Entity::find_by_id(dept_org_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = actor.is_operator()
        || actor.has_role(Role::Regulator)
        || holds(actor, dept_org_id, &[Role::UnitAdmin, Role::UnionAdmin]);
    if !allowed {
        return Err(AppError::NotFound);
    }
    let year = year.unwrap_or_else(this_year);
    let data = YearData::load(db, year, |u| u.org.parent_id == Some(dept_org_id)).await?;
    let units = data.ranked_rows(today());
    Ok(GroupReport {
        year,
        key: dept_org_id.to_string(),
        name: dept.name,
        totals: totals(&units.iter().collect::<Vec<_>>()),
        units,
    })
}

/// A helper district's units (its officers, regulators, operators).
///
/// # Errors
/// 404 for anyone else.
pub async fn district(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    year: Option<i32>,
) -> Result<GroupReport, AppError> {
    let allowed = actor.is_operator()
        || actor.has_role(Role::Regulator)
        || officer_of(db, actor, code).await?;
    if !allowed {
        return Err(AppError::NotFound);
    }
    let region = regions::Entity::find_by_id(code.to_owned())
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let year = year.unwrap_or_else(this_year);
    let data = YearData::load(db, year, |u| {
        u.org.helper_district_code.as_deref() == Some(code)
    })
    .await?;
    let units = data.ranked_rows(today());
    Ok(GroupReport {
        year,
        key: code.to_owned(),
        name: region.name,
        totals: totals(&units.iter().collect::<Vec<_>>()),
        units,
    })
}

/// Where the money went over the jurisdiction: assistance amounts by county, programme and
/// pairing (regulators, operators).
///
/// # Errors
/// 404 for anyone else.
pub async fn where_money_went(
    db: &DatabaseConnection,
    actor: &Actor,
    year: Option<i32>,
) -> Result<WhereReport, AppError> {
    let Some(code) = regulated(db, actor).await? else {
        return Err(AppError::NotFound);
    };
    let year = year.unwrap_or_else(this_year);
    let units: HashSet<i64> = all_units(db)
        .await?
        .into_iter()
        .filter(|u| within(&u.jurisdiction, &code))
        .map(|u| u.org.id)
        .collect();
    let mut by_origin: BTreeMap<(String, String, bool), i64> = BTreeMap::new();
    for r in share_summaries::Entity::find()
        .filter(share_summaries::Column::Year.eq(year))
        .all(db)
        .await?
    {
        if units.contains(&r.unit_org_id) && r.assistance_fen != 0 {
            *by_origin
                .entry((r.county_code.clone(), r.programme.clone(), r.paired))
                .or_default() += r.assistance_fen;
        }
    }
    let total_fen = by_origin.values().sum();
    Ok(WhereReport {
        year,
        total_fen,
        rows: origin_rows(db, by_origin).await?,
    })
}

/// The label of a checkpoint (`m09` for the end of September), kept in `pace_alerts`.
fn checkpoint_label(month: i32) -> String {
    format!("m{month:02}")
}

/// Flags the units behind pace at the rule's checkpoints whose month is over (e.g. below 50%
/// of the reserved amount at the end of September) and notifies each unit and its supervising
/// department, once per unit, year and checkpoint (`pace_alerts` remembers). Answers how many
/// alerts were raised.
///
/// # Errors
/// Database errors.
pub async fn check_pace(conn: &impl ConnectionTrait, today: NaiveDate) -> Result<u64, AppError> {
    use sea_orm::Set;
    use sea_orm::sea_query::OnConflict;

    use crate::entities::{notifications, pace_alerts};
    let year = today.year();
    let data = YearData::load(conn, year, |_| true).await?;
    let now = Utc::now();
    let mut raised = 0;
    for u in &data.units {
        let Some((_, Some(rule_row))) = data.rules.get(&u.jurisdiction) else {
            continue;
        };
        let f = data.figures_of(u, today);
        if matches!(
            f.status,
            UnitStatus::Exempt | UnitStatus::NotFiled | UnitStatus::Met
        ) || f.reserved_fen <= 0
        {
            continue;
        }
        for c in rule_row.checkpoints.iter() {
            // Only once the checkpoint's month is over.
            if i64::from(c.month) >= i64::from(today.month()) {
                continue;
            }
            let due = i64::try_from(
                (i128::from(f.reserved_fen) * i128::from(c.completion_bp) + 9_999) / 10_000,
            )
            .unwrap_or(i64::MAX);
            if f.completed_fen >= due {
                continue;
            }
            let label = checkpoint_label(c.month);
            let inserted = pace_alerts::Entity::insert(pace_alerts::ActiveModel {
                unit_org_id: Set(u.org.id),
                year: Set(year),
                checkpoint: Set(label.clone()),
                completed_fen: Set(f.completed_fen),
                reserved_fen: Set(f.reserved_fen),
                created_at: Set(now),
            })
            .on_conflict(
                OnConflict::columns([
                    pace_alerts::Column::UnitOrgId,
                    pace_alerts::Column::Year,
                    pace_alerts::Column::Checkpoint,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
            if inserted == 0 {
                continue;
            }
            raised += 1;
            let body = format!(
                "{}：截至 {} 月底，{} 年预留份额完成 {}，低于进度要求 {}（预留 {}）。{} completed {} of {} by the end of month {}, below the checkpoint of {}.",
                u.org.name,
                c.month,
                year,
                crate::money::Money::from_fen(f.completed_fen),
                rules::format_centipercent(i64::from(c.completion_bp)),
                crate::money::Money::from_fen(f.reserved_fen),
                u.org.name,
                crate::money::Money::from_fen(f.completed_fen),
                crate::money::Money::from_fen(f.reserved_fen),
                c.month,
                rules::format_centipercent(i64::from(c.completion_bp)),
            );
            for org in std::iter::once(u.org.id).chain(u.org.parent_id) {
                notifications::Entity::insert(notifications::ActiveModel {
                    org_id: Set(org),
                    kind: Set(crate::suppliers::model::NotificationKind::PaceAlert),
                    title: Set("预留份额进度落后 / behind pace".to_owned()),
                    body: Set(body.clone()),
                    dedupe_key: Set(Some(format!(
                        "pace:{}:{}:{}:{}",
                        org, u.org.id, year, label
                    ))),
                    created_at: Set(now),
                    read_at: Set(None),
                    ..Default::default()
                })
                .on_conflict(
                    OnConflict::column(notifications::Column::DedupeKey)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(conn)
                .await?;
            }
        }
    }
    Ok(raised)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_lie_within_their_city_and_province() {
        assert!(within("440300", "440300"));
        assert!(within("440304", "440300"));
        assert!(!within("441900", "440300"));
        assert!(within("441900", "440000"));
        assert_eq!(city_of("440304"), "440300");
    }
}
