//! The claim storm: 2,000 concurrent claims from 1,500 members (some retrying) for a
//! 500-coupon drop with a limit of one, through two instances sharing the database and Redis:
//! exactly 500 issued, nobody over the limit, and the gate agrees with the database afterwards;
//! the same with Redis flushed in the middle, and on SQLite without Redis.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use tokio::sync::Semaphore;

use crate::commerce::{drop_campaign, members};
use crate::helpers::{Backend, TestApp, TestOptions};

struct Outcome {
    claimed: usize,
    refused: usize,
}

async fn storm(
    routers: Vec<axum::Router>,
    campaign: i64,
    members: &[(i64, String)],
    flush: Option<String>,
) -> Outcome {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    // 1,500 members; 500 of them try twice: 2,000 claims.
    let mut attempts: Vec<(usize, String)> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (i, m.1.clone()))
        .collect();
    attempts.extend(
        members
            .iter()
            .enumerate()
            .take(500)
            .map(|(i, m)| (i, m.1.clone())),
    );
    let claimed = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let limit = Arc::new(Semaphore::new(128));
    let done = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for (n, (i, token)) in attempts.into_iter().enumerate() {
        let router = routers[n % routers.len()].clone();
        let (claimed, refused, limit, done, flush) = (
            claimed.clone(),
            refused.clone(),
            limit.clone(),
            done.clone(),
            flush.clone(),
        );
        handles.push(tokio::spawn(async move {
            let _permit = limit.acquire().await.expect("permit");
            let req = axum::http::Request::builder()
                .method(Method::POST)
                .uri(format!("/api/campaigns/{campaign}/claim"))
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .header(
                    "x-forwarded-for",
                    format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256),
                )
                .body(axum::body::Body::from("{}"))
                .expect("request");
            let resp = router.oneshot(req).await.expect("response");
            let status = resp.status();
            let body = resp.into_body().collect().await.expect("body").to_bytes();
            match status {
                StatusCode::CREATED => {
                    claimed.fetch_add(1, Ordering::SeqCst);
                }
                StatusCode::CONFLICT => {
                    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                    let code = v["error"]["code"].as_str().unwrap_or_default().to_owned();
                    assert!(
                        code == "coupon_sold_out" || code == "coupon_limit_reached",
                        "{code}"
                    );
                    refused.fetch_add(1, Ordering::SeqCst);
                }
                s => panic!("unexpected {s}: {}", String::from_utf8_lossy(&body)),
            }
            // Flush Redis once, a quarter of the way through.
            if done.fetch_add(1, Ordering::SeqCst) == 500
                && let Some(url) = flush
            {
                let client = redis::Client::open(url).expect("client");
                let mut c = client
                    .get_multiplexed_async_connection()
                    .await
                    .expect("conn");
                let _: () = redis::cmd("FLUSHALL")
                    .query_async(&mut c)
                    .await
                    .expect("flush");
            }
        }));
    }
    for h in handles {
        h.await.expect("join");
    }
    Outcome {
        claimed: claimed.load(Ordering::SeqCst),
        refused: refused.load(Ordering::SeqCst),
    }
}

async fn assert_truth(app: &TestApp, campaign: i64) {
    let db = app.db();
    let one = |sql: String| async move {
        db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .expect("q")
            .expect("row")
            .try_get::<i64>("", "n")
            .expect("n")
    };
    assert_eq!(
        one(format!(
            "SELECT COUNT(*) AS n FROM coupons WHERE campaign_id = {campaign}"
        ))
        .await,
        500,
        "exactly the drop"
    );
    assert_eq!(one(format!("SELECT COALESCE(MAX(c), 0) AS n FROM (SELECT COUNT(*) AS c FROM coupons WHERE campaign_id = {campaign} GROUP BY user_id) t")).await, 1, "nobody over the limit");
    assert_eq!(
        one(format!(
            "SELECT claimed AS n FROM coupon_drops WHERE campaign_id = {campaign}"
        ))
        .await,
        500
    );
}

async fn assert_gate_agrees(app: &TestApp, campaign: i64, members: &[(i64, String)]) {
    let day = bangfu::time::business_date(chrono::Utc::now()).to_string();
    let gate = &app.state.coupons.gate;
    let keys = gate.keys(campaign, &day).expect("redis");
    assert_eq!(
        gate.left(&keys).await,
        Some(0),
        "the gate shows the drop sold out, as the database does"
    );
    let db = app.db();
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), format!("SELECT user_id, COUNT(*) AS n FROM coupons WHERE campaign_id = {campaign} GROUP BY user_id")))
        .await
        .expect("q");
    let truth: std::collections::HashMap<i64, i64> = rows
        .iter()
        .map(|r| {
            (
                r.try_get::<i64>("", "user_id").expect("u"),
                r.try_get::<i64>("", "n").expect("n"),
            )
        })
        .collect();
    for (user, _) in members {
        if let Some(count) = gate.member_count(&keys, *user).await {
            assert_eq!(
                count,
                truth.get(user).copied().unwrap_or(0),
                "member {user}"
            );
        }
    }
}

async fn two_instances(options: TestOptions) -> (TestApp, Vec<axum::Router>) {
    let a = TestApp::spawn_with(options).await;
    let mut config = a.state.config.clone();
    config.database_url = Some(a.database_url.clone());
    config.trust_proxy = true;
    let b = bangfu::app::build(config, bangfu::app::jobs())
        .await
        .expect("instance b");
    let routers = vec![a.router.clone(), bangfu::router(b)];
    (a, routers)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

#[tokio::test]
async fn storm_over_two_instances_with_redis() {
    if Backend::from_env() != Backend::Postgres {
        return; // the SQLite run has its own storm below
    }
    let (app, routers) = two_instances(TestOptions {
        configure: Box::new(|c| c.trust_proxy = true),
        ..TestOptions::default()
    })
    .await;
    let campaign = drop_campaign(&app, 500, 1000, 0).await;
    let people = members(&app, 1500).await;
    let out = storm(routers, campaign, &people, None).await;
    assert_eq!(out.claimed, 500);
    assert_eq!(out.refused, 1500);
    assert_truth(&app, campaign).await;
    assert_gate_agrees(&app, campaign, &people).await;
}

#[tokio::test]
async fn storm_with_redis_flushed_midway() {
    if Backend::from_env() != Backend::Postgres {
        return;
    }
    // A Redis of our own, so flushing it disturbs no other test.
    let port = free_port();
    let mut child = std::process::Command::new("redis-server")
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
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let url = format!("redis://127.0.0.1:{port}");
    let (app, routers) = two_instances(TestOptions {
        redis: Some(url.clone()),
        configure: Box::new(|c| c.trust_proxy = true),
        ..TestOptions::default()
    })
    .await;
    let campaign = drop_campaign(&app, 500, 1000, 0).await;
    let people = members(&app, 1500).await;
    let out = storm(routers, campaign, &people, Some(url)).await;
    assert_eq!(out.claimed, 500);
    assert_truth(&app, campaign).await;
    assert_gate_agrees(&app, campaign, &people).await;
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn storm_on_sqlite_without_redis() {
    let (app, routers) = two_instances(TestOptions {
        backend: Backend::Sqlite,
        redis: None,
        configure: Box::new(|c| c.trust_proxy = true),
        ..TestOptions::default()
    })
    .await;
    let campaign = drop_campaign(&app, 500, 1000, 0).await;
    let people = members(&app, 1500).await;
    let out = storm(routers, campaign, &people, None).await;
    assert_eq!(out.claimed, 500);
    assert_eq!(out.refused, 1500);
    assert_truth(&app, campaign).await;
}
