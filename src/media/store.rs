//! Where files are kept: behind the [`MediaStore`] trait, a local directory by default.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use bytes::Bytes;

/// A content-addressed blob store.
#[async_trait]
pub trait MediaStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` under `key` (keys are `a-z0-9/._-` only). Writing the same key twice
    /// is harmless: keys are content hashes.
    async fn put(&self, key: &str, bytes: Bytes) -> std::io::Result<()>;
    /// Reads a blob, `None` if absent.
    async fn get(&self, key: &str) -> std::io::Result<Option<Bytes>>;
}

/// Files in a local directory.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// A store rooted at `root` (created on first write).
    #[must_use]
    pub fn new(root: impl AsRef<Path>) -> Self {
        LocalStore {
            root: root.as_ref().to_path_buf(),
        }
    }

    fn path(&self, key: &str) -> std::io::Result<PathBuf> {
        let safe = !key.is_empty()
            && !key.contains("..")
            && !key.starts_with('/')
            && key.bytes().all(|b| {
                b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || matches!(b, b'/' | b'.' | b'_' | b'-')
            });
        if safe {
            Ok(self.root.join(key))
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "bad media key",
            ))
        }
    }
}

#[async_trait]
impl MediaStore for LocalStore {
    async fn put(&self, key: &str, bytes: Bytes) -> std::io::Result<()> {
        let path = self.path(key)?;
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(());
        }
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        // Write to a temporary name and rename, so a reader never sees half a file.
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        tokio::fs::write(&tmp, &bytes).await?;
        tokio::fs::rename(&tmp, &path).await
    }

    async fn get(&self, key: &str) -> std::io::Result<Option<Bytes>> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(Some(Bytes::from(b))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}
