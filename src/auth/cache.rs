//! Resolved sessions, cached in process so that a request does not cost two database reads.
//!
//! A cached session is used only while its *stamp* is current. The stamp is a set of counters:
//! one per user (bumped when their sessions are revoked or their roles change), one for
//! everyone (bumped when an organisation's status changes) and, with Redis, a random
//! incarnation that changes when Redis loses its keys. With Redis the counters live there, so
//! a logout on one instance is seen by every instance on its next request (one MGET); without
//! Redis they live in process, which is exact for the single instance.
//!
//! Order matters for correctness: the stamp is read *before* the database, so an entry can
//! only ever be stored under a stamp at least as old as the data it holds. The first request
//! of a session learns only whose it is (the token's owner never changes); from the second on
//! the stamp is read first and the entry cached.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use dashmap::DashMap;
use redis::aio::ConnectionManager;

use super::actor::Actor;

/// How long a cached session may be used without a database read, whatever the stamps say.
const TTL: Duration = Duration::from_secs(60);
/// How long the per-user counters live in Redis: far longer than [`TTL`], so an entry can
/// never see a counter fall back to an old value it was stamped with.
const COUNTER_TTL_SECS: u64 = 7 * 24 * 3600;

/// A cached session.
#[derive(Debug)]
pub(crate) struct Cached {
    pub actor: Actor,
    pub expires_at: DateTime<Utc>,
    stamp: Stamp,
}

/// The counters an entry was loaded under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    incarnation: String,
    all: u64,
    user: u64,
}

enum Counters {
    Local {
        all: AtomicU64,
        users: DashMap<i64, u64>,
    },
    Redis {
        conn: ConnectionManager,
        prefix: String,
    },
}

/// The session cache of one instance.
#[derive(Clone)]
pub struct SessionCache {
    owners: moka::future::Cache<String, i64>,
    entries: moka::future::Cache<String, Arc<Cached>>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCache")
            .field("entries", &self.entries.entry_count())
            .field("redis", &matches!(*self.counters, Counters::Redis { .. }))
            .finish()
    }
}

impl SessionCache {
    /// A cache of up to `capacity` sessions, with counters in Redis when given.
    #[must_use]
    pub fn new(redis: Option<(ConnectionManager, String)>, capacity: u64) -> Self {
        let counters = match redis {
            Some((conn, prefix)) => Counters::Redis { conn, prefix },
            None => Counters::Local {
                all: AtomicU64::new(0),
                users: DashMap::new(),
            },
        };
        SessionCache {
            owners: moka::future::Cache::builder()
                .max_capacity(capacity)
                .time_to_idle(Duration::from_secs(3600))
                .build(),
            entries: moka::future::Cache::builder()
                .max_capacity(capacity)
                .time_to_live(TTL)
                .build(),
            counters: Arc::new(counters),
        }
    }

    /// The user a token hash belongs to, if this instance has seen it.
    pub(crate) async fn owner(&self, token_hash: &str) -> Option<i64> {
        self.owners.get(token_hash).await
    }

    /// Remembers whose a token is.
    pub(crate) async fn remember_owner(&self, token_hash: &str, user_id: i64) {
        self.owners.insert(token_hash.to_owned(), user_id).await;
    }

    /// The current stamp of `user_id`; `None` when it cannot be known (Redis unreachable or
    /// just emptied), in which case nothing is served from or stored in the cache.
    pub(crate) async fn stamp(&self, user_id: i64) -> Option<Stamp> {
        match &*self.counters {
            Counters::Local { all, users } => Some(Stamp {
                incarnation: String::new(),
                all: all.load(Ordering::Acquire),
                user: users.get(&user_id).map_or(0, |v| *v),
            }),
            Counters::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let keys = [
                    format!("{prefix}auth:incarnation"),
                    format!("{prefix}auth:all"),
                    format!("{prefix}auth:user:{user_id}"),
                ];
                let got: redis::RedisResult<(Option<String>, Option<u64>, Option<u64>)> =
                    redis::cmd("MGET").arg(&keys).query_async(&mut conn).await;
                match got {
                    Ok((Some(incarnation), all, user)) => Some(Stamp {
                        incarnation,
                        all: all.unwrap_or(0),
                        user: user.unwrap_or(0),
                    }),
                    Ok((None, _, _)) => {
                        // A new (or emptied) Redis: start a new incarnation; cache from the
                        // next request on.
                        let fresh = uuid::Uuid::new_v4().simple().to_string();
                        let set: redis::RedisResult<()> = redis::cmd("SET")
                            .arg(&keys[0])
                            .arg(fresh)
                            .arg("NX")
                            .query_async(&mut conn)
                            .await;
                        if let Err(err) = set {
                            tracing::warn!(error = %err, "session cache: cannot start an incarnation");
                        }
                        None
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "session cache: counters unavailable; reading the database");
                        None
                    }
                }
            }
        }
    }

    /// A cached session of `token_hash`, if it was stored under `stamp` and has not expired.
    pub(crate) async fn get(
        &self,
        token_hash: &str,
        stamp: &Stamp,
        now: DateTime<Utc>,
    ) -> Option<Arc<Cached>> {
        self.entries
            .get(token_hash)
            .await
            .filter(|c| &c.stamp == stamp && c.expires_at > now)
    }

    /// Stores a session loaded after `stamp` was read.
    pub(crate) async fn put(
        &self,
        token_hash: &str,
        stamp: Stamp,
        actor: Actor,
        expires_at: DateTime<Utc>,
    ) {
        self.entries
            .insert(
                token_hash.to_owned(),
                Arc::new(Cached {
                    actor,
                    expires_at,
                    stamp,
                }),
            )
            .await;
    }

    /// Marks every cached session of `user_id` stale, on every instance. Call it after the
    /// change (revocation, roles) is committed.
    pub async fn user_changed(&self, user_id: i64) {
        match &*self.counters {
            Counters::Local { users, .. } => {
                *users.entry(user_id).or_insert(0) += 1;
            }
            Counters::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let key = format!("{prefix}auth:user:{user_id}");
                let done: redis::RedisResult<()> = redis::pipe()
                    .cmd("INCR")
                    .arg(&key)
                    .ignore()
                    .cmd("EXPIRE")
                    .arg(&key)
                    .arg(COUNTER_TTL_SECS)
                    .ignore()
                    .query_async(&mut conn)
                    .await;
                if let Err(err) = done {
                    tracing::error!(error = %err, user_id, "session cache: cannot mark a user changed; cached sessions live on for at most a minute");
                }
            }
        }
    }

    /// Marks every cached session stale, on every instance (an organisation changed status).
    pub async fn all_changed(&self) {
        match &*self.counters {
            Counters::Local { all, .. } => {
                all.fetch_add(1, Ordering::AcqRel);
            }
            Counters::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let done: redis::RedisResult<()> = redis::cmd("INCR")
                    .arg(format!("{prefix}auth:all"))
                    .query_async(&mut conn)
                    .await;
                if let Err(err) = done {
                    tracing::error!(error = %err, "session cache: cannot mark everyone changed; cached sessions live on for at most a minute");
                }
            }
        }
        self.entries.invalidate_all();
    }
}
