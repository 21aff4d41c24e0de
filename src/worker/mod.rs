//! The durable background job queue, kept in the `jobs` table.
//!
//! - [`enqueue`] inserts a job through any connection, usually the transaction making the
//!   change the job follows up (an outbox): the job exists if and only if the change committed.
//! - A [`Worker`] (inside `bangfu serve`, or `bangfu worker` processes) claims due jobs with a
//!   lease: `FOR UPDATE SKIP LOCKED` on PostgreSQL, a single conditional `UPDATE … RETURNING`
//!   on SQLite (which has one writer at a time).
//! - Exactly-once effect: a handler does its work in a transaction it is given, and the job is
//!   marked done in that same transaction, guarded by the lease (`locked_by` and attempt
//!   number). A worker that lost its lease (it stalled past it and another worker re-ran the
//!   job) fails the guard and its work rolls back.
//! - Failures retry with exponential backoff up to `max_attempts`, then the job is `dead`.
//! - Scheduled jobs: each instance enqueues the job of the current time slot under a unique
//!   key (`kind@slot`), so a slot runs once however many instances there are.

mod builtin;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseBackend, DatabaseTransaction, DbErr, EntityTrait,
    FromQueryResult, Statement, Value as DbValue,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::watch;

use crate::app::AppState;
use crate::db::begin_write;
use crate::entities::jobs;

crate::vocab::text_enum! {
    /// Where a job stands.
    JobState {
        /// Waiting for its time (or for a retry).
        Pending = "pending",
        /// Claimed by a worker, under a lease.
        Running = "running",
        /// Finished.
        Done = "done",
        /// Failed `max_attempts` times (or has no handler); kept for inspection.
        Dead = "dead",
    }
}

/// What a handler returns: its transaction, to be committed with the job's completion.
pub type JobResult = anyhow::Result<DatabaseTransaction>;
/// A transactional handler with its payload decoded, ready to run.
type TxRun = Box<
    dyn FnOnce(AppState, DatabaseTransaction) -> Pin<Box<dyn Future<Output = JobResult> + Send>>
        + Send,
>;
/// A plain handler with its payload decoded, ready to run.
type PlainRun =
    Box<dyn FnOnce(AppState) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>> + Send>;
/// Decodes a stored payload into the handler's type (an error when it does not decode).
type TxHandler = Arc<dyn Fn(Value) -> Result<TxRun, serde_json::Error> + Send + Sync>;
type PlainHandler = Arc<dyn Fn(Value) -> Result<PlainRun, serde_json::Error> + Send + Sync>;

/// A job handler: one that works in the transaction the job completes in (exactly-once
/// effect), or one that calls the outside world and must not hold a transaction (it makes its
/// own effect idempotent, e.g. with a provider idempotency key). Each decodes the stored
/// payload into its own type first: a payload that does not decode makes the job dead at once
/// (a retry would read the same text), never a handler run on defaults.
#[derive(Clone)]
enum BoxedHandler {
    Tx(TxHandler),
    Plain(PlainHandler),
}

/// A handler with its payload decoded.
enum Ready {
    Tx(TxRun),
    Plain(PlainRun),
}

/// The payload of a scheduled job: its time slot (Unix seconds, aligned to the schedule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// Start of the slot, Unix seconds.
    pub slot: i64,
}

/// A recurring job.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// The job kind to enqueue.
    pub kind: &'static str,
    /// How often (slots are aligned to the Unix epoch, in UTC).
    pub every: Duration,
}

/// Job kinds and their handlers, and the recurring schedule.
#[derive(Clone, Default)]
pub struct JobRegistry {
    handlers: HashMap<&'static str, BoxedHandler>,
    schedules: Vec<Schedule>,
}

impl std::fmt::Debug for JobRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobRegistry")
            .field("kinds", &self.handlers.keys().collect::<Vec<_>>())
            .field("schedules", &self.schedules)
            .finish()
    }
}

impl JobRegistry {
    /// The registry with the built-in maintenance jobs only (the application's registry, with
    /// every context's jobs, is `app::jobs`).
    #[must_use]
    pub fn with_builtin() -> Self {
        let mut registry = JobRegistry::default();
        builtin::register(&mut registry);
        registry
    }

    /// Registers the handler of `kind`, with its payload type `P` (scheduled jobs take
    /// [`Slot`]). The handler works through the transaction it is given and returns it; the
    /// worker commits it together with the job's completion.
    pub fn register<P, F, Fut>(&mut self, kind: &'static str, handler: F)
    where
        P: DeserializeOwned + Send + 'static,
        F: Fn(AppState, P, DatabaseTransaction) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = JobResult> + Send + 'static,
    {
        let handler = Arc::new(handler);
        self.handlers.insert(
            kind,
            BoxedHandler::Tx(Arc::new(move |payload| {
                let payload: P = serde_json::from_value(payload)?;
                let handler = handler.clone();
                let run: TxRun = Box::new(move |state, txn| Box::pin(handler(state, payload, txn)));
                Ok(run)
            })),
        );
    }

    /// Registers a handler that calls outside systems (payment providers): it gets no
    /// transaction, so nothing is locked during the call; it must be idempotent itself.
    pub fn register_plain<P, F, Fut>(&mut self, kind: &'static str, handler: F)
    where
        P: DeserializeOwned + Send + 'static,
        F: Fn(AppState, P) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        self.handlers.insert(
            kind,
            BoxedHandler::Plain(Arc::new(move |payload| {
                let payload: P = serde_json::from_value(payload)?;
                let handler = handler.clone();
                let run: PlainRun = Box::new(move |state| Box::pin(handler(state, payload)));
                Ok(run)
            })),
        );
    }

    /// Runs `kind` every `every`.
    pub fn schedule(&mut self, kind: &'static str, every: Duration) {
        self.schedules.push(Schedule { kind, every });
    }

    /// The registered kinds.
    #[must_use]
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<_> = self.handlers.keys().copied().collect();
        kinds.sort_unstable();
        kinds
    }
}

/// Options of one enqueued job.
#[derive(Debug, Clone, Default)]
pub struct JobOptions {
    /// Not before this time (default: now).
    pub run_at: Option<DateTime<Utc>>,
    /// At most one job with this key ever exists; a second enqueue is ignored.
    pub unique_key: Option<String>,
    /// Attempts before the job is dead (default 5).
    pub max_attempts: Option<i32>,
}

/// Enqueues a job through `conn` (pass the transaction of the change it follows). Returns
/// `false` when a job with the same unique key already exists.
///
/// # Errors
/// Database errors, or a payload that does not serialise.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    kind: &str,
    payload: impl Serialize,
    options: JobOptions,
) -> Result<bool, DbErr> {
    let payload =
        serde_json::to_value(payload).map_err(|e| DbErr::Custom(format!("job payload: {e}")))?;
    let now = Utc::now();
    let row = jobs::ActiveModel {
        kind: Set(kind.to_owned()),
        payload: Set(payload),
        state: Set(JobState::Pending),
        attempts: Set(0),
        max_attempts: Set(options.max_attempts.unwrap_or(5).max(1)),
        run_at: Set(options.run_at.unwrap_or(now)),
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(None),
        unique_key: Set(options.unique_key),
        created_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    };
    // ON CONFLICT DO NOTHING: a duplicate must not abort the caller's transaction.
    let result = jobs::Entity::insert(row)
        .on_conflict(
            OnConflict::column(jobs::Column::UniqueKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(result > 0)
}

/// A claimed job.
#[derive(Debug, Clone, FromQueryResult)]
struct Claimed {
    id: i64,
    kind: String,
    payload: Value,
    attempts: i32,
    max_attempts: i32,
}

/// Claims and runs due jobs until told to stop.
#[derive(Clone)]
pub struct Worker {
    state: AppState,
    id: String,
    batch: u64,
}

impl Worker {
    /// A worker named after the instance (plus a random suffix, so several workers in one
    /// process are told apart).
    #[must_use]
    pub fn new(state: AppState) -> Self {
        let id = format!(
            "{}-{}",
            state.instance_id,
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        Worker {
            state,
            id,
            batch: 8,
        }
    }

    /// This worker's lease name.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Polls until `stop` turns true. Errors are logged and the loop goes on.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let poll = Duration::from_millis(self.state.config.worker_poll_ms.max(10));
        tracing::info!(worker = %self.id, "worker started");
        loop {
            if *stop.borrow() {
                break;
            }
            let worked = match self.tick().await {
                Ok(n) => n,
                Err(err) => {
                    tracing::warn!(error = %err, "worker tick failed");
                    0
                }
            };
            if worked == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(poll) => {}
                    _ = stop.changed() => {}
                }
            }
        }
        tracing::info!(worker = %self.id, "worker stopped");
    }

    /// One round: enqueue due schedules, claim a batch, run it. Returns how many jobs ran.
    ///
    /// # Errors
    /// Database errors.
    pub async fn tick(&self) -> Result<usize, DbErr> {
        self.enqueue_schedules().await?;
        let claimed = self.claim().await?;
        let n = claimed.len();
        for job in claimed {
            self.process(job).await?;
        }
        Ok(n)
    }

    /// Runs ticks until no job is due (for tests and the `worker --once` command).
    ///
    /// # Errors
    /// Database errors.
    pub async fn drain(&self) -> Result<usize, DbErr> {
        let mut total = 0;
        loop {
            let n = self.tick().await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    async fn enqueue_schedules(&self) -> Result<(), DbErr> {
        let now = Utc::now();
        for s in &self.state.jobs.schedules {
            let every = i64::try_from(s.every.as_secs()).unwrap_or(i64::MAX).max(1);
            let slot = now.timestamp().div_euclid(every) * every;
            let key = format!("{}@{}", s.kind, slot);
            enqueue(
                &self.state.db,
                s.kind,
                Slot { slot },
                JobOptions {
                    unique_key: Some(key),
                    ..JobOptions::default()
                },
            )
            .await?;
        }
        Ok(())
    }

    async fn claim(&self) -> Result<Vec<Claimed>, DbErr> {
        let db = &self.state.db;
        let backend = db.get_database_backend();
        let now = Utc::now();
        let lease = chrono::Duration::seconds(
            i64::try_from(self.state.config.job_lease_secs)
                .unwrap_or(300)
                .max(1),
        );
        let sql = match backend {
            DatabaseBackend::Postgres => {
                "UPDATE jobs SET state = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1 \
                 WHERE id IN (SELECT id FROM jobs \
                   WHERE (state = 'pending' AND run_at <= $3) OR (state = 'running' AND locked_until < $3) \
                   ORDER BY run_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, kind, payload, attempts, max_attempts"
            }
            _ => {
                "UPDATE jobs SET state = 'running', locked_by = ?1, locked_until = ?2, attempts = attempts + 1 \
                 WHERE id IN (SELECT id FROM jobs \
                   WHERE (state = 'pending' AND run_at <= ?3) OR (state = 'running' AND locked_until < ?3) \
                   ORDER BY run_at, id LIMIT ?4) \
                 RETURNING id, kind, payload, attempts, max_attempts"
            }
        };
        let values: Vec<DbValue> = vec![
            self.id.clone().into(),
            (now + lease).into(),
            now.into(),
            i64::try_from(self.batch).unwrap_or(8).into(),
        ];
        let mut claimed =
            Claimed::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
                .all(db)
                .await?;
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    #[tracing::instrument(skip_all, fields(job_id = job.id, kind = %job.kind, attempt = job.attempts))]
    async fn process(&self, job: Claimed) -> Result<(), DbErr> {
        if job.attempts > job.max_attempts {
            return self
                .fail(&job, "lease expired after the last attempt", true)
                .await;
        }
        let Some(handler) = self.state.jobs.handlers.get(job.kind.as_str()).cloned() else {
            return self
                .fail(&job, &format!("no handler for job kind {}", job.kind), true)
                .await;
        };
        let decoded = match handler {
            BoxedHandler::Tx(h) => h(job.payload.clone()).map(Ready::Tx),
            BoxedHandler::Plain(h) => h(job.payload.clone()).map(Ready::Plain),
        };
        let run = match decoded {
            Ok(Ready::Tx(run)) => run,
            Ok(Ready::Plain(run)) => {
                return match run(self.state.clone()).await {
                    Ok(()) => {
                        self.guard_update(&self.state.db, &job, JobState::Done, None, None)
                            .await?;
                        metrics::counter!("bangfu_jobs_total", "kind" => job.kind.clone(), "outcome" => "done").increment(1);
                        Ok(())
                    }
                    Err(err) => {
                        tracing::warn!(error = %format!("{err:#}"), "job failed");
                        let dead = job.attempts >= job.max_attempts;
                        self.fail(&job, &format!("{err:#}"), dead).await
                    }
                };
            }
            Err(err) => {
                tracing::error!(error = %err, "job payload does not decode");
                return self
                    .fail(&job, &format!("payload does not decode: {err}"), true)
                    .await;
            }
        };
        let txn = begin_write(&self.state.db).await?;
        let outcome = run(self.state.clone(), txn).await;
        match outcome {
            Ok(txn) => {
                let done = self
                    .guard_update(&txn, &job, JobState::Done, None, None)
                    .await?;
                if done {
                    txn.commit().await?;
                    metrics::counter!("bangfu_jobs_total", "kind" => job.kind.clone(), "outcome" => "done").increment(1);
                } else {
                    txn.rollback().await?;
                    tracing::warn!("lost the lease; the job's work was rolled back");
                }
                Ok(())
            }
            Err(err) => {
                tracing::warn!(error = %format!("{err:#}"), "job failed");
                let dead = job.attempts >= job.max_attempts;
                self.fail(&job, &format!("{err:#}"), dead).await
            }
        }
    }

    async fn fail(&self, job: &Claimed, error: &str, dead: bool) -> Result<(), DbErr> {
        let (state, run_at) = if dead {
            (JobState::Dead, None)
        } else {
            // 2, 4, 8 … seconds, capped at an hour.
            let secs = 2i64
                .saturating_pow(u32::try_from(job.attempts.max(1)).unwrap_or(1))
                .min(3600);
            (
                JobState::Pending,
                Some(Utc::now() + chrono::Duration::seconds(secs)),
            )
        };
        self.guard_update(&self.state.db, job, state, Some(error), run_at)
            .await?;
        metrics::counter!("bangfu_jobs_total", "kind" => job.kind.clone(), "outcome" => state.as_str())
            .increment(1);
        Ok(())
    }

    /// Moves the job on from `running`, only if this worker still holds this attempt's lease.
    async fn guard_update(
        &self,
        conn: &impl ConnectionTrait,
        job: &Claimed,
        state: JobState,
        error: Option<&str>,
        run_at: Option<DateTime<Utc>>,
    ) -> Result<bool, DbErr> {
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, QueryFilter};
        let finished = matches!(state, JobState::Done | JobState::Dead).then(Utc::now);
        let mut update = jobs::Entity::update_many()
            .col_expr(jobs::Column::State, Expr::value(state))
            .col_expr(jobs::Column::LockedBy, Expr::value(Option::<String>::None))
            .col_expr(
                jobs::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(jobs::Column::FinishedAt, Expr::value(finished));
        if let Some(e) = error {
            update = update.col_expr(
                jobs::Column::LastError,
                Expr::value(e.chars().take(2000).collect::<String>()),
            );
        }
        if let Some(at) = run_at {
            update = update.col_expr(jobs::Column::RunAt, Expr::value(at));
        }
        let result = update
            .filter(jobs::Column::Id.eq(job.id))
            .filter(jobs::Column::State.eq(JobState::Running))
            .filter(jobs::Column::LockedBy.eq(self.id.clone()))
            .filter(jobs::Column::Attempts.eq(job.attempts))
            .exec(conn)
            .await?;
        Ok(result.rows_affected == 1)
    }
}
