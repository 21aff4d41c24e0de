//! A member's coupons and the claim center.

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::campaigns::{effective_status, scope_of, to_dto as campaign_dto};
use super::dto::{ClaimCenter, Claimable, Coupon, CouponQuery};
use super::model::{CampaignStatus, CouponStatus, RosterStatus};
use crate::app::AppState;
use crate::auth::{Actor, Role, authz};
use crate::entities::{coupon_campaigns, coupons, member_roster, organizations};
use crate::error::AppError;
use crate::money::Money;

/// The API shape of a coupon; an available coupon past its validity shows as expired.
#[must_use]
pub fn to_dto(c: coupons::Model, campaign: &coupon_campaigns::Model) -> Coupon {
    let mut status = c.status;
    if status == CouponStatus::Available && c.valid_until < Utc::now() {
        status = CouponStatus::Expired;
    }
    Coupon {
        id: c.id,
        campaign_id: c.campaign_id,
        campaign_name: campaign.name.clone(),
        face_value_fen: Money::from_fen(c.face_value_fen),
        min_spend_fen: Money::from_fen(c.min_spend_fen),
        status,
        valid_from: c.valid_from,
        valid_until: c.valid_until,
        claimed_at: c.claimed_at,
        scope: scope_of(campaign),
    }
}

/// The actor's own coupons.
///
/// # Errors
/// 403 for non-members.
pub async fn mine(
    state: &AppState,
    actor: &Actor,
    q: CouponQuery,
) -> Result<Vec<Coupon>, AppError> {
    authz::require_any_role(actor, &[Role::Member])?;
    let rows = coupons::Entity::find()
        .filter(coupons::Column::UserId.eq(actor.user_id))
        .find_also_related(coupon_campaigns::Entity)
        .order_by_desc(coupons::Column::Id)
        .all(&state.db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(c, camp)| camp.map(|camp| to_dto(c, &camp)))
        .filter(|c| q.status.is_none_or(|s| s == c.status))
        .collect())
}

/// Campaigns the member may claim from (their unions' and the parent unions'), with what is
/// left and when the next drop opens.
///
/// # Errors
/// 403 for non-members.
pub async fn claim_center(state: &AppState, actor: &Actor) -> Result<ClaimCenter, AppError> {
    authz::require_any_role(actor, &[Role::Member])?;
    let rows = member_roster::Entity::find()
        .filter(member_roster::Column::UserId.eq(actor.user_id))
        .filter(member_roster::Column::Status.eq(RosterStatus::Active))
        .find_also_related(organizations::Entity)
        .all(&state.db)
        .await?;
    let mut unions: Vec<i64> = Vec::new();
    for (r, org) in rows {
        unions.push(r.union_org_id);
        if let Some(parent) = org.and_then(|o| o.parent_id) {
            unions.push(parent);
        }
    }
    let today = crate::time::business_date(Utc::now());
    let campaigns = coupon_campaigns::Entity::find()
        .filter(coupon_campaigns::Column::UnionOrgId.is_in(unions))
        .filter(coupon_campaigns::Column::Status.ne(CampaignStatus::Draft))
        .filter(coupon_campaigns::Column::EndsOn.gte(today))
        .order_by_asc(coupon_campaigns::Column::StartsOn)
        .all(&state.db)
        .await?;
    let mut items = Vec::new();
    for c in campaigns {
        if effective_status(&c, today) == CampaignStatus::Cancelled {
            continue;
        }
        let (st, remaining, mine, opens_at) =
            super::claim::state_for(state, &c, actor.user_id).await?;
        items.push(Claimable {
            campaign: campaign_dto(c, today),
            opens_at,
            remaining,
            claimed_by_me: mine,
            state: st,
        });
    }
    Ok(ClaimCenter {
        items,
        now: Utc::now(),
    })
}
