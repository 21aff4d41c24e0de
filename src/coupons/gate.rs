//! The fast gate in front of coupon claims: one atomic Lua script in Redis decides whether a
//! claim may go to the database (coupons left today, member under the limits). The database
//! stays the truth (a conditional update on the drop, unique constraints on the member's
//! coupons): whatever Redis says, nothing is over-issued. When Redis lost its keys (flush,
//! restart), the gate rebuilds them from the database; when the database refuses a claim the
//! gate let through, the gate is corrected to the database's numbers.

use redis::aio::ConnectionManager;

/// What the gate says about one claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Try it in the database.
    Pass,
    /// The member holds the campaign's limit.
    Limit,
    /// The member reached today's limit.
    DailyLimit,
    /// Today's drop is gone.
    SoldOut,
    /// Over a rate limit counted with the claim; try again after this long.
    Limited(std::time::Duration),
}

/// How the database answered a claim the gate passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbAnswer {
    /// Issued.
    Claimed,
    /// The drop is sold out in the database.
    SoldOut,
    /// The member already holds `count` coupons (the limit).
    Limit {
        /// The member's coupons in the database.
        count: i64,
    },
    /// The member reached today's limit.
    DailyLimit {
        /// The member's coupons of today in the database.
        count: i64,
    },
    /// Something else went wrong; undo the gate's counting.
    Failed,
}

/// Keys expire two days after a drop, whatever happens.
const TTL_SECS: i64 = 2 * 24 * 3600;

/// KEYS: the drop's counter, the members' and today's hashes, then any rate-limit counters to
/// count the claim against first (in the same round trip). ARGV: member, limit, daily limit,
/// TTL, rate window (ms), then each rate key's limit. Answers {verdict, wait in ms}.
static SCRIPT: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(&format!(
        "{}{}",
        crate::ratelimit::COUNT_LUA,
        r"
if #KEYS > 3 then
  local limited, wait = count_window(4, ARGV[5], 6)
  if limited == 1 then return {'limited', wait} end
end
local left = redis.call('GET', KEYS[1])
if not left then return {'init', 0} end
local m = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if m >= tonumber(ARGV[2]) then return {'limit', 0} end
local d = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
if d >= tonumber(ARGV[3]) then return {'daily', 0} end
if tonumber(left) <= 0 then return {'sold_out', 0} end
redis.call('DECR', KEYS[1])
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('EXPIRE', KEYS[3], ARGV[4])
return {'ok', 0}
"
    ))
});

/// Rate limits to count a claim against in the gate's round trip: the limiter (for its
/// in-process fallback), `(key, limit)` pairs and the window.
#[derive(Clone, Copy)]
pub struct RateCount<'a> {
    /// The limiter whose keys these are.
    pub limiter: &'a crate::ratelimit::RateLimiter,
    /// `(key, limit)` pairs, as for [`crate::ratelimit::RateLimiter::hit_all`].
    pub limits: &'a [(&'a str, u32)],
    /// The window.
    pub window: std::time::Duration,
}

/// Corrects the gate after the database refused (or failed) a claim the gate let through.
/// ARGV: member, mode (`sold_out`, `limit`, `daily`, `failed`), the database's count, TTL.
static SETTLE: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(
        r"
local function back(key)
  local v = tonumber(redis.call('HGET', key, ARGV[1]) or '0')
  if v > 0 then redis.call('HINCRBY', key, ARGV[1], -1) end
end
local function put(key, n)
  redis.call('HSET', key, ARGV[1], n)
  redis.call('EXPIRE', key, ARGV[4])
end
local function give_back()
  if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCR', KEYS[1]) end
end
local mode = ARGV[2]
if mode == 'sold_out' then
  if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SET', KEYS[1], 0, 'KEEPTTL') end
  back(KEYS[2]); back(KEYS[3])
elseif mode == 'limit' then
  give_back(); put(KEYS[2], ARGV[3]); back(KEYS[3])
elseif mode == 'daily' then
  give_back(); back(KEYS[2]); put(KEYS[3], ARGV[3])
else
  give_back(); back(KEYS[2]); back(KEYS[3])
end
return 1
",
    )
});

/// The keys of one drop.
#[derive(Debug, Clone)]
pub struct DropKeys {
    left: String,
    members: String,
    daily: String,
}

impl DropKeys {
    /// Keys of campaign `campaign_id`'s drop of `day` (`YYYY-MM-DD`).
    #[must_use]
    pub fn new(prefix: &str, campaign_id: i64, day: &str) -> Self {
        DropKeys {
            left: format!("{prefix}cg:{campaign_id}:{day}:left"),
            members: format!("{prefix}cg:{campaign_id}:members"),
            daily: format!("{prefix}cg:{campaign_id}:{day}:daily"),
        }
    }
}

/// The Redis gate; without Redis every claim passes (the database alone decides).
#[derive(Clone)]
pub struct ClaimGate {
    redis: Option<(ConnectionManager, String)>,
}

impl std::fmt::Debug for ClaimGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimGate")
            .field("redis", &self.redis.is_some())
            .finish()
    }
}

impl ClaimGate {
    /// A gate over Redis (with its key prefix), or none.
    #[must_use]
    pub fn new(redis: Option<(ConnectionManager, String)>) -> Self {
        ClaimGate { redis }
    }

    /// The keys of a drop, if there is a Redis.
    #[must_use]
    pub fn keys(&self, campaign_id: i64, day: &str) -> Option<DropKeys> {
        self.redis
            .as_ref()
            .map(|(_, prefix)| DropKeys::new(prefix, campaign_id, day))
    }

    /// Decides a claim, first counting it against `rate` when given (so that a claim costs one
    /// round trip). `left_in_db` is called when Redis lost the drop's counter (it must read the
    /// database: quantity minus claimed). Redis errors let the claim through (the rate limits
    /// are then counted in process).
    pub async fn check<F, Fut>(
        &self,
        keys: &DropKeys,
        user_id: i64,
        limit: i32,
        daily_limit: i32,
        rate: Option<RateCount<'_>>,
        left_in_db: F,
    ) -> Gate
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Option<i64>>,
    {
        let Some((conn, prefix)) = &self.redis else {
            return Gate::Pass;
        };
        // Counted once: a retry after rebuilding the counter does not count again.
        let mut rate = rate;
        for _ in 0..3 {
            let mut c = conn.clone();
            let mut invocation = SCRIPT.prepare_invoke();
            invocation
                .key(&keys.left)
                .key(&keys.members)
                .key(&keys.daily)
                .arg(user_id)
                .arg(limit)
                .arg(daily_limit)
                .arg(TTL_SECS);
            if let Some(r) = &rate {
                invocation.arg(crate::ratelimit::window_ms(r.window));
                for (key, max) in r.limits {
                    invocation
                        .key(crate::ratelimit::redis_key(prefix, key))
                        .arg(*max);
                }
            }
            let answer: redis::RedisResult<(String, i64)> = invocation.invoke_async(&mut c).await;
            let counted = rate.take();
            match answer {
                Ok((verdict, wait)) => match verdict.as_str() {
                    "ok" => return Gate::Pass,
                    "limit" => return Gate::Limit,
                    "daily" => return Gate::DailyLimit,
                    "sold_out" => return Gate::SoldOut,
                    "limited" => {
                        return Gate::Limited(std::time::Duration::from_millis(
                            u64::try_from(wait).unwrap_or(0),
                        ));
                    }
                    "init" => {
                        let Some(left) = left_in_db().await else {
                            return Gate::Pass;
                        };
                        let set: redis::RedisResult<()> = redis::cmd("SET")
                            .arg(&keys.left)
                            .arg(left.max(0))
                            .arg("NX")
                            .arg("EX")
                            .arg(TTL_SECS)
                            .query_async(&mut c)
                            .await;
                        if set.is_err() {
                            return Gate::Pass;
                        }
                    }
                    other => {
                        tracing::warn!(answer = other, "unexpected claim gate answer");
                        return Gate::Pass;
                    }
                },
                Err(err) => {
                    tracing::warn!(error = %err, "claim gate unavailable; the database decides");
                    if let Some(r) = counted
                        && let crate::ratelimit::Decision::Limited(wait) =
                            r.limiter.hit_all_local(r.limits, r.window)
                    {
                        return Gate::Limited(wait);
                    }
                    return Gate::Pass;
                }
            }
        }
        Gate::Pass
    }

    /// After the database answered a claim the gate passed: keeps or corrects the gate. The
    /// correction is one script, and never counts below zero or recreates a counter Redis
    /// lost in the meantime (a flush between the check and the answer).
    pub async fn settle(&self, keys: &DropKeys, user_id: i64, answer: DbAnswer) {
        let Some((conn, _)) = &self.redis else { return };
        let (mode, count) = match answer {
            DbAnswer::Claimed => return,
            DbAnswer::SoldOut => ("sold_out", 0),
            DbAnswer::Limit { count } => ("limit", count),
            DbAnswer::DailyLimit { count } => ("daily", count),
            DbAnswer::Failed => ("failed", 0),
        };
        let mut c = conn.clone();
        let done: redis::RedisResult<()> = SETTLE
            .key(&keys.left)
            .key(&keys.members)
            .key(&keys.daily)
            .arg(user_id)
            .arg(mode)
            .arg(count)
            .arg(TTL_SECS)
            .invoke_async(&mut c)
            .await;
        if let Err(err) = done {
            tracing::warn!(error = %err, "claim gate correction failed");
        }
    }

    /// Coupons left according to the gate (tests and the claim center).
    pub async fn left(&self, keys: &DropKeys) -> Option<i64> {
        let (conn, _) = self.redis.as_ref()?;
        let mut c = conn.clone();
        redis::cmd("GET")
            .arg(&keys.left)
            .query_async::<Option<i64>>(&mut c)
            .await
            .ok()
            .flatten()
    }

    /// The gate's count of a member's coupons (tests).
    pub async fn member_count(&self, keys: &DropKeys, user_id: i64) -> Option<i64> {
        let (conn, _) = self.redis.as_ref()?;
        let mut c = conn.clone();
        redis::cmd("HGET")
            .arg(&keys.members)
            .arg(user_id)
            .query_async::<Option<i64>>(&mut c)
            .await
            .ok()
            .flatten()
    }
}
