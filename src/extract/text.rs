//! Text no handler may see, refused in one place for every extractor: a NUL character in
//! the URL (here, before routing), in JSON bodies (`json_from_bytes`, which every JSON
//! extractor uses) and in form fields (`media::read_file_field`); header values cannot hold
//! one (the HTTP stack refuses it). PostgreSQL cannot store a NUL, so it would end as a 500.
//! Oversized URLs and header sections are answered here too, in the envelope, rather than
//! with the HTTP stack's empty 414/431.

use axum::extract::Request;

use crate::error::{AppError, ErrorCode};

/// Longest accepted URL (path and query), in bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Largest accepted header section (names and values), in bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// 400 `invalid_characters`.
#[must_use]
pub fn nul_refused(place: &str) -> AppError {
    AppError::new(
        ErrorCode::InvalidCharacters,
        format!("{place}含有不允许的空字符 / a NUL character is not allowed here"),
    )
}

/// Whether percent-decoding `text` gives a NUL byte (a raw one included).
#[must_use]
pub fn has_encoded_nul(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.contains(&0)
        || bytes
            .windows(3)
            .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// Whether a JSON text holds a NUL character in a string (`\u0000`; a raw NUL is not JSON).
/// Escapes are followed, so an escaped backslash before `u0000` is plain text.
#[must_use]
pub fn json_has_nul(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0 => return true,
            b'\\' => {
                if bytes.get(i + 1) == Some(&b'u') && bytes.get(i + 2..i + 6) == Some(b"0000") {
                    return true;
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    false
}

/// Checks the URL and the headers of every request before routing.
///
/// # Errors
/// 414 `uri_too_long`, 431 `headers_too_large`, 400 `invalid_characters`.
pub fn check_request(request: &Request) -> Result<(), AppError> {
    let uri = request.uri();
    let path_and_query = uri.path_and_query().map_or("", |pq| pq.as_str());
    if path_and_query.len() > MAX_URI_BYTES {
        return Err(AppError::new(
            ErrorCode::UriTooLong,
            format!(
                "请求地址过长（最多 {MAX_URI_BYTES} 字节）/ the URL is longer than {MAX_URI_BYTES} bytes"
            ),
        ));
    }
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.as_bytes().len() + 4)
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(AppError::new(
            ErrorCode::HeadersTooLarge,
            format!(
                "请求头过大（最多 {MAX_HEADER_BYTES} 字节）/ the headers are larger than {MAX_HEADER_BYTES} bytes"
            ),
        ));
    }
    if has_encoded_nul(uri.path()) {
        return Err(nul_refused("路径"));
    }
    if uri.query().is_some_and(has_encoded_nul) {
        return Err(nul_refused("查询参数"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nul_in_json_strings_only() {
        assert!(json_has_nul(br#"{"a":"x\u0000y"}"#));
        assert!(!json_has_nul(br#"{"a":"x\\u0000y"}"#));
        assert!(json_has_nul(br#"{"a":"x\\\u0000y"}"#));
        assert!(json_has_nul(br#"{"a":"\u00001"}"#));
        assert!(!json_has_nul(br#"{"a":"\u0001"}"#));
    }

    #[test]
    fn finds_encoded_nul() {
        assert!(has_encoded_nul("q=a%00b"));
        assert!(!has_encoded_nul("q=%2500"));
        assert!(!has_encoded_nul("q=a%20b"));
        assert!(!has_encoded_nul("q=%100"));
    }
}
