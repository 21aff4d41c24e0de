//! The one place that decides who may do what to which object. Every handler calls one of
//! these before touching data.
//!
//! Rules: an operator may act on every organisation. Anyone else must hold a role in the
//! object's organisation, or the object does not exist for them (404, so existence is not
//! leaked); holding a role there but not the one the action needs is 403.

use super::actor::Actor;
use super::model::Role;
use crate::error::AppError;

/// What is being done to an organisation or an object it owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgAction {
    /// Read the organisation and what it owns.
    View,
    /// Change the organisation's own details.
    Edit,
    /// List, add and remove the organisation's staff and their roles.
    ManageStaff,
    /// An action that needs one of these roles in the organisation.
    WithRole(&'static [Role]),
}

/// Authorises `action` on organisation `org_id` (or an object it owns).
///
/// # Errors
/// 404 `not_found` when the actor has no role in the organisation; 403 `forbidden` when
/// their roles there do not allow the action.
pub fn authorize_org(actor: &Actor, org_id: i64, action: OrgAction) -> Result<(), AppError> {
    if actor.is_operator() {
        return Ok(());
    }
    let roles: Vec<Role> = actor.roles_in(org_id).collect();
    if roles.is_empty() {
        return Err(AppError::NotFound);
    }
    let allowed = match action {
        OrgAction::View => true,
        OrgAction::Edit | OrgAction::ManageStaff => roles.iter().any(|r| r.is_org_admin()),
        OrgAction::WithRole(needed) => roles.iter().any(|r| needed.contains(r)),
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Authorises an action that needs one of `roles` in the object's organisation, checking the
/// role first: someone who holds none of these roles anywhere (a member calling a supplier
/// endpoint) gets 403; someone who holds one elsewhere (another supplier) gets 404; operators
/// pass.
///
/// # Errors
/// 403 `forbidden` or 404 `not_found` as above.
pub fn authorize_org_role(
    actor: &Actor,
    org_id: i64,
    roles: &'static [Role],
) -> Result<(), AppError> {
    if actor.is_operator() {
        return Ok(());
    }
    require_any_role(actor, roles)?;
    authorize_org(actor, org_id, OrgAction::WithRole(roles))
}

/// Requires that the actor holds one of `roles` somewhere (for actions not tied to one
/// organisation, such as creating organisations or editing regions).
///
/// # Errors
/// 403 `forbidden`.
pub fn require_any_role(actor: &Actor, roles: &[Role]) -> Result<(), AppError> {
    if roles.iter().any(|r| actor.has_role(*r)) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Requires a platform operator.
///
/// # Errors
/// 403 `forbidden`.
pub fn require_operator(actor: &Actor) -> Result<(), AppError> {
    require_any_role(actor, &[Role::Operator])
}

/// Whether the actor may grant `role` in an organisation where they hold `their_roles`:
/// operators grant anything; organisation admins grant the roles of their own kind.
#[must_use]
pub fn may_grant(actor: &Actor, org_id: i64, role: Role) -> bool {
    actor.is_operator()
        || actor
            .grants
            .iter()
            .any(|g| g.org_id == org_id && g.role.is_org_admin() && g.org_kind == role.org_kind())
}

/// Requires that the object belongs to the actor themself (their own sessions, coupons).
///
/// # Errors
/// 404 `not_found` when it is someone else's.
pub fn require_self(actor: &Actor, owner_user_id: i64) -> Result<(), AppError> {
    if actor.user_id == owner_user_id {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::actor::Grant;
    use crate::auth::model::OrgKind;

    fn actor(grants: &[(Role, i64)]) -> Actor {
        Actor {
            user_id: 1,
            session_id: 1,
            display_name: "t".into(),
            grants: grants
                .iter()
                .map(|(role, org_id)| Grant {
                    role: *role,
                    org_id: *org_id,
                    org_kind: role.org_kind(),
                })
                .collect(),
            csrf_token: String::new(),
            via_cookie: false,
        }
    }

    #[test]
    fn decisions() {
        let buyer = actor(&[(Role::Buyer, 10)]);
        assert!(authorize_org(&buyer, 10, OrgAction::View).is_ok());
        assert!(matches!(
            authorize_org(&buyer, 10, OrgAction::ManageStaff),
            Err(AppError::Forbidden)
        ));
        assert!(matches!(
            authorize_org(&buyer, 11, OrgAction::View),
            Err(AppError::NotFound)
        ));
        assert!(authorize_org(&buyer, 10, OrgAction::WithRole(&[Role::Buyer])).is_ok());
        assert!(matches!(
            authorize_org(&buyer, 10, OrgAction::WithRole(&[Role::Approver])),
            Err(AppError::Forbidden)
        ));
        let op = actor(&[(Role::Operator, 1)]);
        assert!(authorize_org(&op, 99, OrgAction::ManageStaff).is_ok());
        let admin = actor(&[(Role::UnitAdmin, 10)]);
        assert!(may_grant(&admin, 10, Role::Buyer));
        assert!(!may_grant(&admin, 10, Role::Member));
        assert!(!may_grant(&admin, 11, Role::Buyer));
        assert!(!may_grant(&buyer, 10, Role::Buyer));
        assert_eq!(Role::Buyer.org_kind(), OrgKind::BudgetUnit);
    }
}
