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

/// Lua shared by the scripts that count attempts: `count_window(first, window_ms, limits_from)`
/// counts one attempt against each of `KEYS[first..]` (INCR; the expiry set on the first hit),
/// `ARGV[limits_from + i]` being the limit of the i-th; it answers whether any is over its
/// limit and the longest time left on one that is. The claim gate runs it in its own script,
/// so a claim costs one round trip.
pub(crate) const COUNT_LUA: &str = r"
local function count_window(first, window, limits_from)
  local limited, wait = 0, 0
  for i = first, #KEYS do
    local n = redis.call('INCR', KEYS[i])
    if n == 1 then redis.call('PEXPIRE', KEYS[i], window) end
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl < 0 then redis.call('PEXPIRE', KEYS[i], window); ttl = tonumber(window) end
    if n > tonumber(ARGV[limits_from + i - first]) then
      limited = 1
      if ttl > wait then wait = ttl end
    end
  end
  return limited, wait
end
";

/// ARGV: window (ms), then the limit of each key. Answers {limited, wait in ms}.
static WINDOW_SCRIPT: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(&format!(
        "{COUNT_LUA}\nlocal limited, wait = count_window(1, ARGV[1], 2)\nreturn {{limited, wait}}\n"
    ))
});

/// The Redis key under which `key` is counted.
#[must_use]
pub(crate) fn redis_key(prefix: &str, key: &str) -> String {
    format!("{prefix}rl:{key}")
}

/// The answer of [`COUNT_LUA`]: `(limited, wait ms)`.
#[must_use]
pub(crate) fn decision_of(limited: i64, wait_ms: i64) -> Decision {
    if limited == 0 {
        Decision::Allowed
    } else {
        Decision::Limited(Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0)))
    }
}

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
            let mut invocation = WINDOW_SCRIPT.prepare_invoke();
            invocation.arg(window_ms(window));
            for (key, limit) in keys {
                invocation.key(redis_key(prefix, key)).arg(*limit);
            }
            let result: redis::RedisResult<(i64, i64)> = invocation.invoke_async(&mut conn).await;
            match result {
                Ok((limited, wait)) => return decision_of(limited, wait),
                Err(err) => {
                    tracing::warn!(error = %err, "redis rate limit failed; counting in process");
                }
            }
        }
        self.hit_all_local(keys, window)
    }

    /// Counts in process only: [`RateLimiter::hit_all`]'s fallback, and the claim gate's when
    /// Redis did not answer the script that counts there.
    pub(crate) fn hit_all_local(&self, keys: &[(&str, u32)], window: Duration) -> Decision {
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
                .arg(redis_key(prefix, key))
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

/// A window in whole milliseconds (at least one).
#[must_use]
pub(crate) fn window_ms(window: Duration) -> u64 {
    u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1)
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
