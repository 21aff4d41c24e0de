//! The id of the request being handled, kept in a task-local so that error bodies and log
//! lines can carry it without threading it through every call.

use axum::extract::Request;
use axum::http::HeaderValue;
use tower_http::request_id::{MakeRequestId, RequestId};

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The current request's id, when called while handling a request.
#[must_use]
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// The id `SetRequestIdLayer` gave `request` (empty when there is none).
#[must_use]
pub fn of(request: &Request) -> String {
    request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Runs `fut` with `id` available through [`current`].
pub async fn within<F: Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// Request ids: random (version 4) UUIDs from the thread's cryptographic generator, which
/// is seeded from the operating system once instead of asked for 16 bytes per request.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomUuid;

impl MakeRequestId for RandomUuid {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
        let mut buf = uuid::Uuid::encode_buffer();
        HeaderValue::from_str(id.hyphenated().encode_lower(&mut buf))
            .ok()
            .map(RequestId::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_version_4_uuids() {
        let req = axum::http::Request::new(());
        let mut make = RandomUuid;
        let a = make.make_request_id(&req).expect("id");
        let b = make.make_request_id(&req).expect("id");
        let a = uuid::Uuid::parse_str(a.header_value().to_str().expect("ascii")).expect("uuid");
        let b = uuid::Uuid::parse_str(b.header_value().to_str().expect("ascii")).expect("uuid");
        assert_ne!(a, b);
        assert_eq!(a.get_version(), Some(uuid::Version::Random));
    }
}
