//! Requests and answers of the reporting API.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::figures::{UnitFigures, UnitStatus};
use super::rules::{Checkpoint, Comparison, DenominatorKind, NoCanteenRule, Origins, Rule};
use crate::auth::model::BudgetCategory;
use crate::procurement::model::CanteenMode;

/// A stored version of a share rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleVersion {
    /// Id of this version (published reports name it).
    pub id: i64,
    /// The rule.
    pub rule: Rule,
    /// Pace checkpoints.
    pub checkpoints: Vec<Checkpoint>,
    /// Operator's note (source of the rule).
    pub note: Option<String>,
    /// When this version was saved.
    pub created_at: DateTime<Utc>,
}

/// Filters of the rule list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RuleQuery {
    /// Only this jurisdiction (region code).
    pub jurisdiction_code: Option<String>,
    /// Only this year.
    pub year: Option<i32>,
}

/// A new version of the rule of a jurisdiction and year (the previous versions are kept).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct NewRule {
    /// Region code of the jurisdiction.
    pub jurisdiction_code: String,
    /// Fiscal year.
    pub year: i32,
    /// Target ratio, basis points (3000 = 30%).
    pub target_bp: i32,
    /// "More than" (`gt`) or "at least" (`gte`).
    pub comparison: Comparison,
    /// What the denominator covers.
    pub denominator: DenominatorKind,
    /// The denominator is the actual total where larger than the filed one.
    pub actual_if_larger: bool,
    /// Which origins count.
    pub origins: Origins,
    /// Union purchases count for the unit.
    pub count_union: bool,
    /// Staff purchases count for the unit.
    pub count_staff: bool,
    /// What a unit without a canteen owes.
    pub no_canteen: NoCanteenRule,
    /// Share of union funds (basis points) under `union_funds`.
    pub no_canteen_bp: Option<i32>,
    /// The reserved amount must be at least last year's.
    pub min_last_year: bool,
    /// Filing deadline (in the year).
    pub filing_deadline: NaiveDate,
    /// Pace checkpoints.
    #[serde(default)]
    pub checkpoints: Vec<Checkpoint>,
    /// Note (source of the rule).
    pub note: Option<String>,
}

/// The year of a report.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// Fiscal year (default: this year).
    pub year: Option<i32>,
}

/// Filters of the city report.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CityQuery {
    /// Fiscal year (default: this year).
    pub year: Option<i32>,
    /// Only units of this status.
    pub status: Option<UnitStatus>,
    /// Only units of this category.
    pub category: Option<BudgetCategory>,
    /// Only units of this helper district (region code).
    pub district: Option<String>,
    /// Only units whose name contains this.
    pub q: Option<String>,
}

/// One unit's row in a report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitRow {
    /// The unit.
    pub unit_org_id: i64,
    /// Its name.
    pub unit_name: String,
    /// USCC.
    pub uscc: Option<String>,
    /// Category.
    pub category: Option<BudgetCategory>,
    /// Supervising department, if any.
    pub supervisor_org_id: Option<i64>,
    /// Its name.
    pub supervisor_name: Option<String>,
    /// Helper district (region code).
    pub helper_district_code: Option<String>,
    /// Canteen mode.
    pub canteen_mode: CanteenMode,
    /// Filed expected total (fen), from the approved filing.
    pub filed_total_fen: Option<i64>,
    /// Filed ratio (basis points).
    pub ratio_bp: Option<i32>,
    /// The figures.
    pub figures: UnitFigures,
    /// Rank among the units of the report (1 = highest completion), none for units that
    /// owe nothing or did not file.
    pub rank: Option<i64>,
}

/// Completed amounts of one month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthFigures {
    /// Month (1-12).
    pub month: i32,
    /// Completed (counted) in the month, fen.
    pub completed_fen: i64,
    /// Cumulative completed by the end of the month, fen.
    pub cumulative_fen: i64,
    /// Cumulative the pace asks by the end of the month (reserved × month / 12), fen.
    pub pace_fen: i64,
}

/// A unit's figures for a year, with its months and where its money went.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitReport {
    /// Fiscal year.
    pub year: i32,
    /// The unit's row (figures and rank in its jurisdiction).
    pub unit: UnitRow,
    /// The rule the figures were computed under (version 0: the fallback rule).
    pub rule: Rule,
    /// Id of the stored rule version, if any.
    pub rule_id: Option<i64>,
    /// Units ranked in the jurisdiction.
    pub ranked_units: i64,
    /// The twelve months.
    pub months: Vec<MonthFigures>,
    /// Where the unit's money went.
    pub origins: Vec<OriginRow>,
}

/// Totals of a set of units.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Totals {
    /// Units.
    pub units: i64,
    /// Units with an approved filing.
    pub filed: i64,
    /// Units without a canteen.
    pub no_canteen: i64,
    /// Units without an approved filing (and owing one).
    pub not_filed: i64,
    /// Units that met their target.
    pub met: i64,
    /// Sum of reserved amounts, fen.
    pub reserved_fen: i64,
    /// Sum of completed amounts, fen.
    pub completed_fen: i64,
    /// Sum of pending amounts, fen.
    pub pending_fen: i64,
    /// Completed / reserved, hundredths of a percent.
    pub completion_cp: Option<i64>,
}

/// The city report: every unit of the jurisdiction with its figures and rank.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CityReport {
    /// Fiscal year.
    pub year: i32,
    /// Jurisdiction (region code).
    pub jurisdiction_code: String,
    /// The rule (version) used.
    pub rule: Rule,
    /// Id of the stored rule version, if any.
    pub rule_id: Option<i64>,
    /// Totals over the listed units.
    pub totals: Totals,
    /// Units, by rank.
    pub units: Vec<UnitRow>,
    /// Roll-up by supervising department.
    pub departments: Vec<GroupRow>,
    /// Roll-up by helper district.
    pub districts: Vec<GroupRow>,
}

/// A roll-up of a group of units (a department, a district).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GroupRow {
    /// Key: the department's organisation id or the district's region code.
    pub key: String,
    /// Name.
    pub name: String,
    /// Totals.
    pub totals: Totals,
    /// Rank by completion (1 = highest).
    pub rank: i64,
}

/// A group's report: its units and their totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupReport {
    /// Fiscal year.
    pub year: i32,
    /// Key (organisation id or region code).
    pub key: String,
    /// Name.
    pub name: String,
    /// Totals.
    pub totals: Totals,
    /// Units, by rank within the group.
    pub units: Vec<UnitRow>,
}

/// Where the money went: one county and programme.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OriginRow {
    /// County code ("" for purchases without an origin).
    pub county_code: String,
    /// County name.
    pub county_name: String,
    /// Province and city names above it.
    pub path: Vec<String>,
    /// Programme ("" for none).
    pub programme: String,
    /// Bought under a pairing valid on the date.
    pub paired: bool,
    /// Assistance amount, fen.
    pub assistance_fen: i64,
    /// Share of the listed total, hundredths of a percent.
    pub share_cp: Option<i64>,
}

/// Where the money went over the jurisdiction.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WhereReport {
    /// Fiscal year.
    pub year: i32,
    /// Total assistance amount, fen.
    pub total_fen: i64,
    /// By county, programme and pairing, largest first.
    pub rows: Vec<OriginRow>,
}

/// One order (or declaration) behind a unit's completed amount: its facts summed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FactRow {
    /// The bulk order, if the facts come from one.
    pub order_id: Option<i64>,
    /// Its number.
    pub order_no: Option<String>,
    /// The supplier's name.
    pub supplier_name: Option<String>,
    /// What the facts record (the first one's source).
    pub source: super::model::FactSource,
    /// Channel.
    pub channel: super::model::Channel,
    /// Date of the latest fact.
    pub date: NaiveDate,
    /// Signed assistance amount, fen.
    pub assistance_fen: i64,
    /// Signed total, fen.
    pub total_fen: i64,
}

/// What a regulator publishes (通报).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    /// Fiscal year.
    pub year: i32,
    /// Title (2-100 characters), e.g. "2026年第三季度预留份额完成情况通报".
    pub title: String,
    /// The period the report covers ends on this day.
    pub period_end: NaiveDate,
}

/// A published report: an immutable snapshot of the city report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Published {
    /// Id.
    pub id: i64,
    /// Jurisdiction (region code).
    pub jurisdiction_code: String,
    /// Fiscal year.
    pub year: i32,
    /// Title.
    pub title: String,
    /// End of the period covered.
    pub period_end: NaiveDate,
    /// The stored rule version the figures were computed under.
    pub rule_id: i64,
    /// SHA-256 of the stored content (hex).
    pub content_hash: String,
    /// The stored content still hashes to `content_hash`.
    pub intact: bool,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// The snapshot (absent in lists).
    pub report: Option<CityReport>,
}
