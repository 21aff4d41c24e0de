//! Direct issuance: one coupon to every verified member of the campaign's audience, in batches
//! by a background job that reports its progress in `coupon_campaigns.issued_count`. Each
//! batch commits with the job's completion (exactly once); a member never gets a second
//! coupon (the unique constraint on the member's first coupon).

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use super::campaigns::{effective_status, validity};
use super::model::{CampaignStatus, CouponStatus, RosterStatus};
use crate::entities::{coupon_campaigns, coupons, member_roster};
use crate::error::AppError;
use crate::worker::{JobOptions, JobRegistry, enqueue as enqueue_job};

/// Job kind.
pub const JOB: &str = "coupons.issue";
/// Members per batch.
const BATCH: u64 = 500;

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    campaign_id: i64,
    after_roster_id: i64,
}

/// Enqueues the batch after roster id `after` (in the caller's transaction).
///
/// # Errors
/// Database errors.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    campaign_id: i64,
    after: i64,
) -> Result<(), AppError> {
    enqueue_job(
        conn,
        JOB,
        Payload {
            campaign_id,
            after_roster_id: after,
        },
        JobOptions {
            unique_key: Some(format!("{JOB}:{campaign_id}:{after}")),
            ..JobOptions::default()
        },
    )
    .await?;
    Ok(())
}

async fn run(txn: &DatabaseTransaction, p: Payload) -> anyhow::Result<()> {
    let Some(c) = coupon_campaigns::Entity::find_by_id(p.campaign_id)
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let today = crate::time::business_date(Utc::now());
    if matches!(
        effective_status(&c, today),
        CampaignStatus::Cancelled | CampaignStatus::Draft | CampaignStatus::Ended
    ) {
        return Ok(());
    }
    let roster = member_roster::Entity::find()
        .filter(member_roster::Column::Id.gt(p.after_roster_id))
        .filter(member_roster::Column::Status.eq(RosterStatus::Active))
        .filter(member_roster::Column::UserId.is_not_null())
        .order_by_asc(member_roster::Column::Id)
        .limit(BATCH)
        .all(txn)
        .await?;
    let Some(last) = roster.last().map(|r| r.id) else {
        return Ok(());
    };
    let now = Utc::now();
    let (valid_from, valid_until) = validity(&c, now);
    let mut issued = 0i64;
    for r in &roster {
        let Some(user_id) = r.user_id else { continue };
        if !super::claim::eligible(txn, &c, user_id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
        {
            continue;
        }
        if c.issued_count + issued >= c.total_quantity {
            break;
        }
        let n = coupons::Entity::insert(coupons::ActiveModel {
            campaign_id: Set(c.id),
            user_id: Set(user_id),
            drop_id: Set(None),
            seq: Set(1),
            claim_day: Set(today),
            day_seq: Set(1),
            face_value_fen: Set(c.face_value_fen),
            min_spend_fen: Set(c.min_spend_fen),
            status: Set(CouponStatus::Available),
            valid_from: Set(valid_from),
            valid_until: Set(valid_until),
            payment_id: Set(None),
            claimed_at: Set(now),
            used_at: Set(None),
            updated_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                coupons::Column::CampaignId,
                coupons::Column::UserId,
                coupons::Column::Seq,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
        issued += i64::try_from(n).unwrap_or(0);
    }
    if issued > 0 {
        coupon_campaigns::Entity::update_many()
            .col_expr(
                coupon_campaigns::Column::IssuedCount,
                Expr::col(coupon_campaigns::Column::IssuedCount).add(issued),
            )
            .filter(coupon_campaigns::Column::Id.eq(c.id))
            .exec(txn)
            .await?;
    }
    if roster.len() as u64 == BATCH {
        enqueue(txn, c.id, last)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

/// Registers the issuance job.
pub fn register(registry: &mut JobRegistry) {
    registry.register(JOB, |_state, p: Payload, txn| async move {
        run(&txn, p).await?;
        Ok(txn)
    });
}
