//! Who is asking: the [`Actor`] extractor authenticates by bearer token or session cookie and
//! enforces CSRF protection on cookie-authenticated changes.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::Method;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

use super::model::{OrgKind, Role};
use super::session;
use crate::app::AppState;
use crate::error::AppError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "bangfu_session";
/// Header carrying the CSRF token on cookie-authenticated changes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// One role held in one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// The organisation it is held in.
    pub org_id: i64,
    /// That organisation's kind.
    pub org_kind: OrgKind,
}

/// An authenticated user and the roles they hold.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user.
    pub user_id: i64,
    /// The session this request came with.
    pub session_id: i64,
    /// Display name (for audit and greetings).
    pub display_name: String,
    /// Every role the user holds.
    pub grants: Vec<Grant>,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// Whether the request authenticated by cookie (so CSRF rules apply) rather than bearer.
    pub via_cookie: bool,
}

impl Actor {
    /// Whether the user is a platform operator.
    #[must_use]
    pub fn is_operator(&self) -> bool {
        self.has_role(Role::Operator)
    }

    /// Whether the user holds `role` in any organisation.
    #[must_use]
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// The roles the user holds in `org_id`.
    pub fn roles_in(&self, org_id: i64) -> impl Iterator<Item = Role> + '_ {
        self.grants
            .iter()
            .filter(move |g| g.org_id == org_id)
            .map(|g| g.role)
    }

    /// The organisations in which the user holds `role`.
    pub fn orgs_with(&self, role: Role) -> impl Iterator<Item = i64> + '_ {
        self.grants
            .iter()
            .filter(move |g| g.role == role)
            .map(|g| g.org_id)
    }

    /// The organisation the user acts for as an audit actor: the first grant's.
    #[must_use]
    pub fn primary_org(&self) -> Option<i64> {
        self.grants.first().map(|g| g.org_id)
    }
}

/// The bearer token or session cookie of a request, and which it was.
pub(crate) fn credentials(parts: &Parts) -> Option<(String, bool)> {
    if let Some(token) = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        return Some((token.to_owned(), false));
    }
    CookieJar::from_headers(&parts.headers)
        .get(SESSION_COOKIE)
        .map(|c| (c.value().to_owned(), true))
        .filter(|(t, _)| !t.is_empty())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(actor) = parts.extensions.get::<Actor>() {
            return Ok(actor.clone());
        }
        let (token, via_cookie) = credentials(parts).ok_or(AppError::Unauthenticated)?;
        let mut actor = session::resolve(state, &token)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        actor.via_cookie = via_cookie;
        if via_cookie && !is_safe(&parts.method) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !super::token::constant_time_eq(sent, &actor.csrf_token) {
                return Err(AppError::CsrfRejected);
            }
        }
        parts.extensions.insert(actor.clone());
        Ok(actor)
    }
}

impl OptionalFromRequestParts<AppState> for Actor {
    type Rejection = AppError;

    /// `None` for anonymous requests (and unknown tokens): for endpoints open to everyone that
    /// show more to some.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        if credentials(parts).is_none() {
            return Ok(None);
        }
        match <Actor as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(actor) => Ok(Some(actor)),
            Err(AppError::Unauthenticated) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
