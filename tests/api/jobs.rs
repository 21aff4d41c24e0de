//! The job queue: outbox semantics, retries, exactly-once effect with several workers and
//! several instances, lost leases, schedules.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bangfu::audit::{self, AuditEvent};
use bangfu::worker::{JobOptions, JobRegistry, Worker, enqueue};
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};

use crate::helpers::{TestApp, TestOptions};

/// A job whose effect is an audit entry naming the job's payload id: the audit log is
/// append-only, so duplicates would stay visible.
fn registry(
    failures_before_success: usize,
    calls: Arc<AtomicUsize>,
    sleep_first: Option<Duration>,
) -> JobRegistry {
    let mut jobs = bangfu::app::jobs();
    jobs.register(
        "test.mark",
        move |_state, payload: serde_json::Value, txn| {
            let calls = calls.clone();
            async move {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                if let Some(d) = sleep_first
                    && n == 0
                {
                    tokio::time::sleep(d).await;
                }
                if n < failures_before_success {
                    anyhow::bail!("transient failure {n}");
                }
                let id = payload["id"].as_i64().unwrap_or(-1);
                audit::record(&txn, None, AuditEvent::new("test.mark", "test", id)).await?;
                Ok(txn)
            }
        },
    );
    jobs
}

async fn marks(app: &TestApp) -> Vec<(String, i64)> {
    let rows = app
        .db()
        .query_all_raw(Statement::from_string(
            app.db().get_database_backend(),
            "SELECT entity_id, COUNT(*) AS n FROM audit_log WHERE action = 'test.mark' GROUP BY entity_id ORDER BY entity_id".to_owned(),
        ))
        .await
        .expect("marks");
    rows.iter()
        .map(|r| {
            (
                r.try_get::<String>("", "entity_id").expect("id"),
                r.try_get::<i64>("", "n").expect("n"),
            )
        })
        .collect()
}

async fn job_states(app: &TestApp) -> Vec<String> {
    let rows = app
        .db()
        .query_all_raw(Statement::from_string(
            app.db().get_database_backend(),
            "SELECT state FROM jobs WHERE kind = 'test.mark' ORDER BY id".to_owned(),
        ))
        .await
        .expect("states");
    rows.iter()
        .map(|r| r.try_get::<String>("", "state").expect("state"))
        .collect()
}

#[tokio::test]
async fn a_job_enqueued_in_a_rolled_back_transaction_never_runs() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = TestApp::spawn_with(TestOptions {
        jobs: registry(0, calls.clone(), None),
        ..TestOptions::default()
    })
    .await;
    let txn = app.db().begin().await.expect("begin");
    enqueue(
        &txn,
        "test.mark",
        serde_json::json!({"id": 1}),
        JobOptions::default(),
    )
    .await
    .expect("enqueue");
    txn.rollback().await.expect("rollback");
    let txn = app.db().begin().await.expect("begin");
    enqueue(
        &txn,
        "test.mark",
        serde_json::json!({"id": 2}),
        JobOptions::default(),
    )
    .await
    .expect("enqueue");
    txn.commit().await.expect("commit");
    Worker::new(app.state.clone()).drain().await.expect("drain");
    assert_eq!(marks(&app).await, vec![("2".to_owned(), 1)]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn failures_retry_with_backoff_then_succeed_or_die() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app = TestApp::spawn_with(TestOptions {
        jobs: registry(2, calls.clone(), None),
        ..TestOptions::default()
    })
    .await;
    enqueue(
        app.db(),
        "test.mark",
        serde_json::json!({"id": 7}),
        JobOptions {
            max_attempts: Some(5),
            ..JobOptions::default()
        },
    )
    .await
    .expect("enqueue");
    let worker = Worker::new(app.state.clone());
    worker.drain().await.expect("drain");
    assert_eq!(
        job_states(&app).await,
        vec!["pending"],
        "failed once, waiting for its retry"
    );
    // Make the retries due now instead of waiting for the backoff.
    for _ in 0..2 {
        app.db()
            .execute_unprepared("UPDATE jobs SET run_at = created_at WHERE state = 'pending'")
            .await
            .expect("due now");
        worker.drain().await.expect("drain");
    }
    assert_eq!(job_states(&app).await, vec!["done"]);
    assert_eq!(marks(&app).await, vec![("7".to_owned(), 1)]);

    // A job that keeps failing is dead after max_attempts, with its last error kept.
    let always = Arc::new(AtomicUsize::new(0));
    let app = TestApp::spawn_with(TestOptions {
        jobs: registry(usize::MAX, always.clone(), None),
        ..TestOptions::default()
    })
    .await;
    enqueue(
        app.db(),
        "test.mark",
        serde_json::json!({"id": 8}),
        JobOptions {
            max_attempts: Some(2),
            ..JobOptions::default()
        },
    )
    .await
    .expect("enqueue");
    let worker = Worker::new(app.state.clone());
    for _ in 0..3 {
        worker.drain().await.expect("drain");
        app.db()
            .execute_unprepared("UPDATE jobs SET run_at = created_at WHERE state = 'pending'")
            .await
            .expect("due");
    }
    assert_eq!(job_states(&app).await, vec!["dead"]);
    assert_eq!(always.load(Ordering::SeqCst), 2);
    assert!(marks(&app).await.is_empty());
}

#[tokio::test]
async fn many_workers_on_two_instances_run_each_job_exactly_once() {
    let calls = Arc::new(AtomicUsize::new(0));
    let a = TestApp::spawn_with(TestOptions {
        jobs: registry(0, calls.clone(), None),
        ..TestOptions::default()
    })
    .await;
    // A second instance (its own pool and registry) on the same database.
    let mut config = a.state.config.clone();
    config.database_url = Some(a.database_url.clone());
    let b = bangfu::app::build(config, registry(0, calls.clone(), None))
        .await
        .expect("instance b");
    for id in 0..200 {
        enqueue(
            a.db(),
            "test.mark",
            serde_json::json!({"id": id}),
            JobOptions::default(),
        )
        .await
        .expect("enqueue");
    }
    let mut handles = Vec::new();
    for state in [a.state.clone(), a.state.clone(), b.clone(), b.clone()] {
        handles.push(tokio::spawn(
            async move { Worker::new(state).drain().await },
        ));
    }
    for h in handles {
        h.await.expect("join").expect("drain");
    }
    let marks = marks(&a).await;
    assert_eq!(marks.len(), 200);
    assert!(
        marks.iter().all(|(_, n)| *n == 1),
        "every job's effect exactly once"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 200, "no job ran twice");
    assert!(job_states(&a).await.iter().all(|s| s == "done"));
}

#[tokio::test]
async fn a_worker_that_lost_its_lease_has_its_work_rolled_back() {
    let calls = Arc::new(AtomicUsize::new(0));
    // The first run stalls past the one-second lease; another worker re-runs the job.
    let app = TestApp::spawn_with(TestOptions {
        jobs: registry(0, calls.clone(), Some(Duration::from_millis(2500))),
        configure: Box::new(|c| c.job_lease_secs = 1),
        ..TestOptions::default()
    })
    .await;
    enqueue(
        app.db(),
        "test.mark",
        serde_json::json!({"id": 42}),
        JobOptions::default(),
    )
    .await
    .expect("enqueue");
    let slow = Worker::new(app.state.clone());
    let slow_run = tokio::spawn(async move { slow.tick().await });
    tokio::time::sleep(Duration::from_millis(1300)).await;
    if app.backend == crate::helpers::Backend::Postgres {
        // On SQLite the stalled worker holds the only write lock, so the rescue would wait
        // for it; PostgreSQL lets the second worker take the expired lease now.
        Worker::new(app.state.clone())
            .drain()
            .await
            .expect("second worker");
    }
    slow_run.await.expect("join").expect("slow tick");
    Worker::new(app.state.clone()).drain().await.expect("drain");
    assert_eq!(
        marks(&app).await,
        vec![("42".to_owned(), 1)],
        "effect exactly once"
    );
    assert_eq!(job_states(&app).await, vec!["done"]);
    let runs = if app.backend == crate::helpers::Backend::Postgres {
        2
    } else {
        1
    };
    assert_eq!(
        calls.load(Ordering::SeqCst),
        runs,
        "the job ran {runs} time(s), its effect once"
    );
}

#[tokio::test]
async fn scheduled_jobs_run_once_per_slot_across_instances() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut jobs = registry(0, calls.clone(), None);
    jobs.schedule("test.mark", Duration::from_secs(3600));
    let a = TestApp::spawn_with(TestOptions {
        jobs: jobs.clone(),
        ..TestOptions::default()
    })
    .await;
    let mut config = a.state.config.clone();
    config.database_url = Some(a.database_url.clone());
    let b = bangfu::app::build(config, jobs).await.expect("instance b");
    for _ in 0..3 {
        Worker::new(a.state.clone()).drain().await.expect("a");
        Worker::new(b.clone()).drain().await.expect("b");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(job_states(&a).await, vec!["done"]);
    // The built-in maintenance jobs were scheduled and ran too.
    let kinds = a
        .db()
        .query_all_raw(Statement::from_string(
            a.db().get_database_backend(),
            "SELECT kind, state FROM jobs WHERE kind LIKE 'maintenance.%' ORDER BY kind".to_owned(),
        ))
        .await
        .expect("kinds");
    assert_eq!(kinds.len(), 3);
    assert!(
        kinds
            .iter()
            .all(|r| r.try_get::<String>("", "state").ok().as_deref() == Some("done"))
    );
}

#[tokio::test]
async fn unknown_kinds_are_dead_not_retried_forever() {
    let app = TestApp::spawn().await;
    enqueue(
        app.db(),
        "no.such.kind",
        serde_json::json!({}),
        JobOptions::default(),
    )
    .await
    .expect("enqueue");
    Worker::new(app.state.clone()).drain().await.expect("drain");
    let row = app
        .db()
        .query_one_raw(Statement::from_string(
            app.db().get_database_backend(),
            "SELECT state, last_error FROM jobs WHERE kind = 'no.such.kind'".to_owned(),
        ))
        .await
        .expect("q")
        .expect("row");
    assert_eq!(row.try_get::<String>("", "state").expect("state"), "dead");
    assert!(
        row.try_get::<String>("", "last_error")
            .expect("err")
            .contains("no handler")
    );
}

#[tokio::test]
async fn unique_keys_deduplicate_even_inside_a_transaction() {
    let app = TestApp::spawn().await;
    // The demo data schedules jobs of its own (confirmation deadlines): counts are relative.
    let jobs_before = app.count("jobs").await;
    let txn = app.db().begin().await.expect("begin");
    let first = enqueue(
        &txn,
        "test.mark",
        serde_json::json!({"id": 1}),
        JobOptions {
            unique_key: Some("k1".into()),
            ..JobOptions::default()
        },
    )
    .await
    .expect("first");
    let second = enqueue(
        &txn,
        "test.mark",
        serde_json::json!({"id": 1}),
        JobOptions {
            unique_key: Some("k1".into()),
            ..JobOptions::default()
        },
    )
    .await
    .expect("second does not abort the transaction");
    audit::record(&txn, None, AuditEvent::new("after.duplicate", "test", 1))
        .await
        .expect("txn still usable");
    txn.commit().await.expect("commit");
    assert!(first);
    assert!(!second);
    assert_eq!(app.count("jobs").await, jobs_before + 1);
}
