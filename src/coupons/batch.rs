//! Group commit for claims on PostgreSQL. Every claim of a drop has to change the drop's row
//! (`claimed < quantity` is what keeps it from being over-issued), so one claim per
//! transaction would queue them all behind that row lock and one WAL flush each. Instead each
//! instance keeps one writer per drop: claims that reach the database wait in its queue, and
//! the writer takes everything waiting (up to [`MAX_BATCH`]) into one transaction:
//!
//! 1. lock the drop's row and read what is left (and whether the campaign was cancelled);
//! 2. insert a coupon for the waiting members in the campaign's audience and under both
//!    limits (all checked in the same statement), in arrival order, no more than are left;
//!    the unique constraints on the member's sequence numbers settle any race with another
//!    instance;
//! 3. add the number inserted to the drop and the campaign, and commit.
//!
//! A member whose coupon was not inserted is told why from what the database holds after the
//! commit (sold out, limit, daily limit, cancelled, not eligible). The row lock still orders the batches of
//! several instances, so the count can never pass the quantity.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use dashmap::DashMap;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    Statement, TransactionTrait, Value,
};
use tokio::sync::{mpsc, oneshot};

use super::campaigns;
use super::model::{AudienceKind, CampaignStatus, CouponStatus};
use crate::entities::{coupon_campaigns, coupons};

/// The most claims written in one transaction.
pub const MAX_BATCH: usize = 256;
/// A drop's writer stops after this long without claims (a new one starts on demand).
const IDLE: Duration = Duration::from_secs(60);

/// One claim waiting for its drop's writer.
struct Pending {
    user_id: i64,
    reply: oneshot::Sender<Result<Option<coupons::Model>, DbErr>>,
}

/// What a batch needs to know about the campaign and the drop.
#[derive(Debug, Clone)]
pub struct DropTerms {
    /// The campaign (published; its terms do not change).
    pub campaign: coupon_campaigns::Model,
    /// The drop's id.
    pub drop_id: i64,
    /// The business day of the drop.
    pub day: NaiveDate,
}

/// The writers of this instance, one per drop in use.
#[derive(Debug, Clone, Default)]
pub struct Batcher {
    queues: Arc<DashMap<i64, mpsc::Sender<Pending>>>,
}

impl Batcher {
    /// Writes `user_id`'s claim with the next batch of its drop: `Some(coupon)` when issued,
    /// `None` when the database refused it (the caller reads why).
    ///
    /// # Errors
    /// Database errors of the batch.
    pub async fn claim(
        &self,
        db: &DatabaseConnection,
        terms: &DropTerms,
        user_id: i64,
    ) -> Result<Option<coupons::Model>, DbErr> {
        let (reply, answer) = oneshot::channel();
        let mut pending = Pending { user_id, reply };
        // A writer that stopped for idleness leaves a closed queue behind: start another.
        for _ in 0..2 {
            let queue = self
                .queues
                .entry(terms.drop_id)
                .or_insert_with(|| spawn_writer(db.clone(), terms.clone(), self.queues.clone()))
                .clone();
            match queue.send(pending).await {
                Ok(()) => {
                    return answer
                        .await
                        .unwrap_or_else(|_| Err(DbErr::Custom("the claim writer stopped".into())));
                }
                Err(mpsc::error::SendError(back)) => {
                    pending = back;
                    self.queues
                        .remove_if(&terms.drop_id, |_, q| q.same_channel(&queue));
                }
            }
        }
        Err(DbErr::Custom("no claim writer".into()))
    }
}

fn spawn_writer(
    db: DatabaseConnection,
    terms: DropTerms,
    queues: Arc<DashMap<i64, mpsc::Sender<Pending>>>,
) -> mpsc::Sender<Pending> {
    let (tx, mut rx) = mpsc::channel::<Pending>(MAX_BATCH * 16);
    let own = tx.clone();
    tokio::spawn(async move {
        let mut carried: Vec<Pending> = Vec::new();
        loop {
            let mut batch = std::mem::take(&mut carried);
            if batch.is_empty() {
                match tokio::time::timeout(IDLE, rx.recv()).await {
                    Ok(Some(p)) => batch.push(p),
                    Ok(None) => break,
                    Err(_) => {
                        // Idle: retire, unless a claim slipped in meanwhile.
                        queues.remove_if(&terms.drop_id, |_, q| q.same_channel(&own));
                        rx.close();
                        while let Some(p) = rx.recv().await {
                            batch.push(p);
                        }
                        if batch.is_empty() {
                            break;
                        }
                    }
                }
            }
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
            // A member twice in one batch: the second waits for the next batch.
            let mut seen = std::collections::HashSet::new();
            let (now, later): (Vec<Pending>, Vec<Pending>) =
                batch.into_iter().partition(|p| seen.insert(p.user_id));
            carried = later;
            let users: Vec<i64> = now.iter().map(|p| p.user_id).collect();
            match write_batch(&db, &terms, &users).await {
                Ok(mut issued) => {
                    for p in now {
                        let coupon = issued.remove(&p.user_id);
                        let _ = p.reply.send(Ok(coupon));
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, claims = users.len(), "claim batch failed");
                    for p in now {
                        let _ = p.reply.send(Err(e.clone()));
                    }
                }
            }
        }
    });
    tx
}

#[derive(Debug, FromQueryResult)]
struct Left {
    left_today: i64,
    campaign_status: CampaignStatus,
}

async fn write_batch(
    db: &DatabaseConnection,
    terms: &DropTerms,
    users: &[i64],
) -> Result<std::collections::HashMap<i64, coupons::Model>, DbErr> {
    let c = &terms.campaign;
    let txn = db.begin().await?;
    let left = Left::find_by_statement(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT d.quantity - d.claimed AS left_today, k.status AS campaign_status \
         FROM coupon_drops d JOIN coupon_campaigns k ON k.id = d.campaign_id \
         WHERE d.id = $1 FOR NO KEY UPDATE OF d",
        [terms.drop_id.into()],
    ))
    .one(&txn)
    .await?;
    let Some(left) = left else {
        return Ok(std::collections::HashMap::new());
    };
    let room = usize::try_from(left.left_today.max(0)).unwrap_or(0);
    if left.campaign_status == CampaignStatus::Cancelled || room == 0 {
        return Ok(std::collections::HashMap::new());
    }
    let now: DateTime<Utc> = Utc::now();
    let (valid_from, valid_until) = campaigns::validity(c, now);
    // In arrival order, the first `room` members under their limits get a coupon.
    let take = users;
    let mut values: Vec<Value> = vec![
        c.id.into(),
        terms.drop_id.into(),
        terms.day.into(),
        c.face_value_fen.into(),
        c.min_spend_fen.into(),
        CouponStatus::Available.into(),
        valid_from.into(),
        valid_until.into(),
        now.into(),
        i64::from(c.per_member_limit).into(),
        i64::from(c.per_member_daily_limit).into(),
    ];
    // The audience, as `claim::eligible` decides it: an active roster entry in the campaign's
    // union or one of its district unions, in the named segments or work units. A scalar
    // subquery per member (not EXISTS), so the planner reads the roster by user id rather
    // than scanning a large union's roster once per batch.
    values.push(c.union_org_id.into());
    let union = values.len();
    let named: &[String] = &c.audience_values;
    let column = match c.audience_kind {
        AudienceKind::All => None,
        AudienceKind::Segment => Some("r.segment"),
        AudienceKind::WorkUnits => Some("r.work_unit"),
    };
    let audience = match column {
        None => "TRUE".to_owned(),
        Some(_) if named.is_empty() => "FALSE".to_owned(),
        Some(column) => {
            let from = values.len() + 1;
            values.extend(named.iter().map(|v| Value::from(v.clone())));
            let list: Vec<String> = (0..named.len()).map(|i| format!("${}", from + i)).collect();
            format!("{column} IN ({})", list.join(", "))
        }
    };
    let first = values.len() + 1;
    let rows: Vec<String> = (0..take.len())
        .map(|i| format!("(${}::bigint, {i})", first + i))
        .collect();
    values.extend(take.iter().map(|u| Value::from(*u)));
    let sql = format!(
        "INSERT INTO coupons (campaign_id, user_id, drop_id, seq, claim_day, day_seq, \
           face_value_fen, min_spend_fen, status, valid_from, valid_until, claimed_at, updated_at) \
         SELECT $1, s.user_id, $2, s.n + 1, $3, s.d + 1, $4, $5, $6, $7, $8, $9, $9 FROM ( \
           SELECT v.user_id, m.n, m.d FROM (VALUES {}) AS v(user_id, ord) \
           CROSS JOIN LATERAL (SELECT COUNT(*) AS n, \
               COUNT(*) FILTER (WHERE c.claim_day = $3) AS d \
             FROM coupons c WHERE c.campaign_id = $1 AND c.user_id = v.user_id) m \
           WHERE m.n < $10 AND m.d < $11 \
             AND COALESCE((SELECT TRUE FROM member_roster r \
               LEFT JOIN organizations o ON o.id = r.union_org_id \
               WHERE r.user_id = v.user_id AND r.status = 'active' \
                 AND (r.union_org_id = ${union} OR o.parent_id = ${union}) AND {audience} \
               LIMIT 1), FALSE) \
           ORDER BY v.ord LIMIT {room}) s \
         ON CONFLICT DO NOTHING RETURNING *",
        rows.join(", ")
    );
    let inserted = coupons::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            sql,
            values,
        ))
        .all(&txn)
        .await?;
    let n = i64::try_from(inserted.len()).unwrap_or(0);
    if n > 0 {
        txn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "UPDATE coupon_drops SET claimed = claimed + $1 WHERE id = $2",
            [n.into(), terms.drop_id.into()],
        ))
        .await?;
        txn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "UPDATE coupon_campaigns SET issued_count = issued_count + $1 WHERE id = $2",
            [n.into(), c.id.into()],
        ))
        .await?;
    }
    txn.commit().await?;
    Ok(inserted.into_iter().map(|c| (c.user_id, c)).collect())
}
