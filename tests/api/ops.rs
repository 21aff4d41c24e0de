use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::StatusCode;

use crate::helpers::{Auth, TestApp, TestOptions};

#[tokio::test]
async fn healthz_readyz_and_metrics() {
    let app = TestApp::spawn().await;
    let h = app
        .get("/healthz", &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(h.body["status"], "ok");
    let r = app.get("/readyz", &Auth::None).await.expect(StatusCode::OK);
    assert_eq!(r.body["database"], "ok");
    let expected_redis = if app.state.redis.is_some() {
        "ok"
    } else {
        "not_configured"
    };
    assert_eq!(r.body["redis"], expected_redis);
    assert_eq!(r.body["media"], "ok");
    app.get("/api/regions/450124", &Auth::None)
        .await
        .expect(StatusCode::OK);
    app.get("/api/regions/000000", &Auth::None).await;
    let m = app.get("/metrics", &Auth::None).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(
        m.text.contains(
            r#"http_requests_total{method="GET",route="/api/regions/{code}",status="200"}"#
        ),
        "{}",
        m.text
    );
    assert!(
        m.text
            .contains(r#"route="/api/regions/{code}",status="404"}"#),
        "{}",
        m.text
    );
    assert!(
        m.text.contains("http_request_duration_seconds_bucket"),
        "{}",
        m.text
    );
}

#[tokio::test]
async fn request_ids_are_echoed_and_kept_when_given() {
    let app = TestApp::spawn().await;
    let r = app.get("/healthz", &Auth::None).await;
    let id = r
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("generated id");
    assert_eq!(id.len(), 36);
    let r = app
        .call_with(
            axum::http::Method::GET,
            "/api/me",
            None,
            &Auth::None,
            &[("x-request-id", "trace-abc-123")],
        )
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["error"]["request_id"], "trace-abc-123");
}

struct RedisProcess {
    child: Child,
    port: u16,
}

impl RedisProcess {
    fn start(port: u16) -> RedisProcess {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server on PATH");
        RedisProcess { child, port }
    }

    async fn wait_ready(&self) {
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis on {} did not start", self.port);
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A Redis of its own (so stopping it does not disturb other tests), stopped and restarted
/// under a running application.
#[tokio::test]
async fn readyz_reports_a_stopped_redis_and_recovers_without_restart() {
    let port = free_port();
    let mut redis = RedisProcess::start(port);
    redis.wait_ready().await;
    let app = TestApp::spawn_with(TestOptions {
        redis: Some(format!("redis://127.0.0.1:{port}")),
        ..TestOptions::default()
    })
    .await;
    let r = app.get("/readyz", &Auth::None).await.expect(StatusCode::OK);
    assert_eq!(r.body["redis"], "ok");

    redis.stop();
    let r = app.get("/readyz", &Auth::None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(r.body["status"], "unavailable");
    assert_eq!(r.body["database"], "ok");
    assert!(
        r.body["redis"]
            .as_str()
            .is_some_and(|s| s.starts_with("error")),
        "{}",
        r.text
    );
    // Login still works: the rate limiter falls back to counting in process.
    app.login("buyer").await;

    let redis = RedisProcess::start(port);
    redis.wait_ready().await;
    let mut ok = false;
    for _ in 0..50 {
        let r = app.get("/readyz", &Auth::None).await;
        if r.status == StatusCode::OK {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ok, "readyz recovered once Redis was back");
}

/// The newest migrations go down and up again on a database with data in it.
#[tokio::test]
async fn the_latest_migrations_go_down_and_up_again() {
    use migrations::MigratorTrait;
    let app = TestApp::spawn().await;
    // Back to before `inline_product_views` (the newest three), which clears the documents.
    migrations::Migrator::down(app.db(), Some(3))
        .await
        .expect("down");
    migrations::Migrator::up(app.db(), None).await.expect("up");
    assert_eq!(
        migrations::Migrator::get_pending_migrations(app.db())
            .await
            .expect("pending")
            .len(),
        0
    );
    // Documents are derived data: written again from the products.
    let written = bangfu::catalog::view::backfill(app.db())
        .await
        .expect("backfill");
    assert!(written > 0, "the migration cleared the documents");
    app.get("/api/products/9", &Auth::None)
        .await
        .expect(StatusCode::OK);
}

/// The pool hands out a connection as it is when it was used a moment ago and pings it first
/// after 5 s idle: connections the server dropped while idle (a restart, a proxy) are replaced
/// and the next request succeeds.
#[tokio::test]
async fn connections_dropped_while_idle_are_replaced() {
    if crate::helpers::Backend::from_env() != crate::helpers::Backend::Postgres {
        return;
    }
    let app = TestApp::spawn().await;
    // Several pooled connections at once, then back in the pool.
    let mut held = vec![];
    for _ in 0..4 {
        held.push(
            sea_orm::TransactionTrait::begin(app.db())
                .await
                .expect("begin"),
        );
    }
    drop(held);
    let killed = sea_orm::ConnectionTrait::query_all_raw(
        app.db(),
        sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        ),
    )
    .await
    .expect("terminate");
    assert!(!killed.is_empty(), "the pool had other connections");
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    for _ in 0..8 {
        app.get("/api/regions/450124", &Auth::None)
            .await
            .expect(StatusCode::OK);
    }
}
