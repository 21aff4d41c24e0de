//! The share rule of a jurisdiction and year, as data (PROCUREMENT.md, "Rule variants").

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{NewRule, RuleQuery, RuleVersion};
use crate::audit::{self, AuditEvent};
use crate::auth::Actor;
use crate::db::begin_write;
use crate::entities::{budget_units, filings, regions, share_rules};
use crate::error::{AppError, ErrorCode, FieldCode, FieldErrors};
use crate::procurement::model::{CanteenMode, FilingStatus};
use crate::vocab::{JsonText, text_enum};

text_enum! {
    /// How the share is compared with the target.
    Comparison {
        /// Strictly more than the target (Shenzhen: "超过30%").
        Gt = "gt",
        /// At least the target ("不低于").
        Gte = "gte",
    }
}

text_enum! {
    /// What the denominator covers.
    DenominatorKind {
        /// Canteen food purchases (食堂食材).
        CanteenFood = "canteen_food",
        /// All agricultural and sideline purchases (农副产品采购总额).
        AgriAll = "agri_all",
        /// Canteen and union purchases (Zhangye).
        CanteenUnion = "canteen_union",
    }
}

text_enum! {
    /// What a unit without a canteen owes.
    NoCanteenRule {
        /// Nothing: no canteen, no quota.
        Exempt = "exempt",
        /// A share of its union funds (博州 2025: at least 20%).
        UnionFunds = "union_funds",
    }
}

/// Which origins count toward the numerator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Origins {
    /// National poverty-lifted counties (脱贫县).
    pub poverty_lifted: bool,
    /// The helper's paired counties, by the pairing valid on the purchase date.
    pub paired: bool,
    /// Old revolutionary areas (革命老区).
    pub old_revolutionary: bool,
}

/// A purchase's origin as the rule sees it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OriginFacts {
    /// The origin county is poverty-lifted.
    pub poverty_lifted: bool,
    /// A pairing of the unit's helper district covered the county on the purchase date.
    pub paired: bool,
    /// The origin county is in an old revolutionary area.
    pub old_revolutionary: bool,
}

impl Origins {
    /// Whether a purchase from such an origin counts.
    #[must_use]
    pub fn count(self, origin: OriginFacts) -> bool {
        (self.poverty_lifted && origin.poverty_lifted)
            || (self.paired && origin.paired)
            || (self.old_revolutionary && origin.old_revolutionary)
    }
}

/// The share rule in force for one jurisdiction and year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Rule {
    /// Region code of the jurisdiction (e.g. 440300 深圳市).
    pub jurisdiction_code: String,
    /// Fiscal year.
    pub year: i32,
    /// Version (a changed rule is a new version; reports name theirs).
    pub version: i32,
    /// Target ratio in basis points (3000 = 30%).
    pub target_bp: i32,
    /// "More than" or "at least".
    pub comparison: Comparison,
    /// What the denominator covers.
    pub denominator: DenominatorKind,
    /// The denominator is the filed total or, if larger, the actual total.
    pub actual_if_larger: bool,
    /// Which origins count.
    pub origins: Origins,
    /// Union purchases attributed to the unit count.
    pub count_union: bool,
    /// Staff personal purchases attributed to the unit count.
    pub count_staff: bool,
    /// What a unit without a canteen owes.
    pub no_canteen: NoCanteenRule,
    /// For [`NoCanteenRule::UnionFunds`]: the share of union funds, in basis points.
    pub no_canteen_bp: Option<i32>,
    /// The reserved amount must be at least last year's (Wuhan 2022).
    pub min_last_year: bool,
    /// Filing deadline.
    pub filing_deadline: NaiveDate,
}

impl Rule {
    /// Whether `numerator / denominator` meets the target, exactly (no rounding): `gt`
    /// compares strictly. A zero denominator meets nothing unless the target is zero.
    #[must_use]
    pub fn meets(&self, numerator: i64, denominator: i64) -> bool {
        let lhs = i128::from(numerator) * 10_000;
        let rhs = i128::from(self.target_bp) * i128::from(denominator);
        if denominator <= 0 {
            return self.target_bp == 0 && numerator >= 0;
        }
        match self.comparison {
            Comparison::Gt => lhs > rhs,
            Comparison::Gte => lhs >= rhs,
        }
    }

    /// The least numerator that meets the target for `denominator`, in fen.
    #[must_use]
    pub fn least_meeting(&self, denominator: i64) -> i64 {
        let product = i128::from(self.target_bp) * i128::from(denominator.max(0));
        let least = match self.comparison {
            // ceil(product / 10000)
            Comparison::Gte => (product + 9_999) / 10_000,
            // floor(product / 10000) + 1
            Comparison::Gt => product / 10_000 + 1,
        };
        i64::try_from(least).unwrap_or(i64::MAX)
    }
}

/// The reserved amount of a filing: `ceil(total × ratio_bp / 10000)` fen (rounded up, so a
/// unit never reserves less than its ratio).
#[must_use]
pub fn reserved_amount(expected_total_fen: i64, ratio_bp: i32) -> i64 {
    let product = i128::from(expected_total_fen.max(0)) * i128::from(ratio_bp.max(0));
    i64::try_from((product + 9_999) / 10_000).unwrap_or(i64::MAX)
}

/// `numerator / denominator` in hundredths of a percent, rounded half up (22299 = 222.99%);
/// `None` for a zero denominator.
#[must_use]
pub fn ratio_centipercent(numerator: i64, denominator: i64) -> Option<i64> {
    if denominator == 0 {
        return None;
    }
    let n = i128::from(numerator) * 10_000;
    let d = i128::from(denominator);
    let (n, d) = if d < 0 { (-n, -d) } else { (n, d) };
    let rounded = if n >= 0 {
        (2 * n + d) / (2 * d)
    } else {
        -((-2 * n + d) / (2 * d))
    };
    i64::try_from(rounded).ok()
}

/// Formats hundredths of a percent for display: `22299` gives `222.99%`.
#[must_use]
pub fn format_centipercent(value: i64) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let v = value.unsigned_abs();
    format!("{sign}{}.{:02}%", v / 100, v % 100)
}

/// A pace checkpoint: by the end of `month`, at least `completion_bp` of the reserved amount
/// (e.g. 5000 by the end of September).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Checkpoint {
    /// Month (1-12) at whose end the checkpoint is taken.
    pub month: i32,
    /// Completion expected by then, basis points of the reserved amount.
    pub completion_bp: i32,
}

impl Rule {
    /// The rule a stored version describes.
    #[must_use]
    pub fn from_row(row: &share_rules::Model) -> Rule {
        Rule {
            jurisdiction_code: row.jurisdiction_code.clone(),
            year: row.year,
            version: row.version,
            target_bp: row.target_bp,
            comparison: row.comparison,
            denominator: row.denominator,
            actual_if_larger: row.actual_if_larger,
            origins: Origins {
                poverty_lifted: row.origin_poverty_lifted,
                paired: row.origin_paired,
                old_revolutionary: row.origin_old_revolutionary,
            },
            count_union: row.count_union,
            count_staff: row.count_staff,
            no_canteen: row.no_canteen,
            no_canteen_bp: row.no_canteen_bp,
            min_last_year: row.min_last_year,
            filing_deadline: row.filing_deadline,
        }
    }

    /// The rule applied where no jurisdiction has one: at least the policy's 30% of all
    /// agricultural purchases, every assistance origin counting
    /// ([`crate::procurement::units::DEFAULT_TARGET_BP`]).
    #[must_use]
    pub fn fallback(jurisdiction_code: &str, year: i32) -> Rule {
        Rule {
            jurisdiction_code: jurisdiction_code.to_owned(),
            year,
            version: 0,
            target_bp: crate::procurement::units::DEFAULT_TARGET_BP,
            comparison: Comparison::Gte,
            denominator: DenominatorKind::AgriAll,
            actual_if_larger: false,
            origins: Origins {
                poverty_lifted: true,
                paired: true,
                old_revolutionary: true,
            },
            count_union: true,
            count_staff: true,
            no_canteen: NoCanteenRule::Exempt,
            no_canteen_bp: None,
            min_last_year: false,
            filing_deadline: NaiveDate::from_ymd_opt(year, 3, 31).unwrap_or_default(),
        }
    }
}

/// The rule version in force for `jurisdiction_code` and `year`: the latest version of the
/// latest year up to `year` of the jurisdiction itself or, failing that, of its parent
/// regions (a district follows its city). `None` where no region up the tree has one.
///
/// # Errors
/// Database errors.
pub async fn in_force(
    conn: &impl ConnectionTrait,
    jurisdiction_code: &str,
    year: i32,
) -> Result<Option<share_rules::Model>, AppError> {
    let mut code = Some(jurisdiction_code.to_owned());
    for _ in 0..4 {
        let Some(c) = code else { break };
        let found = share_rules::Entity::find()
            .filter(share_rules::Column::JurisdictionCode.eq(c.clone()))
            .filter(share_rules::Column::Year.lte(year))
            .order_by_desc(share_rules::Column::Year)
            .order_by_desc(share_rules::Column::Version)
            .one(conn)
            .await?;
        if found.is_some() {
            return Ok(found);
        }
        code = regions::Entity::find_by_id(c)
            .one(conn)
            .await?
            .and_then(|r| r.parent_code);
    }
    Ok(None)
}

/// The rule for a jurisdiction and year, or [`Rule::fallback`].
///
/// # Errors
/// Database errors.
pub async fn rule_or_fallback(
    conn: &impl ConnectionTrait,
    jurisdiction_code: &str,
    year: i32,
) -> Result<(Rule, Option<share_rules::Model>), AppError> {
    let row = in_force(conn, jurisdiction_code, year).await?;
    let rule = row
        .as_ref()
        .map_or_else(|| Rule::fallback(jurisdiction_code, year), Rule::from_row);
    Ok((rule, row))
}

/// Why a filing may not be submitted under the rule of the unit's jurisdiction for `year`
/// (empty when it may): the ratio must meet the target under its comparison, and where
/// the rule says so the reserved amount must reach last year's approved one.
///
/// # Errors
/// Database errors.
pub async fn filing_problems_for(
    conn: &impl ConnectionTrait,
    unit: &budget_units::Model,
    year: i32,
    expected_total_fen: i64,
    ratio_bp: i32,
) -> Result<Vec<String>, AppError> {
    let (rule, _) = rule_or_fallback(conn, &unit.jurisdiction_code, year).await?;
    let last_year = if rule.min_last_year {
        filings::Entity::find()
            .filter(filings::Column::UnitOrgId.eq(unit.org_id))
            .filter(filings::Column::Year.eq(year - 1))
            .filter(filings::Column::Status.eq(FilingStatus::Approved))
            .one(conn)
            .await?
            .map(|f| f.reserved_fen)
    } else {
        None
    };
    let no_canteen = unit.canteen_mode == CanteenMode::None;
    Ok(super::figures::filing_problems(
        &rule,
        no_canteen,
        expected_total_fen,
        ratio_bp,
        last_year,
    ))
}

fn rule_view(row: share_rules::Model) -> RuleVersion {
    RuleVersion {
        id: row.id,
        rule: Rule::from_row(&row),
        checkpoints: row.checkpoints.0.clone(),
        note: row.note,
        created_at: row.created_at,
    }
}

/// Rule versions, newest first, optionally of one jurisdiction and year (anyone signed in:
/// rules are published policy).
///
/// # Errors
/// Database errors.
pub async fn list(conn: &impl ConnectionTrait, q: RuleQuery) -> Result<Vec<RuleVersion>, AppError> {
    let mut find = share_rules::Entity::find();
    if let Some(code) = q.jurisdiction_code {
        find = find.filter(share_rules::Column::JurisdictionCode.eq(code));
    }
    if let Some(y) = q.year {
        find = find.filter(share_rules::Column::Year.eq(y));
    }
    Ok(find
        .order_by_asc(share_rules::Column::JurisdictionCode)
        .order_by_desc(share_rules::Column::Year)
        .order_by_desc(share_rules::Column::Version)
        .limit(500)
        .all(conn)
        .await?
        .into_iter()
        .map(rule_view)
        .collect())
}

/// One rule version.
///
/// # Errors
/// 404.
pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<RuleVersion, AppError> {
    share_rules::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(rule_view)
        .ok_or(AppError::NotFound)
}

fn check_new(req: &NewRule, errors: &mut FieldErrors) {
    if !(2000..=2100).contains(&req.year) {
        errors.add(
            "year",
            FieldCode::OutOfRange,
            "年度须为 2000-2100 / 2000 to 2100",
        );
    }
    if !(0..=10_000).contains(&req.target_bp) {
        errors.add(
            "target_bp",
            FieldCode::OutOfRange,
            "目标比例须为 0-100% / 0 to 100%",
        );
    }
    match (req.no_canteen, req.no_canteen_bp) {
        (NoCanteenRule::UnionFunds, None) => errors.add(
            "no_canteen_bp",
            FieldCode::Required,
            "无食堂单位须定工会经费比例 / the share of union funds is required",
        ),
        (_, Some(bp)) if !(0..=10_000).contains(&bp) => errors.add(
            "no_canteen_bp",
            FieldCode::OutOfRange,
            "比例须为 0-100% / 0 to 100%",
        ),
        _ => {}
    }
    if req.filing_deadline.year() != req.year {
        errors.add(
            "filing_deadline",
            FieldCode::OutOfRange,
            "填报截止日须在该年度内 / the deadline falls in the year",
        );
    }
    if !(req.origins.poverty_lifted || req.origins.paired || req.origins.old_revolutionary) {
        errors.add(
            "origins",
            FieldCode::Required,
            "至少计入一类产地 / at least one kind of origin counts",
        );
    }
    if req.checkpoints.len() > 12 {
        errors.add("checkpoints", FieldCode::TooMany, "最多 12 个 / at most 12");
    }
    for (i, c) in req.checkpoints.iter().enumerate() {
        if !(1..=12).contains(&c.month) || !(0..=10_000).contains(&c.completion_bp) {
            errors.add(
                &format!("checkpoints[{i}]"),
                FieldCode::OutOfRange,
                "月份 1-12，比例 0-100% / month 1-12, 0-100%",
            );
        }
    }
    if req.note.as_ref().is_some_and(|n| n.chars().count() > 500) {
        errors.add(
            "note",
            FieldCode::TooLong,
            "备注最多 500 字 / at most 500 characters",
        );
    }
}

/// Saves a new version of the rule of a jurisdiction and year (operators). Current figures
/// follow the newest version at once (they are computed when read); published reports keep
/// the version they name.
///
/// # Errors
/// 403 for anyone but an operator; 422 for bad fields or an unknown jurisdiction.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    req: NewRule,
) -> Result<RuleVersion, AppError> {
    if !actor.is_operator() {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有平台运营可以修改份额规则 / only operators change share rules",
        ));
    }
    let mut errors = FieldErrors::new();
    check_new(&req, &mut errors);
    if regions::Entity::find_by_id(req.jurisdiction_code.clone())
        .one(db)
        .await?
        .is_none()
    {
        errors.add(
            "jurisdiction_code",
            FieldCode::UnknownRegion,
            "未知的行政区划代码 / unknown region code",
        );
    }
    errors.into_result()?;
    let txn = begin_write(db).await?;
    let saved = insert_version(&txn, &req, Some(actor.user_id)).await?;
    audit::record(
        &txn,
        Some(actor),
        AuditEvent::new("share_rule.create", "share_rule", saved.id).after(saved.version),
    )
    .await?;
    txn.commit().await?;
    Ok(rule_view(saved))
}

async fn insert_version(
    conn: &impl ConnectionTrait,
    req: &NewRule,
    by: Option<i64>,
) -> Result<share_rules::Model, AppError> {
    let latest = share_rules::Entity::find()
        .filter(share_rules::Column::JurisdictionCode.eq(req.jurisdiction_code.clone()))
        .filter(share_rules::Column::Year.eq(req.year))
        .order_by_desc(share_rules::Column::Version)
        .one(conn)
        .await?;
    Ok(share_rules::ActiveModel {
        jurisdiction_code: Set(req.jurisdiction_code.clone()),
        year: Set(req.year),
        version: Set(latest.map_or(1, |r| r.version + 1)),
        target_bp: Set(req.target_bp),
        comparison: Set(req.comparison),
        denominator: Set(req.denominator),
        actual_if_larger: Set(req.actual_if_larger),
        origin_poverty_lifted: Set(req.origins.poverty_lifted),
        origin_paired: Set(req.origins.paired),
        origin_old_revolutionary: Set(req.origins.old_revolutionary),
        count_union: Set(req.count_union),
        count_staff: Set(req.count_staff),
        no_canteen: Set(req.no_canteen),
        no_canteen_bp: Set(req.no_canteen_bp),
        min_last_year: Set(req.min_last_year),
        filing_deadline: Set(req.filing_deadline),
        checkpoints: Set(JsonText(req.checkpoints.clone())),
        note: Set(req.note.clone()),
        created_by: Set(by),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// Shenzhen's rule (seed 002, item 17): **more than** 30% of all agricultural and sideline
/// purchases; pace checkpoints at the ends of June (30%) and September (50%).
#[must_use]
pub fn shenzhen(year: i32) -> NewRule {
    NewRule {
        jurisdiction_code: "440300".to_owned(),
        year,
        target_bp: 3000,
        comparison: Comparison::Gt,
        denominator: DenominatorKind::AgriAll,
        actual_if_larger: false,
        origins: Origins {
            poverty_lifted: true,
            paired: true,
            old_revolutionary: true,
        },
        count_union: true,
        count_staff: true,
        no_canteen: NoCanteenRule::Exempt,
        no_canteen_bp: None,
        min_last_year: false,
        filing_deadline: NaiveDate::from_ymd_opt(year, 3, 31).unwrap_or_default(),
        checkpoints: vec![
            Checkpoint {
                month: 6,
                completion_bp: 3000,
            },
            Checkpoint {
                month: 9,
                completion_bp: 5000,
            },
        ],
        note: Some("深圳市：预留份额超过30%（农副产品采购总额）".to_owned()),
    }
}

/// Seeds Shenzhen's rule for last year and this year where the city has none (a fresh
/// database and the demo). Answers how many versions were inserted.
///
/// # Errors
/// Database errors.
pub async fn seed_default(conn: &impl ConnectionTrait) -> Result<u64, AppError> {
    let exists = share_rules::Entity::find()
        .filter(share_rules::Column::JurisdictionCode.eq("440300"))
        .one(conn)
        .await?
        .is_some();
    if exists
        || regions::Entity::find_by_id("440300".to_owned())
            .one(conn)
            .await?
            .is_none()
    {
        return Ok(0);
    }
    let this_year = crate::time::business_date(Utc::now()).year();
    for year in [this_year - 1, this_year] {
        insert_version(conn, &shenzhen(year), None).await?;
    }
    Ok(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(target_bp: i32, comparison: Comparison) -> Rule {
        Rule {
            jurisdiction_code: "440300".into(),
            year: 2026,
            version: 1,
            target_bp,
            comparison,
            denominator: DenominatorKind::AgriAll,
            actual_if_larger: false,
            origins: Origins {
                poverty_lifted: true,
                paired: true,
                old_revolutionary: true,
            },
            count_union: true,
            count_staff: true,
            no_canteen: NoCanteenRule::Exempt,
            no_canteen_bp: None,
            min_last_year: false,
            filing_deadline: NaiveDate::from_ymd_opt(2026, 3, 31).expect("date"),
        }
    }

    #[test]
    fn more_than_and_at_least_differ_exactly_at_the_target() {
        let shenzhen = rule(3000, Comparison::Gt);
        let guangdong = rule(3000, Comparison::Gte);
        // 30,000.00 of 100,000.00 is exactly 30%.
        assert!(!shenzhen.meets(3_000_000, 10_000_000));
        assert!(guangdong.meets(3_000_000, 10_000_000));
        // One fen more meets both.
        assert!(shenzhen.meets(3_000_001, 10_000_000));
        assert_eq!(shenzhen.least_meeting(10_000_000), 3_000_001);
        assert_eq!(guangdong.least_meeting(10_000_000), 3_000_000);
        // A denominator whose 30% is not a whole fen: 30% of 1 fen is 0.3 fen.
        assert_eq!(guangdong.least_meeting(1), 1);
        assert_eq!(shenzhen.least_meeting(1), 1);
        assert!(!shenzhen.meets(0, 0));
    }

    #[test]
    fn reserved_amounts_round_up_to_the_fen() {
        assert_eq!(reserved_amount(1_000_000, 3000), 300_000);
        // 30% of 333.33 yuan is 99.999 yuan: reserved 100.00.
        assert_eq!(reserved_amount(33_333, 3000), 10_000);
        assert_eq!(reserved_amount(0, 3000), 0);
    }

    #[test]
    fn published_figures_come_from_exact_sums() {
        // A city, 2022: reserved 446.24万, completed 995.07万 -> 222.99%, published as 223%.
        let c = ratio_centipercent(995_070_000, 446_240_000).expect("ratio");
        assert_eq!(c, 22_299);
        assert_eq!(format_centipercent(c), "222.99%");
        assert_eq!((c + 50) / 100, 223);
        // Guangxi 2023: the rounded inputs 3.16亿 / 2.23亿 give 141.70%, not the published
        // 141.27% (which came from the unrounded sums): percentages are computed from fen.
        let g = ratio_centipercent(31_600_000_000, 22_300_000_000).expect("ratio");
        assert_eq!(format_centipercent(g), "141.70%");
        assert_ne!(g, 14_127);
        assert_eq!(ratio_centipercent(1, 0), None);
        assert_eq!(
            format_centipercent(ratio_centipercent(-1, 3).expect("r")),
            "-33.33%"
        );
    }

    #[test]
    fn origins_count_as_the_rule_says() {
        let only_paired = Origins {
            paired: true,
            ..Origins::default()
        };
        let lifted = OriginFacts {
            poverty_lifted: true,
            ..OriginFacts::default()
        };
        assert!(!only_paired.count(lifted));
        assert!(only_paired.count(OriginFacts {
            paired: true,
            ..OriginFacts::default()
        }));
    }
}
