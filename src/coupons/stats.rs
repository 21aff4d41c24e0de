//! Campaign statistics: issued, used, held, expired, redeemed value net of refunds, the
//! redemption ratio, and claims and uses by day.

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::dto::{CampaignStats, DayStats};
use super::model::CouponStatus;
use crate::app::AppState;
use crate::auth::{Actor, Role, authz};
use crate::entities::{coupon_campaigns, coupons, order_lines, orders};
use crate::error::AppError;
use crate::money::Money;

/// Status, claim day, use time and end of validity of one coupon.
type CouponRow = (
    CouponStatus,
    chrono::NaiveDate,
    Option<chrono::DateTime<Utc>>,
    chrono::DateTime<Utc>,
);

/// Formats `num / den` with four decimals without floating point.
#[must_use]
pub fn ratio(num: i64, den: i64) -> String {
    if den <= 0 {
        return "0.0000".into();
    }
    let scaled = (i128::from(num) * 10_000 + i128::from(den) / 2) / i128::from(den);
    format!("{}.{:04}", scaled / 10_000, scaled % 10_000)
}

/// Statistics of a campaign (its union's admin, operators).
///
/// # Errors
/// 404/403.
pub async fn campaign(state: &AppState, actor: &Actor, id: i64) -> Result<CampaignStats, AppError> {
    authz::require_any_role(actor, &[Role::UnionAdmin, Role::Operator])?;
    let c = coupon_campaigns::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    authz::authorize_org_role(actor, c.union_org_id, &[Role::UnionAdmin])?;
    let rows: Vec<CouponRow> = coupons::Entity::find()
        .select_only()
        .column(coupons::Column::Status)
        .column(coupons::Column::ClaimDay)
        .column(coupons::Column::UsedAt)
        .column(coupons::Column::ValidUntil)
        .filter(coupons::Column::CampaignId.eq(id))
        .into_tuple()
        .all(&state.db)
        .await?;
    let now = Utc::now();
    let (mut used, mut held, mut expired) = (0i64, 0i64, 0i64);
    let mut days: BTreeMap<chrono::NaiveDate, (i64, i64)> = BTreeMap::new();
    for (status, day, used_at, until) in &rows {
        days.entry(*day).or_default().0 += 1;
        match status {
            CouponStatus::Used => {
                used += 1;
                if let Some(t) = used_at {
                    days.entry(crate::time::business_date(*t)).or_default().1 += 1;
                }
            }
            CouponStatus::Held => held += 1,
            CouponStatus::Expired => expired += 1,
            CouponStatus::Available if *until < now => expired += 1,
            CouponStatus::Available => {}
        }
    }
    let lines: Vec<(i64, i64)> = order_lines::Entity::find()
        .select_only()
        .column(order_lines::Column::DiscountFen)
        .column(order_lines::Column::RefundedDiscountFen)
        .inner_join(orders::Entity)
        .filter(orders::Column::CampaignId.eq(id))
        .filter(orders::Column::PaidAt.is_not_null())
        .into_tuple()
        .all(&state.db)
        .await?;
    let redeemed: i64 = lines.iter().map(|(d, r)| d - r).sum();
    let issued = i64::try_from(rows.len()).unwrap_or(0);
    Ok(CampaignStats {
        campaign_id: id,
        total_quantity: c.total_quantity,
        issued,
        used,
        held,
        expired,
        redeemed_fen: Money::from_fen(redeemed),
        redemption_ratio: ratio(used, issued),
        by_day: days
            .into_iter()
            .map(|(day, (claimed, used))| DayStats { day, claimed, used })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn ratios_without_floats() {
        assert_eq!(super::ratio(1, 3), "0.3333");
        assert_eq!(super::ratio(2, 3), "0.6667");
        assert_eq!(super::ratio(5, 5), "1.0000");
        assert_eq!(super::ratio(0, 0), "0.0000");
    }
}
