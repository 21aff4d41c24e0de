//! Request extractors whose rejections all go through [`AppError`](crate::error::AppError):
//! JSON bodies, query strings, path parameters, the client address, pagination.

mod client_ip;
mod json;
mod pagination;
mod text;

pub use client_ip::ClientIp;
pub use json::{AppJson, AppPath, AppQuery, json_from_bytes, read_json};
pub use pagination::{Cursor, PageParams};
pub use text::{check_request, json_has_nul, nul_refused};
