//! Routes under an organisation (`/api/orgs/{id}/…`, `/api/suppliers/{org_id}/…`,
//! `/api/unions/{union_id}/…`) answer 404 when that organisation does not exist (or is not a
//! supplier, a union), checked here once for every such route, present and future: a create
//! under a missing parent would otherwise end in a foreign-key violation (500) and a list in
//! 200 with nothing.

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sea_orm::{EntityTrait, QuerySelect};

use crate::app::AppState;
use crate::auth::{Actor, OrgKind};
use crate::entities::organizations;
use crate::error::AppError;

/// The kind of organisation a route template sits under: `Some(None)` any kind,
/// `Some(Some(kind))` that kind, `None` no organisation.
fn parent_of(template: &str) -> Option<Option<OrgKind>> {
    let mut segments = template.trim_start_matches('/').split('/');
    let (Some("api"), Some(collection), Some(param)) =
        (segments.next(), segments.next(), segments.next())
    else {
        return None;
    };
    if !(param.starts_with('{') && param.ends_with('}')) {
        return None;
    }
    match collection {
        "orgs" => Some(None),
        "suppliers" => Some(Some(OrgKind::Supplier)),
        "unions" => Some(Some(OrgKind::Union)),
        _ => None,
    }
}

/// Middleware: 404 `not_found` for a signed-in request under an organisation that does not
/// exist (or is of another kind). Requests without valid credentials go on to the handler,
/// which answers 401 where it needs a user (so existence is not told to strangers first).
pub async fn require_parent(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let kind = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|m| parent_of(m.as_str()));
    let Some(kind) = kind else {
        return next.run(request).await;
    };
    // The id is the third segment; one that is not a number is the handler's 400.
    let Some(id) = request
        .uri()
        .path()
        .split('/')
        .nth(3)
        .and_then(|s| s.parse::<i64>().ok())
    else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    let signed_in = Actor::from_request_parts(&mut parts, &state).await.is_ok();
    let request = Request::from_parts(parts, body);
    if signed_in {
        let found = organizations::Entity::find_by_id(id)
            .select_only()
            .column(organizations::Column::Kind)
            .into_tuple::<OrgKind>()
            .one(&state.db)
            .await;
        match found {
            Ok(Some(found)) if kind.is_none_or(|k| k == found) => {}
            Ok(_) => return AppError::NotFound.into_response(),
            Err(e) => return AppError::from(e).into_response(),
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_parent_of_route_templates() {
        assert_eq!(parent_of("/api/orgs/{id}/members"), Some(None));
        assert_eq!(
            parent_of("/api/suppliers/{org_id}/certificates"),
            Some(Some(OrgKind::Supplier))
        );
        assert_eq!(
            parent_of("/api/unions/{union_id}/campaigns"),
            Some(Some(OrgKind::Union))
        );
        assert_eq!(parent_of("/api/suppliers/register"), None);
        assert_eq!(parent_of("/api/orgs"), None);
        assert_eq!(parent_of("/api/campaigns/{id}/settlements"), None);
    }
}
