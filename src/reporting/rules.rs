//! The share rule of a jurisdiction and year, as data (PROCUREMENT.md, "Rule variants").

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::vocab::text_enum;

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
