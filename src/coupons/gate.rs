//! The fast gate in front of coupon claims: one atomic Lua script in Redis decides whether a
//! claim may go to the database (coupons left today, member under the limits). The database
//! stays the truth (a conditional update on the drop, unique constraints on the member's
//! coupons): whatever Redis says, nothing is over-issued. When Redis lost its keys (flush,
//! restart), the gate rebuilds them from the database; when the database refuses a claim the
//! gate let through, the gate is corrected to the database's numbers.
//!
//! Nothing is lost when an instance dies: a claim the gate lets through holds a reservation
//! with a short lease ([`LEASE`]), renewed while the database works and confirmed or released
//! when it answers. A reservation whose owner died mid-claim (SIGKILL, a dropped request)
//! runs out and the next claim gives its coupon and the member's count back, so the gate
//! only ever counts more than the database for the claims in flight.

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

/// How long a claim the gate let through holds its place (a coupon of the drop, one of the
/// member's) without word from its owner. The owner renews it every [`RENEW_EVERY`] while the
/// database works and confirms or releases it when the database answers; a reservation whose
/// owner died (a killed process, a dropped request) is given back by the next claim after
/// this long.
pub const LEASE: std::time::Duration = std::time::Duration::from_secs(5);
/// How often a claim still waiting for the database renews its reservation.
pub const RENEW_EVERY: std::time::Duration = std::time::Duration::from_millis(1500);

/// Gives back, at the start of every gate script, the reservations whose lease ran out.
/// KEYS 1-5 as in [`SCRIPT`]; ARGV[5] is the drop's day. Answers the time in ms (Redis' clock,
/// the one every instance shares).
const SWEEP_LUA: &str = r"
local function back(key, field)
  local v = tonumber(redis.call('HGET', key, field) or '0')
  if v > 0 then redis.call('HINCRBY', key, field, -1) end
end
local function sweep(day)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local expired = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 100)
  for _, r in ipairs(expired) do
    redis.call('ZREM', KEYS[4], r)
    local user, rday = string.match(r, '^([^:]+):([^:]+):')
    if user then
      back(KEYS[2], user)
      back(KEYS[5], user)
      if rday == day then
        back(KEYS[3], user)
        if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCR', KEYS[1]) end
      end
    end
  end
  return now
end
";

/// KEYS: the drop's counter, the members' hash (campaign), today's hash, the reservations
/// (campaign: a sorted set of `member:day:token` by lease end), the members' pending
/// reservations (campaign), then any rate-limit counters to count the claim against first
/// (in the same round trip). ARGV: member, limit, daily limit, TTL, day, reservation, lease
/// (ms), rate window (ms), then each rate key's limit. Answers {verdict, wait in ms}.
///
/// The counts include the claims still in flight (reserved). A member whose count reaches a
/// limit only with claims still in flight is let through: the database decides (its unique
/// constraints keep the member within the limits), so a claim whose owner died can never
/// make the gate refuse a member below the limit.
static SCRIPT: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(&format!(
        "{}{}{}",
        crate::ratelimit::COUNT_LUA,
        SWEEP_LUA,
        r"
local now = sweep(ARGV[5])
if #KEYS > 5 then
  local limited, wait = count_window(6, ARGV[8], 9)
  if limited == 1 then return {'limited', wait} end
end
local left = redis.call('GET', KEYS[1])
if not left then return {'init', 0} end
local pending = tonumber(redis.call('HGET', KEYS[5], ARGV[1]) or '0')
local m = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if m >= tonumber(ARGV[2]) and pending == 0 then return {'limit', 0} end
local d = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
if d >= tonumber(ARGV[3]) and pending == 0 then return {'daily', 0} end
if tonumber(left) <= 0 then return {'sold_out', 0} end
redis.call('DECR', KEYS[1])
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
redis.call('HINCRBY', KEYS[5], ARGV[1], 1)
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[7]), ARGV[6])
for i = 2, 5 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
return {'ok', 0}
"
    ))
});

/// Extends a reservation's lease, if it still holds. KEYS: the reservations. ARGV:
/// reservation, lease (ms).
static RENEW: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(
        r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[1])
",
    )
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

/// Confirms or releases a claim's reservation once the database answered, and corrects the
/// gate to the database's numbers when it refused. What a reservation counted is given back
/// only when this call is the one that removes it (not when its lease already ran out and a
/// sweep gave it back), so nothing is given back twice. The gate may count fewer than the
/// database (the next refusal by the database corrects it) but never, beyond a lease, more.
/// KEYS 1-5 as in [`SCRIPT`]. ARGV: member, mode (`claimed`, `sold_out`, `limit`, `daily`,
/// `failed`), the database's count, TTL, reservation.
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
local held = redis.call('ZREM', KEYS[4], ARGV[5]) == 1
if held then back(KEYS[5]) end
local mode = ARGV[2]
if mode == 'claimed' then return 1 end
if mode == 'sold_out' then
  if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SET', KEYS[1], 0, 'KEEPTTL') end
  if held then back(KEYS[2]); back(KEYS[3]) end
elseif mode == 'limit' then
  if held then give_back(); back(KEYS[3]) end
  put(KEYS[2], ARGV[3])
elseif mode == 'daily' then
  if held then give_back(); back(KEYS[2]) end
  put(KEYS[3], ARGV[3])
elseif held then
  give_back(); back(KEYS[2]); back(KEYS[3])
end
return 1
",
    )
});

fn lease_ms() -> u64 {
    u64::try_from(LEASE.as_millis()).unwrap_or(u64::MAX)
}

/// The keys of one drop.
#[derive(Debug, Clone)]
pub struct DropKeys {
    left: String,
    members: String,
    daily: String,
    reserved: String,
    pending: String,
    day: String,
}

impl DropKeys {
    /// Keys of campaign `campaign_id`'s drop of `day` (`YYYY-MM-DD`).
    #[must_use]
    pub fn new(prefix: &str, campaign_id: i64, day: &str) -> Self {
        DropKeys {
            left: format!("{prefix}cg:{campaign_id}:{day}:left"),
            members: format!("{prefix}cg:{campaign_id}:members"),
            daily: format!("{prefix}cg:{campaign_id}:{day}:daily"),
            reserved: format!("{prefix}cg:{campaign_id}:reserved"),
            pending: format!("{prefix}cg:{campaign_id}:pending"),
            day: day.to_owned(),
        }
    }

    /// A new reservation of `user_id` in this drop (one per claim).
    #[must_use]
    pub fn reservation(&self, user_id: i64) -> Reservation {
        Reservation {
            user_id,
            id: format!("{user_id}:{}:{}", self.day, uuid::Uuid::new_v4().simple()),
        }
    }
}

/// One claim's place in the gate, held for [`LEASE`] at a time.
#[derive(Debug, Clone)]
pub struct Reservation {
    user_id: i64,
    id: String,
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
    /// round trip). A claim let through holds `reservation` until [`ClaimGate::settle`] (or
    /// until its lease runs out). `left_in_db` is called when Redis lost the drop's counter (it must read the
    /// database: quantity minus claimed). Redis errors let the claim through (the rate limits
    /// are then counted in process).
    pub async fn check<F, Fut>(
        &self,
        keys: &DropKeys,
        reservation: &Reservation,
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
                .key(&keys.reserved)
                .key(&keys.pending)
                .arg(reservation.user_id)
                .arg(limit)
                .arg(daily_limit)
                .arg(TTL_SECS)
                .arg(&keys.day)
                .arg(&reservation.id)
                .arg(lease_ms());
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

    /// Keeps a claim's reservation while the database works on it.
    pub async fn renew(&self, keys: &DropKeys, reservation: &Reservation) {
        let Some((conn, _)) = &self.redis else { return };
        let mut c = conn.clone();
        let done: redis::RedisResult<i64> = RENEW
            .key(&keys.reserved)
            .arg(&reservation.id)
            .arg(lease_ms())
            .invoke_async(&mut c)
            .await;
        if let Err(err) = done {
            tracing::warn!(error = %err, "claim reservation not renewed");
        }
    }

    /// After the database answered a claim the gate passed: confirms or releases its
    /// reservation and corrects the gate to the database's numbers. One script; it never
    /// counts below zero, never gives back what a lease's end already gave back, and never
    /// recreates a counter Redis lost in the meantime (a flush between the check and the
    /// answer).
    pub async fn settle(&self, keys: &DropKeys, reservation: &Reservation, answer: DbAnswer) {
        let Some((conn, _)) = &self.redis else { return };
        let (mode, count) = match answer {
            DbAnswer::Claimed => ("claimed", 0),
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
            .key(&keys.reserved)
            .key(&keys.pending)
            .arg(reservation.user_id)
            .arg(mode)
            .arg(count)
            .arg(TTL_SECS)
            .arg(&reservation.id)
            .invoke_async(&mut c)
            .await;
        if let Err(err) = done {
            tracing::warn!(error = %err, "claim gate correction failed");
        }
    }

    /// Claims in flight according to the gate (tests).
    pub async fn reserved(&self, keys: &DropKeys) -> Option<i64> {
        let (conn, _) = self.redis.as_ref()?;
        let mut c = conn.clone();
        redis::cmd("ZCARD")
            .arg(&keys.reserved)
            .query_async::<Option<i64>>(&mut c)
            .await
            .ok()
            .flatten()
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
