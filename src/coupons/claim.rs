//! Claiming: the hot path. Rate limits, eligibility, today's drop, the Redis gate, then one
//! short database transaction that is the truth:
//!
//! 1. the member's n-th coupon is inserted with `seq = n` and `day_seq` under unique
//!    constraints, so a member can never exceed the limits, however many claims race;
//! 2. `coupon_drops.claimed` is incremented only `WHERE claimed < quantity`, so a drop is
//!    never over-issued (on SQLite the transaction is `BEGIN IMMEDIATE`).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter,
};

use super::campaigns::{self, at, effective_status, parse_time};
use super::dto::{ClaimState, Coupon};
use super::gate::{DbAnswer, Gate};
use super::model::{AudienceKind, CampaignStatus, ClaimMode, CouponStatus};
use crate::app::AppState;
use crate::auth::Actor;
use crate::db::begin_write;
use crate::entities::{coupon_campaigns, coupon_drops, coupons, member_roster, organizations};
use crate::error::{AppError, is_unique_violation};
use crate::ratelimit::Decision;

fn sold_out() -> AppError {
    AppError::conflict(
        "coupon_sold_out",
        "今日已抢完，请明天再来 / sold out for today",
    )
}

fn limit_reached() -> AppError {
    AppError::conflict(
        "coupon_limit_reached",
        "您已领取过该券 / you already hold the limit of this coupon",
    )
}

fn daily_limit_reached() -> AppError {
    AppError::conflict(
        "coupon_daily_limit_reached",
        "今日领取已达上限 / today's limit reached",
    )
}

fn not_started() -> AppError {
    AppError::conflict("coupon_not_started", "尚未开抢 / not started yet")
}

fn ended() -> AppError {
    AppError::conflict(
        "coupon_campaign_ended",
        "活动已结束 / the campaign has ended",
    )
}

fn not_eligible() -> AppError {
    AppError::Denied {
        code: "coupon_not_eligible",
        message: "您不在本活动的发放范围内 / you are not eligible for this campaign".into(),
    }
}

/// Whether `user_id` is in the campaign's audience: an active roster entry in the campaign's
/// union or one of its district unions, matching the segment or work unit when the campaign
/// names them.
///
/// # Errors
/// Database errors.
pub async fn eligible(
    conn: &impl ConnectionTrait,
    campaign: &coupon_campaigns::Model,
    user_id: i64,
) -> Result<bool, AppError> {
    let rows = member_roster::Entity::find()
        .filter(member_roster::Column::UserId.eq(user_id))
        .filter(member_roster::Column::Status.eq("active"))
        .find_also_related(organizations::Entity)
        .all(conn)
        .await?;
    let values: Vec<String> = serde_json::from_str(&campaign.audience_values).unwrap_or_default();
    let kind = AudienceKind::parse(&campaign.audience_kind).unwrap_or(AudienceKind::All);
    Ok(rows.iter().any(|(r, union)| {
        let in_union = r.union_org_id == campaign.union_org_id
            || union.as_ref().and_then(|u| u.parent_id) == Some(campaign.union_org_id);
        let in_audience = match kind {
            AudienceKind::All => true,
            AudienceKind::Segment => r.segment.as_ref().is_some_and(|s| values.contains(s)),
            AudienceKind::WorkUnits => values.contains(&r.work_unit),
        };
        in_union && in_audience
    }))
}

/// Today's drop of a timed campaign, created on first use: the daily quantity (plus what the
/// earlier drops left, with rollover), never more than the campaign has left.
///
/// # Errors
/// Database errors; 409 when the campaign has no drop time.
pub async fn todays_drop(
    conn: &impl ConnectionTrait,
    c: &coupon_campaigns::Model,
    today: NaiveDate,
) -> Result<coupon_drops::Model, AppError> {
    if let Some(d) = coupon_drops::Entity::find()
        .filter(coupon_drops::Column::CampaignId.eq(c.id))
        .filter(coupon_drops::Column::DropDate.eq(today))
        .one(conn)
        .await?
    {
        return Ok(d);
    }
    let earlier = coupon_drops::Entity::find()
        .filter(coupon_drops::Column::CampaignId.eq(c.id))
        .all(conn)
        .await?;
    let issued: i64 = earlier.iter().map(|d| d.claimed).sum();
    let offered: i64 = earlier.iter().map(|d| d.quantity).sum();
    let daily = c.daily_quantity.unwrap_or(0);
    let rolled = if c.rollover {
        (offered - issued).max(0)
    } else {
        0
    };
    let quantity = (daily + rolled).min((c.total_quantity - issued).max(0));
    let time =
        c.drop_time.as_deref().and_then(parse_time).ok_or_else(|| {
            AppError::conflict("invalid_state", "活动没有开抢时间 / no drop time")
        })?;
    coupon_drops::Entity::insert(coupon_drops::ActiveModel {
        campaign_id: Set(c.id),
        drop_date: Set(today),
        opens_at: Set(at(today, time)),
        quantity: Set(quantity),
        claimed: Set(0),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            coupon_drops::Column::CampaignId,
            coupon_drops::Column::DropDate,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    coupon_drops::Entity::find()
        .filter(coupon_drops::Column::CampaignId.eq(c.id))
        .filter(coupon_drops::Column::DropDate.eq(today))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Claims one coupon of a timed drop for the actor.
///
/// # Errors
/// 404 unknown campaign; 403 `coupon_not_eligible`; 409 `coupon_not_started`,
/// `coupon_campaign_ended`, `coupon_sold_out`, `coupon_limit_reached`,
/// `coupon_daily_limit_reached`; 429 `rate_limited`.
#[tracing::instrument(skip_all, fields(campaign_id))]
pub async fn claim(
    state: &AppState,
    actor: &Actor,
    campaign_id: i64,
    ip: &str,
) -> Result<Coupon, AppError> {
    let window = std::time::Duration::from_secs(10);
    for (key, limit) in [
        (
            format!("claim:user:{}", actor.user_id),
            state.config.claim_max_per_member,
        ),
        (format!("claim:ip:{ip}"), state.config.claim_max_per_ip),
    ] {
        if let Decision::Limited(wait) = state.limiter.hit(&key, limit, window).await {
            return Err(AppError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
    }
    let now = Utc::now();
    let today = crate::time::business_date(now);
    let campaign = coupon_campaigns::Entity::find_by_id(campaign_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    match effective_status(&campaign, today) {
        CampaignStatus::Running => {}
        CampaignStatus::Scheduled => return Err(not_started()),
        CampaignStatus::Draft => return Err(AppError::NotFound),
        CampaignStatus::Ended | CampaignStatus::Cancelled => return Err(ended()),
    }
    if campaign.claim_mode != ClaimMode::Drop.as_str() {
        return Err(AppError::conflict(
            "coupon_direct_only",
            "该券由工会直接发放 / this coupon is issued directly",
        ));
    }
    if !eligible(&state.db, &campaign, actor.user_id).await? {
        return Err(not_eligible());
    }
    let drop = todays_drop(&state.db, &campaign, today).await?;
    if now < drop.opens_at {
        return Err(not_started());
    }
    let day = today.to_string();
    let keys = state.coupons.gate.keys(campaign.id, &day);
    if let Some(keys) = &keys {
        let db = state.db.clone();
        let drop_id = drop.id;
        let gate = state
            .coupons
            .gate
            .check(
                keys,
                actor.user_id,
                campaign.per_member_limit,
                campaign.per_member_daily_limit,
                move || {
                    let db = db.clone();
                    async move {
                        coupon_drops::Entity::find_by_id(drop_id)
                            .one(&db)
                            .await
                            .ok()
                            .flatten()
                            .map(|d| d.quantity - d.claimed)
                    }
                },
            )
            .await;
        match gate {
            Gate::Pass => {}
            Gate::Limit => return Err(limit_reached()),
            Gate::DailyLimit => return Err(daily_limit_reached()),
            Gate::SoldOut => return Err(sold_out()),
        }
    }
    let outcome = claim_in_db(state, &campaign, &drop, actor.user_id, now, today).await;
    if let Some(keys) = &keys {
        let answer = match &outcome {
            Ok(_) => DbAnswer::Claimed,
            Err(Refusal::SoldOut) => DbAnswer::SoldOut,
            Err(Refusal::Limit(count)) => DbAnswer::Limit { count: *count },
            Err(Refusal::DailyLimit(count)) => DbAnswer::DailyLimit { count: *count },
            Err(Refusal::Error(_)) => DbAnswer::Failed,
        };
        state.coupons.gate.settle(keys, actor.user_id, answer).await;
    }
    match outcome {
        Ok(coupon) => {
            metrics::counter!("bangfu_coupon_claims_total", "outcome" => "claimed").increment(1);
            Ok(super::wallet::to_dto(coupon, &campaign))
        }
        Err(r) => {
            let e = match r {
                Refusal::SoldOut => sold_out(),
                Refusal::Limit(_) => limit_reached(),
                Refusal::DailyLimit(_) => daily_limit_reached(),
                Refusal::Error(e) => e,
            };
            metrics::counter!("bangfu_coupon_claims_total", "outcome" => e.code()).increment(1);
            Err(e)
        }
    }
}

enum Refusal {
    SoldOut,
    Limit(i64),
    DailyLimit(i64),
    Error(AppError),
}

impl From<sea_orm::DbErr> for Refusal {
    fn from(e: sea_orm::DbErr) -> Self {
        Refusal::Error(e.into())
    }
}

async fn counts(
    conn: &impl ConnectionTrait,
    campaign_id: i64,
    user_id: i64,
    today: NaiveDate,
) -> Result<(i64, i64), sea_orm::DbErr> {
    let all = coupons::Entity::find()
        .filter(coupons::Column::CampaignId.eq(campaign_id))
        .filter(coupons::Column::UserId.eq(user_id))
        .count(conn)
        .await?;
    let day = coupons::Entity::find()
        .filter(coupons::Column::CampaignId.eq(campaign_id))
        .filter(coupons::Column::UserId.eq(user_id))
        .filter(coupons::Column::ClaimDay.eq(today))
        .count(conn)
        .await?;
    Ok((
        i64::try_from(all).unwrap_or(i64::MAX),
        i64::try_from(day).unwrap_or(i64::MAX),
    ))
}

async fn claim_in_db(
    state: &AppState,
    campaign: &coupon_campaigns::Model,
    drop: &coupon_drops::Model,
    user_id: i64,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<coupons::Model, Refusal> {
    let txn = begin_write(&state.db).await?;
    let (all, day) = counts(&txn, campaign.id, user_id, today).await?;
    if all >= i64::from(campaign.per_member_limit) {
        return Err(Refusal::Limit(all));
    }
    if day >= i64::from(campaign.per_member_daily_limit) {
        return Err(Refusal::DailyLimit(day));
    }
    let (valid_from, valid_until) = campaigns::validity(campaign, now);
    let inserted = coupons::ActiveModel {
        campaign_id: Set(campaign.id),
        user_id: Set(user_id),
        drop_id: Set(Some(drop.id)),
        seq: Set(i32::try_from(all + 1).unwrap_or(i32::MAX)),
        claim_day: Set(today),
        day_seq: Set(i32::try_from(day + 1).unwrap_or(i32::MAX)),
        face_value_fen: Set(campaign.face_value_fen),
        min_spend_fen: Set(campaign.min_spend_fen),
        status: Set(CouponStatus::Available.as_str().to_owned()),
        valid_from: Set(valid_from),
        valid_until: Set(valid_until),
        payment_id: Set(None),
        claimed_at: Set(now),
        used_at: Set(None),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let coupon = match inserted {
        Ok(c) => c,
        // Another claim of the same member won the race for this sequence number.
        Err(e)
            if is_unique_violation(&e, "uq_coupons_campaign_user_seq")
                || is_unique_violation(&e, "coupons") =>
        {
            std::mem::drop(txn);
            let (all, day) = counts(&state.db, campaign.id, user_id, today).await?;
            return Err(if all >= i64::from(campaign.per_member_limit) {
                Refusal::Limit(all)
            } else {
                Refusal::DailyLimit(day)
            });
        }
        Err(e) => return Err(e.into()),
    };
    use sea_orm::sea_query::ExprTrait;
    let taken = coupon_drops::Entity::update_many()
        .col_expr(
            coupon_drops::Column::Claimed,
            Expr::col(coupon_drops::Column::Claimed).add(1),
        )
        .filter(coupon_drops::Column::Id.eq(drop.id))
        .filter(
            Expr::col(coupon_drops::Column::Claimed).lt(Expr::col(coupon_drops::Column::Quantity)),
        )
        .exec(&txn)
        .await?;
    if taken.rows_affected != 1 {
        return Err(Refusal::SoldOut);
    }
    coupon_campaigns::Entity::update_many()
        .col_expr(
            coupon_campaigns::Column::IssuedCount,
            Expr::col(coupon_campaigns::Column::IssuedCount).add(1),
        )
        .filter(coupon_campaigns::Column::Id.eq(campaign.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(coupon)
}

/// How the claim center shows a campaign to a member, and what is left.
///
/// # Errors
/// Database errors.
pub async fn state_for(
    state: &AppState,
    c: &coupon_campaigns::Model,
    user_id: i64,
) -> Result<(ClaimState, i64, i64, Option<DateTime<Utc>>), AppError> {
    let now = Utc::now();
    let today = crate::time::business_date(now);
    let mine = i64::try_from(
        coupons::Entity::find()
            .filter(coupons::Column::CampaignId.eq(c.id))
            .filter(coupons::Column::UserId.eq(user_id))
            .count(&state.db)
            .await?,
    )
    .unwrap_or(0);
    let status = effective_status(c, today);
    if !eligible(&state.db, c, user_id).await? {
        return Ok((ClaimState::NotEligible, 0, mine, None));
    }
    if matches!(status, CampaignStatus::Ended | CampaignStatus::Cancelled) {
        return Ok((ClaimState::Ended, 0, mine, None));
    }
    if c.claim_mode == ClaimMode::Direct.as_str() {
        let left = c.total_quantity - c.issued_count;
        return Ok((
            if mine >= i64::from(c.per_member_limit) {
                ClaimState::LimitReached
            } else {
                ClaimState::NotStarted
            },
            left,
            mine,
            None,
        ));
    }
    let day = if status == CampaignStatus::Scheduled {
        c.starts_on
    } else {
        today
    };
    let opens_at = c
        .drop_time
        .as_deref()
        .and_then(parse_time)
        .map(|t| at(day, t));
    if status == CampaignStatus::Scheduled {
        return Ok((
            ClaimState::NotStarted,
            c.daily_quantity.unwrap_or(0),
            mine,
            opens_at,
        ));
    }
    let drop = todays_drop(&state.db, c, today).await?;
    let left = drop.quantity - drop.claimed;
    let st = if mine >= i64::from(c.per_member_limit) {
        ClaimState::LimitReached
    } else if now < drop.opens_at {
        ClaimState::NotStarted
    } else if left <= 0 {
        ClaimState::SoldOut
    } else {
        ClaimState::Open
    };
    Ok((st, left, mine, Some(drop.opens_at)))
}
