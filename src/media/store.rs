//! Where files are kept: behind the [`MediaStore`] trait, a local directory by default
//! ([`LocalStore`]) or an S3-compatible bucket ([`super::s3::S3Store`]).

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use bytes::Bytes;

/// A content-addressed blob store.
#[async_trait]
pub trait MediaStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` under `key` (see [`check_key`]). Writing the same key twice is
    /// harmless: keys are content hashes.
    async fn put(&self, key: &str, bytes: Bytes) -> std::io::Result<()>;
    /// Reads a blob, `None` if absent.
    async fn get(&self, key: &str) -> std::io::Result<Option<Bytes>>;
    /// Whether the store can be used now (the readiness probe).
    async fn check(&self) -> std::io::Result<()>;
}

/// Refuses keys that are not plain relative paths of `a-z0-9._-` segments, so that no store
/// (a directory, a bucket) is asked for anything outside its root. Every store calls it.
///
/// # Errors
/// `InvalidInput` for an empty key, an empty, `.` or `..` segment, a `..` anywhere, or any
/// other character.
pub fn check_key(key: &str) -> std::io::Result<&str> {
    let safe = !key.is_empty()
        && !key.contains("..")
        && key.split('/').all(|s| !s.is_empty() && s != ".")
        && key.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'/' | b'.' | b'_' | b'-')
        });
    if safe {
        Ok(key)
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "bad media key",
        ))
    }
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
        Ok(self.root.join(check_key(key)?))
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

    async fn check(&self) -> std::io::Result<()> {
        // The directory is created on first write anyway; creating it now tells whether
        // that write could succeed (a read-only or missing volume fails here).
        tokio::fs::create_dir_all(&self.root).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_plain_relative_paths() {
        for good in ["img/ab/abcdef/240.webp", "doc/0f/0f12", "a", "a-b_c.d"] {
            assert!(check_key(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/img/x",
            "img/../x",
            "..",
            "a..b",
            "img//x",
            "img/x/",
            "./x",
            "img/./x",
            "Img/x",
            "img/x y",
            "img\\x",
            "img/%2e%2e/x",
            "img/é",
        ] {
            let e = check_key(bad).expect_err(bad);
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{bad}");
        }
    }
}
