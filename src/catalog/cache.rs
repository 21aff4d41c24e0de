//! Response cache of the shop's product list and detail pages.
//!
//! Entries live in process (moka) under keys that include the catalog version. Every change
//! to the catalog bumps the version: in Redis when configured, so every instance sees it on
//! its next request (one small GET), in process otherwise. A confirmed edit is therefore
//! never followed by a stale page on any instance; old entries simply age out.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use redis::aio::ConnectionManager;

/// The shop's response cache.
#[derive(Clone)]
pub struct CatalogCache {
    enabled: bool,
    local: moka::future::Cache<String, Bytes>,
    version: Arc<AtomicU64>,
    redis: Option<(ConnectionManager, String)>,
}

impl std::fmt::Debug for CatalogCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogCache")
            .field("entries", &self.local.entry_count())
            .field("version", &self.version.load(Ordering::Relaxed))
            .field("redis", &self.redis.is_some())
            .finish()
    }
}

impl CatalogCache {
    /// A cache holding up to `capacity_bytes` of responses.
    #[must_use]
    pub fn new(redis: Option<(ConnectionManager, String)>, capacity_bytes: u64) -> Self {
        let local = moka::future::Cache::builder()
            .weigher(|k: &String, v: &Bytes| u32::try_from(k.len() + v.len()).unwrap_or(u32::MAX))
            .max_capacity(capacity_bytes)
            .time_to_live(Duration::from_secs(600))
            .build();
        CatalogCache {
            enabled: capacity_bytes > 0,
            local,
            version: Arc::new(AtomicU64::new(0)),
            redis,
        }
    }

    fn redis_key(prefix: &str) -> String {
        format!("{prefix}catalog:version")
    }

    /// The current catalog version.
    pub async fn version(&self) -> u64 {
        if let Some((conn, prefix)) = &self.redis {
            let mut conn = conn.clone();
            let got: redis::RedisResult<Option<u64>> = redis::cmd("GET")
                .arg(Self::redis_key(prefix))
                .query_async(&mut conn)
                .await;
            match got {
                Ok(v) => {
                    let v = v.unwrap_or(0);
                    self.version.store(v, Ordering::Relaxed);
                    return v;
                }
                Err(err) => {
                    // Without the shared version this instance cannot know of others' edits:
                    // serve uncached rather than risk a stale page.
                    tracing::warn!(error = %err, "catalog version unavailable; not caching");
                    return u64::MAX;
                }
            }
        }
        self.version.load(Ordering::Relaxed)
    }

    /// Marks the catalog changed, invalidating every cached page on every instance.
    pub async fn bump(&self) {
        self.version.fetch_add(1, Ordering::Relaxed);
        if let Some((conn, prefix)) = &self.redis {
            let mut conn = conn.clone();
            let done: redis::RedisResult<u64> = redis::cmd("INCR")
                .arg(Self::redis_key(prefix))
                .query_async(&mut conn)
                .await;
            if let Err(err) = done {
                tracing::warn!(error = %err, "catalog version bump failed; clearing the local cache");
            }
        }
        // Entries of old versions can never be read again; free the memory at once.
        self.local.invalidate_all();
    }

    /// A cached response, or `fill`'s (cached for later) under the current version. Returns
    /// whether it was a hit.
    ///
    /// # Errors
    /// Whatever `fill` returns.
    pub async fn get_or_fill<F, Fut, E>(&self, key: &str, fill: F) -> Result<(Bytes, bool), E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Bytes, E>>,
    {
        if !self.enabled {
            return fill().await.map(|b| (b, false));
        }
        let version = self.version().await;
        if version == u64::MAX {
            return fill().await.map(|b| (b, false));
        }
        let full_key = format!("{version}:{key}");
        if let Some(hit) = self.local.get(&full_key).await {
            return Ok((hit, true));
        }
        let bytes = fill().await?;
        self.local.insert(full_key, bytes.clone()).await;
        Ok((bytes, false))
    }
}
