use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{AppError, ErrorCode};

/// Keyset pagination parameters: an opaque cursor from the previous page and a page size.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u64>,
}

/// A decoded cursor: the last id seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(pub i64);

impl PageParams {
    /// The page size, clamped to 1..=200.
    #[must_use]
    pub fn limit(&self) -> u64 {
        self.limit.unwrap_or(50).clamp(1, 200)
    }

    /// The cursor, if any.
    ///
    /// # Errors
    /// 400 `invalid_cursor` when the cursor was not made by [`Cursor::encode`].
    pub fn cursor(&self) -> Result<Option<Cursor>, AppError> {
        self.cursor.as_deref().map(Cursor::decode).transpose()
    }
}

impl Cursor {
    /// The opaque text form.
    #[must_use]
    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("id:{}", self.0))
    }

    /// Reads the text form.
    ///
    /// # Errors
    /// 400 `invalid_cursor`.
    pub fn decode(text: &str) -> Result<Cursor, AppError> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("id:").and_then(|n| n.parse().ok()))
            .map(Cursor)
            .ok_or_else(|| AppError::new(ErrorCode::InvalidCursor, "分页游标无效 / invalid cursor"))
    }

    /// The cursor for the page after `items`, if the page was full.
    #[must_use]
    pub fn next<T>(items: &[T], limit: u64, id: impl Fn(&T) -> i64) -> Option<String> {
        if items.len() as u64 == limit {
            items.last().map(|last| Cursor(id(last)).encode())
        } else {
            None
        }
    }
}
