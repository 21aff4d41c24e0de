//! Password hashing with argon2id at the OWASP parameters (19 MiB, 2 passes, 1 lane: the
//! `argon2` crate's defaults), off the async runtime.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::error::{AppError, FieldCode, FieldErrors};

/// Shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// A hash to verify against when the login names nobody, so that the answer takes as long as
/// for a real account and does not reveal which logins exist.
static DUMMY_HASH: LazyLock<Option<String>> =
    LazyLock::new(|| hash_blocking("not-a-password").ok());

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 hash failed: {e}"))
}

/// Checks the password policy: 8 to 128 characters, not all the same character class of
/// digits only.
///
/// # Errors
/// 422 with field `password` and code `password_too_short`, `password_too_long` or
/// `password_too_simple`.
pub fn check_policy(password: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(FieldErrors::single(
            "password",
            FieldCode::PasswordTooShort,
            "密码至少8位 / at least 8 characters",
        ));
    }
    if chars > 128 {
        return Err(FieldErrors::single(
            "password",
            FieldCode::PasswordTooLong,
            "密码最多128位 / at most 128 characters",
        ));
    }
    if password.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldErrors::single(
            "password",
            FieldCode::PasswordTooSimple,
            "密码不能全是数字 / not digits only",
        ));
    }
    Ok(())
}

/// Hashes a password (PHC string).
///
/// # Errors
/// Internal error if hashing fails or the blocking pool is gone.
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(AppError::Internal)
}

/// Verifies `password` against a stored hash, or against a dummy hash when there is none
/// (so the time taken does not depend on whether the account exists). Answers `false` then.
///
/// # Errors
/// Internal error if the blocking pool is gone.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let Some(hash) = stored.or_else(|| DUMMY_HASH.clone()) else {
            return false;
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok();
        ok && real
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_argon2id_owasp_params_and_verifies() {
        let h = hash("correct horse".into()).await.expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(
            verify("correct horse".into(), Some(h.clone()))
                .await
                .expect("verify")
        );
        assert!(!verify("wrong horse".into(), Some(h)).await.expect("verify"));
        assert!(!verify("not-a-password".into(), None).await.expect("verify"));
    }

    #[test]
    fn policy() {
        assert!(check_policy("bangfu-demo").is_ok());
        assert!(check_policy("short").is_err());
        assert!(check_policy("12345678901").is_err());
        assert!(check_policy(&"x".repeat(129)).is_err());
    }
}
