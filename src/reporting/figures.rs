//! The figures of one budget unit (or one filing that covers several units) for one year,
//! computed exactly in fen from its filing and its summed facts under a [`Rule`].

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rules::{DenominatorKind, NoCanteenRule, Rule, ratio_centipercent, reserved_amount};
use crate::vocab::text_enum;

text_enum! {
    /// Where a unit stands against its year.
    UnitStatus {
        /// Completed at least the reserved amount and the share meets the target.
        Met = "met",
        /// Not yet, but at the pace needed by the end of the year.
        OnTrack = "on_track",
        /// Below the pace needed.
        Behind = "behind",
        /// No approved filing for the year.
        NotFiled = "not_filed",
        /// No canteen and the rule asks nothing of such units.
        Exempt = "exempt",
    }
}

/// The approved filing, as far as the figures need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FiledFigures {
    /// Expected annual total (the filed denominator), fen.
    pub expected_total_fen: i64,
    /// Reserved amount, fen.
    pub reserved_fen: i64,
    /// Union funds, for units without a canteen under a union-funds rule, fen.
    pub union_funds_fen: Option<i64>,
}

/// The unit's summed facts for the year, fen. Numerator parts count only origins the rule
/// counts; denominator parts are every agricultural purchase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    /// Completed institutional orders of counted origins (net of returns and red invoices).
    pub institutional_fen: i64,
    /// Verified off-platform assistance purchases of counted origins.
    pub offplatform_assistance_fen: i64,
    /// Union purchases attributed to the unit, counted origins.
    pub union_fen: i64,
    /// Staff personal purchases attributed to the unit, counted origins.
    pub staff_fen: i64,
    /// Every completed agricultural purchase on the platform (assistance or not).
    pub platform_all_fen: i64,
    /// Every verified off-platform agricultural purchase.
    pub offplatform_all_fen: i64,
    /// Every union purchase (for a denominator that covers union purchases).
    pub union_all_fen: i64,
    /// Orders accepted but not yet paid and evaluated (not counted yet).
    pub pending_fen: i64,
}

/// What a unit's filing says and whether it is whole (for `not_filed` and exemptions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitYear {
    /// The unit has no canteen.
    pub no_canteen: bool,
    /// The approved filing, if any.
    pub filing: Option<FiledFigures>,
}

/// The figures of one unit and year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnitFigures {
    /// Reserved amount (fen); zero when exempt or not filed.
    pub reserved_fen: i64,
    /// Completed amount A (fen).
    pub completed_fen: i64,
    /// Accepted orders waiting for payment or evaluation (fen).
    pub pending_fen: i64,
    /// The denominator T (fen).
    pub denominator_fen: i64,
    /// Completion = A / reserved, in hundredths of a percent (none without a reserved amount).
    pub completion_cp: Option<i64>,
    /// Share = A / T, in hundredths of a percent (none without a denominator).
    pub share_cp: Option<i64>,
    /// The share meets the target under the rule's comparison, exactly.
    pub target_met: bool,
    /// Still needed to reach both the reserved amount and the target share (fen, ≥ 0).
    pub gap_fen: i64,
    /// The gap spread over the months left in the year, rounded up (fen).
    pub needed_per_month_fen: i64,
    /// Met, on track, behind, not filed or exempt.
    pub status: UnitStatus,
}

/// Months of `year` not yet over on `as_of` (the current month counts): 12 in January of
/// the year, 1 in December, 0 once the year is over.
#[must_use]
pub fn months_left(year: i32, as_of: NaiveDate) -> i64 {
    match as_of.year().cmp(&year) {
        std::cmp::Ordering::Less => 12,
        std::cmp::Ordering::Greater => 0,
        std::cmp::Ordering::Equal => 13 - i64::from(as_of.month()),
    }
}

fn ceil_div(n: i64, d: i64) -> i64 {
    if d <= 0 {
        return n;
    }
    let (n, d) = (i128::from(n), i128::from(d));
    i64::try_from((n + d - 1).div_euclid(d)).unwrap_or(i64::MAX)
}

/// Computes the figures of one unit and year as of a date.
#[must_use]
pub fn compute(rule: &Rule, unit: UnitYear, sums: Sums, as_of: NaiveDate) -> UnitFigures {
    let completed = sums.institutional_fen
        + sums.offplatform_assistance_fen
        + if rule.count_union { sums.union_fen } else { 0 }
        + if rule.count_staff { sums.staff_fen } else { 0 };
    let actual_total = sums.platform_all_fen
        + sums.offplatform_all_fen
        + if rule.denominator == DenominatorKind::CanteenUnion {
            sums.union_all_fen
        } else {
            0
        };
    // Under a union-funds rule a unit without a canteen owes a share of its union funds;
    // its "target" is that share.
    let union_funds_rule = unit.no_canteen && rule.no_canteen == NoCanteenRule::UnionFunds;
    let (reserved, denominator, target_rule) = match unit.filing {
        None => (0, actual_total, rule.clone()),
        Some(f) if union_funds_rule => {
            let bp = rule.no_canteen_bp.unwrap_or(0);
            let funds = f.union_funds_fen.unwrap_or(0);
            let mut r = rule.clone();
            r.target_bp = bp;
            r.comparison = super::rules::Comparison::Gte;
            (reserved_amount(funds, bp), funds, r)
        }
        Some(f) => {
            let filed = f.expected_total_fen;
            let t = if rule.actual_if_larger {
                filed.max(actual_total)
            } else {
                filed
            };
            (f.reserved_fen, t, rule.clone())
        }
    };
    let target_met = target_rule.meets(completed, denominator);
    let needed = if unit.filing.is_some() {
        reserved.max(target_rule.least_meeting(denominator))
    } else {
        0
    };
    let gap = (needed - completed).max(0);
    let left = months_left(rule.year, as_of);
    let status = if unit.no_canteen && rule.no_canteen == NoCanteenRule::Exempt {
        UnitStatus::Exempt
    } else if unit.filing.is_none() {
        UnitStatus::NotFiled
    } else if gap == 0 {
        UnitStatus::Met
    } else {
        // The pace: the part of the year's need that full months behind us call for.
        let months_done = 12 - left.min(12);
        let due_by_now = ceil_div(needed * months_done, 12);
        if completed >= due_by_now && left > 0 {
            UnitStatus::OnTrack
        } else {
            UnitStatus::Behind
        }
    };
    let exempt = status == UnitStatus::Exempt;
    UnitFigures {
        reserved_fen: if exempt { 0 } else { reserved },
        completed_fen: completed,
        pending_fen: sums.pending_fen,
        denominator_fen: denominator,
        completion_cp: ratio_centipercent(completed, reserved),
        share_cp: ratio_centipercent(completed, denominator),
        target_met,
        gap_fen: if exempt { 0 } else { gap },
        needed_per_month_fen: if exempt || left == 0 {
            0
        } else {
            ceil_div(gap, left)
        },
        status,
    }
}

/// Problems with a filing under the rule, in Chinese then English (empty when it may be
/// submitted): the ratio must meet the target, and where the rule says so the reserved
/// amount must be at least last year's.
#[must_use]
pub fn filing_problems(
    rule: &Rule,
    no_canteen: bool,
    expected_total_fen: i64,
    ratio_bp: i32,
    last_year_reserved_fen: Option<i64>,
) -> Vec<String> {
    let mut problems = Vec::new();
    if no_canteen {
        return problems;
    }
    let reserved = reserved_amount(expected_total_fen, ratio_bp);
    if expected_total_fen > 0 && !rule.meets(reserved, expected_total_fen) {
        let op = match rule.comparison {
            super::rules::Comparison::Gt => "高于",
            super::rules::Comparison::Gte => "不低于",
        };
        problems.push(format!(
            "预留比例须{op}{}% / the ratio must be {} {}%",
            super::rules::format_centipercent(i64::from(rule.target_bp)),
            if op == "高于" { "above" } else { "at least" },
            f64::from(rule.target_bp) / 100.0
        ));
    }
    if rule.min_last_year
        && let Some(last) = last_year_reserved_fen
        && reserved < last
    {
        problems.push(format!(
            "预留金额不得低于上年（{}）/ the reserved amount must be at least last year's",
            crate::money::Money::from_fen(last)
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::super::rules::{Comparison, Origins};
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn shenzhen() -> Rule {
        Rule {
            jurisdiction_code: "440300".into(),
            year: 2026,
            version: 1,
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
            filing_deadline: date(2026, 3, 31),
        }
    }

    fn filed(total: i64, ratio_bp: i32) -> UnitYear {
        UnitYear {
            no_canteen: false,
            filing: Some(FiledFigures {
                expected_total_fen: total,
                reserved_fen: reserved_amount(total, ratio_bp),
                union_funds_fen: None,
            }),
        }
    }

    #[test]
    fn a_unit_behind_in_october_needs_the_gap_over_three_months() {
        // Filed 1,000,000.00 at 30.01%: reserved 300,100.00. Completed 100,000.00 + 20,000.00
        // off-platform + 5,000.00 union; pending 50,000.00 not counted.
        let sums = Sums {
            institutional_fen: 10_000_000,
            offplatform_assistance_fen: 2_000_000,
            union_fen: 500_000,
            pending_fen: 5_000_000,
            platform_all_fen: 40_000_000,
            ..Sums::default()
        };
        let f = compute(
            &shenzhen(),
            filed(100_000_000, 3001),
            sums,
            date(2026, 10, 15),
        );
        assert_eq!(f.reserved_fen, 30_010_000);
        assert_eq!(f.completed_fen, 12_500_000);
        assert_eq!(f.denominator_fen, 100_000_000);
        // 125,000.00 / 300,100.00 = 41.652...% -> 41.65%
        assert_eq!(f.completion_cp, Some(4165));
        assert_eq!(f.share_cp, Some(1250));
        assert!(!f.target_met);
        assert_eq!(f.gap_fen, 30_010_000 - 12_500_000);
        // October, November, December left: ceil(17,510,000 / 3) = 5,836,667 fen.
        assert_eq!(f.needed_per_month_fen, 5_836_667);
        // Nine months done: 9/12 of 300,100.00 = 225,075.00 due by now.
        assert_eq!(f.status, UnitStatus::Behind);
    }

    #[test]
    fn more_than_at_exactly_thirty_percent_is_not_met() {
        let mut rule = shenzhen();
        // A filing of 100,000.00 at 30.00% under a Guangdong-style rule, completed exactly.
        rule.comparison = Comparison::Gte;
        let unit = filed(10_000_000, 3000);
        let sums = Sums {
            institutional_fen: 3_000_000,
            ..Sums::default()
        };
        let at_least = compute(&rule, unit, sums, date(2027, 1, 10));
        assert!(at_least.target_met);
        assert_eq!(at_least.status, UnitStatus::Met);
        rule.comparison = Comparison::Gt;
        let more_than = compute(&rule, unit, sums, date(2027, 1, 10));
        assert!(!more_than.target_met);
        assert_eq!(more_than.gap_fen, 1);
        assert_eq!(more_than.status, UnitStatus::Behind);
        let one_fen_more = Sums {
            institutional_fen: 3_000_001,
            ..Sums::default()
        };
        assert_eq!(
            compute(&rule, unit, one_fen_more, date(2027, 1, 10)).status,
            UnitStatus::Met
        );
    }

    #[test]
    fn no_canteen_is_exempt_or_owes_a_share_of_union_funds() {
        let mut rule = shenzhen();
        let unit = UnitYear {
            no_canteen: true,
            filing: Some(FiledFigures {
                expected_total_fen: 0,
                reserved_fen: 0,
                union_funds_fen: Some(50_000_000),
            }),
        };
        let sums = Sums {
            union_fen: 4_000_000,
            ..Sums::default()
        };
        let exempt = compute(&rule, unit, sums, date(2026, 6, 1));
        assert_eq!(exempt.status, UnitStatus::Exempt);
        assert_eq!(exempt.gap_fen, 0);
        // 博州: at least 20% of union funds (500,000.00 -> 100,000.00).
        rule.no_canteen = NoCanteenRule::UnionFunds;
        rule.no_canteen_bp = Some(2000);
        let owes = compute(&rule, unit, sums, date(2026, 6, 1));
        assert_eq!(owes.reserved_fen, 10_000_000);
        assert_eq!(owes.denominator_fen, 50_000_000);
        assert_eq!(owes.gap_fen, 6_000_000);
        assert_eq!(owes.share_cp, Some(800));
    }

    #[test]
    fn union_and_staff_count_only_where_the_rule_says() {
        let mut rule = shenzhen();
        rule.count_union = false;
        rule.count_staff = false;
        let sums = Sums {
            institutional_fen: 100,
            union_fen: 1_000,
            staff_fen: 10_000,
            ..Sums::default()
        };
        assert_eq!(
            compute(&rule, filed(1_000_000, 3001), sums, date(2026, 1, 5)).completed_fen,
            100
        );
        rule.count_staff = true;
        assert_eq!(
            compute(&rule, filed(1_000_000, 3001), sums, date(2026, 1, 5)).completed_fen,
            10_100
        );
    }

    #[test]
    fn the_actual_total_replaces_a_smaller_filed_one_where_the_rule_says() {
        let mut rule = shenzhen();
        let sums = Sums {
            institutional_fen: 3_500_000,
            platform_all_fen: 8_000_000,
            offplatform_all_fen: 4_000_000,
            ..Sums::default()
        };
        let unit = filed(10_000_000, 3001);
        assert_eq!(
            compute(&rule, unit, sums, date(2026, 12, 31)).denominator_fen,
            10_000_000
        );
        rule.actual_if_larger = true;
        let f = compute(&rule, unit, sums, date(2027, 1, 10));
        assert_eq!(f.denominator_fen, 12_000_000);
        // 35,000.00 / 120,000.00 = 29.17%: completed the reserved amount but not the share.
        assert!(!f.target_met);
        assert_eq!(f.status, UnitStatus::Behind);
    }

    #[test]
    fn not_filed_and_pace_in_january() {
        let rule = shenzhen();
        let none = UnitYear {
            no_canteen: false,
            filing: None,
        };
        assert_eq!(
            compute(&rule, none, Sums::default(), date(2026, 5, 1)).status,
            UnitStatus::NotFiled
        );
        let jan = compute(
            &rule,
            filed(1_000_000, 3001),
            Sums::default(),
            date(2026, 1, 20),
        );
        assert_eq!(jan.status, UnitStatus::OnTrack);
        assert_eq!(jan.needed_per_month_fen, ceil_div(300_100, 12));
        // After the year is over nothing is on track any more.
        let after = compute(
            &rule,
            filed(1_000_000, 3001),
            Sums::default(),
            date(2027, 1, 2),
        );
        assert_eq!(after.status, UnitStatus::Behind);
        assert_eq!(after.needed_per_month_fen, 0);
    }

    #[test]
    fn filings_below_the_target_or_last_year_are_refused() {
        let mut rule = shenzhen();
        assert!(filing_problems(&rule, false, 10_000_000, 3001, None).is_empty());
        // Exactly 30% does not make "more than 30%".
        assert_eq!(
            filing_problems(&rule, false, 10_000_000, 3000, None).len(),
            1
        );
        rule.comparison = Comparison::Gte;
        assert!(filing_problems(&rule, false, 10_000_000, 3000, None).is_empty());
        rule.min_last_year = true;
        assert_eq!(
            filing_problems(&rule, false, 10_000_000, 3000, Some(3_000_001)).len(),
            1
        );
        assert!(filing_problems(&rule, true, 0, 0, None).is_empty());
    }
}
