//! Configuration, read once from the command line and the environment (every variable is
//! listed in `.env.sample`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use secrecy::{ExposeSecret, SecretString};

/// Log output format.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Settings shared by every subcommand.
#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Database URL: `postgres://…` or `sqlite://path?mode=rwc`. Default: an SQLite file
    /// under `./data/`, created if missing.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Maximum database connections in the pool.
    #[arg(
        long,
        env = "BANGFU_DB_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub db_max_connections: u32,

    /// How long a request waits for a database connection before it is answered 503
    /// `unavailable` (the database down or restarting, or every connection busy), in ms.
    #[arg(
        long,
        env = "BANGFU_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = 3000,
        global = true
    )]
    pub db_acquire_timeout_ms: u64,

    /// Redis URL. Without it, in-process equivalents serve a single instance.
    #[arg(long, env = "REDIS_URL", global = true)]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key (lets several deployments or test runs share one Redis).
    #[arg(
        long,
        env = "BANGFU_REDIS_PREFIX",
        default_value = "bangfu:",
        global = true
    )]
    pub redis_prefix: String,

    /// Address the HTTP server listens on.
    #[arg(
        long,
        env = "BANGFU_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,

    /// Secret keying session and invitation token hashes (at least 32 characters). Without
    /// it, a random one is generated and kept in the data directory (embedded demo only).
    #[arg(
        long,
        env = "BANGFU_SESSION_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub session_secret: Option<SecretString>,

    /// Mark cookies `Secure` (set when served behind TLS).
    #[arg(
        long,
        env = "BANGFU_COOKIE_SECURE",
        default_value_t = false,
        global = true
    )]
    pub cookie_secure: bool,

    /// Session lifetime in hours.
    #[arg(long, env = "BANGFU_SESSION_TTL_HOURS", default_value_t = 24 * 7, global = true)]
    pub session_ttl_hours: i64,

    /// Trust `X-Forwarded-For` for the client address (only behind a proxy you control).
    #[arg(
        long,
        env = "BANGFU_TRUST_PROXY",
        default_value_t = false,
        global = true
    )]
    pub trust_proxy: bool,

    /// Log format.
    #[arg(long, env = "BANGFU_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,

    /// Public address of the shop, used in QR codes printed on packages.
    #[arg(
        long,
        env = "BANGFU_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub public_url: String,

    /// Directory of the built web frontend.
    #[arg(
        long,
        env = "BANGFU_WEB_DIR",
        default_value = "frontend/dist",
        global = true
    )]
    pub web_dir: PathBuf,

    /// Directory for local data (embedded database, generated secret, uploads).
    #[arg(long, env = "BANGFU_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Directory of uploaded images and documents (default: `media/` in the data directory).
    #[arg(long, env = "BANGFU_MEDIA_DIR", global = true)]
    pub media_dir: Option<PathBuf>,

    /// S3 bucket for images and documents. When set, media live there instead of the media
    /// directory.
    #[arg(long, env = "BANGFU_MEDIA_S3_BUCKET", global = true)]
    pub media_s3_bucket: Option<String>,

    /// Endpoint of an S3-compatible service (MinIO, Ceph, …), e.g. `https://s3.example.cn`.
    /// Unset: AWS S3 of the region.
    #[arg(long, env = "BANGFU_MEDIA_S3_ENDPOINT", global = true)]
    pub media_s3_endpoint: Option<String>,

    /// Region of the bucket (used for signing; most S3-compatible services accept any).
    #[arg(
        long,
        env = "BANGFU_MEDIA_S3_REGION",
        default_value = "us-east-1",
        global = true
    )]
    pub media_s3_region: String,

    /// Access key id for the bucket. Unset (with the secret): the standard AWS sources
    /// (`AWS_*` variables, web identity, container or instance credentials).
    #[arg(
        long,
        env = "BANGFU_MEDIA_S3_ACCESS_KEY_ID",
        hide_env_values = true,
        global = true
    )]
    pub media_s3_access_key_id: Option<String>,

    /// Secret access key for the bucket.
    #[arg(
        long,
        env = "BANGFU_MEDIA_S3_SECRET_ACCESS_KEY",
        hide_env_values = true,
        global = true
    )]
    pub media_s3_secret_access_key: Option<SecretString>,

    /// Key prefix inside the bucket (`a-z0-9/._-`), to share one bucket.
    #[arg(long, env = "BANGFU_MEDIA_S3_PREFIX", global = true)]
    pub media_s3_prefix: Option<String>,

    /// Allow a plain-http S3 endpoint on another host (one on 127.0.0.1, `::1` or
    /// `localhost` is always allowed).
    #[arg(
        long,
        env = "BANGFU_MEDIA_S3_ALLOW_HTTP",
        default_value_t = false,
        global = true
    )]
    pub media_s3_allow_http: bool,

    /// Memory for cached shop pages, in MiB (0 turns the cache off; for benchmarks).
    #[arg(
        long,
        env = "BANGFU_CATALOG_CACHE_MB",
        default_value_t = 64,
        global = true
    )]
    pub catalog_cache_mb: u64,

    /// Largest accepted JSON request body, in bytes.
    #[arg(long, env = "BANGFU_MAX_BODY_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// Login attempts allowed per account in one window.
    #[arg(
        long,
        env = "BANGFU_LOGIN_MAX_PER_ACCOUNT",
        default_value_t = 5,
        global = true
    )]
    pub login_max_per_account: u32,

    /// Login attempts allowed per client address in one window.
    #[arg(
        long,
        env = "BANGFU_LOGIN_MAX_PER_IP",
        default_value_t = 30,
        global = true
    )]
    pub login_max_per_ip: u32,

    /// Length of the login rate-limit window, in seconds.
    #[arg(
        long,
        env = "BANGFU_LOGIN_WINDOW_SECS",
        default_value_t = 300,
        global = true
    )]
    pub login_window_secs: u64,

    /// Coupon claims allowed per member in 10 seconds.
    #[arg(
        long,
        env = "BANGFU_CLAIM_MAX_PER_MEMBER",
        default_value_t = 10,
        global = true
    )]
    pub claim_max_per_member: u32,

    /// Coupon claims allowed per client address in 10 seconds.
    #[arg(
        long,
        env = "BANGFU_CLAIM_MAX_PER_IP",
        default_value_t = 200,
        global = true
    )]
    pub claim_max_per_ip: u32,

    /// Photo uploads allowed per member in one hour (refund photos; suppliers and operators
    /// are not limited).
    #[arg(
        long,
        env = "BANGFU_MEMBER_UPLOADS_PER_HOUR",
        default_value_t = 30,
        global = true
    )]
    pub member_uploads_per_hour: u32,

    /// Run the background worker inside `serve` (turn off when running `bangfu worker`
    /// processes separately).
    #[arg(long, env = "BANGFU_EMBEDDED_WORKER", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub embedded_worker: bool,

    /// How often an idle worker looks for due jobs, in milliseconds.
    #[arg(
        long,
        env = "BANGFU_WORKER_POLL_MS",
        default_value_t = 1000,
        global = true
    )]
    pub worker_poll_ms: u64,

    /// How long a claimed job stays leased to its worker, in seconds.
    #[arg(
        long,
        env = "BANGFU_JOB_LEASE_SECS",
        default_value_t = 300,
        global = true
    )]
    pub job_lease_secs: u64,

    /// Stripe secret key (used by online payment; without it the offline test provider runs).
    #[arg(long, env = "STRIPE_SECRET_KEY", hide_env_values = true, global = true)]
    pub stripe_secret_key: Option<SecretString>,

    /// Stripe API base URL (tests point it at a stand-in).
    #[arg(long, env = "STRIPE_API_BASE", global = true)]
    pub stripe_api_base: Option<String>,

    /// Minutes an unpaid order keeps its stock and coupon.
    #[arg(
        long,
        env = "BANGFU_PAYMENT_TIMEOUT_MINUTES",
        default_value_t = 30,
        global = true
    )]
    pub payment_timeout_minutes: i64,

    /// Days after shipping after which an order completes by itself.
    #[arg(
        long,
        env = "BANGFU_AUTO_COMPLETE_DAYS",
        default_value_t = 10,
        global = true
    )]
    pub auto_complete_days: i64,

    /// Stripe webhook signing secret.
    #[arg(
        long,
        env = "STRIPE_WEBHOOK_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub stripe_webhook_secret: Option<SecretString>,
}

impl Config {
    /// Treats empty variables (`DATABASE_URL=` copied from `.env.sample`) as unset.
    #[must_use]
    pub fn normalised(mut self) -> Self {
        let blank = |v: &Option<String>| v.as_deref().is_some_and(|s| s.trim().is_empty());
        if blank(&self.database_url) {
            self.database_url = None;
        }
        if blank(&self.redis_url) {
            self.redis_url = None;
        }
        for v in [
            &mut self.media_s3_bucket,
            &mut self.media_s3_endpoint,
            &mut self.media_s3_access_key_id,
            &mut self.media_s3_prefix,
        ] {
            if blank(v) {
                *v = None;
            }
        }
        if self.media_s3_region.trim().is_empty() {
            "us-east-1".clone_into(&mut self.media_s3_region);
        }
        let blank_secret = |v: &Option<SecretString>| {
            v.as_ref()
                .is_some_and(|s| s.expose_secret().trim().is_empty())
        };
        if blank_secret(&self.session_secret) {
            self.session_secret = None;
        }
        if blank_secret(&self.stripe_secret_key) {
            self.stripe_secret_key = None;
        }
        if blank_secret(&self.stripe_webhook_secret) {
            self.stripe_webhook_secret = None;
        }
        if blank_secret(&self.media_s3_secret_access_key) {
            self.media_s3_secret_access_key = None;
        }
        self
    }

    /// The database URL to use: the configured one or the embedded SQLite file.
    #[must_use]
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("bangfu.db").display()
            ),
        }
    }

    /// Whether the database is SQLite (the embedded default).
    #[must_use]
    pub fn is_sqlite(&self) -> bool {
        self.database_url().starts_with("sqlite:")
    }

    /// Where media files are kept.
    #[must_use]
    pub fn media_dir(&self) -> PathBuf {
        self.media_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("media"))
    }

    /// The S3 settings of the media store, `None` when no bucket is configured (media stay in
    /// the media directory).
    ///
    /// # Errors
    /// When only one of the access key id and secret is set, the endpoint is neither http nor
    /// https, or it is plain http on another host without `BANGFU_MEDIA_S3_ALLOW_HTTP`.
    pub fn media_s3(&self) -> anyhow::Result<Option<crate::media::S3Settings>> {
        let Some(bucket) = &self.media_s3_bucket else {
            return Ok(None);
        };
        let credentials = match (
            &self.media_s3_access_key_id,
            &self.media_s3_secret_access_key,
        ) {
            (Some(id), Some(secret)) => Some((id.clone(), secret.clone())),
            (None, None) => None,
            _ => anyhow::bail!(
                "set both BANGFU_MEDIA_S3_ACCESS_KEY_ID and BANGFU_MEDIA_S3_SECRET_ACCESS_KEY, or neither"
            ),
        };
        let endpoint = match &self.media_s3_endpoint {
            Some(text) => Some(
                url::Url::parse(text.trim())
                    .map_err(|e| anyhow::anyhow!("BANGFU_MEDIA_S3_ENDPOINT: {e}"))?,
            ),
            None => None,
        };
        let mut allow_http = false;
        if let Some(url) = &endpoint {
            match url.scheme() {
                "https" => {}
                "http" => {
                    let local = match url.host() {
                        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                        Some(url::Host::Domain(d)) => d == "localhost",
                        None => false,
                    };
                    anyhow::ensure!(
                        local || self.media_s3_allow_http,
                        "BANGFU_MEDIA_S3_ENDPOINT is plain http on another host; use https or set BANGFU_MEDIA_S3_ALLOW_HTTP=true"
                    );
                    allow_http = true;
                }
                other => anyhow::bail!("BANGFU_MEDIA_S3_ENDPOINT: unsupported scheme {other}"),
            }
        }
        Ok(Some(crate::media::S3Settings {
            bucket: bucket.clone(),
            endpoint: endpoint.map(|u| u.as_str().trim_end_matches('/').to_owned()),
            region: self.media_s3_region.clone(),
            credentials,
            prefix: self.media_s3_prefix.clone(),
            allow_http,
        }))
    }

    /// The login rate-limit window.
    #[must_use]
    pub fn login_window(&self) -> Duration {
        Duration::from_secs(self.login_window_secs.max(1))
    }

    /// The session secret, or `None` when one must be generated.
    #[must_use]
    pub fn session_secret_bytes(&self) -> Option<Vec<u8>> {
        self.session_secret
            .as_ref()
            .map(|s| s.expose_secret().as_bytes().to_vec())
    }

    /// A configuration with every default and the given database, for tests and tools.
    #[must_use]
    pub fn for_database(url: Option<String>) -> Config {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            config: Config,
        }
        // Parse an empty command line so the defaults come from one place. Variables of the
        // process environment still apply, as they would for the binary.
        let mut config = Wrapper::parse_from(["bangfu"]).config.normalised();
        config.database_url = url;
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_bucket() -> Config {
        let mut c = Config::for_database(None);
        c.media_s3_bucket = Some("bangfu-media".into());
        c.media_s3_endpoint = None;
        c.media_s3_access_key_id = None;
        c.media_s3_secret_access_key = None;
        c.media_s3_prefix = None;
        c.media_s3_allow_http = false;
        c
    }

    #[test]
    fn s3_is_used_only_with_a_bucket() {
        let mut c = with_bucket();
        c.media_s3_bucket = None;
        assert!(c.media_s3().expect("settings").is_none());
        // Blank variables (copied from `.env.sample`) count as unset.
        let mut c = with_bucket();
        c.media_s3_bucket = Some("  ".into());
        assert!(c.normalised().media_s3().expect("settings").is_none());
        let mut c = with_bucket();
        c.media_s3_endpoint = Some(String::new());
        c.media_s3_region = String::new();
        let s = c.normalised().media_s3().expect("settings").expect("s3");
        assert_eq!((s.endpoint, s.region.as_str()), (None, "us-east-1"));
        let s = with_bucket().media_s3().expect("settings").expect("s3");
        assert_eq!(s.bucket, "bangfu-media");
        assert_eq!(s.endpoint, None);
        assert!(s.credentials.is_none());
        assert!(!s.allow_http);
    }

    #[test]
    fn s3_credentials_come_in_pairs_and_never_print() {
        let secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
        let mut c = with_bucket();
        c.media_s3_access_key_id = Some("AKIDEXAMPLE".into());
        assert!(c.media_s3().is_err(), "id without secret");
        c.media_s3_secret_access_key = Some(SecretString::from(secret));
        let s = c.media_s3().expect("settings").expect("s3");
        let (id, key) = s.credentials.as_ref().expect("credentials");
        assert_eq!((id.as_str(), key.expose_secret()), ("AKIDEXAMPLE", secret));
        assert!(!format!("{c:?}").contains(secret));
        assert!(!format!("{s:?}").contains(secret));
        c.media_s3_access_key_id = None;
        assert!(c.media_s3().is_err(), "secret without id");
    }

    #[test]
    fn s3_plain_http_only_to_loopback_unless_allowed() {
        let endpoint = |url: &str, allow: bool| {
            let mut c = with_bucket();
            c.media_s3_endpoint = Some(url.to_owned());
            c.media_s3_allow_http = allow;
            c.media_s3().map(|s| s.expect("s3"))
        };
        let s = endpoint("https://s3.example.cn/", false).expect("https");
        assert_eq!(s.endpoint.as_deref(), Some("https://s3.example.cn"));
        assert!(!s.allow_http);
        for local in [
            "http://127.0.0.1:9000",
            "http://localhost:9000/",
            "http://[::1]:9000",
        ] {
            assert!(endpoint(local, false).expect(local).allow_http, "{local}");
        }
        assert!(endpoint("http://minio:9000", false).is_err());
        assert!(
            endpoint("http://minio:9000", true)
                .expect("allowed")
                .allow_http
        );
        assert!(endpoint("ftp://127.0.0.1", true).is_err());
        assert!(endpoint("127.0.0.1:9000", true).is_err());
    }
}
