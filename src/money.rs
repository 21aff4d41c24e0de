//! Money: an integer number of fen (1/100 yuan), currency CNY. No floating point anywhere.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An amount of money in fen (CNY minor units). May be negative (refunds, adjustments).
#[derive(
    Copy,
    Clone,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[serde(transparent)]
#[schema(value_type = i64, example = 4000)]
pub struct Money(i64);

/// Why a yuan string could not be read as [`Money`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyParseError {
    /// Not of the form `123`, `123.4` or `123.45`.
    #[error("not an amount in yuan with at most two decimals")]
    Format,
    /// Larger than an i64 of fen.
    #[error("amount out of range")]
    Overflow,
}

impl Money {
    /// Zero fen.
    pub const ZERO: Money = Money(0);

    /// An amount of `fen`.
    #[must_use]
    pub const fn from_fen(fen: i64) -> Self {
        Money(fen)
    }

    /// The amount in fen.
    #[must_use]
    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Whether the amount is below zero.
    #[must_use]
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Addition that reports overflow instead of wrapping.
    #[must_use]
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// Subtraction that reports overflow instead of wrapping.
    #[must_use]
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// Multiplies by a quantity, reporting overflow.
    #[must_use]
    pub fn checked_mul(self, qty: i64) -> Option<Money> {
        self.0.checked_mul(qty).map(Money)
    }

    /// Reads a yuan amount such as `"12"`, `"12.3"` or `"-0.05"`.
    ///
    /// # Errors
    /// [`MoneyParseError`] when the text is not such an amount or does not fit.
    pub fn parse_yuan(text: &str) -> Result<Money, MoneyParseError> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, frac) = match digits.split_once('.') {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || frac.len() > 2 || !all_digits(frac) {
            return Err(MoneyParseError::Format);
        }
        if digits.contains('.') && frac.is_empty() {
            return Err(MoneyParseError::Format);
        }
        let whole: i64 = whole.parse().map_err(|_| MoneyParseError::Overflow)?;
        let frac_fen: i64 = match frac.len() {
            0 => 0,
            1 => i64::from(frac.as_bytes()[0] - b'0') * 10,
            _ => frac.parse().map_err(|_| MoneyParseError::Format)?,
        };
        let fen = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac_fen))
            .ok_or(MoneyParseError::Overflow)?;
        Ok(Money(if negative { -fen } else { fen }))
    }

    /// Splits `self` into parts proportional to `weights` with the largest-remainder method,
    /// so the parts always add up to exactly `self`.
    ///
    /// Each part gets `floor(total * w / sum)`; the fen left over go one each to the parts with
    /// the largest remainders (ties to the earlier part). Zero or empty weights give all-zero
    /// parts unless the total is zero too; negative weights count as zero.
    ///
    /// # Errors
    /// [`SplitError`] when the weights sum to zero while the total is not zero, or when the
    /// total is negative.
    pub fn split_by_weights(self, weights: &[i64]) -> Result<Vec<Money>, SplitError> {
        if self.0 < 0 {
            return Err(SplitError::NegativeTotal);
        }
        let weights: Vec<i128> = weights.iter().map(|w| i128::from((*w).max(0))).collect();
        let sum: i128 = weights.iter().sum();
        if sum == 0 {
            return if self.0 == 0 {
                Ok(vec![Money::ZERO; weights.len()])
            } else {
                Err(SplitError::ZeroWeights)
            };
        }
        let total = i128::from(self.0);
        let mut parts = Vec::with_capacity(weights.len());
        let mut remainders = Vec::with_capacity(weights.len());
        let mut assigned: i128 = 0;
        for (i, w) in weights.iter().enumerate() {
            let product = total * w;
            let base = product / sum;
            parts.push(base);
            remainders.push((product % sum, i));
            assigned += base;
        }
        let mut leftover = total - assigned;
        remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, i) in remainders {
            if leftover == 0 {
                break;
            }
            parts[i] += 1;
            leftover -= 1;
        }
        // Each part is at most `total`, which came from an i64.
        Ok(parts
            .into_iter()
            .map(|p| Money(i64::try_from(p).unwrap_or(i64::MAX)))
            .collect())
    }
}

/// Why an amount could not be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// The weights add up to zero, so there is nothing to split in proportion to.
    #[error("weights add up to zero")]
    ZeroWeights,
    /// Only non-negative totals are split.
    #[error("negative total")]
    NegativeTotal,
}

impl fmt::Display for Money {
    /// Formats as yuan with two decimals and the ¥ sign, e.g. `¥12.30`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}¥{}.{:02}", abs / 100, abs % 100)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, rhs: Money) {
        self.0 -= rhs.0;
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn displays_yuan() {
        assert_eq!(Money::from_fen(1230).to_string(), "¥12.30");
        assert_eq!(Money::from_fen(5).to_string(), "¥0.05");
        assert_eq!(Money::from_fen(-105).to_string(), "-¥1.05");
    }

    #[test]
    fn parses_yuan() {
        assert_eq!(Money::parse_yuan("12"), Ok(Money::from_fen(1200)));
        assert_eq!(Money::parse_yuan("12.3"), Ok(Money::from_fen(1230)));
        assert_eq!(Money::parse_yuan("0.05"), Ok(Money::from_fen(5)));
        assert_eq!(Money::parse_yuan("-1.05"), Ok(Money::from_fen(-105)));
        for bad in ["", "1.", ".5", "1.234", "abc", "1e3", "1,00", "--1"] {
            assert!(Money::parse_yuan(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Money::parse_yuan("99999999999999999999"),
            Err(MoneyParseError::Overflow)
        );
    }

    #[test]
    fn splits_coupon_over_lines() {
        // 满50减40 over lines of 30.00, 15.00 and 5.01: 40.00 split by line value.
        let parts = Money::from_fen(4000)
            .split_by_weights(&[3000, 1500, 501])
            .expect("split");
        assert_eq!(parts.iter().copied().sum::<Money>(), Money::from_fen(4000));
        assert_eq!(
            parts,
            vec![
                Money::from_fen(2399),
                Money::from_fen(1200),
                Money::from_fen(401)
            ]
        );
    }

    #[test]
    fn split_rejects_nonsense() {
        assert_eq!(
            Money::from_fen(10).split_by_weights(&[0, 0]),
            Err(SplitError::ZeroWeights)
        );
        assert_eq!(
            Money::from_fen(-1).split_by_weights(&[1]),
            Err(SplitError::NegativeTotal)
        );
        assert_eq!(Money::ZERO.split_by_weights(&[]), Ok(vec![]));
        assert_eq!(
            Money::from_fen(1)
                .split_by_weights(&[1, 1, 1])
                .expect("split")
                .iter()
                .copied()
                .sum::<Money>(),
            Money::from_fen(1)
        );
    }

    proptest! {
        #[test]
        fn split_adds_up_exactly(total in 0i64..10_000_000_000, weights in proptest::collection::vec(0i64..1_000_000_000, 1..40)) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let parts = Money::from_fen(total).split_by_weights(&weights).expect("split");
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().copied().sum::<Money>(), Money::from_fen(total));
            let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
            for (p, w) in parts.iter().zip(&weights) {
                // Every part is within one fen of its exact proportional share.
                let exact_floor = i128::from(total) * i128::from(*w) / sum;
                prop_assert!(i128::from(p.fen()) - exact_floor <= 1 && i128::from(p.fen()) >= exact_floor);
                if *w == 0 { prop_assert_eq!(p.fen(), 0); }
            }
        }

        #[test]
        fn parse_display_round_trip(fen in -1_000_000_000_000i64..1_000_000_000_000) {
            let shown = Money::from_fen(fen).to_string().replace('¥', "");
            prop_assert_eq!(Money::parse_yuan(&shown), Ok(Money::from_fen(fen)));
        }
    }
}
