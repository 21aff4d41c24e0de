//! Media in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2, …) through `object_store`.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};
use secrecy::{ExposeSecret, SecretString};

use super::store::{MediaStore, check_key};

/// Where the bucket is and how to sign requests to it.
#[derive(Clone, Debug)]
pub struct S3Settings {
    /// Bucket name.
    pub bucket: String,
    /// Endpoint of an S3-compatible service (`http://127.0.0.1:9000`); `None` for AWS.
    pub endpoint: Option<String>,
    /// Region (signing; MinIO and most others accept any).
    pub region: String,
    /// Access key id and secret; `None` for the standard AWS sources (`AWS_*` variables,
    /// web identity, container or instance credentials).
    pub credentials: Option<(String, SecretString)>,
    /// Key prefix inside the bucket (no leading or trailing `/`), to share a bucket.
    pub prefix: Option<String>,
    /// Allow a plain-http endpoint.
    pub allow_http: bool,
}

/// Blobs in an S3-compatible bucket, under the same keys as [`super::LocalStore`].
pub struct S3Store {
    store: AmazonS3,
    prefix: Option<String>,
    bucket: String,
    endpoint: Option<String>,
}

// By hand: the client's own `Debug` is not ours to vouch for where credentials are concerned.
impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl S3Store {
    /// A client for the bucket (nothing is sent until the first request).
    ///
    /// # Errors
    /// `InvalidInput` when the prefix is not a valid key or the client cannot be configured
    /// (an http endpoint without `allow_http` among others).
    pub fn new(settings: &S3Settings) -> std::io::Result<Self> {
        // reqwest is built without a bundled crypto provider (see Cargo.toml): rustls uses
        // the process default, ring. Installing it twice is refused harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let prefix = match settings.prefix.as_deref().map(|p| p.trim_matches('/')) {
            None | Some("") => None,
            Some(p) => Some(check_key(p)?.to_owned()),
        };
        let options = ClientOptions::new()
            .with_allow_http(settings.allow_http)
            .with_connect_timeout(Duration::from_secs(3))
            .with_timeout(Duration::from_secs(20));
        // The request timeout of the router (30 s) should see the store's error, not cut it off.
        let retry = RetryConfig {
            max_retries: 2,
            retry_timeout: Duration::from_secs(10),
            ..RetryConfig::default()
        };
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_client_options(options)
            .with_retry(retry);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint.trim_end_matches('/'));
        }
        if let Some((id, secret)) = &settings.credentials {
            builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(secret.expose_secret());
        }
        let store = builder
            .build()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        Ok(S3Store {
            store,
            prefix,
            bucket: settings.bucket.clone(),
            endpoint: settings.endpoint.clone(),
        })
    }

    fn path(&self, key: &str) -> std::io::Result<Path> {
        let key = check_key(key)?;
        let full = match &self.prefix {
            Some(p) => format!("{p}/{key}"),
            None => key.to_owned(),
        };
        Path::parse(full).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
    }
}

/// An io error carrying the store's error as its cause (it names the bucket and key, never
/// the credentials).
fn io_error(e: object_store::Error) -> std::io::Error {
    let kind = match &e {
        object_store::Error::InvalidPath { .. } => std::io::ErrorKind::InvalidInput,
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => std::io::ErrorKind::PermissionDenied,
        _ => std::io::ErrorKind::Other,
    };
    std::io::Error::new(kind, e)
}

#[async_trait]
impl MediaStore for S3Store {
    async fn put(&self, key: &str, bytes: Bytes) -> std::io::Result<()> {
        let path = self.path(key)?;
        // A plain overwrite: the key is the content's hash, so a second write stores the same
        // bytes, and asking first would cost a round trip on every upload.
        self.store
            .put(&path, PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(io_error)
    }

    async fn get(&self, key: &str) -> std::io::Result<Option<Bytes>> {
        let path = self.path(key)?;
        match self.store.get(&path).await {
            Ok(result) => result.bytes().await.map(Some).map_err(io_error),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(io_error(e)),
        }
    }

    async fn check(&self) -> std::io::Result<()> {
        // A listing of one level: a missing bucket, bad credentials or an unreachable endpoint
        // fail here, while a read of a missing key could not tell a missing bucket apart.
        let prefix = self.prefix.as_deref().map(Path::from);
        self.store
            .list_with_delimiter(prefix.as_ref())
            .await
            .map(|_| ())
            .map_err(io_error)
    }
}
