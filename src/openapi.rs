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
        crate::coupons::model::RosterStatus,
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
        (name = "reporting", description = "Share rules, the completion ledger, unit figures and city reports"),
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

/// Operations anyone may call without signing in (method, path template). Every other
/// operation answers 401 without credentials (a test holds the two together), and is
/// documented with its 401 and 403.
pub const PUBLIC: &[(&str, &str)] = &[
    ("post", "/api/auth/activate"),
    ("post", "/api/auth/login"),
    ("get", "/api/categories"),
    ("get", "/api/pairings"),
    ("post", "/api/payments/webhooks/stripe"),
    ("get", "/api/products"),
    ("get", "/api/products/{id}"),
    ("get", "/api/products/{id}/trace"),
    ("get", "/api/products/{id}/{file}"),
    ("get", "/api/regions"),
    ("get", "/api/regions/{code}"),
    ("post", "/api/suppliers/register"),
    ("get", "/api/zones"),
    ("get", "/healthz"),
    ("get", "/media/{hash}/{file}"),
    ("get", "/metrics"),
    ("get", "/readyz"),
];

/// Completes the document with the answers the server gives to every operation beyond the
/// ones each handler declares, so that a client generated from it handles every answer:
/// 400 (a path, query or NUL character refused), 414/431 (oversized URL or headers), 503
/// (a dependency down) everywhere; 413/415/422 where there is a body; 404 where there is a
/// path parameter; 401/403 and the security schemes where a user is needed; the content types
/// of image renditions.
pub fn complete(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{RefOr, security::SecurityRequirement};

    for (path, item) in &mut doc.paths.paths {
        let operations = [
            ("get", item.get.as_mut()),
            ("put", item.put.as_mut()),
            ("post", item.post.as_mut()),
            ("delete", item.delete.as_mut()),
            ("patch", item.patch.as_mut()),
        ];
        for (method, op) in operations {
            let Some(op) = op else { continue };
            let has_path_param = op.parameters.as_ref().is_some_and(|ps| {
                ps.iter().any(
                    |p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Path)),
                )
            });
            let has_body = op.request_body.is_some();
            let public = PUBLIC.contains(&(method, path.as_str()));
            let mut add = |status: &str, when: &str| {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| RefOr::T(error_response(when)));
            };
            add(
                "400",
                "invalid_path, invalid_query, invalid_characters (a NUL character), malformed_json and other malformed requests",
            );
            if has_body {
                add("413", "payload_too_large");
                add("415", "unsupported_media_type");
                add(
                    "422",
                    "validation_failed (details.fields), invalid_body, unknown_field",
                );
            }
            if has_path_param {
                add(
                    "404",
                    "not_found: no such object, or it belongs to another organisation",
                );
            }
            if !public {
                add("401", "unauthenticated");
                add("403", "forbidden, csrf_rejected");
                op.security = Some(vec![
                    SecurityRequirement::new("bearer", Vec::<String>::new()),
                    SecurityRequirement::new("cookie", Vec::<String>::new()),
                ]);
            }
            add("414", "uri_too_long");
            add("431", "headers_too_large");
            add("503", "unavailable: the database or Redis is down");
            if path == "/media/{hash}/{file}" {
                op.responses.responses.insert(
                    "200".to_owned(),
                    RefOr::T(binary_response(
                        "the rendition (`.webp` or `.jpg`), cached for a year",
                        &["image/webp", "image/jpeg"],
                    )),
                );
            }
            if path == "/api/products/{id}/{file}" {
                op.responses.responses.insert(
                    "200".to_owned(),
                    RefOr::T(binary_response(
                        "the product's QR code (`qr.svg` or `qr.png`)",
                        &["image/svg+xml", "image/png"],
                    )),
                );
            }
        }
    }
}

fn error_response(when: &str) -> utoipa::openapi::Response {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(when)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

fn binary_response(description: &str, types: &[&str]) -> utoipa::openapi::Response {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{ContentBuilder, ResponseBuilder};
    let mut builder = ResponseBuilder::new().description(description);
    for t in types {
        builder = builder.content(
            *t,
            ContentBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String).format(
                    Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
                        utoipa::openapi::schema::KnownFormat::Binary,
                    )),
                )))
                .build(),
        );
    }
    builder.build()
}
