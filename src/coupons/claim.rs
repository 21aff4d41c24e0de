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
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter,
};

use super::campaigns::{self, at, effective_status, parse_time};
use super::dto::{ClaimState, Coupon};
use super::gate::{DbAnswer, Gate};
use super::model::{AudienceKind, CampaignStatus, ClaimMode, CouponStatus, RosterStatus};
use crate::app::AppState;
use crate::auth::Actor;
use crate::db::{begin_write, statement};
use crate::entities::{coupon_campaigns, coupon_drops, coupons, member_roster, organizations};
use crate::error::{AppError, ErrorCode, is_unique_violation};
use crate::ratelimit::Decision;

fn sold_out() -> AppError {
    AppError::new(
        ErrorCode::CouponSoldOut,
        "今日已抢完，请明天再来 / sold out for today",
    )
}

fn limit_reached() -> AppError {
    AppError::new(
        ErrorCode::CouponLimitReached,
        "您已领取过该券 / you already hold the limit of this coupon",
    )
}

fn daily_limit_reached() -> AppError {
    AppError::new(
        ErrorCode::CouponDailyLimitReached,
        "今日领取已达上限 / today's limit reached",
    )
}

fn not_started() -> AppError {
    AppError::new(ErrorCode::CouponNotStarted, "尚未开抢 / not started yet")
}

fn ended() -> AppError {
    AppError::new(
        ErrorCode::CouponCampaignEnded,
        "活动已结束 / the campaign has ended",
    )
}

fn not_eligible() -> AppError {
    AppError::new(
        ErrorCode::CouponNotEligible,
        "您不在本活动的发放范围内 / you are not eligible for this campaign",
    )
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
        .filter(member_roster::Column::Status.eq(RosterStatus::Active))
        .find_also_related(organizations::Entity)
        .all(conn)
        .await?;
    let values: &[String] = &campaign.audience_values;
    let kind = campaign.audience_kind;
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
            AppError::new(ErrorCode::InvalidState, "活动没有开抢时间 / no drop time")
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

/// A published campaign and, while it runs, today's drop: what the claim path reads on every
/// request, cached per instance for [`LIVE_TTL`]. A published campaign never changes except
/// to be cancelled, and the database write re-checks that, so the cache never lets a claim
/// through that the database would refuse.
#[derive(Debug)]
pub struct Live {
    campaign: coupon_campaigns::Model,
    drop: Option<coupon_drops::Model>,
}

impl Live {
    /// Whether claims can be tried now: the campaign runs and today's drop is open.
    fn open(&self, now: DateTime<Utc>, today: NaiveDate) -> bool {
        effective_status(&self.campaign, today) == CampaignStatus::Running
            && self.campaign.claim_mode == ClaimMode::Drop
            && self.drop.as_ref().is_some_and(|d| now >= d.opens_at)
    }
}

/// How long [`Live`] is reused.
pub const LIVE_TTL: std::time::Duration = std::time::Duration::from_secs(1);

async fn live(
    state: &AppState,
    campaign_id: i64,
    today: NaiveDate,
) -> Result<std::sync::Arc<Live>, AppError> {
    if let Some(hit) = state.coupons.live.get(&(campaign_id, today)).await {
        return Ok(hit);
    }
    let campaign = coupon_campaigns::Entity::find_by_id(campaign_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let status = effective_status(&campaign, today);
    let drop = if status == CampaignStatus::Running && campaign.claim_mode == ClaimMode::Drop {
        Some(todays_drop(&state.db, &campaign, today).await?)
    } else {
        None
    };
    let live = std::sync::Arc::new(Live { campaign, drop });
    if status != CampaignStatus::Draft {
        state
            .coupons
            .live
            .insert((campaign_id, today), live.clone())
            .await;
    }
    Ok(live)
}

/// Claims one coupon of a timed drop for the actor.
///
/// The order keeps the crowd away from the database: rate limits, the cached campaign, then
/// (with Redis) the gate, so that once a drop is gone a refusal costs no database read. Only
/// a claim the gate lets through has its eligibility read and is written. The price is that
/// a verified member outside the audience (another union, another segment) who tries a
/// sold-out drop hears "sold out" rather than "not eligible"; the claim center already shows
/// them as not eligible, and anyone without the member role is told so at once. Without Redis one read
/// (coupons left, the member's counts) refuses before anything is written.
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
    let user_key = format!("claim:user:{}", actor.user_id);
    let ip_key = format!("claim:ip:{ip}");
    let limits = [
        (user_key.as_str(), state.config.claim_max_per_member),
        (ip_key.as_str(), state.config.claim_max_per_ip),
    ];
    let now = Utc::now();
    let today = crate::time::business_date(now);
    let keys = state.coupons.gate.keys(campaign_id, &today.to_string());
    // The storm's path: with Redis, a drop this instance knows to be open has the rate limits
    // counted in the gate's own round trip. Every other path counts them first, before
    // anything is read.
    let open = match &keys {
        Some(_) => state
            .coupons
            .live
            .get(&(campaign_id, today))
            .await
            .filter(|l| l.open(now, today)),
        None => None,
    };
    let rate = if open.is_some() {
        Some(super::gate::RateCount {
            limiter: &state.limiter,
            limits: &limits,
            window,
        })
    } else {
        if let Decision::Limited(wait) = state.limiter.hit_all(&limits, window).await {
            return Err(rate_limited(wait));
        }
        None
    };
    // Only verified members (the member role) can be in any audience; the roster decides the
    // rest later.
    if !actor.has_role(crate::auth::model::Role::Member) {
        return Err(not_eligible());
    }
    let live = match open {
        Some(live) => live,
        None => live(state, campaign_id, today).await?,
    };
    let campaign = &live.campaign;
    match effective_status(campaign, today) {
        CampaignStatus::Running => {}
        CampaignStatus::Scheduled => return Err(not_started()),
        CampaignStatus::Draft => return Err(AppError::NotFound),
        CampaignStatus::Ended | CampaignStatus::Cancelled => return Err(ended()),
    }
    let Some(drop) = live
        .drop
        .as_ref()
        .filter(|_| campaign.claim_mode == ClaimMode::Drop)
    else {
        return Err(AppError::new(
            ErrorCode::CouponDirectOnly,
            "该券由工会直接发放 / this coupon is issued directly",
        ));
    };
    if now < drop.opens_at {
        return Err(not_started());
    }
    let outcome = match keys {
        Some(keys) => {
            let reservation = keys.reservation(actor.user_id);
            let outcome = gated(
                state,
                (&keys, &reservation),
                campaign,
                drop,
                actor.user_id,
                rate,
                (now, today),
            )
            .await;
            let answer = match &outcome {
                // Refused by the gate itself: nothing reserved, nothing to correct.
                Err(Refusal::ByGate(_)) => None,
                Ok(_) => Some(DbAnswer::Claimed),
                Err(Refusal::SoldOut) => Some(DbAnswer::SoldOut),
                Err(Refusal::Limit(count)) => Some(DbAnswer::Limit { count: *count }),
                Err(Refusal::DailyLimit(count)) => Some(DbAnswer::DailyLimit { count: *count }),
                Err(Refusal::NotEligible | Refusal::Ended | Refusal::Db(_) | Refusal::Error(_)) => {
                    Some(DbAnswer::Failed)
                }
            };
            if let Some(answer) = answer {
                state.coupons.gate.settle(&keys, &reservation, answer).await;
            }
            outcome
        }
        None => ungated(state, campaign, drop, actor.user_id, now, today).await,
    };
    match outcome {
        Ok(coupon) => {
            metrics::counter!("bangfu_coupon_claims_total", "outcome" => "claimed").increment(1);
            Ok(super::wallet::to_dto(coupon, campaign))
        }
        Err(r) => {
            let e = match r {
                Refusal::SoldOut | Refusal::ByGate(Gate::SoldOut | Gate::Pass) => sold_out(),
                Refusal::Limit(_) | Refusal::ByGate(Gate::Limit) => limit_reached(),
                Refusal::DailyLimit(_) | Refusal::ByGate(Gate::DailyLimit) => daily_limit_reached(),
                Refusal::ByGate(Gate::Limited(wait)) => rate_limited(wait),
                Refusal::NotEligible => not_eligible(),
                Refusal::Ended => {
                    state.coupons.live.invalidate(&(campaign_id, today)).await;
                    ended()
                }
                Refusal::Db(e) => e.into(),
                Refusal::Error(e) => e,
            };
            metrics::counter!("bangfu_coupon_claims_total", "outcome" => e.code().as_str())
                .increment(1);
            Err(e)
        }
    }
}

fn rate_limited(wait: std::time::Duration) -> AppError {
    AppError::RateLimited {
        retry_after_secs: wait.as_secs().max(1),
    }
}

/// With Redis: the gate first, then (only for a claim it lets through) eligibility and the
/// write, the claim's reservation renewed while the database works.
async fn gated(
    state: &AppState,
    (keys, reservation): (&super::gate::DropKeys, &super::gate::Reservation),
    campaign: &coupon_campaigns::Model,
    drop: &coupon_drops::Model,
    user_id: i64,
    rate: Option<super::gate::RateCount<'_>>,
    (now, today): (DateTime<Utc>, NaiveDate),
) -> Result<coupons::Model, Refusal> {
    let db = state.db.clone();
    let drop_id = drop.id;
    let gate = state
        .coupons
        .gate
        .check(
            keys,
            reservation,
            campaign.per_member_limit,
            campaign.per_member_daily_limit,
            rate,
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
    if gate != Gate::Pass {
        return Err(Refusal::ByGate(gate));
    }
    let written = write(state, campaign, drop, user_id, now, today);
    tokio::pin!(written);
    loop {
        tokio::select! {
            outcome = &mut written => return outcome,
            () = tokio::time::sleep(super::gate::RENEW_EVERY) => {
                // The write is not polled meanwhile, but it waits on the batch writer or the
                // database, which go on without it.
                state.coupons.gate.renew(keys, reservation).await;
            }
        }
    }
}
enum Refusal {
    /// The Redis gate refused; nothing was read or written.
    ByGate(Gate),
    SoldOut,
    Limit(i64),
    DailyLimit(i64),
    NotEligible,
    /// Cancelled since the campaign was cached.
    Ended,
    Db(sea_orm::DbErr),
    Error(AppError),
}

impl From<sea_orm::DbErr> for Refusal {
    fn from(e: sea_orm::DbErr) -> Self {
        Refusal::Db(e)
    }
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        Refusal::Error(e)
    }
}

/// Where a member stands in a drop, in one read.
#[derive(Debug, FromQueryResult)]
struct Standing {
    left_today: i64,
    mine: i64,
    mine_today: i64,
    campaign_status: CampaignStatus,
}

async fn standing(
    conn: &impl ConnectionTrait,
    drop_id: i64,
    campaign_id: i64,
    user_id: i64,
    today: NaiveDate,
) -> Result<Standing, Refusal> {
    let sql = "SELECT d.quantity - d.claimed AS left_today, \
         (SELECT COUNT(*) FROM coupons c WHERE c.campaign_id = $2 AND c.user_id = $3) AS mine, \
         (SELECT COUNT(*) FROM coupons c WHERE c.campaign_id = $2 AND c.user_id = $3 \
            AND c.claim_day = $4) AS mine_today, \
         (SELECT k.status FROM coupon_campaigns k WHERE k.id = $2) AS campaign_status \
       FROM coupon_drops d WHERE d.id = $1";
    let values = vec![
        drop_id.into(),
        campaign_id.into(),
        user_id.into(),
        today.into(),
    ];
    Standing::find_by_statement(statement(conn.get_database_backend(), sql, values))
        .one(conn)
        .await?
        .ok_or(Refusal::Error(AppError::NotFound))
}

impl Standing {
    /// Why a claim would be refused now, if it would.
    fn refusal(&self, campaign: &coupon_campaigns::Model) -> Option<Refusal> {
        if self.campaign_status == CampaignStatus::Cancelled {
            Some(Refusal::Ended)
        } else if self.mine >= i64::from(campaign.per_member_limit) {
            Some(Refusal::Limit(self.mine))
        } else if self.mine_today >= i64::from(campaign.per_member_daily_limit) {
            Some(Refusal::DailyLimit(self.mine_today))
        } else if self.left_today <= 0 {
            Some(Refusal::SoldOut)
        } else {
            None
        }
    }
}

/// Without Redis: one read refuses what it can; the write follows.
async fn ungated(
    state: &AppState,
    campaign: &coupon_campaigns::Model,
    drop: &coupon_drops::Model,
    user_id: i64,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<coupons::Model, Refusal> {
    let now_standing = standing(&state.db, drop.id, campaign.id, user_id, today).await?;
    if let Some(refusal) = now_standing.refusal(campaign) {
        return Err(refusal);
    }
    write(state, campaign, drop, user_id, now, today).await
}

/// Whether claims go through the batch writer (PostgreSQL).
fn batched(state: &AppState) -> bool {
    state.db.get_database_backend() == DatabaseBackend::Postgres
}

/// The write that decides. PostgreSQL: the claim joins its drop's next batch (see
/// [`super::batch`]): one transaction for every claim waiting, the drop's row locked once per
/// batch. SQLite: the claim's own `BEGIN IMMEDIATE` transaction. A claim the database did not
/// take without a reason to refuse it (a slot lost to a race with another instance) is tried
/// again.
async fn write(
    state: &AppState,
    campaign: &coupon_campaigns::Model,
    drop: &coupon_drops::Model,
    user_id: i64,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<coupons::Model, Refusal> {
    // On PostgreSQL the batch checks eligibility in its own statement (see `batch`).
    if !batched(state) && !eligible(&state.db, campaign, user_id).await? {
        return Err(Refusal::NotEligible);
    }
    let mut attempts = 0;
    loop {
        attempts += 1;
        let written = if batched(state) {
            let terms = super::batch::DropTerms {
                campaign: campaign.clone(),
                drop_id: drop.id,
                day: today,
            };
            state
                .coupons
                .batcher
                .claim(&state.db, &terms, user_id)
                .await
                .map_err(Refusal::from)
        } else {
            write_txn(state, campaign, drop, user_id, now, today).await
        };
        match written {
            Ok(Some(coupon)) => return Ok(coupon),
            // Nothing taken: say why, from what the database holds now.
            Ok(None) => {
                let after = standing(&state.db, drop.id, campaign.id, user_id, today).await?;
                if let Some(refusal) = after.refusal(campaign) {
                    return Err(refusal);
                }
                if !eligible(&state.db, campaign, user_id).await? {
                    return Err(Refusal::NotEligible);
                }
                if attempts >= 3 {
                    // Not the database's "sold out": the gate is not told the drop is gone.
                    return Err(Refusal::Error(sold_out()));
                }
            }
            // Another claim of the same member won the race for the sequence number.
            Err(Refusal::Db(e))
                if is_unique_violation(&e, "uq_coupons_campaign_user_seq")
                    || is_unique_violation(&e, "coupons") =>
            {
                let after = standing(&state.db, drop.id, campaign.id, user_id, today).await?;
                return Err(if after.mine >= i64::from(campaign.per_member_limit) {
                    Refusal::Limit(after.mine)
                } else {
                    Refusal::DailyLimit(after.mine_today)
                });
            }
            Err(e) => return Err(e),
        }
    }
}

async fn write_txn(
    state: &AppState,
    campaign: &coupon_campaigns::Model,
    drop: &coupon_drops::Model,
    user_id: i64,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Option<coupons::Model>, Refusal> {
    let txn = begin_write(&state.db).await?;
    let now_standing = standing(&txn, drop.id, campaign.id, user_id, today).await?;
    // Already read under the write lock: no second read to say why.
    if let Some(refusal) = now_standing.refusal(campaign) {
        return Err(refusal);
    }
    let (valid_from, valid_until) = campaigns::validity(campaign, now);
    let coupon = coupons::ActiveModel {
        campaign_id: Set(campaign.id),
        user_id: Set(user_id),
        drop_id: Set(Some(drop.id)),
        seq: Set(i32::try_from(now_standing.mine + 1).unwrap_or(i32::MAX)),
        claim_day: Set(today),
        day_seq: Set(i32::try_from(now_standing.mine_today + 1).unwrap_or(i32::MAX)),
        face_value_fen: Set(campaign.face_value_fen),
        min_spend_fen: Set(campaign.min_spend_fen),
        status: Set(CouponStatus::Available),
        valid_from: Set(valid_from),
        valid_until: Set(valid_until),
        payment_id: Set(None),
        claimed_at: Set(now),
        used_at: Set(None),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
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
        return Ok(None);
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
    Ok(Some(coupon))
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
    if c.claim_mode == ClaimMode::Direct {
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
