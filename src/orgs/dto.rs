//! JSON in and out of the organisation endpoints.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{BudgetCategory, OrgKind, OrgStatus, Role, UserStatus};

/// An organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Org {
    /// Organisation id.
    pub id: i64,
    /// Kind.
    pub kind: OrgKind,
    /// Name.
    pub name: String,
    /// Status.
    pub status: OrgStatus,
    /// Unified social credit code.
    pub uscc: Option<String>,
    /// Region: a supplier's registered county, a jurisdiction's area, a district's own code.
    pub region_code: Option<String>,
    /// That region's name.
    pub region_name: Option<String>,
    /// Budget-unit category.
    pub category: Option<BudgetCategory>,
    /// A budget unit's helper district.
    pub helper_district_code: Option<String>,
    /// Parent organisation (a district union's city union).
    pub parent_id: Option<i64>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone, masked.
    pub contact_phone_masked: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A page of organisations.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgPage {
    /// Organisations, by id.
    pub items: Vec<Org>,
    /// Cursor of the next page, if any.
    pub next_cursor: Option<String>,
}

/// Filters for organisations.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgQuery {
    /// Only this kind.
    pub kind: Option<OrgKind>,
    /// Only this status.
    pub status: Option<crate::auth::OrgStatus>,
    /// Name contains.
    pub q: Option<String>,
    /// Page cursor.
    pub cursor: Option<String>,
    /// Page size (1-200).
    pub limit: Option<u64>,
}

/// A new organisation (operators).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrg {
    /// Kind.
    pub kind: OrgKind,
    /// Name (2-100 characters, unique per kind).
    pub name: String,
    /// Unified social credit code (required for suppliers).
    pub uscc: Option<String>,
    /// Region (required for suppliers: the registered county, a partner county; for
    /// jurisdictions and helper districts: their area).
    pub region_code: Option<String>,
    /// Category (required for budget units).
    pub category: Option<BudgetCategory>,
    /// Helper district (required for budget units).
    pub helper_district_code: Option<String>,
    /// Parent organisation of the same kind (e.g. the city union of a district union).
    pub parent_id: Option<i64>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
}

/// Changes to an organisation's details (its admins or operators).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrg {
    /// New name.
    pub name: Option<String>,
    /// New contact person.
    pub contact_name: Option<String>,
    /// New contact phone.
    pub contact_phone: Option<String>,
}

/// Suspends or reactivates an organisation (operators).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetOrgStatus {
    /// New status.
    pub status: OrgStatus,
    /// Why (required; recorded in the audit log).
    pub reason: String,
}

/// A staff member of an organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgMember {
    /// User id.
    pub user_id: i64,
    /// Display name.
    pub display_name: String,
    /// Username.
    pub username: Option<String>,
    /// Phone, masked.
    pub phone_masked: Option<String>,
    /// Roles held in this organisation.
    pub roles: Vec<Role>,
    /// Account status.
    pub status: UserStatus,
}

/// A page of staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgMemberPage {
    /// Staff, by user id.
    pub items: Vec<OrgMember>,
    /// Cursor of the next page, if any.
    pub next_cursor: Option<String>,
}

/// Adds a person to an organisation with a role; a new person gets an invitation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    /// Display name.
    pub display_name: String,
    /// Username (letters, digits, `_` `-` `.`; 3-32), or
    pub username: Option<String>,
    /// mainland mobile number; at least one of the two.
    pub phone: Option<String>,
    /// Role to grant (must belong to the organisation's kind).
    pub role: Role,
}

/// The outcome of adding a member.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddedMember {
    /// The user (new or existing).
    pub user_id: i64,
    /// The role granted.
    pub role: Role,
    /// Whether the user was created now.
    pub created: bool,
    /// One-time invitation token for a user without a password (shown once; deliver it to
    /// them, they set a password at `/api/auth/activate`).
    pub invitation_token: Option<String>,
    /// When the invitation expires.
    pub invitation_expires_at: Option<DateTime<Utc>>,
}
