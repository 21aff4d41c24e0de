//! Union coupons: the member roster and membership verification, campaigns (timed drops or
//! direct issuance), claiming (Redis gate + database truth), the wallet, statistics.

pub mod batch;
pub mod campaigns;
pub mod claim;
pub mod dto;
pub mod gate;
mod handlers;
pub mod issue;
pub mod model;
pub mod roster;
pub mod spend;
pub mod stats;
pub mod wallet;

use std::sync::Arc;

use dashmap::DashMap;
use redis::aio::ConnectionManager;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

/// Shared coupon machinery of an instance.
#[derive(Debug, Clone)]
pub struct Coupons {
    /// The claim gate (Redis when configured).
    pub gate: gate::ClaimGate,
    progress_redis: Option<(ConnectionManagerDebug, String)>,
    progress_local: Arc<DashMap<String, i64>>,
    /// Published campaigns and today's drops, for the claim path (see [`claim::Live`]).
    pub(crate) live: moka::future::Cache<(i64, chrono::NaiveDate), Arc<claim::Live>>,
    /// Claim writers per drop (PostgreSQL), see [`batch`].
    pub(crate) batcher: batch::Batcher,
}

#[derive(Clone)]
struct ConnectionManagerDebug(ConnectionManager);

impl std::fmt::Debug for ConnectionManagerDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("redis")
    }
}

impl Coupons {
    /// Coupon machinery over Redis (with its key prefix) or in process.
    #[must_use]
    pub fn new(redis: Option<(ConnectionManager, String)>) -> Self {
        Coupons {
            gate: gate::ClaimGate::new(redis.clone()),
            progress_redis: redis.map(|(c, p)| (ConnectionManagerDebug(c), p)),
            progress_local: Arc::new(DashMap::new()),
            live: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(claim::LIVE_TTL)
                .build(),
            batcher: batch::Batcher::default(),
        }
    }

    /// Records the progress of a long job (visible to every instance with Redis).
    pub async fn set_progress(&self, key: &str, value: i64) {
        self.progress_local.insert(key.to_owned(), value);
        if let Some((ConnectionManagerDebug(conn), prefix)) = &self.progress_redis {
            let mut c = conn.clone();
            let _: redis::RedisResult<()> = redis::cmd("SET")
                .arg(format!("{prefix}progress:{key}"))
                .arg(value)
                .arg("EX")
                .arg(3600)
                .query_async(&mut c)
                .await;
        }
    }

    /// The progress of a long job, if one is recorded.
    pub async fn progress(&self, key: &str) -> Option<i64> {
        if let Some((ConnectionManagerDebug(conn), prefix)) = &self.progress_redis {
            let mut c = conn.clone();
            if let Ok(Some(v)) = redis::cmd("GET")
                .arg(format!("{prefix}progress:{key}"))
                .query_async::<Option<i64>>(&mut c)
                .await
            {
                return Some(v);
            }
        }
        self.progress_local.get(key).map(|v| *v)
    }
}

/// Registers the coupon jobs.
pub fn register_jobs(registry: &mut crate::worker::JobRegistry) {
    issue::register(registry);
    roster::register(registry);
}

/// Routes of this context.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::start_import))
        .layer(axum::extract::DefaultBodyLimit::max(
            roster::MAX_FILE_BYTES + 64 * 1024,
        ))
        .routes(routes!(handlers::get_import))
        .routes(routes!(handlers::list_roster))
        .routes(routes!(handlers::export_roster))
        .routes(routes!(handlers::verify_membership))
        .routes(routes!(handlers::list_campaigns, handlers::create_campaign))
        .routes(routes!(handlers::get_campaign, handlers::update_campaign))
        .routes(routes!(handlers::publish_campaign))
        .routes(routes!(handlers::cancel_campaign))
        .routes(routes!(handlers::campaign_stats))
        .routes(routes!(handlers::claim_center))
        .routes(routes!(handlers::claim))
        .routes(routes!(handlers::my_coupons))
}
