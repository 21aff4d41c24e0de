//! The OpenAPI document (utoipa) and the interactive documentation page (Scalar).

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Top-level information of the document; the paths come from the routers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Bangfu (帮扶) API",
        description = "Consumption-assistance marketplace. Errors: `{\"error\":{\"code\",\"message\",\"details\",\"request_id\"}}`. Authenticate with `Authorization: Bearer <token>` from `/api/auth/login`, or the `bangfu_session` cookie plus `X-CSRF-Token` on changes.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&Security),
    // Enums used only in query parameters must be registered to be referenced.
    components(schemas(
        crate::catalog::dto::SortBy,
        crate::catalog::model::ProductStatus,
        crate::catalog::model::ZoneRule,
        crate::catalog::model::Storage,
        crate::suppliers::model::CertKind,
        crate::suppliers::model::CertStatus,
        crate::suppliers::model::SupplierStatus,
        crate::suppliers::model::DocumentKind,
        crate::regions::model::Programme,
        crate::regions::model::RegionLevel,
        crate::auth::OrgKind,
        crate::auth::Role,
        crate::coupons::model::CouponStatus,
        crate::coupons::model::CampaignStatus,
        crate::orders::model::OrderStatus,
        crate::orders::model::RefundStatus,
        // The codes inside `details.fields` of a 422 (the body's `details` is free-form).
        crate::error::FieldCode,
    )),
    tags(
        (name = "auth", description = "Login, sessions, passwords, invitations"),
        (name = "orgs", description = "Organisations and their staff"),
        (name = "regions", description = "Regions and pairings"),
        (name = "audit", description = "Audit log"),
        (name = "suppliers", description = "Supplier admission, documents, certificates"),
        (name = "catalog", description = "Products, review, zones, the shop"),
        (name = "media", description = "Images"),
        (name = "coupons", description = "Roster, campaigns, claims, wallet"),
        (name = "orders", description = "Cart, checkout, orders, refunds, settlement"),
        (name = "payments", description = "Payments and provider webhooks"),
        (name = "procurement", description = "Budget units, filings, bulk orders, acceptance, invoices"),
        (name = "ops", description = "Health, readiness, metrics"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}
