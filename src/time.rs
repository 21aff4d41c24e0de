//! Business time: instants are stored in UTC; business dates (fiscal year, coupon validity,
//! claim start) are in Asia/Shanghai.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;

/// The Asia/Shanghai calendar date of an instant.
#[must_use]
pub fn business_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Shanghai).date_naive()
}

/// The first instant of a business date (midnight in Asia/Shanghai), in UTC.
#[must_use]
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    Shanghai
        .from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map_or_else(
            || date.and_time(chrono::NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shanghai_date_turns_at_16_utc() {
        let before = DateTime::parse_from_rfc3339("2026-12-31T15:59:59Z")
            .expect("t")
            .with_timezone(&Utc);
        let after = DateTime::parse_from_rfc3339("2026-12-31T16:00:00Z")
            .expect("t")
            .with_timezone(&Utc);
        assert_eq!(business_date(before).to_string(), "2026-12-31");
        assert_eq!(business_date(after).to_string(), "2027-01-01");
    }
}
