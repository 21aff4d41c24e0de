//! The closed lists of codes a client can see: [`ErrorCode`] (`error.code`, each with its one
//! HTTP status) and [`FieldCode`] (`error.details.fields.<field>[].code`, always inside a 422
//! `validation_failed`). A variant's doc comment says when the server answers it;
//! `docs/errors.md` is generated from these lists ([`reference`]) and a test fails when it
//! differs (`UPDATE_ERRORS_DOC=1` rewrites it).
//!
//! Codes are part of the API: never rename or reuse one; add a variant for a new case.

use axum::http::StatusCode;

/// Declares a closed code enum: each variant's snake_case text, its doc comment (the "when"
/// of the documentation) and, for [`ErrorCode`], its HTTP status, in one place.
macro_rules! codes {
    (@enum $(#[doc = $edoc:literal])+ $name:ident { $( $(#[doc = $doc:literal])+ $variant:ident = $code:literal, )+ }) => {
        $(#[doc = $edoc])+
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        pub enum $name {
            $( $(#[doc = $doc])+ #[serde(rename = $code)] $variant, )+
        }

        impl $name {
            /// Every code, in the order of the documentation.
            pub const ALL: &[$name] = &[$($name::$variant),+];

            /// The stable snake_case text clients see.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// When the server answers this code (the variant's doc comment).
            #[must_use]
            pub fn when(self) -> &'static str {
                match self {
                    $($name::$variant => concat!($($doc),+).trim(),)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        // By hand: the derive does not see `serde(rename)` through the macro's literals.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some(concat!($($edoc),+).trim()))
                    .enum_values(Some($name::ALL.iter().map(|c| c.as_str())))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
    ($(#[doc = $edoc:literal])+ pub enum $name:ident with status { $( $(#[doc = $doc:literal])+ $variant:ident($status:ident) = $code:literal, )+ }) => {
        codes!(@enum $(#[doc = $edoc])+ $name { $( $(#[doc = $doc])+ $variant = $code, )+ });

        impl $name {
            /// The HTTP status this code is always answered with.
            #[must_use]
            pub const fn status(self) -> StatusCode {
                match self {
                    $($name::$variant => StatusCode::$status,)+
                }
            }
        }
    };
    ($(#[doc = $edoc:literal])+ pub enum $name:ident { $( $(#[doc = $doc:literal])+ $variant:ident = $code:literal, )+ }) => {
        codes!(@enum $(#[doc = $edoc])+ $name { $( $(#[doc = $doc])+ $variant = $code, )+ });
    };
}

codes! {
    /// Every `error.code` a client can see, with the one status it is answered with.
    pub enum ErrorCode with status {
        /// the body is not JSON
        MalformedJson(BAD_REQUEST) = "malformed_json",
        /// a query parameter has the wrong type or value (also a search text over 100
        /// characters, an unknown region `flag`)
        InvalidQuery(BAD_REQUEST) = "invalid_query",
        /// a path parameter has the wrong type (e.g. `/api/orgs/abc`)
        InvalidPath(BAD_REQUEST) = "invalid_path",
        /// a pagination cursor was not made by the server
        InvalidCursor(BAD_REQUEST) = "invalid_cursor",
        /// `Idempotency-Key` is empty, not visible text, or longer than 255 characters
        InvalidIdempotencyKey(BAD_REQUEST) = "invalid_idempotency_key",
        /// the same `Idempotency-Key` was used for a different request (another body, method
        /// or path)
        IdempotencyKeyReused(BAD_REQUEST) = "idempotency_key_reused",
        /// the body could not be read
        UnreadableBody(BAD_REQUEST) = "unreadable_body",
        /// an upload that is not well-formed `multipart/form-data`
        InvalidMultipart(BAD_REQUEST) = "invalid_multipart",
        /// a Stripe webhook without a valid signature
        WebhookSignatureInvalid(BAD_REQUEST) = "webhook_signature_invalid",
        /// a Stripe webhook signed more than 5 minutes away from now
        WebhookTimestampStale(BAD_REQUEST) = "webhook_timestamp_stale",
        /// a Stripe webhook whose signature header or event cannot be read
        WebhookMalformed(BAD_REQUEST) = "webhook_malformed",
        /// a NUL character (`\u0000`, `%00`) in the path, the query, a JSON body or a form
        /// field: no text the server stores may contain one
        InvalidCharacters(BAD_REQUEST) = "invalid_characters",
        /// another malformed request (any client error of the HTTP stack without a code of its
        /// own)
        BadRequest(BAD_REQUEST) = "bad_request",
        /// no valid session or bearer token
        Unauthenticated(UNAUTHORIZED) = "unauthenticated",
        /// wrong login or password (never says which)
        InvalidCredentials(UNAUTHORIZED) = "invalid_credentials",
        /// authenticated, but the role does not allow this
        Forbidden(FORBIDDEN) = "forbidden",
        /// cookie-authenticated change without the session's `X-CSRF-Token`
        CsrfRejected(FORBIDDEN) = "csrf_rejected",
        /// the member is not in the campaign's audience
        CouponNotEligible(FORBIDDEN) = "coupon_not_eligible",
        /// no such object, or it belongs to another organisation
        NotFound(NOT_FOUND) = "not_found",
        /// no such endpoint (or static file)
        RouteNotFound(NOT_FOUND) = "route_not_found",
        /// the endpoint exists, not with this method (`Allow` lists the methods)
        MethodNotAllowed(METHOD_NOT_ALLOWED) = "method_not_allowed",
        /// the request took longer than 30 s
        RequestTimeout(REQUEST_TIMEOUT) = "request_timeout",
        /// the first request with this `Idempotency-Key` is still running
        IdempotencyInProgress(CONFLICT) = "idempotency_in_progress",
        /// the username and phone given belong to two different users
        LoginConflict(CONFLICT) = "login_conflict",
        /// an admin tried to remove their own admin role
        CannotRevokeOwnAdmin(CONFLICT) = "cannot_revoke_own_admin",
        /// the platform organisation cannot be suspended
        CannotSuspendPlatform(CONFLICT) = "cannot_suspend_platform",
        /// a pairing would overlap another of the same helper, partner and programme
        PairingOverlap(CONFLICT) = "pairing_overlap",
        /// the object is not in a state that allows the action (e.g. approving an approved
        /// product, changing a published campaign, paying a paid statement)
        InvalidState(CONFLICT) = "invalid_state",
        /// a product of a supplier that is not admitted cannot be submitted or listed
        SupplierNotApproved(CONFLICT) = "supplier_not_approved",
        /// a stock decrease below zero
        InsufficientStock(CONFLICT) = "insufficient_stock",
        /// claim: today's coupons of the drop are all taken
        CouponSoldOut(CONFLICT) = "coupon_sold_out",
        /// claim: the member already holds as many of this coupon as allowed
        CouponLimitReached(CONFLICT) = "coupon_limit_reached",
        /// claim: the member reached today's limit of this coupon
        CouponDailyLimitReached(CONFLICT) = "coupon_daily_limit_reached",
        /// claim: the drop has not opened yet
        CouponNotStarted(CONFLICT) = "coupon_not_started",
        /// claim: the campaign has ended
        CouponCampaignEnded(CONFLICT) = "coupon_campaign_ended",
        /// claim: the coupon is issued by the union directly, not claimed
        CouponDirectOnly(CONFLICT) = "coupon_direct_only",
        /// checkout: the cart has problems (empty, an item no longer for sale, under its minimum
        /// order); the message lists them
        CheckoutProblems(CONFLICT) = "checkout_problems",
        /// checkout: an item has less stock than the cart asks for
        OutOfStock(CONFLICT) = "out_of_stock",
        /// checkout: the amount due differs from `expected_amount_fen`; the message gives the
        /// new amount (quote again)
        PriceChanged(CONFLICT) = "price_changed",
        /// checkout: the coupon is used, held by another checkout or expired
        CouponUnavailable(CONFLICT) = "coupon_unavailable",
        /// checkout: the coupon does not apply to the cart or its threshold is not reached
        CouponNotApplicable(CONFLICT) = "coupon_not_applicable",
        /// checkout: a checkout with this key was already placed
        CheckoutInProgress(CONFLICT) = "checkout_in_progress",
        /// the payment provider could not be reached; retry `POST /api/payments/{id}/intent`
        PaymentProviderUnavailable(CONFLICT) = "payment_provider_unavailable",
        /// a refund request of the order is already open
        RefundOpen(CONFLICT) = "refund_open",
        /// a refund of more units than remain to refund
        RefundExceedsQuantity(CONFLICT) = "refund_exceeds_quantity",
        /// the roster entry belongs to another account
        MembershipTaken(CONFLICT) = "membership_taken",
        /// more than 50 different items in the cart
        CartFull(CONFLICT) = "cart_full",
        /// more than 20 addresses in a member's address book
        AddressBookFull(CONFLICT) = "address_book_full",
        /// an institutional order whose invoice does not match accepted quantity × frozen price (the check report says which line)
        InvoiceMismatch(CONFLICT) = "invoice_mismatch",
        /// a budget unit with no filing approved for the year, where one is needed
        FilingMissing(CONFLICT) = "filing_missing",
        /// a static file requested with a precondition (`If-Unmodified-Since`) it fails
        PreconditionFailed(PRECONDITION_FAILED) = "precondition_failed",
        /// the body is larger than `BANGFU_MAX_BODY_BYTES`, or an upload than its own limit
        /// (images and documents 10 MB, rosters 50 MB)
        PayloadTooLarge(PAYLOAD_TOO_LARGE) = "payload_too_large",
        /// the request URL (path and query) is longer than 8 KiB
        UriTooLong(URI_TOO_LONG) = "uri_too_long",
        /// the request headers are larger than 16 KiB in all
        HeadersTooLarge(REQUEST_HEADER_FIELDS_TOO_LARGE) = "headers_too_large",
        /// a JSON endpoint called without `Content-Type: application/json`
        UnsupportedMediaType(UNSUPPORTED_MEDIA_TYPE) = "unsupported_media_type",
        /// a static file requested with a `Range` outside it
        RangeNotSatisfiable(RANGE_NOT_SATISFIABLE) = "range_not_satisfiable",
        /// fields were refused; `details.fields.<field>[] = {code, message}` (field codes
        /// below)
        ValidationFailed(UNPROCESSABLE_ENTITY) = "validation_failed",
        /// well-formed JSON of the wrong shape (type, missing field); the message names the
        /// field
        InvalidBody(UNPROCESSABLE_ENTITY) = "invalid_body",
        /// a write request carries a field the endpoint does not know
        UnknownField(UNPROCESSABLE_ENTITY) = "unknown_field",
        /// too many attempts; `Retry-After` gives the seconds to wait
        RateLimited(TOO_MANY_REQUESTS) = "rate_limited",
        /// unexpected; logged with the request id, details never shown
        InternalError(INTERNAL_SERVER_ERROR) = "internal_error",
        /// a dependency is down (no endpoint answers it today)
        Unavailable(SERVICE_UNAVAILABLE) = "unavailable",
    }
}

codes! {
    /// Every `details.fields.<field>[].code` a client can see (inside a 422
    /// `validation_failed`).
    pub enum FieldCode {
        /// the field is missing or empty
        Required = "required",
        /// the value is taken (a unique username, phone, code, name ...)
        AlreadyExists = "already_exists",
        /// a name, title or person's name is too short or too long
        NameLength = "name_length",
        /// a USCC is not 18 characters
        UsccLength = "uscc_length",
        /// a USCC has a character outside its alphabet
        UsccCharset = "uscc_charset",
        /// a USCC's check character is wrong
        UsccCheckChar = "uscc_check_char",
        /// a region code is neither six digits nor an internal `X` code
        RegionCodeFormat = "region_code_format",
        /// no such region, or it is not under the region given above it
        UnknownRegion = "unknown_region",
        /// a region of the wrong level (e.g. a city where a county is needed)
        WrongRegionLevel = "wrong_region_level",
        /// the registered county is not a partner county
        NotPartnerCounty = "not_partner_county",
        /// a region's level does not fit under its parent
        LevelMismatch = "level_mismatch",
        /// a region cannot pair with itself
        SameRegion = "same_region",
        /// an end date before its start date
        BeforeValidFrom = "before_valid_from",
        /// not a mainland mobile number
        PhoneFormat = "phone_format",
        /// a username of characters or length not allowed
        UsernameFormat = "username_format",
        /// the field does not apply here (a category for an organisation that is not a budget
        /// unit)
        NotApplicable = "not_applicable",
        /// the parent organisation does not exist or is of another kind
        InvalidParent = "invalid_parent",
        /// the role does not belong to this kind of organisation
        RoleNotForOrgKind = "role_not_for_org_kind",
        /// a password under 8 characters
        PasswordTooShort = "password_too_short",
        /// a password over 128 characters
        PasswordTooLong = "password_too_long",
        /// a password of digits only
        PasswordTooSimple = "password_too_simple",
        /// a supplier registration's password is under 8 characters or digits only
        PasswordPolicy = "password_policy",
        /// the current password given is wrong
        WrongPassword = "wrong_password",
        /// a bank account that is not 8-32 digits
        BankAccountFormat = "bank_account_format",
        /// a supplier application without a business licence
        BusinessLicenceMissing = "business_licence_missing",
        /// a supplier application without its links to local farmers
        FarmerLinksMissing = "farmer_links_missing",
        /// a document that is not PDF, JPEG or PNG
        DocumentUnsupportedFormat = "document_unsupported_format",
        /// a document over 10 MB
        DocumentTooLarge = "document_too_large",
        /// a document of no known kind
        InvalidKind = "invalid_kind",
        /// a certificate number that is not 2-64 characters
        NumberLength = "number_length",
        /// a document that does not exist or belongs to another organisation
        UnknownDocument = "unknown_document",
        /// a product that does not exist
        UnknownProduct = "unknown_product",
        /// a category that is not second-level
        CategoryNotLeaf = "category_not_leaf",
        /// a category that does not exist
        UnknownCategory = "unknown_category",
        /// a product's origin other than the supplier's county (only agent suppliers may)
        OriginNotAllowed = "origin_not_allowed",
        /// a number outside its allowed range (price, stock, quantity, limits, days ...)
        OutOfRange = "out_of_range",
        /// a SKU's spec that is not 1-40 characters
        SpecLength = "spec_length",
        /// a SKU's unit that is not 1-10 characters
        UnitLength = "unit_length",
        /// price tiers whose quantities do not rise or prices do not fall
        TierOrder = "tier_order",
        /// more items than allowed (SKUs, images, photos)
        TooMany = "too_many",
        /// a text over its limit (a product description)
        TooLong = "too_long",
        /// an image that was not uploaded (or not by this uploader)
        UnknownImage = "unknown_image",
        /// a SKU that is not one of the product's
        UnknownSku = "unknown_sku",
        /// a stock change that gives neither a new level (>= 0) nor a change
        InvalidStockChange = "invalid_stock_change",
        /// a zone slug that is not 2-40 of a-z, 0-9 and -
        SlugFormat = "slug_format",
        /// a zone rule's value that does not exist (region, category, supplier ...)
        InvalidRuleValue = "invalid_rule_value",
        /// a campaign budget under face value x quantity
        BudgetTooSmall = "budget_too_small",
        /// a drop time that is not a time such as `09:00`
        TimeFormat = "time_format",
        /// a coupon's use window is missing or invalid
        InvalidWindow = "invalid_window",
        /// a campaign that ends before it starts
        BeforeStartsOn = "before_starts_on",
        /// a zone that does not exist
        UnknownZone = "unknown_zone",
        /// a supplier that does not exist
        UnknownSupplier = "unknown_supplier",
        /// the member number and phone do not match a roster entry
        MembershipNotFound = "membership_not_found",
        /// an empty roster file (or a workbook without a sheet)
        RosterEmpty = "roster_empty",
        /// a roster header without member number, name, phone and work unit
        RosterColumns = "roster_columns",
        /// a roster that is neither UTF-8 CSV nor XLSX
        RosterEncoding = "roster_encoding",
        /// a roster CSV that cannot be parsed
        RosterCsv = "roster_csv",
        /// a roster XLSX (or its sheet) that cannot be read
        RosterXlsx = "roster_xlsx",
        /// a roster XLSX that would inflate beyond the limits (entries, uncompressed size,
        /// cells): refused before it is read
        RosterTooLarge = "roster_too_large",
        /// an address detail that is not 4-120 characters
        DetailLength = "detail_length",
        /// a reason that is not 2-500 characters
        ReasonLength = "reason_length",
        /// a filed ratio below the jurisdiction's target for the year
        BelowTarget = "below_target",
        /// an order-form line that matches no listed product (suggestions are in the dry run)
        NoMatch = "no_match",
        /// a quantity above what the step allows (ordered, confirmed, delivered)
        QuantityExceeds = "quantity_exceeds",
        /// a refund line that is not a line of the order
        UnknownLine = "unknown_line",
        /// the same line twice in one request
        Duplicate = "duplicate",
        /// a tracking number that is not 4-40 characters
        TrackingFormat = "tracking_format",
        /// an image upload (`file`) without content
        ImageEmpty = "image_empty",
        /// an image over 10 MB
        ImageTooLarge = "image_too_large",
        /// an image that is not JPEG, PNG or WebP
        ImageUnsupportedFormat = "image_unsupported_format",
        /// an image with data after its end (a polyglot)
        ImageTrailingData = "image_trailing_data",
        /// an image wider or taller than 8000 pixels or over 40 megapixels (including
        /// decompression bombs)
        ImageDimensionsTooLarge = "image_dimensions_too_large",
        /// an image that cannot be decoded (truncated or corrupt)
        ImageUndecodable = "image_undecodable",
    }
}

/// Opening of `docs/errors.md`, above the generated tables.
const INTRO: &str = "# Error codes

Every error answers `{\"error\":{\"code\",\"message\",\"details\",\"request_id\"}}`; `request_id` equals
the `x-request-id` response header. Codes are stable: never renamed, never reused. A code is
always answered with the same status.

This file is generated from `src/error/codes.rs` (`ErrorCode`, `FieldCode`: the doc comment of
each variant says when). Change the code, then rewrite this file with
`UPDATE_ERRORS_DOC=1 cargo nextest run --lib error::codes`.
";

/// `docs/errors.md`: every error code with its status and when it is answered, then every
/// field code.
#[must_use]
pub fn reference() -> String {
    let mut out = String::from(INTRO);
    out.push_str("\n| status | code | when |\n|---|---|---|\n");
    for code in ErrorCode::ALL {
        out.push_str(&format!(
            "| {} | `{}` | {} |\n",
            code.status().as_u16(),
            code.as_str(),
            code.when()
        ));
    }
    out.push_str(
        "\n## Field error codes\n\nIn a 422 `validation_failed`, `details.fields` maps each \
         refused field (e.g. `name`, `skus[0].price_fen`) to a list of `{code, message}`:\n\n\
         | code | when |\n|---|---|\n",
    );
    for code in FieldCode::ALL {
        out.push_str(&format!("| `{}` | {} |\n", code.as_str(), code.when()));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn is_snake_case(code: &str) -> bool {
        !code.is_empty()
            && !code.starts_with('_')
            && !code.ends_with('_')
            && !code.contains("__")
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    }

    #[test]
    fn every_code_is_unique_snake_case_and_an_error_status() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(is_snake_case(code.as_str()), "{code}");
            let status = code.status();
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{code}: {status}"
            );
            assert_eq!(
                serde_json::to_value(code).ok(),
                Some(serde_json::Value::from(code.as_str()))
            );
        }
        let mut seen = HashSet::new();
        for code in FieldCode::ALL {
            assert!(seen.insert(code.as_str()), "field code {code} twice");
            assert!(is_snake_case(code.as_str()), "{code}");
            assert_eq!(
                serde_json::to_value(code).ok(),
                Some(serde_json::Value::from(code.as_str()))
            );
        }
    }

    #[test]
    fn every_code_says_when_in_one_table_cell() {
        let whens = ErrorCode::ALL
            .iter()
            .map(|c| (c.as_str(), c.when()))
            .chain(FieldCode::ALL.iter().map(|c| (c.as_str(), c.when())));
        for (code, when) in whens {
            assert!(!when.is_empty(), "{code}");
            assert!(!when.contains('|') && !when.contains('\n'), "{code}");
        }
    }

    /// `docs/errors.md` is what [`reference`] generates; `UPDATE_ERRORS_DOC=1` rewrites it.
    #[test]
    fn docs_errors_md_is_generated_from_the_codes() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/errors.md");
        let generated = reference();
        if std::env::var_os("UPDATE_ERRORS_DOC").is_some() {
            std::fs::write(&path, &generated).expect("write docs/errors.md");
        }
        let stored = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            stored == generated,
            "docs/errors.md differs from the codes in src/error/codes.rs: run \
             `UPDATE_ERRORS_DOC=1 cargo nextest run --lib error::codes` and commit it"
        );
    }
}
