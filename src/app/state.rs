//! The application state: configuration, the database, Redis and each context's shared
//! machinery (caches, gates, the payment provider), built once at start.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::ratelimit::RateLimiter;
use crate::worker::JobRegistry;

/// Everything a request handler or job may need. Cheap to clone.
#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

/// The shared parts of the application.
pub struct App {
    /// Configuration read at start.
    pub config: Config,
    /// Database pool (PostgreSQL or SQLite).
    pub db: DatabaseConnection,
    /// Redis, when configured (shared gates, rate limits, caches across instances).
    pub redis: Option<ConnectionManager>,
    /// Rate limiter (Redis-backed when configured, in-process otherwise).
    pub limiter: RateLimiter,
    /// Resolved sessions (stamps in Redis when configured).
    pub sessions: crate::auth::cache::SessionCache,
    /// Prometheus metrics renderer.
    pub metrics: PrometheusHandle,
    /// Key for the keyed hashes of session and invitation tokens.
    pub session_key: Vec<u8>,
    /// Background job kinds and schedules.
    pub jobs: JobRegistry,
    /// Name of this instance (logs, job leases).
    pub instance_id: String,
    /// Image and document storage.
    pub media: crate::media::Media,
    /// Search index and response cache of the shop.
    pub catalog: crate::catalog::Catalog,
    /// Coupon claim gate and job progress.
    pub coupons: crate::coupons::Coupons,
    /// The payment provider.
    pub payments: crate::payments::Payments,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("instance_id", &self.instance_id)
            .field("redis", &self.redis.is_some())
            .field("jobs", &self.jobs)
            .finish_non_exhaustive()
    }
}

/// Connects to Redis with short timeouts, so that readiness checks and rate limits fail fast
/// while Redis is down; the connection manager reconnects by itself when it is back.
///
/// # Errors
/// When the URL is invalid or Redis cannot be reached at start.
pub async fn connect_redis(url: &str) -> anyhow::Result<ConnectionManager> {
    let client = redis::Client::open(url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(Duration::from_secs(1)))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_secs(1));
    Ok(ConnectionManager::new_with_config(client, config).await?)
}

/// The session secret: configured, or generated once and kept in the data directory (the
/// embedded demo), with a warning.
fn session_key(config: &Config) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = config.session_secret_bytes() {
        anyhow::ensure!(
            secret.len() >= 32,
            "BANGFU_SESSION_SECRET must be at least 32 characters"
        );
        return Ok(secret);
    }
    let path = config.data_dir.join("session.secret");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && existing.trim().len() >= 32
    {
        {
            tracing::warn!(path = %path.display(), "BANGFU_SESSION_SECRET not set; using the generated secret kept in the data directory (set it in production)");
            return Ok(existing.trim().as_bytes().to_vec());
        }
    }
    std::fs::create_dir_all(&config.data_dir)?;
    let secret = crate::auth::token::generate();
    write_private(&path, &secret)?;
    tracing::warn!(path = %path.display(), "BANGFU_SESSION_SECRET not set; generated a random secret for this embedded deployment (set it in production)");
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// Builds the application: connects the database and Redis (if configured), resolves the
/// session secret. Migrations are not run here.
///
/// # Errors
/// When the database or Redis cannot be reached, or the secret is unusable.
pub async fn build(config: Config, jobs: JobRegistry) -> anyhow::Result<AppState> {
    let db = crate::db::connect(&config).await?;
    build_with_db(config, db, jobs).await
}

/// Like [`build`], with an already-open database.
///
/// # Errors
/// When Redis cannot be reached or the secret is unusable.
pub async fn build_with_db(
    config: Config,
    db: DatabaseConnection,
    jobs: JobRegistry,
) -> anyhow::Result<AppState> {
    let redis = match &config.redis_url {
        Some(url) => Some(connect_redis(url).await?),
        None => {
            tracing::info!(
                "REDIS_URL not set: rate limits, gates and caches are in-process (one instance only)"
            );
            None
        }
    };
    let limiter = RateLimiter::new(redis.clone().map(|r| (r, config.redis_prefix.clone())));
    let session_key = session_key(&config)?;
    let instance_id = format!(
        "{}-{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..6]
    );
    // The payments context tells the member orders when a payment ends (it imports no payee).
    let payments = crate::payments::Payments::from_config(
        &config,
        Arc::new(crate::orders::lifecycle::MemberOrders),
    )?;
    let media = crate::media::Media::from_config(&config)?;
    let redis_for_coupons = redis.clone().map(|r| (r, config.redis_prefix.clone()));
    let catalog = crate::catalog::Catalog {
        search: Arc::new(crate::catalog::search::SearchIndex::new()?),
        cache: crate::catalog::cache::CatalogCache::new(
            redis.clone().map(|r| (r, config.redis_prefix.clone())),
            config.catalog_cache_mb.saturating_mul(1024 * 1024),
        ),
        reference: crate::catalog::reference::ReferenceCache::default(),
    };
    let sessions = crate::auth::cache::SessionCache::new(
        redis.clone().map(|r| (r, config.redis_prefix.clone())),
        200_000,
    );
    let state = AppState(Arc::new(App {
        config,
        db,
        redis,
        limiter,
        sessions,
        metrics: crate::ops::metrics_handle(),
        session_key,
        jobs,
        instance_id,
        media,
        catalog,
        coupons: crate::coupons::Coupons::new(redis_for_coupons),
        payments,
    }));
    // Documents missing after an upgrade or a bulk seed are written before the first request.
    let backfilled = crate::catalog::view::backfill(&state.db)
        .await
        .map_err(|e| anyhow::anyhow!("writing product documents: {e}"))?;
    if backfilled > 0 {
        tracing::info!(products = backfilled, "product documents written");
    }
    // The index is built before the first request; later changes arrive through `sync`.
    state
        .catalog
        .search
        .sync(&state.db)
        .await
        .map_err(|e| anyhow::anyhow!("building the search index: {e}"))?;
    Ok(state)
}
