//! JSON in and out of the auth endpoints.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{OrgKind, Role};

/// Login with a username or phone number and a password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Username or mainland mobile number.
    #[schema(example = "operator")]
    pub login: String,
    /// Password.
    #[schema(example = "bangfu-demo")]
    pub password: String,
}

/// A successful login.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Bearer token for API clients (`Authorization: Bearer …`); browsers use the cookie.
    pub token: String,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
    /// Who is logged in.
    pub me: Me,
}

/// The logged-in user, their roles and the CSRF token for cookie-authenticated changes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The user.
    pub user: UserSummary,
    /// Roles held, with their organisations.
    pub roles: Vec<RoleGrant>,
    /// Send as `X-CSRF-Token` on every non-GET request made with the session cookie.
    pub csrf_token: String,
}

/// A user as shown to themselves and to administrators (phone masked).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserSummary {
    /// User id.
    pub id: i64,
    /// Username, if any.
    pub username: Option<String>,
    /// Display name.
    pub display_name: String,
    /// Phone, masked (138****1234).
    pub phone_masked: Option<String>,
}

/// One role in one organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleGrant {
    /// The role.
    pub role: Role,
    /// The organisation.
    pub org: OrgRef,
}

/// A short reference to an organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgRef {
    /// Organisation id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
}

/// One of the user's sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    /// Session id.
    pub id: i64,
    /// When it started.
    pub created_at: DateTime<Utc>,
    /// Last activity (to within five minutes).
    pub last_seen_at: DateTime<Utc>,
    /// When it ends.
    pub expires_at: DateTime<Utc>,
    /// Client address at login.
    pub ip: Option<String>,
    /// Browser at login.
    pub user_agent: Option<String>,
    /// Whether it is the session making this request.
    pub current: bool,
}

/// The user's live sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    /// Sessions, newest first.
    pub items: Vec<SessionInfo>,
}

/// Change one's own password; every other session is revoked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The current password.
    pub current_password: String,
    /// The new password (8-128 characters, not digits only).
    pub new_password: String,
}

/// Accept an invitation by choosing a password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    /// The invitation token.
    pub token: String,
    /// The password to set.
    pub password: String,
}
