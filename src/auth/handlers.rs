//! HTTP handlers of the auth context.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};

use super::actor::{Actor, SESSION_COOKIE};
use super::dto::{
    ActivateRequest, ChangePasswordRequest, LoginRequest, LoginResponse, Me, SessionList,
};
use super::service;
use crate::app::AppState;
use crate::error::{AppError, ErrorBody};
use crate::extract::{AppJson, AppPath, ClientIp};

fn secure_cookie(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.cookie_secure
        || (state.config.trust_proxy
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                == Some("https"))
}

fn session_cookie(value: String, max_age_secs: i64, secure: bool) -> String {
    Cookie::build((SESSION_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
        .to_string()
}

/// Logs in with username or phone and password. Sets the `bangfu_session` cookie (HttpOnly,
/// SameSite=Lax) and returns a bearer token for API clients.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse),
        (status = 401, description = "invalid_credentials", body = ErrorBody),
        (status = 429, description = "rate_limited; see Retry-After", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    AppJson(req): AppJson<LoginRequest>,
) -> Result<Response, AppError> {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let done = service::login(&state, &req.login, req.password, &ip, user_agent).await?;
    let max_age = (done.session.expires_at - chrono::Utc::now())
        .num_seconds()
        .max(0);
    let cookie = session_cookie(
        done.session.token.clone(),
        max_age,
        secure_cookie(&state, &headers),
    );
    let body = LoginResponse {
        token: done.session.token,
        expires_at: done.session.expires_at,
        me: done.me,
    };
    Ok(([(header::SET_COOKIE, cookie)], AppJson(body)).into_response())
}

/// Ends the current session and clears the cookie.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204, description = "Done; no content"), (status = 401, body = ErrorBody), (status = 403, description = "csrf_rejected", body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    actor: Actor,
) -> Result<Response, AppError> {
    service::logout(&state, &actor).await?;
    let cookie = session_cookie(String::new(), 0, secure_cookie(&state, &headers));
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// The logged-in user, their roles and the CSRF token.
#[utoipa::path(get, path = "/api/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, actor: Actor) -> Result<AppJson<Me>, AppError> {
    Ok(AppJson(service::me(&state, &actor).await?))
}

/// The user's live sessions.
#[utoipa::path(get, path = "/api/auth/sessions", tag = "auth",
    responses((status = 200, body = SessionList), (status = 401, body = ErrorBody)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<AppJson<SessionList>, AppError> {
    Ok(AppJson(SessionList {
        items: service::list_sessions(&state, &actor).await?,
    }))
}

/// Revokes one of the user's sessions (e.g. a lost phone).
#[utoipa::path(delete, path = "/api/auth/sessions/{id}", tag = "auth",
    params(("id" = i64, Path, description = "session id")),
    responses((status = 204, description = "Done; no content"), (status = 404, body = ErrorBody)))]
pub async fn revoke_session(
    State(state): State<AppState>,
    actor: Actor,
    AppPath(id): AppPath<i64>,
) -> Result<StatusCode, AppError> {
    service::revoke_session(&state, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the user's password; every other session is revoked.
#[utoipa::path(post, path = "/api/auth/password", tag = "auth", request_body = ChangePasswordRequest,
    responses((status = 204, description = "Done; no content"), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    actor: Actor,
    AppJson(req): AppJson<ChangePasswordRequest>,
) -> Result<StatusCode, AppError> {
    service::change_password(&state, &actor, req.current_password, req.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accepts an invitation by setting a password.
#[utoipa::path(post, path = "/api/auth/activate", tag = "auth", request_body = ActivateRequest,
    responses((status = 204, description = "Done; no content"), (status = 404, description = "unknown, used or expired token", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn activate(
    State(state): State<AppState>,
    AppJson(req): AppJson<ActivateRequest>,
) -> Result<StatusCode, AppError> {
    service::activate(&state, &req.token, req.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
