//! Parse-don't-validate value types shared by several contexts: the unified social credit
//! code (USCC), GB/T 2260 region codes, mainland mobile numbers, and masking of personal data.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::FieldCode;

/// Why a value was refused; the `code` goes into field-level error details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Stable snake_case reason.
    pub code: FieldCode,
    /// Human-readable message (Chinese, then English).
    pub message: &'static str,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

/// The 31 characters a USCC may use (GB 32100-2015: digits and capitals without I, O, S, V, Z).
const USCC_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Position weights for the first 17 characters.
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A unified social credit code (统一社会信用代码), 18 characters with a valid check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

impl Uscc {
    /// Reads and checks a USCC (surrounding spaces ignored, letters upper-cased).
    ///
    /// # Errors
    /// [`Invalid`] with code `uscc_length`, `uscc_charset` or `uscc_check_char`.
    pub fn parse(text: &str) -> Result<Uscc, Invalid> {
        let code = text.trim().to_ascii_uppercase();
        if code.chars().count() != 18 {
            return Err(Invalid {
                code: FieldCode::UsccLength,
                message: "统一社会信用代码应为18位 / a USCC has 18 characters",
            });
        }
        let mut values = Vec::with_capacity(18);
        for b in code.bytes() {
            match USCC_CHARSET.iter().position(|c| *c == b) {
                Some(v) => values.push(v as u32),
                None => {
                    return Err(Invalid {
                        code: FieldCode::UsccCharset,
                        message: "统一社会信用代码含有不允许的字符 / the USCC has a character not allowed",
                    });
                }
            }
        }
        if values[17] != Self::check_value(&values[..17]) {
            return Err(Invalid {
                code: FieldCode::UsccCheckChar,
                message: "统一社会信用代码校验位不正确 / the USCC check character is wrong",
            });
        }
        Ok(Uscc(code))
    }

    /// Completes 17 valid characters with their check character (used for demo data).
    ///
    /// # Errors
    /// [`Invalid`] when the prefix is not 17 characters of the USCC alphabet.
    pub fn with_check_char(prefix17: &str) -> Result<Uscc, Invalid> {
        let bad = Invalid {
            code: FieldCode::UsccCharset,
            message: "统一社会信用代码前17位不正确 / the first 17 characters are not valid",
        };
        let values: Vec<u32> = prefix17
            .bytes()
            .map(|b| USCC_CHARSET.iter().position(|c| *c == b).map(|v| v as u32))
            .collect::<Option<_>>()
            .ok_or(bad.clone())?;
        if values.len() != 17 {
            return Err(bad);
        }
        let check = USCC_CHARSET[Self::check_value(&values) as usize] as char;
        Ok(Uscc(format!("{prefix17}{check}")))
    }

    fn check_value(values: &[u32]) -> u32 {
        let sum: u32 = values.iter().zip(USCC_WEIGHTS).map(|(v, w)| v * w).sum();
        (31 - sum % 31) % 31
    }

    /// The code as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Uscc {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Uscc::parse(&value)
    }
}

impl From<Uscc> for String {
    fn from(value: Uscc) -> String {
        value.0
    }
}

/// A region code: six GB/T 2260 digits (e.g. `450124` 马山县), or an internal code starting
/// with `X` for areas without a national code (e.g. `X440300DP` 大鹏新区).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    /// Reads a region code.
    ///
    /// # Errors
    /// [`Invalid`] with code `region_code_format`.
    pub fn parse(text: &str) -> Result<RegionCode, Invalid> {
        let t = text.trim();
        let gb = t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) && !t.starts_with('0');
        let internal = t.len() >= 2
            && t.len() <= 16
            && t.starts_with('X')
            && t[1..]
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        if gb || internal {
            Ok(RegionCode(t.to_owned()))
        } else {
            Err(Invalid {
                code: FieldCode::RegionCodeFormat,
                message: "地区代码应为6位GB/T 2260数字代码 / a region code is six GB/T 2260 digits",
            })
        }
    }

    /// The code as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a national GB/T 2260 code (not an internal one).
    #[must_use]
    pub fn is_national(&self) -> bool {
        !self.0.starts_with('X')
    }
}

impl TryFrom<String> for RegionCode {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&value)
    }
}

impl From<RegionCode> for String {
    fn from(value: RegionCode) -> String {
        value.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mainland China mobile number, stored as its 11 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Reads a mobile number; spaces, dashes and a leading `+86`/`86` are accepted.
    ///
    /// # Errors
    /// [`Invalid`] with code `phone_format`.
    pub fn parse(text: &str) -> Result<Phone, Invalid> {
        let digits: String = text
            .trim()
            .trim_start_matches('+')
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let digits = if digits.len() == 13 && digits.starts_with("86") {
            digits[2..].to_owned()
        } else {
            digits
        };
        let b = digits.as_bytes();
        let ok = b.len() == 11
            && b.iter().all(u8::is_ascii_digit)
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1]);
        if ok {
            Ok(Phone(digits))
        } else {
            Err(Invalid {
                code: FieldCode::PhoneFormat,
                message: "手机号应为11位中国大陆手机号 / a phone number is an 11-digit mainland mobile",
            })
        }
    }

    /// The 11 digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The masked form shown in lists and exports, e.g. `138****1234`.
    #[must_use]
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

impl TryFrom<String> for Phone {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Phone::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> String {
        value.0
    }
}

/// A login name: 3-32 lowercase letters, digits, `_`, `-` or `.`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Reads a username (trimmed, lower-cased).
    ///
    /// # Errors
    /// [`Invalid`] with code `username_format`.
    pub fn parse(text: &str) -> Result<Username, Invalid> {
        let u = text.trim().to_lowercase();
        let ok = (3..=32).contains(&u.len())
            && u.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && u.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.')
            });
        if ok {
            Ok(Username(u))
        } else {
            Err(Invalid {
                code: FieldCode::UsernameFormat,
                message: "用户名为3-32位字母、数字或 _-.，以字母开头 / 3-32 letters, digits, _ - ., starting with a letter",
            })
        }
    }

    /// The username.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Username> for String {
    fn from(value: Username) -> String {
        value.0
    }
}

/// Masks a phone number as `138****1234`; anything shorter than 7 characters is fully masked.
#[must_use]
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

/// Masks a personal name, keeping the first character: `张三丰` -> `张**`.
#[must_use]
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count())),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn uscc_known_codes() {
        // Published codes of well-known organisations.
        for good in [
            "91440300708461136T",
            "91110000802100433B",
            "91440300MA5DC6QF9X",
        ] {
            assert!(Uscc::parse(good).is_ok(), "{good}");
        }
        assert_eq!(
            Uscc::parse("91440300708461136t").map(|u| u.0),
            Ok("91440300708461136T".into())
        );
        assert_eq!(
            Uscc::parse("91440300708461136A").map_err(|e| e.code.as_str()),
            Err("uscc_check_char")
        );
        assert_eq!(
            Uscc::parse("9144030070846113").map_err(|e| e.code.as_str()),
            Err("uscc_length")
        );
        assert_eq!(
            Uscc::parse("9144030070846113IT").map_err(|e| e.code.as_str()),
            Err("uscc_charset")
        );
    }

    #[test]
    fn region_codes() {
        assert!(RegionCode::parse("450124").is_ok());
        assert!(RegionCode::parse("X440300DP").is_ok());
        for bad in ["45012", "4501244", "abcdef", "045012", "", "X", "x44"] {
            assert!(RegionCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_and_masks() {
        assert_eq!(
            Phone::parse("+86 138-0013-1234").map(|p| p.masked()),
            Ok("138****1234".into())
        );
        for bad in ["12800131234", "1380013123", "138001312345", "abc"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_phone("123"), "***");
    }

    proptest! {
        #[test]
        fn completed_uscc_parses_and_any_single_change_fails(prefix in "[0-9A-HJ-NP-RT-UW-Y]{17}", pos in 0usize..17, delta in 1usize..31) {
            let full = Uscc::with_check_char(&prefix).expect("valid prefix");
            prop_assert!(Uscc::parse(full.as_str()).is_ok());
            // The weighted mod-31 sum catches every single-character substitution.
            let mut bytes = full.as_str().as_bytes().to_vec();
            let idx = USCC_CHARSET.iter().position(|c| *c == bytes[pos]).expect("charset");
            bytes[pos] = USCC_CHARSET[(idx + delta) % 31];
            let changed = String::from_utf8(bytes).expect("ascii");
            prop_assert!(Uscc::parse(&changed).is_err());
        }
    }
}

/// Domain limits on the numbers a client can send, checked before any arithmetic so that no
/// sum or product of them overflows (and so a 64-bit extreme is a 422, never a 500).
pub mod limits {
    /// Most units of one SKU in stock (a hundred million).
    pub const MAX_STOCK: i64 = 100_000_000;
    /// Largest price of one unit, in fen (one million yuan).
    pub const MAX_PRICE_FEN: i64 = 100_000_000;
    /// Largest quantity in a price tier or a minimum order.
    pub const MAX_ORDER_QTY: i32 = 100_000;
    /// Heaviest unit, in grams (one tonne).
    pub const MAX_WEIGHT_GRAMS: i32 = 1_000_000;
    /// Largest coupon face value or minimum spend, in fen (one million yuan).
    pub const MAX_COUPON_FEN: i64 = 100_000_000;
    /// Largest campaign budget, in fen (ten billion yuan): face value times quantity at most.
    pub const MAX_BUDGET_FEN: i64 = 1_000_000_000_000;
    /// Most coupons of one campaign a member may hold.
    pub const MAX_PER_MEMBER: i32 = 1_000;
}
