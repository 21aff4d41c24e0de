//! Reliability with real processes (issue 11): `bangfu serve` instances started from the
//! built binary, one of them killed with SIGKILL in the middle of a claim storm (nothing is
//! lost: exactly the drop is issued, nobody is refused below the limit, a retried
//! Idempotency-Key is answered within seconds), and a server riding out a PostgreSQL restart
//! and a Redis restart without being restarted itself (503 in the envelope meanwhile, never
//! 500, never a hang), with the time to recovery measured.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use tokio::sync::{Mutex, Semaphore};

use crate::commerce::{drop_campaign, members};
use crate::helpers::{Backend, TestApp, TestOptions};

const SECRET: &str = "test-secret-test-secret-test-secret-0123";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

async fn wait_for_port(port: u16, what: &str) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} on port {port} did not start");
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .pool_max_idle_per_host(128)
        .build()
        .expect("http client")
}

/// One `bangfu serve` process (the binary under test).
struct Server {
    child: Child,
    url: String,
    dir: PathBuf,
}

impl Server {
    async fn start(database_url: &str, redis: Option<&str>, prefix: &str) -> Server {
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("bangfu-serve-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("dir");
        let log = std::fs::File::create(dir.join("server.log")).expect("log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bangfu"));
        cmd.arg("serve")
            .env("DATABASE_URL", database_url)
            .env("BANGFU_BIND", format!("127.0.0.1:{port}"))
            .env("BANGFU_SESSION_SECRET", SECRET)
            .env("BANGFU_REDIS_PREFIX", prefix)
            .env("BANGFU_TRUST_PROXY", "true")
            .env("BANGFU_DATA_DIR", &dir)
            .env("BANGFU_WEB_DIR", dir.join("no-frontend"))
            .env("BANGFU_MEDIA_DIR", crate::helpers::media_dir())
            .env("BANGFU_EMBEDDED_WORKER", "false")
            .env("BANGFU_DB_MAX_CONNECTIONS", "8")
            .env("BANGFU_CLAIM_MAX_PER_MEMBER", "1000")
            .env("BANGFU_CLAIM_MAX_PER_IP", "100000")
            .env("BANGFU_LOG_FORMAT", "json")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        match redis {
            Some(url) => cmd.env("REDIS_URL", url),
            None => cmd.env_remove("REDIS_URL"),
        };
        let child = cmd.spawn().expect("bangfu serve");
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
            dir,
        };
        let http = client();
        for _ in 0..300 {
            if let Ok(r) = http.get(format!("{}/healthz", server.url)).send().await
                && r.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "bangfu serve did not start: {}",
            std::fs::read_to_string(server.dir.join("server.log")).unwrap_or_default()
        );
    }

    /// SIGKILL: no shutdown, no cleanup, whatever was in flight is cut off.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An answer: status and error code (empty for a success).
type Answer = (u16, String);

async fn claim(
    http: &reqwest::Client,
    base: &str,
    campaign: i64,
    token: &str,
    ip: &str,
    key: &str,
) -> Result<Answer, reqwest::Error> {
    let r = http
        .post(format!("{base}/api/campaigns/{campaign}/claim"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("x-forwarded-for", ip)
        .header("idempotency-key", key)
        .body("{}")
        .send()
        .await?;
    let status = r.status().as_u16();
    let body: serde_json::Value = r
        .bytes()
        .await
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    Ok((
        status,
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    ))
}

fn ip_of(i: usize) -> String {
    format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256)
}

async fn scalar(db: &sea_orm::DatabaseConnection, sql: String) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("row")
        .try_get::<i64>("", "n")
        .expect("n")
}

/// Two instances on one database (and Redis, on PostgreSQL), a drop of `N` coupons (limit
/// one per member), three times as many members claiming at once with an Idempotency-Key
/// each; 40 answers in, one instance is killed with SIGKILL while claims it let
/// through are waiting for the database (on PostgreSQL the test holds the drop's row lock for
/// a moment, so that some certainly are), then started again.
///
/// Afterwards: every member whose request died with the instance retries with the same key
/// and is answered (not 409 `idempotency_in_progress`) within seconds; members told "sold
/// out" try again while the database still has coupons; in the end exactly `N` are issued,
/// nobody holds more than one, and nobody told `coupon_limit_reached` holds none.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_killed_mid_storm_loses_nothing() {
    const N: i64 = 150;
    const MEMBERS: usize = 450;
    let backend = Backend::from_env();
    let app = TestApp::spawn_with(TestOptions {
        configure: Box::new(|c| c.trust_proxy = true),
        ..TestOptions::default()
    })
    .await;
    let redis = app.state.config.redis_url.clone();
    let campaign = drop_campaign(&app, N, 1000, 0).await;
    let people = Arc::new(members(&app, MEMBERS).await);
    let mut a = Server::start(&app.database_url, redis.as_deref(), &app.redis_prefix).await;
    let b = Server::start(&app.database_url, redis.as_deref(), &app.redis_prefix).await;
    let http = client();
    let answers: Arc<Mutex<Vec<(usize, Answer)>>> = Arc::default();
    let lost: Arc<Mutex<Vec<usize>>> = Arc::default();
    let done = Arc::new(AtomicUsize::new(0));
    let permits = Arc::new(Semaphore::new(48));
    let mut storm = Vec::new();
    for i in 0..MEMBERS {
        let base = if i % 2 == 0 {
            a.url.clone()
        } else {
            b.url.clone()
        };
        let (http, people, answers, lost, done, permits) = (
            http.clone(),
            people.clone(),
            answers.clone(),
            lost.clone(),
            done.clone(),
            permits.clone(),
        );
        storm.push(tokio::spawn(async move {
            let _permit = permits.acquire().await.expect("permit");
            let token = &people[i].1;
            match claim(&http, &base, campaign, token, &ip_of(i), &format!("c-{i}")).await {
                Ok(answer) => answers.lock().await.push((i, answer)),
                Err(_) => lost.lock().await.push(i),
            }
            done.fetch_add(1, Ordering::SeqCst);
        }));
    }
    // Early, while the drop has far more coupons left than claims in flight: every claim in
    // flight then passes the gate (a sold-out drop is refused by the gate in a moment).
    while done.load(Ordering::SeqCst) < 40 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Hold the drop's row for a moment (PostgreSQL): the claims both instances let through
    // now wait for the database, their keys and gate reservations taken.
    let lock = if backend == Backend::Postgres {
        let txn = app.db().begin().await.expect("begin");
        txn.execute_raw(Statement::from_string(
            txn.get_database_backend(),
            format!("SELECT id FROM coupon_drops WHERE campaign_id = {campaign} FOR UPDATE"),
        ))
        .await
        .expect("lock the drop");
        tokio::time::sleep(Duration::from_millis(600)).await;
        Some(txn)
    } else {
        None
    };
    a.kill();
    let killed_at = Instant::now();
    if let Some(txn) = lock {
        txn.commit().await.expect("release");
    }
    let a2 = Server::start(&app.database_url, redis.as_deref(), &app.redis_prefix).await;
    for h in storm {
        h.await.expect("storm task");
    }
    let lost = std::mem::take(&mut *lost.lock().await);
    assert!(!lost.is_empty(), "the kill cut some requests off");
    if backend == Backend::Postgres {
        let stuck = scalar(
            app.db(),
            "SELECT COUNT(*) AS n FROM idempotency_keys WHERE state = 'in_progress'".into(),
        )
        .await;
        assert!(
            stuck > 0,
            "the killed instance left keys in progress (the case under test)"
        );
    }

    // The cut-off requests are retried with the same key until answered.
    let mut retries = Vec::new();
    for (n, i) in lost.iter().copied().enumerate() {
        let base = if n % 2 == 0 {
            a2.url.clone()
        } else {
            b.url.clone()
        };
        let (http, people) = (http.clone(), people.clone());
        retries.push(tokio::spawn(async move {
            let mut in_progress = 0;
            loop {
                let answer = claim(
                    &http,
                    &base,
                    campaign,
                    &people[i].1,
                    &ip_of(i),
                    &format!("c-{i}"),
                )
                .await
                .expect("the live instances answer");
                if answer.1 != "idempotency_in_progress" {
                    return (i, answer, killed_at.elapsed(), in_progress);
                }
                in_progress += 1;
                assert!(
                    killed_at.elapsed() < Duration::from_secs(20),
                    "key c-{i} still in progress 20 s after the kill"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }));
    }
    let mut slowest = Duration::ZERO;
    let mut waited = 0;
    for h in retries {
        let (i, answer, after, in_progress) = h.await.expect("retry task");
        slowest = slowest.max(after);
        waited += usize::from(in_progress > 0);
        answers.lock().await.push((i, answer));
    }
    eprintln!(
        "{} requests cut off by the kill; {waited} waited for a lease; all answered {:.1} s after the kill",
        lost.len(),
        slowest.as_secs_f64()
    );
    assert!(
        slowest < Duration::from_secs(12),
        "a retried key was answered only after {slowest:?}"
    );

    // Members without a coupon try again (a new request, a new key) while the database has
    // coupons left: what the dead instance held must come back.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut round = 0;
    loop {
        let issued = scalar(
            app.db(),
            format!("SELECT COUNT(*) AS n FROM coupons WHERE campaign_id = {campaign}"),
        )
        .await;
        if issued >= N || Instant::now() > deadline {
            break;
        }
        round += 1;
        let holders: HashSet<i64> = app
            .db()
            .query_all_raw(Statement::from_string(
                app.db().get_database_backend(),
                format!("SELECT user_id FROM coupons WHERE campaign_id = {campaign}"),
            ))
            .await
            .expect("holders")
            .iter()
            .map(|r| r.try_get::<i64>("", "user_id").expect("user"))
            .collect();
        let mut wave = Vec::new();
        for i in (0..MEMBERS).filter(|i| !holders.contains(&people[*i].0)) {
            let base = if i % 2 == 0 {
                a2.url.clone()
            } else {
                b.url.clone()
            };
            let (http, people, permits) = (http.clone(), people.clone(), permits.clone());
            wave.push(tokio::spawn(async move {
                let _permit = permits.acquire().await.expect("permit");
                let key = format!("c-{i}-again-{round}");
                let answer = claim(&http, &base, campaign, &people[i].1, &ip_of(i), &key)
                    .await
                    .expect("answered");
                (i, answer)
            }));
        }
        for h in wave {
            let answer = h.await.expect("wave");
            answers.lock().await.push(answer);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // The truth.
    let db = app.db();
    let issued = scalar(
        db,
        format!("SELECT COUNT(*) AS n FROM coupons WHERE campaign_id = {campaign}"),
    )
    .await;
    assert_eq!(issued, N, "exactly the drop is issued, after retries");
    assert_eq!(
        scalar(
            db,
            format!("SELECT claimed AS n FROM coupon_drops WHERE campaign_id = {campaign}")
        )
        .await,
        N
    );
    let held: HashMap<i64, i64> = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT user_id, COUNT(*) AS n FROM coupons WHERE campaign_id = {campaign} GROUP BY user_id"
            ),
        ))
        .await
        .expect("held")
        .iter()
        .map(|r| {
            (
                r.try_get::<i64>("", "user_id").expect("u"),
                r.try_get::<i64>("", "n").expect("n"),
            )
        })
        .collect();
    assert!(held.values().all(|n| *n == 1), "nobody over the limit");
    let answers = answers.lock().await;
    for (i, (status, code)) in answers.iter() {
        let user = people[*i].0;
        match (*status, code.as_str()) {
            (201, _) => assert_eq!(held.get(&user), Some(&1), "member {i} was issued one"),
            (409, "coupon_sold_out") => {}
            (409, "coupon_limit_reached") => assert_eq!(
                held.get(&user),
                Some(&1),
                "member {i} refused coupon_limit_reached below the limit"
            ),
            other => panic!("member {i}: unexpected answer {other:?}"),
        }
    }
    eprintln!(
        "{issued} of {N} issued after {round} rounds of retries; {} answers",
        answers.len()
    );
    let in_progress = scalar(
        db,
        "SELECT COUNT(*) AS n FROM idempotency_keys WHERE state = 'in_progress'".into(),
    )
    .await;
    assert_eq!(in_progress, 0, "no key is left in progress");
}

/// The gate's reservations, directly: one whose owner died (never settled, never renewed)
/// is given back by the first claim after its lease; one whose owner keeps renewing it holds.
#[tokio::test]
async fn a_reservation_whose_owner_died_is_given_back_after_its_lease() {
    use bangfu::coupons::gate::{DbAnswer, Gate, LEASE, RENEW_EVERY};
    if Backend::from_env() != Backend::Postgres {
        return; // the Redis gate
    }
    let app = TestApp::spawn().await;
    let gate = &app.state.coupons.gate;
    let keys = gate.keys(4242, "2026-12-03").expect("redis");
    let two_left = || async { Some(2) };
    let dead = keys.reservation(7);
    let live = keys.reservation(9);
    assert_eq!(
        gate.check(&keys, &dead, 1, 1, None, two_left).await,
        Gate::Pass
    );
    assert_eq!(
        gate.check(&keys, &live, 1, 1, None, two_left).await,
        Gate::Pass
    );
    assert_eq!(
        gate.check(&keys, &keys.reservation(8), 1, 1, None, two_left)
            .await,
        Gate::SoldOut,
        "both coupons are held"
    );
    assert_eq!(gate.reserved(&keys).await, Some(2));
    let until = Instant::now() + LEASE + Duration::from_millis(500);
    while Instant::now() < until {
        tokio::time::sleep(RENEW_EVERY).await;
        gate.renew(&keys, &live).await;
    }
    let eight = keys.reservation(8);
    assert_eq!(
        gate.check(&keys, &eight, 1, 1, None, two_left).await,
        Gate::Pass,
        "the dead claim's coupon came back"
    );
    assert_eq!(
        gate.member_count(&keys, 7).await,
        Some(0),
        "and the member's count"
    );
    assert_eq!(
        gate.check(&keys, &keys.reservation(10), 1, 1, None, two_left)
            .await,
        Gate::SoldOut,
        "the renewed claim still holds its coupon"
    );
    gate.settle(&keys, &live, DbAnswer::Claimed).await;
    gate.settle(&keys, &eight, DbAnswer::Claimed).await;
    assert_eq!(gate.member_count(&keys, 9).await, Some(1));
    assert_eq!(gate.left(&keys).await, Some(0));
    // A confirmed claim is not given back, however long after.
    tokio::time::sleep(LEASE + Duration::from_millis(300)).await;
    assert_eq!(
        gate.check(&keys, &keys.reservation(11), 1, 1, None, two_left)
            .await,
        Gate::SoldOut
    );
    assert_eq!(gate.member_count(&keys, 9).await, Some(1));
}

/// The PostgreSQL binaries (`initdb`, `pg_ctl`) of the newest version installed.
fn pg_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("pg_ctl").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `program args` as the `postgres` user when we are root (initdb refuses root).
fn as_postgres(program: &Path, args: &[&str]) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program).args(args);
        c
    } else {
        let mut c = Command::new(program);
        c.args(args);
        c
    }
}

/// A private PostgreSQL on a spare port, so that stopping it disturbs no other test.
struct PrivatePg {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl PrivatePg {
    fn init() -> PrivatePg {
        let bin = pg_bin().expect("PostgreSQL binaries in /usr/lib/postgresql/*/bin");
        let dir = std::env::temp_dir().join(format!("bangfu-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("pg dir");
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(ok.success(), "chown the data directory");
        }
        let data = dir.join("data");
        let ok = as_postgres(
            &bin.join("initdb"),
            &[
                "-D",
                data.to_str().expect("path"),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "--no-instructions",
            ],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("initdb");
        assert!(ok.success(), "initdb");
        PrivatePg {
            bin,
            dir,
            port: free_port(),
        }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }

    fn start(&self) {
        let data = self.dir.join("data");
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off",
            self.port,
            self.dir.display()
        );
        let ok = as_postgres(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                data.to_str().expect("path"),
                "-o",
                &options,
                "-l",
                self.dir.join("pg.log").to_str().expect("path"),
                "-w",
                "start",
            ],
        )
        .stdout(Stdio::null())
        .status()
        .expect("pg_ctl start");
        assert!(ok.success(), "pg_ctl start");
    }

    fn stop(&self) {
        let data = self.dir.join("data");
        let _ = as_postgres(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                data.to_str().expect("path"),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
        )
        .stdout(Stdio::null())
        .status();
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What a light load saw: each request's start (since the load began), status, error code,
/// and how long it took.
#[derive(Debug, Clone)]
struct Seen {
    at: Duration,
    status: u16,
    code: String,
    took: Duration,
}

/// `workers` loops sending GET `path` every 50 ms until `stop` is set.
fn light_load(
    base: &str,
    path: &str,
    workers: usize,
    began: Instant,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Vec<tokio::task::JoinHandle<Vec<Seen>>> {
    (0..workers)
        .map(|_| {
            let (http, url, stop) = (client(), format!("{base}{path}"), stop.clone());
            tokio::spawn(async move {
                let mut seen = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let at = began.elapsed();
                    let t = Instant::now();
                    let (status, code) = match http.get(&url).send().await {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let has_id = r.headers().contains_key("x-request-id");
                            let body: serde_json::Value = r
                                .bytes()
                                .await
                                .ok()
                                .and_then(|b| serde_json::from_slice(&b).ok())
                                .unwrap_or_default();
                            let code = body["error"]["code"].as_str().unwrap_or_default();
                            if status >= 400 {
                                assert!(
                                    has_id
                                        && !code.is_empty()
                                        && body["error"]["message"].is_string(),
                                    "{status} without the error envelope: {body}"
                                );
                            }
                            (status, code.to_owned())
                        }
                        Err(e) => (0, format!("transport: {e}")),
                    };
                    seen.push(Seen {
                        at,
                        status,
                        code,
                        took: t.elapsed(),
                    });
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                seen
            })
        })
        .collect()
}

async fn collect(handles: Vec<tokio::task::JoinHandle<Vec<Seen>>>) -> Vec<Seen> {
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.expect("load"));
    }
    all.sort_by_key(|s| s.at);
    all
}

/// A server on its own PostgreSQL, under a light load, while that PostgreSQL is stopped for
/// five seconds and started again: meanwhile every answer is 200 or 503 `unavailable` in the
/// envelope (never 500, never a hang past the pool's acquire timeout), and the first success
/// after the restart comes within seconds, without restarting the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_recovers_from_a_postgres_restart_by_itself() {
    if Backend::from_env() != Backend::Postgres {
        return; // no database server to restart on SQLite
    }
    let pg = PrivatePg::init();
    pg.start();
    wait_for_port(pg.port, "postgres").await;
    let admin = sea_orm::Database::connect(format!("{}/postgres", pg.url()))
        .await
        .expect("connect private postgres");
    admin
        .execute_unprepared("CREATE DATABASE bangfu")
        .await
        .expect("create database");
    admin.close().await.expect("close");
    let url = format!("{}/bangfu", pg.url());
    {
        let db = sea_orm::Database::connect(&url).await.expect("connect");
        bangfu::db::migrate(&db).await.expect("migrate");
        bangfu::seed::reference(&db).await.expect("regions");
        db.close().await.expect("close");
    }
    let server = Server::start(&url, None, "bangfu-pg-restart:").await;
    let began = Instant::now();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = light_load(&server.url, "/api/regions/450124", 3, began, stop.clone());
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let stopped = began.elapsed();
    pg.stop();
    tokio::time::sleep(Duration::from_secs(5)).await;
    pg.start();
    let restarted = began.elapsed();
    tokio::time::sleep(Duration::from_secs(4)).await;
    stop.store(true, Ordering::SeqCst);
    let seen = collect(load).await;

    for s in &seen {
        assert!(
            s.status == 200 || (s.status == 503 && s.code == "unavailable"),
            "during a database restart only 200 or 503 unavailable: {s:?}"
        );
        assert!(
            s.took < Duration::from_secs(6),
            "a request hung for {:?}: {s:?}",
            s.took
        );
    }
    assert!(
        seen.iter().any(|s| s.status == 503 && s.at > stopped),
        "the outage was answered 503"
    );
    let first_ok = seen
        .iter()
        .find(|s| s.at > restarted && s.status == 200)
        .map(|s| s.at + s.took)
        .expect("a success after the restart");
    let recovery = first_ok.saturating_sub(restarted);
    let failed_after = seen
        .iter()
        .filter(|s| s.at > first_ok && s.status != 200)
        .count();
    eprintln!(
        "postgres restart: {} requests, {} answered 503, first success {:.2} s after PostgreSQL was back, {failed_after} failures after it",
        seen.len(),
        seen.iter().filter(|s| s.status == 503).count(),
        recovery.as_secs_f64()
    );
    assert!(
        recovery < Duration::from_secs(3),
        "recovered only after {recovery:?}"
    );
    assert!(
        failed_after <= 8,
        "after the first success, at most one failure per pooled connection ({failed_after})"
    );
    assert!(
        seen.iter().rev().take(10).all(|s| s.status == 200),
        "steady again"
    );
}

/// A server on its own Redis, under a light load of coupon claims, while Redis is stopped
/// and started again (empty): claims go on meanwhile (the database decides; rate limits are
/// counted in process), none is answered 5xx or hangs, the gate is back in Redis within
/// seconds of Redis' return, and the drop is never over-issued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_rides_out_a_redis_restart() {
    if Backend::from_env() != Backend::Postgres {
        return; // no Redis on the SQLite runs
    }
    let port = free_port();
    let start_redis = || {
        Command::new("redis-server")
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
            .expect("redis-server")
    };
    let mut redis = start_redis();
    wait_for_port(port, "redis").await;
    let redis_url = format!("redis://127.0.0.1:{port}");
    let app = TestApp::spawn_with(TestOptions {
        redis: Some(redis_url.clone()),
        configure: Box::new(|c| c.trust_proxy = true),
        ..TestOptions::default()
    })
    .await;
    const N: i64 = 200;
    let campaign = drop_campaign(&app, N, 1000, 0).await;
    let people = Arc::new(members(&app, 300).await);
    let server = Server::start(&app.database_url, Some(&redis_url), &app.redis_prefix).await;
    let began = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for _ in 0..3 {
        let (http, base, people, next, stop) = (
            client(),
            server.url.clone(),
            people.clone(),
            next.clone(),
            stop.clone(),
        );
        load.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let i = next.fetch_add(1, Ordering::SeqCst) % people.len();
                let at = began.elapsed();
                let t = Instant::now();
                let (status, code) = claim(
                    &http,
                    &base,
                    campaign,
                    &people[i].1,
                    &ip_of(i),
                    &uuid::Uuid::new_v4().to_string(),
                )
                .await
                .expect("answered");
                seen.push(Seen {
                    at,
                    status,
                    code,
                    took: t.elapsed(),
                });
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            seen
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let _ = redis.kill();
    let _ = redis.wait();
    let stopped = began.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut redis = start_redis();
    wait_for_port(port, "redis").await;
    let restarted = began.elapsed();
    // Back when the gate's counter is in Redis again (rebuilt from the database by a claim).
    let day = bangfu::time::business_date(chrono::Utc::now()).to_string();
    let keys = app.state.coupons.gate.keys(campaign, &day).expect("redis");
    let mut back = None;
    for _ in 0..100 {
        if app.state.coupons.gate.left(&keys).await.is_some() {
            back = Some(began.elapsed().saturating_sub(restarted));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    let seen = collect(load).await;
    for s in &seen {
        assert!(
            s.status == 201 || (s.status == 409 && s.code.starts_with("coupon_")),
            "a claim during a Redis restart: {s:?}"
        );
        assert!(s.took < Duration::from_secs(4), "a claim hung: {s:?}");
    }
    let during = seen
        .iter()
        .filter(|s| s.at > stopped && s.at < restarted)
        .count();
    assert!(during > 0, "claims were answered while Redis was down");
    let back = back.expect("the gate is back in Redis");
    eprintln!(
        "redis restart: {} claims, {during} while Redis was down, slowest {:.2} s, gate back {:.2} s after Redis",
        seen.len(),
        seen.iter()
            .map(|s| s.took)
            .max()
            .unwrap_or_default()
            .as_secs_f64(),
        back.as_secs_f64()
    );
    assert!(back < Duration::from_secs(3), "gate back after {back:?}");
    let issued = scalar(
        app.db(),
        format!("SELECT COUNT(*) AS n FROM coupons WHERE campaign_id = {campaign}"),
    )
    .await;
    assert!(issued <= N, "never over-issued ({issued})");
    let _ = redis.kill();
    let _ = redis.wait();
}
