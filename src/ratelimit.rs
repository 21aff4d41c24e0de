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

/// For each key: INCR it, set its expiry on the first hit, answer the count and the time left.
static WINDOW_SCRIPT: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(
        r"
local out = {}
for _, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then redis.call('PEXPIRE', key, ARGV[1]); ttl = tonumber(ARGV[1]) end
  out[#out + 1] = n
  out[#out + 1] = ttl
end
return out
",
    )
});

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
        self.hit_all(&[(key, limit)], window).await
    }

    /// Counts one attempt against each `(key, limit)` (one round trip to Redis); refused when
    /// any is over its limit, with the longest wait.
    pub async fn hit_all(&self, keys: &[(&str, u32)], window: Duration) -> Decision {
        if let Some((conn, prefix)) = &self.redis {
            let mut conn = conn.clone();
            let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
            let mut invocation = WINDOW_SCRIPT.prepare_invoke();
            for (key, _) in keys {
                invocation.key(format!("{prefix}rl:{key}"));
            }
            let result: redis::RedisResult<Vec<i64>> =
                invocation.arg(window_ms).invoke_async(&mut conn).await;
            match result {
                Ok(counts) if counts.len() == keys.len() * 2 => {
                    let mut decision = Decision::Allowed;
                    for ((_, limit), pair) in keys.iter().zip(counts.chunks(2)) {
                        if pair[0] > i64::from(*limit) {
                            let wait = Duration::from_millis(u64::try_from(pair[1]).unwrap_or(0));
                            decision = match decision {
                                Decision::Limited(w) if w >= wait => Decision::Limited(w),
                                _ => Decision::Limited(wait),
                            };
                        }
                    }
                    return decision;
                }
                Ok(other) => {
                    tracing::warn!(
                        answers = other.len(),
                        "unexpected rate limit answer; counting in process"
                    );
                }
                Err(err) => {
                    tracing::warn!(error = %err, "redis rate limit failed; counting in process");
                }
            }
        }
        let mut decision = Decision::Allowed;
        for (key, limit) in keys {
            if let Decision::Limited(wait) = self.hit_local(key, *limit, window) {
                decision = match decision {
                    Decision::Limited(w) if w >= wait => Decision::Limited(w),
                    _ => Decision::Limited(wait),
                };
            }
        }
        decision
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
