//! The seven rule variants of PROCUREMENT.md ("Rule variants"), each as data and each with a
//! case computed by hand to the fen, plus which origins count (a pairing valid on the date).

use chrono::NaiveDate;

use super::figures::{FiledFigures, Sums, UnitStatus, UnitYear, compute, filing_problems};
use super::model::Channel;
use super::rules::{Comparison, DenominatorKind, NoCanteenRule, Origins, Rule, reserved_amount};
use super::service::add_row;
use crate::entities::{regions, share_summaries};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn all_origins() -> Origins {
    Origins {
        poverty_lifted: true,
        paired: true,
        old_revolutionary: true,
    }
}

fn rule(
    code: &str,
    year: i32,
    target_bp: i32,
    comparison: Comparison,
    denominator: DenominatorKind,
) -> Rule {
    Rule {
        jurisdiction_code: code.into(),
        year,
        version: 1,
        target_bp,
        comparison,
        denominator,
        actual_if_larger: false,
        origins: all_origins(),
        count_union: false,
        count_staff: false,
        no_canteen: NoCanteenRule::Exempt,
        no_canteen_bp: None,
        min_last_year: false,
        filing_deadline: date(year, 3, 31),
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
fn national_at_least_ten_percent_of_canteen_food() {
    let r = rule(
        "100000",
        2023,
        1000,
        Comparison::Gte,
        DenominatorKind::CanteenFood,
    );
    // Canteen food 1,234,567.89; 10% reserved = 123,456.789 -> 123,456.79 (rounded up).
    let unit = filed(123_456_789, 1000);
    assert_eq!(unit.filing.expect("f").reserved_fen, 12_345_679);
    assert!(filing_problems(&r, false, 123_456_789, 1000, None).is_empty());
    assert_eq!(filing_problems(&r, false, 123_456_789, 999, None).len(), 1);
    let sums = Sums {
        institutional_fen: 12_345_679,
        ..Sums::default()
    };
    let f = compute(&r, unit, sums, date(2024, 1, 5));
    assert_eq!(f.completion_cp, Some(10_000));
    // 123,456.79 / 1,234,567.89 = 10.0000004%: at least 10%.
    assert!(f.target_met);
    assert_eq!(f.status, UnitStatus::Met);
    // One fen less is not.
    let short = Sums {
        institutional_fen: 12_345_678,
        ..Sums::default()
    };
    let f = compute(&r, unit, short, date(2024, 1, 5));
    assert!(!f.target_met);
    assert_eq!(f.gap_fen, 1);
}

#[test]
fn guangdong_at_least_thirty_percent_meets_at_exactly_thirty() {
    let r = rule(
        "440000",
        2025,
        3000,
        Comparison::Gte,
        DenominatorKind::CanteenFood,
    );
    let unit = filed(50_000_000, 3000);
    let sums = Sums {
        institutional_fen: 15_000_000,
        ..Sums::default()
    };
    let f = compute(&r, unit, sums, date(2025, 12, 31));
    assert_eq!(f.reserved_fen, 15_000_000);
    assert_eq!(f.share_cp, Some(3000));
    assert!(f.target_met);
    assert_eq!(f.status, UnitStatus::Met);
    assert!(filing_problems(&r, false, 50_000_000, 3000, None).is_empty());
}

#[test]
fn shenzhen_more_than_thirty_percent_of_all_agricultural_purchases() {
    let r = rule(
        "440300",
        2026,
        3000,
        Comparison::Gt,
        DenominatorKind::AgriAll,
    );
    // A filing at exactly 30% of 500,000.00 is refused; 30.01% is accepted.
    assert_eq!(filing_problems(&r, false, 50_000_000, 3000, None).len(), 1);
    assert!(filing_problems(&r, false, 50_000_000, 3001, None).is_empty());
    let unit = filed(50_000_000, 3001);
    assert_eq!(unit.filing.expect("f").reserved_fen, 15_005_000);
    // Completed exactly 30% (150,000.00): not more than 30%, 50.00 short of reserved.
    let sums = Sums {
        institutional_fen: 15_000_000,
        platform_all_fen: 40_000_000,
        ..Sums::default()
    };
    let f = compute(&r, unit, sums, date(2026, 12, 1));
    assert!(!f.target_met);
    assert_eq!(f.gap_fen, 5_000);
    assert_eq!(f.needed_per_month_fen, 5_000);
    assert_eq!(f.completion_cp, Some(9_997));
}

#[test]
fn tianjin_at_least_fifteen_percent_with_off_platform_purchases() {
    let r = rule(
        "120000",
        2023,
        1500,
        Comparison::Gte,
        DenominatorKind::AgriAll,
    );
    let unit = filed(20_000_000, 1500);
    // 20,000.00 on the platform + 10,000.00 verified off-platform = 30,000.00 = 15%.
    let sums = Sums {
        institutional_fen: 2_000_000,
        offplatform_assistance_fen: 1_000_000,
        platform_all_fen: 5_000_000,
        offplatform_all_fen: 3_000_000,
        ..Sums::default()
    };
    let f = compute(&r, unit, sums, date(2024, 1, 2));
    assert_eq!(f.completed_fen, 3_000_000);
    assert_eq!(f.share_cp, Some(1500));
    assert_eq!(f.status, UnitStatus::Met);
}

#[test]
fn zhangye_canteen_and_union_needs_count_union_in_both_parts() {
    let mut r = rule(
        "620700",
        2023,
        1500,
        Comparison::Gte,
        DenominatorKind::CanteenUnion,
    );
    r.count_union = true;
    r.actual_if_larger = true;
    // Filed 100,000.00; actual canteen 80,000.00 + union 40,000.00 = 120,000.00 is larger.
    let unit = filed(10_000_000, 1500);
    let sums = Sums {
        institutional_fen: 1_200_000,
        union_fen: 500_000,
        platform_all_fen: 8_000_000,
        union_all_fen: 4_000_000,
        ..Sums::default()
    };
    let f = compute(&r, unit, sums, date(2024, 1, 2));
    assert_eq!(f.denominator_fen, 12_000_000);
    assert_eq!(f.completed_fen, 1_700_000);
    // 17,000.00 / 120,000.00 = 14.17%: below 15% although the reserved 15,000.00 is done.
    assert_eq!(f.share_cp, Some(1417));
    assert!(!f.target_met);
    assert_eq!(f.gap_fen, 1_800_000 - 1_700_000);
    // Without union purchases counting, the numerator is the canteen's alone.
    r.count_union = false;
    assert_eq!(
        compute(&r, unit, sums, date(2024, 1, 2)).completed_fen,
        1_200_000
    );
}

#[test]
fn wuhan_reserved_amount_at_least_last_years() {
    let mut r = rule(
        "420100",
        2022,
        1500,
        Comparison::Gte,
        DenominatorKind::CanteenFood,
    );
    r.min_last_year = true;
    // Last year reserved 30,000.00; this year 15% of 199,999.99 = 30,000.00 (29,999.9985
    // rounded up): allowed; 15% of 199,999.00 = 29,999.85: refused.
    assert!(filing_problems(&r, false, 19_999_999, 1500, Some(3_000_000)).is_empty());
    let p = filing_problems(&r, false, 19_999_900, 1500, Some(3_000_000));
    assert_eq!(p.len(), 1);
    assert!(p[0].contains("上年"));
    // Without the rule the same filing passes.
    r.min_last_year = false;
    assert!(filing_problems(&r, false, 19_999_900, 1500, Some(3_000_000)).is_empty());
}

#[test]
fn bozhou_units_without_a_canteen_owe_a_fifth_of_union_funds() {
    let mut r = rule(
        "652700",
        2025,
        1000,
        Comparison::Gte,
        DenominatorKind::CanteenFood,
    );
    r.no_canteen = NoCanteenRule::UnionFunds;
    r.no_canteen_bp = Some(2000);
    r.count_union = true;
    r.filing_deadline = date(2025, 3, 21);
    let no_canteen = UnitYear {
        no_canteen: true,
        filing: Some(FiledFigures {
            expected_total_fen: 0,
            reserved_fen: 0,
            union_funds_fen: Some(8_765_433),
        }),
    };
    // 20% of 87,654.33 = 17,530.866 -> 17,530.87 owed.
    let sums = Sums {
        union_fen: 1_753_087,
        ..Sums::default()
    };
    let f = compute(&r, no_canteen, sums, date(2025, 12, 31));
    assert_eq!(f.reserved_fen, 1_753_087);
    assert!(f.target_met);
    assert_eq!(f.status, UnitStatus::Met);
    // One fen short is behind.
    let short = Sums {
        union_fen: 1_753_086,
        ..Sums::default()
    };
    assert_eq!(
        compute(&r, no_canteen, short, date(2026, 1, 2)).status,
        UnitStatus::Behind
    );
    // The same unit under an "exempt" rule (no canteen, no quota) owes nothing.
    r.no_canteen = NoCanteenRule::Exempt;
    let f = compute(&r, no_canteen, short, date(2025, 6, 1));
    assert_eq!((f.status, f.gap_fen), (UnitStatus::Exempt, 0));
    // A unit with a canteen still owes 10% of its canteen food.
    assert!(filing_problems(&r, false, 10_000_000, 999, None).len() == 1);
    assert!(filing_problems(&r, true, 10_000_000, 0, None).is_empty());
}

#[test]
fn an_outsourced_canteen_counts_its_contractors_orders_for_the_unit() {
    // The contractor buys on the unit's account: the orders are the unit's, and the unit
    // files as one with a canteen.
    let r = rule(
        "440300",
        2026,
        3000,
        Comparison::Gt,
        DenominatorKind::AgriAll,
    );
    let unit = filed(1_000_000, 3100);
    let sums = Sums {
        institutional_fen: 310_000,
        ..Sums::default()
    };
    let f = compute(&r, unit, sums, date(2026, 12, 31));
    assert_eq!(f.reserved_fen, 310_000);
    assert_eq!(f.status, UnitStatus::Met);
}

fn row(county: &str, paired: bool, channel: Channel, fen: i64) -> share_summaries::Model {
    share_summaries::Model {
        unit_org_id: 1,
        year: 2026,
        month: 5,
        county_code: county.into(),
        programme: "east_west".into(),
        channel,
        paired,
        assistance_fen: fen,
        total_fen: fen + 100,
        facts: 1,
    }
}

fn county(code: &str, poverty_lifted: bool, old_revolutionary: bool) -> regions::Model {
    regions::Model {
        code: code.into(),
        name: code.into(),
        level: crate::regions::model::RegionLevel::County,
        parent_code: None,
        poverty_lifted,
        key_assistance: false,
        old_revolutionary,
        note: None,
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
    }
}

#[test]
fn only_the_origins_the_rule_names_count() {
    // A paired county (pairing valid on the fact's date), a poverty-lifted one bought after
    // its pairing ended, and an old revolutionary area.
    let paired = county("451024", true, false);
    let lifted = county("522701", true, false);
    let red = county("360730", false, true);
    let rows = [
        (
            row("451024", true, Channel::Institutional, 1_000),
            Some(&paired),
        ),
        (
            row("522701", false, Channel::Institutional, 20_000),
            Some(&lifted),
        ),
        (
            row("360730", false, Channel::Offplatform, 300_000),
            Some(&red),
        ),
    ];
    let mut r = rule(
        "440300",
        2026,
        3000,
        Comparison::Gt,
        DenominatorKind::AgriAll,
    );
    let sums_under = |r: &Rule| {
        let mut s = Sums::default();
        for (row, flags) in &rows {
            add_row(&mut s, r, *flags, row);
        }
        s
    };
    let s = sums_under(&r);
    assert_eq!(s.institutional_fen, 21_000);
    assert_eq!(s.offplatform_assistance_fen, 300_000);
    // Every purchase is in the denominator whatever its origin.
    assert_eq!(s.platform_all_fen, 21_200);
    assert_eq!(s.offplatform_all_fen, 300_100);
    r.origins = Origins {
        paired: true,
        ..Origins::default()
    };
    let s = sums_under(&r);
    assert_eq!(
        s.institutional_fen, 1_000,
        "only the pairing valid on the date"
    );
    assert_eq!(s.offplatform_assistance_fen, 0);
    r.origins = Origins {
        old_revolutionary: true,
        ..Origins::default()
    };
    assert_eq!(sums_under(&r).offplatform_assistance_fen, 300_000);
    assert_eq!(sums_under(&r).institutional_fen, 0);
}
