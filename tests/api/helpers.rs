//! The test harness: every test gets its own database (PostgreSQL cloned from a migrated and
//! demo-seeded template, or an SQLite file copied from one), the real router in process, and
//! (on PostgreSQL) the real Redis under a key prefix of its own.
//!
//! `BANGFU_TEST_BACKEND=postgres` (default) or `sqlite` picks the database;
//! `BANGFU_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432`) and
//! `BANGFU_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`) where they are.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use bangfu::app::AppState;
use bangfu::config::Config;
use bangfu::worker::JobRegistry;
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use secrecy::SecretString;
use serde_json::Value;
use tower::ServiceExt;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn from_env() -> Backend {
        match std::env::var("BANGFU_TEST_BACKEND").as_deref() {
            Ok("sqlite") => Backend::Sqlite,
            _ => Backend::Postgres,
        }
    }
}

fn pg_base() -> String {
    std::env::var("BANGFU_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

pub fn redis_url() -> String {
    std::env::var("BANGFU_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A name for the template that changes whenever the test binary is rebuilt, so that a
/// template never outlives the migrations and seed code it was made with.
fn template_tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let exe = std::env::current_exe().expect("current exe");
        let meta = std::fs::metadata(&exe).expect("exe metadata");
        let modified = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        format!("{}_{:x}{:x}", checkout_tag(), modified, meta.len())
    })
}

/// A short tag of the checkout the tests were built from, so that test runs of several
/// checkouts (worktrees) on one PostgreSQL keep templates of their own and never drop each
/// other's.
fn checkout_tag() -> String {
    let mut tag: u32 = 2_166_136_261;
    for byte in env!("CARGO_MANIFEST_DIR").bytes() {
        tag = (tag ^ u32::from(byte)).wrapping_mul(16_777_619);
    }
    format!("{tag:08x}")
}

/// Media files are content-addressed, so every test can share one directory (the template's
/// demo images live there).
pub fn media_dir() -> PathBuf {
    target_dir().join("bangfu-test-media")
}

async fn prepare(db: &DatabaseConnection, history: bool) {
    bangfu::db::migrate(db).await.expect("migrate template");
    let media = bangfu::media::Media::local(media_dir());
    bangfu::seed::demo_with(db, &media, false, 0, history)
        .await
        .expect("seed template");
}

/// The template's name part for the demo with or without its procurement history.
fn variant(history: bool) -> &'static str {
    if history { "h" } else { "b" }
}

/// Creates (once, across processes) the PostgreSQL template, then a fresh database from it.
async fn fresh_postgres(history: bool) -> (String, String) {
    let admin = Database::connect(format!("{}/postgres", pg_base()))
        .await
        .expect("connect postgres");
    let template = format!("bangfu_tpl_{}_{}", template_tag(), variant(history));
    let lock = Statement::from_string(
        admin.get_database_backend(),
        "SELECT pg_advisory_lock(7272001)",
    );
    admin.execute_raw(lock).await.expect("advisory lock");
    let exists = admin
        .query_one_raw(Statement::from_string(
            admin.get_database_backend(),
            format!("SELECT 1 AS one FROM pg_database WHERE datname = '{template}'"),
        ))
        .await
        .expect("query template")
        .is_some();
    if !exists {
        // Templates of earlier builds are of no more use.
        let old = admin
            .query_all_raw(Statement::from_string(
                admin.get_database_backend(),
                format!(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'bangfu_tpl_{}_%' \
                     AND datname NOT LIKE 'bangfu_tpl_{}_%'",
                    checkout_tag(),
                    template_tag()
                ),
            ))
            .await
            .expect("list templates");
        for row in old {
            let name: String = row.try_get("", "datname").expect("datname");
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
        admin
            .execute_unprepared(&format!("CREATE DATABASE {template}"))
            .await
            .expect("create template");
        let tpl = Database::connect(format!("{}/{template}", pg_base()))
            .await
            .expect("connect template");
        prepare(&tpl, history).await;
        tpl.close().await.expect("close template");
    }
    admin
        .execute_raw(Statement::from_string(
            admin.get_database_backend(),
            "SELECT pg_advisory_unlock(7272001)",
        ))
        .await
        .expect("unlock");
    let name = format!("bangfu_test_{}", uuid::Uuid::new_v4().simple());
    let mut attempt = 0;
    loop {
        match admin
            .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
        {
            Ok(_) => break,
            Err(e) if attempt < 20 && e.to_string().contains("being accessed by other users") => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("create test database: {e}"),
        }
    }
    admin.close().await.expect("close admin");
    (format!("{}/{name}", pg_base()), name)
}

fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("exe");
    // target/debug/deps/<binary>: keep templates in target/.
    exe.ancestors()
        .nth(3)
        .map_or_else(std::env::temp_dir, PathBuf::from)
}

/// Creates (once, atomically) the SQLite template file, then copies it for this test.
async fn fresh_sqlite(dir: &std::path::Path, history: bool) -> String {
    let template = target_dir().join(format!(
        "bangfu-test-template-{}-{}.db",
        template_tag(),
        variant(history)
    ));
    if !template.exists() {
        let building = target_dir().join(format!(
            "bangfu-test-template-{}.{}.db",
            template_tag(),
            uuid::Uuid::new_v4().simple()
        ));
        let work = dir.join("template-work.db");
        let db = Database::connect(format!("sqlite://{}?mode=rwc", work.display()))
            .await
            .expect("sqlite template");
        prepare(&db, history).await;
        db.execute_unprepared(&format!("VACUUM INTO '{}'", building.display()))
            .await
            .expect("vacuum into");
        db.close().await.expect("close");
        std::fs::rename(&building, &template).expect("publish template");
    }
    let file = dir.join("test.db");
    std::fs::copy(&template, &file).expect("copy template");
    format!("sqlite://{}?mode=rwc", file.display())
}

/// Options for [`TestApp::spawn_with`].
pub struct TestOptions {
    pub backend: Backend,
    /// Use Redis (PostgreSQL runs only by default).
    pub redis: Option<String>,
    /// Adjust the configuration.
    pub configure: Box<dyn FnOnce(&mut Config) + Send>,
    /// Job kinds and schedules.
    pub jobs: JobRegistry,
    /// Counts every SQL statement the application runs.
    pub count_queries: Option<std::sync::Arc<std::sync::atomic::AtomicUsize>>,
    /// The demo's year of bulk orders and filings (without: units start from nothing).
    pub procurement_history: bool,
}

impl Default for TestOptions {
    fn default() -> Self {
        let backend = Backend::from_env();
        TestOptions {
            backend,
            redis: (backend == Backend::Postgres).then(redis_url),
            configure: Box::new(|_| {}),
            jobs: bangfu::app::jobs(),
            count_queries: None,
            procurement_history: true,
        }
    }
}

/// A running application on a fresh database.
pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub backend: Backend,
    pub database_url: String,
    pub redis_prefix: String,
    pg_name: Option<String>,
    dir: PathBuf,
}

/// How a request authenticates.
#[derive(Clone, Debug, Default)]
pub enum Auth {
    #[default]
    None,
    Bearer(String),
    /// Session cookie, with the CSRF token to send (or not).
    Cookie {
        token: String,
        csrf: Option<String>,
    },
}

/// A logged-in session.
#[derive(Clone, Debug)]
pub struct Session {
    pub token: String,
    pub csrf: String,
    pub user_id: i64,
    pub me: Value,
}

impl Session {
    pub fn bearer(&self) -> Auth {
        Auth::Bearer(self.token.clone())
    }
    pub fn cookie(&self) -> Auth {
        Auth::Cookie {
            token: self.token.clone(),
            csrf: Some(self.csrf.clone()),
        }
    }
    pub fn cookie_without_csrf(&self) -> Auth {
        Auth::Cookie {
            token: self.token.clone(),
            csrf: None,
        }
    }
    /// The id of the first organisation where the user holds `role`.
    pub fn org_with(&self, role: &str) -> i64 {
        self.me["roles"]
            .as_array()
            .and_then(|roles| roles.iter().find(|r| r["role"] == role))
            .and_then(|r| r["org"]["id"].as_i64())
            .unwrap_or_else(|| panic!("no {role} role in {}", self.me))
    }
}

/// A response with its body read.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl TestResponse {
    /// The error code of an envelope.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// Asserts the status and, for errors, the envelope shape; returns self.
    #[track_caller]
    pub fn expect(self, status: StatusCode) -> Self {
        assert_eq!(self.status, status, "body: {}", self.text);
        if status.is_client_error() || status.is_server_error() {
            assert_envelope(&self);
        }
        self
    }

    /// Asserts an error status and code.
    #[track_caller]
    pub fn expect_error(self, status: StatusCode, code: &str) -> Self {
        let r = self.expect(status);
        assert_eq!(r.code(), code, "body: {}", r.text);
        r
    }
}

/// Every error body is `{"error":{"code","message","details","request_id"}}` and the request id
/// matches the header.
#[track_caller]
pub fn assert_envelope(r: &TestResponse) {
    let e = &r.body["error"];
    assert!(
        e["code"].as_str().is_some_and(|c| !c.is_empty()),
        "no code: {}",
        r.text
    );
    assert!(
        e["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no message: {}",
        r.text
    );
    assert!(e.get("details").is_some(), "no details key: {}", r.text);
    let header_id = r
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(!header_id.is_empty(), "no x-request-id header");
    assert_eq!(
        e["request_id"].as_str(),
        Some(header_id),
        "request id differs: {}",
        r.text
    );
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(TestOptions::default()).await
    }

    /// On the demo without its year of bulk orders and filings (tests of the share reports,
    /// which count to the fen from an empty ledger).
    pub async fn spawn_without_history() -> TestApp {
        TestApp::spawn_with(TestOptions {
            procurement_history: false,
            ..TestOptions::default()
        })
        .await
    }

    pub async fn spawn_sqlite() -> TestApp {
        TestApp::spawn_with(TestOptions {
            backend: Backend::Sqlite,
            redis: None,
            ..TestOptions::default()
        })
        .await
    }

    pub async fn spawn_with(options: TestOptions) -> TestApp {
        let dir =
            std::env::temp_dir().join(format!("bangfu-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let (database_url, pg_name) = match options.backend {
            Backend::Postgres => {
                let (url, name) = fresh_postgres(options.procurement_history).await;
                (url, Some(name))
            }
            Backend::Sqlite => (fresh_sqlite(&dir, options.procurement_history).await, None),
        };
        let redis_prefix = format!("bangfu-test:{}:", uuid::Uuid::new_v4().simple());
        let mut config = Config::for_database(Some(database_url.clone()));
        config.redis_url = options.redis;
        config.redis_prefix = redis_prefix.clone();
        config.data_dir = dir.clone();
        config.web_dir = dir.join("no-frontend");
        config.media_dir = Some(media_dir());
        config.session_secret = Some(SecretString::from(
            "test-secret-test-secret-test-secret-0123",
        ));
        config.db_max_connections = 8;
        (options.configure)(&mut config);
        let mut db = bangfu::db::connect(&config).await.expect("connect");
        if let Some(counter) = options.count_queries {
            db.set_metric_callback(move |_| {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            });
        }
        let state = bangfu::app::build_with_db(config, db, options.jobs)
            .await
            .expect("build app");
        let router = bangfu::router(state.clone());
        TestApp {
            state,
            router,
            backend: options.backend,
            database_url,
            redis_prefix,
            pg_name,
            dir,
        }
    }

    /// A second instance of the application on the same database and Redis (prefix), as a
    /// second server process would be. Dropping it leaves the database alone.
    pub async fn twin(&self) -> TestApp {
        let dir =
            std::env::temp_dir().join(format!("bangfu-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut config = self.state.config.clone();
        config.database_url = Some(self.database_url.clone());
        let state = bangfu::app::build(config, bangfu::app::jobs())
            .await
            .expect("build twin");
        let router = bangfu::router(state.clone());
        TestApp {
            state,
            router,
            backend: self.backend,
            database_url: self.database_url.clone(),
            redis_prefix: self.redis_prefix.clone(),
            pg_name: None,
            dir,
        }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// Sends a request through the real router.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        TestResponse {
            status,
            headers,
            body,
            text,
        }
    }

    /// Builds and sends a JSON request.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        auth: &Auth,
    ) -> TestResponse {
        self.call_with(method, path, body, auth, &[]).await
    }

    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        auth: &Auth,
        extra: &[(&str, &str)],
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(path);
        match auth {
            Auth::None => {}
            Auth::Bearer(t) => {
                builder = builder.header(header::AUTHORIZATION, format!("Bearer {t}"))
            }
            Auth::Cookie { token, csrf } => {
                builder = builder.header(
                    header::COOKIE,
                    format!("{}={token}", bangfu::auth::SESSION_COOKIE),
                );
                if let Some(c) = csrf {
                    builder = builder.header(bangfu::auth::CSRF_HEADER, c);
                }
            }
        }
        for (k, v) in extra {
            builder = builder.header(
                HeaderName::from_bytes(k.as_bytes()).expect("name"),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        let request = match body {
            Some(b) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(serde_json::to_vec(&b).expect("json")))
                .expect("request"),
            None => builder.body(Body::empty()).expect("request"),
        };
        self.send(request).await
    }

    pub async fn get(&self, path: &str, auth: &Auth) -> TestResponse {
        self.call(Method::GET, path, None, auth).await
    }

    pub async fn post(&self, path: &str, body: Value, auth: &Auth) -> TestResponse {
        self.call(Method::POST, path, Some(body), auth).await
    }

    pub async fn put(&self, path: &str, body: Value, auth: &Auth) -> TestResponse {
        self.call(Method::PUT, path, Some(body), auth).await
    }

    /// Sends a multipart form: text fields and one file field.
    pub async fn multipart(
        &self,
        path: &str,
        texts: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
        auth: &Auth,
    ) -> TestResponse {
        let boundary = "bangfu-test-boundary-7f3a";
        let mut body: Vec<u8> = Vec::new();
        for (name, value) in texts {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
        }
        if let Some((name, filename, bytes)) = file {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut builder = Request::builder().method(Method::POST).uri(path).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        if let Auth::Bearer(t) = auth {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(builder.body(Body::from(body)).expect("request"))
            .await
    }

    /// Logs in (demo password by default) and returns the session.
    pub async fn login(&self, login: &str) -> Session {
        self.login_with(login, bangfu::seed::DEMO_PASSWORD).await
    }

    pub async fn login_with(&self, login: &str, password: &str) -> Session {
        let r = self
            .post(
                "/api/auth/login",
                serde_json::json!({ "login": login, "password": password }),
                &Auth::None,
            )
            .await
            .expect(StatusCode::OK);
        Session {
            token: r.body["token"].as_str().expect("token").to_owned(),
            csrf: r.body["me"]["csrf_token"]
                .as_str()
                .expect("csrf")
                .to_owned(),
            user_id: r.body["me"]["user"]["id"].as_i64().expect("id"),
            me: r.body["me"].clone(),
        }
    }

    /// Counts rows of a table.
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db()
            .query_one_raw(Statement::from_string(
                self.db().get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row");
        row.try_get::<i64>("", "n").expect("n")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let dir = self.dir.clone();
        let name = self.pg_name.take();
        // Dropping needs async calls; do them on a thread of its own and wait for it.
        let handle = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Some(name) = name
                    && let Ok(admin) = Database::connect(format!("{}/postgres", pg_base())).await
                {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
            let _ = std::fs::remove_dir_all(dir);
        });
        let _ = handle.join();
    }
}
