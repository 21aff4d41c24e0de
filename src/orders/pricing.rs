//! Coupon arithmetic, free of I/O: which lines a coupon covers, the discount (满减), and its
//! split over the covered lines by the largest-remainder method, exact in fen. Refund amounts
//! per unit are exact too: the k-th refunded unit of a line gets `floor(x*k/n) - floor(x*(k-1)/n)`
//! of the line's paid amount and of its discount, so a fully refunded line returns exactly what
//! was paid and discounted.

use crate::catalog::model::ZoneRule;
use crate::coupons::model::Scope;
use crate::money::Money;
use crate::regions::model::Programme;
use crate::suppliers::model::CertKind;

/// A line as priced at checkout, with what coupon scopes look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    /// SKU.
    pub sku_id: i64,
    /// Product.
    pub product_id: i64,
    /// Supplier.
    pub supplier_org_id: i64,
    /// Quantity.
    pub quantity: i32,
    /// Unit price now.
    pub unit_price: Money,
    /// Counts as an assistance purchase today.
    pub assistance: bool,
    /// Region codes from province to county of the origin.
    pub region_codes: Vec<String>,
    /// Category ids from the top.
    pub category_ids: Vec<i64>,
    /// Programmes of the origin today.
    pub programmes: Vec<Programme>,
    /// Certificate kinds valid today.
    pub cert_kinds: Vec<CertKind>,
}

impl PricedLine {
    /// Unit price x quantity.
    #[must_use]
    pub fn total(&self) -> Money {
        self.unit_price
            .checked_mul(i64::from(self.quantity))
            .unwrap_or(Money::from_fen(i64::MAX))
    }
}

/// A coupon's terms.
#[derive(Debug, Clone)]
pub struct Terms {
    /// Face value.
    pub face_value: Money,
    /// Minimum eligible spend.
    pub min_spend: Money,
    /// Scope.
    pub scope: Scope,
    /// The rules of the scope's zones.
    pub zone_rules: Vec<(ZoneRule, String)>,
}

fn zone_matches(line: &PricedLine, rule: ZoneRule, value: &str) -> bool {
    match rule {
        ZoneRule::Region => line.region_codes.iter().any(|c| c == value),
        ZoneRule::Programme => line.programmes.iter().any(|p| p.as_str() == value),
        ZoneRule::Certificate => line.cert_kinds.iter().any(|k| k.as_str() == value),
    }
}

/// Whether the coupon covers the line.
#[must_use]
pub fn in_scope(line: &PricedLine, t: &Terms) -> bool {
    let s = &t.scope;
    (!s.assistance_only || line.assistance)
        && (t.zone_rules.is_empty() || t.zone_rules.iter().any(|(r, v)| zone_matches(line, *r, v)))
        && (s.regions.is_empty() || s.regions.iter().any(|r| line.region_codes.contains(r)))
        && (s.categories.is_empty() || s.categories.iter().any(|c| line.category_ids.contains(c)))
        && (s.suppliers.is_empty() || s.suppliers.contains(&line.supplier_org_id))
}

/// What a coupon does to a set of lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Sum of the covered lines.
    pub eligible_subtotal: Money,
    /// The discount: the face value (at most the covered sum), or 0 below the minimum.
    pub discount: Money,
    /// Each line's share of the discount (0 for lines not covered); they add up to `discount`.
    pub shares: Vec<Money>,
    /// Which lines are covered.
    pub covered: Vec<bool>,
}

/// Applies a coupon to lines.
#[must_use]
pub fn apply(lines: &[PricedLine], t: &Terms) -> Applied {
    let covered: Vec<bool> = lines.iter().map(|l| in_scope(l, t)).collect();
    let weights: Vec<i64> = lines
        .iter()
        .zip(&covered)
        .map(|(l, c)| if *c { l.total().fen() } else { 0 })
        .collect();
    let eligible_subtotal = Money::from_fen(weights.iter().sum());
    let discount = if eligible_subtotal.fen() > 0 && eligible_subtotal >= t.min_spend {
        Money::from_fen(t.face_value.fen().min(eligible_subtotal.fen()))
    } else {
        Money::ZERO
    };
    let shares = discount
        .split_by_weights(&weights)
        .unwrap_or_else(|_| vec![Money::ZERO; lines.len()]);
    Applied {
        eligible_subtotal,
        discount,
        shares,
        covered,
    }
}

/// The amount owed for units `(done, done + k]` of a line worth `amount` over `quantity` units.
#[must_use]
pub fn unit_share(amount: Money, quantity: i32, done: i32, k: i32) -> Money {
    if quantity <= 0 || k <= 0 {
        return Money::ZERO;
    }
    let at =
        |units: i32| (i128::from(amount.fen()) * i128::from(units) / i128::from(quantity)) as i64;
    Money::from_fen(at((done + k).min(quantity)) - at(done.min(quantity)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(id: i64, qty: i32, price: i64, assistance: bool) -> PricedLine {
        PricedLine {
            sku_id: id,
            product_id: id,
            supplier_org_id: id % 3,
            quantity: qty,
            unit_price: Money::from_fen(price),
            assistance,
            region_codes: vec!["450000".into(), "451000".into(), "451003".into()],
            category_ids: vec![10, 11],
            programmes: vec![Programme::EastWest],
            cert_kinds: vec![CertKind::AssistanceProduct],
        }
    }

    fn terms(face: i64, min: i64) -> Terms {
        Terms {
            face_value: Money::from_fen(face),
            min_spend: Money::from_fen(min),
            scope: Scope {
                assistance_only: true,
                ..Scope::default()
            },
            zone_rules: vec![],
        }
    }

    #[test]
    fn man_jian_over_covered_lines_only() {
        let lines = vec![
            line(1, 2, 1500, true),
            line(2, 1, 3000, false),
            line(3, 1, 2001, true),
        ];
        let a = apply(&lines, &terms(4000, 5000));
        assert_eq!(a.eligible_subtotal, Money::from_fen(5001));
        assert_eq!(a.discount, Money::from_fen(4000));
        assert_eq!(a.shares[1], Money::ZERO);
        assert_eq!(
            a.shares.iter().copied().sum::<Money>(),
            Money::from_fen(4000)
        );
        // Below the minimum: nothing.
        assert_eq!(apply(&lines, &terms(4000, 6000)).discount, Money::ZERO);
        // A coupon larger than the covered sum gives the covered sum.
        assert_eq!(
            apply(&[line(1, 1, 500, true)], &terms(4000, 0)).discount,
            Money::from_fen(500)
        );
    }

    #[test]
    fn zones_regions_categories_suppliers() {
        let l = line(1, 1, 1000, true);
        let mut t = terms(100, 0);
        t.zone_rules = vec![(ZoneRule::Region, "451000".into())];
        assert!(in_scope(&l, &t));
        t.zone_rules = vec![(ZoneRule::Certificate, "zhenpin".into())];
        assert!(!in_scope(&l, &t));
        t.zone_rules = vec![];
        t.scope.categories = vec![11];
        t.scope.suppliers = vec![1];
        assert!(in_scope(&l, &t));
        t.scope.regions = vec!["360700".into()];
        assert!(!in_scope(&l, &t));
    }

    proptest! {
        #[test]
        fn shares_add_up(prices in proptest::collection::vec((1i32..20, 1i64..100_000, any::<bool>()), 1..12), face in 1i64..100_000, min in 0i64..200_000) {
            let lines: Vec<PricedLine> = prices.iter().enumerate().map(|(i, (q, p, a))| line(i as i64, *q, *p, *a)).collect();
            let a = apply(&lines, &terms(face, min));
            prop_assert_eq!(a.shares.iter().copied().sum::<Money>(), a.discount);
            for ((s, c), l) in a.shares.iter().zip(&a.covered).zip(&lines) {
                prop_assert!(!s.is_negative() && *s <= l.total());
                if !c { prop_assert_eq!(*s, Money::ZERO); }
            }
            prop_assert!(a.discount <= Money::from_fen(face));
        }

        #[test]
        fn unit_refunds_add_up_to_the_line(amount in 0i64..10_000_000, quantity in 1i32..50, cuts in proptest::collection::vec(1i32..10, 1..10)) {
            let mut done = 0;
            let mut total = Money::ZERO;
            for k in cuts {
                if done >= quantity { break; }
                let k = k.min(quantity - done);
                total += unit_share(Money::from_fen(amount), quantity, done, k);
                done += k;
            }
            let rest = unit_share(Money::from_fen(amount), quantity, done, quantity - done);
            prop_assert_eq!(total + rest, Money::from_fen(amount));
        }
    }
}
