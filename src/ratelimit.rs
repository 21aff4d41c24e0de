//! Fixed-window rate limits: in Redis when configured (shared by every instance), in process
//! otherwise. A Redis failure falls back to the in-process counter rather than letting
//! everything through or locking everyone out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use redis::aio::ConnectionManager;

/// The outcome of counting one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Within the limit.
    Allowed,
    /// Over the limit; try again after this long.
    Limited(Duration),
}

/// Counts attempts per key within a window.
#[derive(Clone)]
pub struct RateLimiter {
    redis: Option<(ConnectionManager, String)>,
    local: Arc<DashMap<String, (u32, Instant)>>,
}

/// INCR the key; set its expiry on the first hit; answer the count and the time left.
const WINDOW_SCRIPT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
";

impl RateLimiter {
    /// A limiter backed by Redis (`prefix` namespaces its keys) or, with `None`, by memory.
    #[must_use]
    pub fn new(redis: Option<(ConnectionManager, String)>) -> Self {
        RateLimiter {
            redis,
            local: Arc::new(DashMap::new()),
        }
    }

    /// Counts one attempt for `key`; more than `limit` attempts in `window` are refused.
    pub async fn hit(&self, key: &str, limit: u32, window: Duration) -> Decision {
        if let Some((conn, prefix)) = &self.redis {
            let mut conn = conn.clone();
            let script = redis::Script::new(WINDOW_SCRIPT);
            let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
            let result: redis::RedisResult<(u32, i64)> = script
                .key(format!("{prefix}rl:{key}"))
                .arg(window_ms)
                .invoke_async(&mut conn)
                .await;
            match result {
                Ok((count, ttl_ms)) => {
                    return if count > limit {
                        Decision::Limited(Duration::from_millis(u64::try_from(ttl_ms).unwrap_or(0)))
                    } else {
                        Decision::Allowed
                    };
                }
                Err(err) => {
                    tracing::warn!(error = %err, "redis rate limit failed; counting in process");
                }
            }
        }
        self.hit_local(key, limit, window)
    }

    /// Forgets the attempts counted for `key` (e.g. after a successful login).
    pub async fn reset(&self, key: &str) {
        if let Some((conn, prefix)) = &self.redis {
            let mut conn = conn.clone();
            let result: redis::RedisResult<()> = redis::cmd("DEL")
                .arg(format!("{prefix}rl:{key}"))
                .query_async(&mut conn)
                .await;
            if let Err(err) = result {
                tracing::warn!(error = %err, "redis rate limit reset failed");
            }
        }
        self.local.remove(key);
    }

    fn hit_local(&self, key: &str, limit: u32, window: Duration) -> Decision {
        let now = Instant::now();
        let mut entry = self
            .local
            .entry(key.to_owned())
            .or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 += 1;
        if entry.0 > limit {
            Decision::Limited(entry.1.saturating_duration_since(now))
        } else {
            Decision::Allowed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_window_limits_and_recovers() {
        let limiter = RateLimiter::new(None);
        let window = Duration::from_millis(200);
        for _ in 0..3 {
            assert_eq!(limiter.hit("k", 3, window).await, Decision::Allowed);
        }
        assert!(matches!(
            limiter.hit("k", 3, window).await,
            Decision::Limited(_)
        ));
        assert_eq!(limiter.hit("other", 3, window).await, Decision::Allowed);
        tokio::time::sleep(window + Duration::from_millis(20)).await;
        assert_eq!(limiter.hit("k", 3, window).await, Decision::Allowed);
    }
}
