//! Roles and organisation kinds: the vocabulary of who may do what.

use crate::vocab::text_enum;

text_enum! {
    /// What an organisation is.
    OrgKind {
        /// The platform operator (平台运营).
        Platform = "platform",
        /// A trade union (工会), city or district.
        Union = "union",
        /// A budget unit (预算单位): agency, SOE, school, hospital, community canteen.
        BudgetUnit = "budget_unit",
        /// A supplier in a partner county.
        Supplier = "supplier",
        /// A helper district (帮扶方), e.g. 福田区.
        HelperDistrict = "helper_district",
        /// A regulator's jurisdiction (财政/乡村振兴).
        Jurisdiction = "jurisdiction",
    }
}

text_enum! {
    /// A role a user holds in one organisation (DOMAIN.md, "Actors").
    Role {
        /// Platform operator: reviews, regions, pairings, organisations.
        Operator = "operator",
        /// Union administrator: roster, coupon campaigns, settlement.
        UnionAdmin = "union_admin",
        /// Union member: shops with coupons.
        Member = "member",
        /// Budget unit administrator: staff and settings of the unit.
        UnitAdmin = "unit_admin",
        /// Buyer (采购员): places the unit's orders.
        Buyer = "buyer",
        /// Approver (审批人): approves orders above the threshold.
        Approver = "approver",
        /// Supplier administrator: listings, staff, invoices.
        SupplierAdmin = "supplier_admin",
        /// Supplier staff: listings, stock, fulfilment.
        SupplierStaff = "supplier_staff",
        /// Regulator: read-only reports over a jurisdiction.
        Regulator = "regulator",
        /// Officer of a helper district: reviews its units' filings.
        DistrictOfficer = "district_officer",
    }
}

text_enum! {
    /// Category of a budget unit.
    BudgetCategory {
        /// 机关 (government agency).
        Agency = "agency",
        /// 国有企业 (state-owned enterprise).
        Soe = "soe",
        /// 学校.
        School = "school",
        /// 医院.
        Hospital = "hospital",
        /// 社区食堂 (community canteen).
        CommunityCanteen = "community_canteen",
    }
}

text_enum! {
    /// Whether an organisation may act.
    OrgStatus {
        /// Working normally.
        Active = "active",
        /// Suspended by the operator.
        Suspended = "suspended",
    }
}

text_enum! {
    /// Whether a user may log in.
    UserStatus {
        /// Invited; has not set a password yet.
        Invited = "invited",
        /// May log in.
        Active = "active",
        /// Disabled: every session is revoked and login refused.
        Disabled = "disabled",
    }
}

impl Role {
    /// The kind of organisation this role belongs to.
    #[must_use]
    pub const fn org_kind(self) -> OrgKind {
        match self {
            Role::Operator => OrgKind::Platform,
            Role::UnionAdmin | Role::Member => OrgKind::Union,
            Role::UnitAdmin | Role::Buyer | Role::Approver => OrgKind::BudgetUnit,
            Role::SupplierAdmin | Role::SupplierStaff => OrgKind::Supplier,
            Role::Regulator => OrgKind::Jurisdiction,
            Role::DistrictOfficer => OrgKind::HelperDistrict,
        }
    }

    /// Whether this role administers its organisation (may add and remove staff).
    #[must_use]
    pub const fn is_org_admin(self) -> bool {
        matches!(
            self,
            Role::Operator
                | Role::UnionAdmin
                | Role::UnitAdmin
                | Role::SupplierAdmin
                | Role::Regulator
                | Role::DistrictOfficer
        )
    }
}

impl OrgKind {
    /// The administrator role of this kind of organisation (the one an operator invites first).
    #[must_use]
    pub const fn admin_role(self) -> Role {
        match self {
            OrgKind::Platform => Role::Operator,
            OrgKind::Union => Role::UnionAdmin,
            OrgKind::BudgetUnit => Role::UnitAdmin,
            OrgKind::Supplier => Role::SupplierAdmin,
            OrgKind::Jurisdiction => Role::Regulator,
            OrgKind::HelperDistrict => Role::DistrictOfficer,
        }
    }

    /// Roles that can be held in this kind of organisation.
    #[must_use]
    pub fn roles(self) -> Vec<Role> {
        Role::ALL
            .iter()
            .copied()
            .filter(|r| r.org_kind() == self)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_an_admin_role_of_its_own() {
        for kind in OrgKind::ALL {
            let admin = kind.admin_role();
            assert_eq!(admin.org_kind(), *kind);
            assert!(admin.is_org_admin());
            assert!(kind.roles().contains(&admin));
        }
    }

    #[test]
    fn text_round_trips() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
            assert_eq!(
                serde_json::to_value(role).ok(),
                Some(serde_json::json!(role.as_str()))
            );
        }
        assert_eq!(Role::parse("root"), None);
    }
}
