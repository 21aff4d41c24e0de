//! No input gives a 500: NUL characters anywhere, oversized URLs and headers, ids of parents
//! that do not exist, quantities and amounts at the edge of 64 bits.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Auth, TestApp, assert_envelope};

/// A NUL character is refused as 400 `invalid_characters` wherever it comes from: a query,
/// a path, a JSON body, a form field, a header; nothing is written.
#[tokio::test]
async fn nul_characters_are_refused_everywhere_in_one_place() {
    let app = TestApp::spawn().await;
    let op = app.login("operator").await;
    let orgs = app.count("organizations").await;
    let audit = app.count("audit_log").await;
    for path in [
        "/api/orgs?q=%00",
        "/api/orgs?q=ab%00cd",
        "/api/audit?entity_type=org%00",
        "/api/audit?entity_id=1%00",
        "/api/regions?parent=45%00",
        "/api/regions?flag=%00",
        "/api/regions/4501%0024",
        "/api/pairings?helper=44%00",
        "/api/pairings?partner=%00",
        "/api/suppliers?q=%00",
        "/api/products?q=%E8%8B%B9%00",
    ] {
        let r = app.get(path, &op.bearer()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.text);
        assert_eq!(r.code(), "invalid_characters", "{path}: {}", r.text);
        assert_envelope(&r);
    }
    // JSON bodies: organisation update, creation, region update.
    let org = app
        .get("/api/orgs?kind=union", &op.bearer())
        .await
        .expect(StatusCode::OK)
        .body["items"][0]["id"]
        .as_i64()
        .expect("an org");
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/orgs/{org}"),
            json!({"name": "坏\u{0}名字"}),
        ),
        (
            Method::PATCH,
            format!("/api/orgs/{org}"),
            json!({"contact_name": "\u{0}"}),
        ),
        (
            Method::POST,
            "/api/orgs".to_owned(),
            json!({"kind": "union", "name": "新\u{0}工会"}),
        ),
        (
            Method::POST,
            "/api/pairings".to_owned(),
            json!({"helper": "440300\u{0}", "partner": "450124"}),
        ),
    ] {
        let r = app.call(method, &path, Some(body), &op.bearer()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.text);
        assert_eq!(r.code(), "invalid_characters", "{path}: {}", r.text);
    }
    assert_eq!(app.count("audit_log").await, audit, "nothing written");
    // An escaped backslash before "u0000" is plain text, not a NUL.
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/orgs/{org}"),
            Some(json!({"contact_name": "\\u0000"})),
            &op.bearer(),
        )
        .await;
    assert_ne!(r.code(), "invalid_characters", "{}", r.text);
    // A form field (multipart).
    let admin = app.login("union_admin").await;
    let union = admin.org_with("union_admin");
    app.multipart(
        &format!("/api/unions/{union}/roster/imports"),
        &[("dry_run", "tr\0ue")],
        Some(("file", "r.csv", "会员号,姓名,手机号,工作单位\n".as_bytes())),
        &admin.bearer(),
    )
    .await
    .expect_error(StatusCode::BAD_REQUEST, "invalid_characters");
    // A header cannot carry one: the HTTP stack refuses it before the application.
    assert_eq!(app.count("organizations").await, orgs);
}

/// URLs over 8 KiB and header sections over 16 KiB answer 414/431 in the envelope.
#[tokio::test]
async fn oversized_urls_and_headers_answer_in_the_envelope() {
    let app = TestApp::spawn().await;
    let long = format!("/api/products?q={}", "a".repeat(9 * 1024));
    let r = app.get(&long, &Auth::None).await;
    assert_eq!(r.status, StatusCode::URI_TOO_LONG, "{}", r.text);
    assert_eq!(r.code(), "uri_too_long");
    assert_envelope(&r);
    let big = "b".repeat(20 * 1024);
    let r = app
        .call_with(
            Method::GET,
            "/api/products",
            None,
            &Auth::None,
            &[("x-big", &big)],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "{}",
        r.text
    );
    assert_eq!(r.code(), "headers_too_large");
    assert_envelope(&r);
    // Just under the limits: served.
    let fine = format!("/api/products?q={}", "a".repeat(50));
    app.get(&fine, &Auth::None).await.expect(StatusCode::OK);
}

fn field_code(r: &crate::helpers::TestResponse, field: &str) -> String {
    r.body["error"]["details"]["fields"][field][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Quantities and amounts at 2^63-1 (and other extremes) are refused as 422 before any
/// arithmetic: stock set and change, SKU stock, weight and tiers, coupon amounts and limits,
/// (cart quantities were already bounded, 0-999). The stock stays what it was.
#[tokio::test]
async fn quantities_and_amounts_are_bounded_before_arithmetic() {
    let app = TestApp::spawn().await;
    let supplier = app.login("supplier").await;
    let op = app.login("operator").await;
    let id = crate::fixtures::listed_product(&app, &supplier, &op, "边界测试芒果", 5000).await;
    let product = app
        .get(&format!("/api/products/{id}"), &Auth::None)
        .await
        .expect(StatusCode::OK);
    let sku = product.body["skus"][0]["id"].as_i64().expect("sku");
    let stock_path = format!("/api/manage/skus/{sku}/stock");
    let max = i64::MAX;
    for (body, field) in [
        (json!({"set": max}), "set"),
        (json!({"set": 100_000_001}), "set"),
        (json!({"delta": max}), "delta"),
        (json!({"delta": i64::MIN}), "delta"),
        (json!({"delta": 100_000_000}), "delta"),
    ] {
        let r = app
            .post(&stock_path, body.clone(), &supplier.bearer())
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text
        );
        assert_eq!(r.code(), "validation_failed", "{body}: {}", r.text);
        assert_eq!(field_code(&r, field), "out_of_range", "{body}: {}", r.text);
    }
    // The largest level is accepted; then any increase is refused (422), never overflows.
    app.post(&stock_path, json!({"set": 100_000_000}), &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    let r = app
        .post(&stock_path, json!({"delta": 1}), &supplier.bearer())
        .await;
    assert_eq!(field_code(&r, "delta"), "out_of_range", "{}", r.text);
    let s = app
        .post(
            &stock_path,
            json!({"delta": -100_000_000}),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(s.body["stock"], 0);
    app.post(&stock_path, json!({"delta": -1}), &supplier.bearer())
        .await
        .expect_error(StatusCode::CONFLICT, "insufficient_stock");

    // A product's SKU numbers.
    let cat = crate::fixtures::category(&app, "tropical").await;
    let org = supplier.org_with("supplier_admin");
    for (key, value) in [
        ("stock", json!(max)),
        ("weight_grams", json!(i32::MAX)),
        ("min_order_qty", json!(i32::MAX)),
        ("price_fen", json!(max)),
    ] {
        let mut input = crate::fixtures::product_input(cat, "边界测试荔枝", 5000, &[]);
        input["skus"][0][key] = value;
        let r = app
            .post(
                &format!("/api/suppliers/{org}/products"),
                input,
                &supplier.bearer(),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{key}: {}",
            r.text
        );
        assert_eq!(
            field_code(&r, &format!("skus[0].{key}")),
            "out_of_range",
            "{key}: {}",
            r.text
        );
    }

    // Coupon amounts and limits.
    let admin = app.login("union_admin").await;
    let union = admin.org_with("union_admin");
    let today = bangfu::time::business_date(chrono::Utc::now());
    let campaign = json!({
        "name": "边界测试券",
        "face_value_fen": 1000, "min_spend_fen": 0, "total_quantity": 10, "budget_fen": 10_000,
        "per_member_limit": 1, "per_member_daily_limit": 1, "claim_mode": "direct", "audience_kind": "all", "audience_values": [],
        "validity_kind": "relative", "valid_days": 30,
        "scope": {"assistance_only": true}, "starts_on": today.to_string(),
        "ends_on": (today + chrono::Duration::days(10)).to_string()
    });
    for (key, value, field) in [
        ("face_value_fen", json!(max), "face_value_fen"),
        ("min_spend_fen", json!(max), "min_spend_fen"),
        ("budget_fen", json!(max), "budget_fen"),
        ("total_quantity", json!(max), "total_quantity"),
        ("per_member_limit", json!(i32::MAX), "per_member_limit"),
    ] {
        let mut body = campaign.clone();
        body[key] = value;
        let r = app
            .post(
                &format!("/api/unions/{union}/campaigns"),
                body,
                &admin.bearer(),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{key}: {}",
            r.text
        );
        assert_eq!(field_code(&r, field), "out_of_range", "{key}: {}", r.text);
    }
    // Out of the type's range altogether: refused by the body's shape.
    let mut body = campaign.clone();
    body["total_quantity"] = json!(u64::MAX);
    let r = app
        .post(
            &format!("/api/unions/{union}/campaigns"),
            body,
            &admin.bearer(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
}

/// Every route under a parent id (an organisation, a supplier, a union, a campaign, an order)
/// answers 404 for an id that does not exist, for the operator too (who may see every
/// organisation): never a foreign-key 500, never 200 with an empty list.
#[tokio::test]
async fn routes_under_a_missing_parent_answer_404() {
    let app = TestApp::spawn().await;
    let op = app.login("operator").await;
    let missing = 987_654_321_i64;
    let today = bangfu::time::business_date(chrono::Utc::now());
    let cert = json!({"kind": "green_food", "number": "LB-12-3456789", "issuer": "中国绿色食品发展中心",
        "valid_from": today.to_string(), "valid_to": (today + chrono::Duration::days(300)).to_string()});
    let campaign = json!({
        "name": "不存在的工会的券",
        "face_value_fen": 1000, "min_spend_fen": 0, "total_quantity": 10, "budget_fen": 10_000,
        "per_member_limit": 1, "per_member_daily_limit": 1, "claim_mode": "direct",
        "audience_kind": "all", "audience_values": [],
        "validity_kind": "relative", "valid_days": 30,
        "scope": {"assistance_only": true}, "starts_on": today.to_string(),
        "ends_on": (today + chrono::Duration::days(10)).to_string()
    });
    let cat = crate::fixtures::category(&app, "tropical").await;
    let product = crate::fixtures::product_input(cat, "不存在的供应商的芒果", 5000, &[]);
    let decision = json!({"reason": "测试原因"});
    let cases: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, format!("/api/orgs/{missing}"), None),
        (
            Method::PATCH,
            format!("/api/orgs/{missing}"),
            Some(json!({"name": "不存在"})),
        ),
        (Method::GET, format!("/api/orgs/{missing}/members"), None),
        (
            Method::POST,
            format!("/api/orgs/{missing}/members"),
            Some(
                json!({"display_name": "张三", "username": "nobody_here", "role": "supplier_admin"}),
            ),
        ),
        (
            Method::POST,
            format!("/api/orgs/{missing}/status"),
            Some(json!({"status": "suspended", "reason": "测试"})),
        ),
        (Method::GET, format!("/api/orgs/{missing}/documents"), None),
        (
            Method::GET,
            format!("/api/orgs/{missing}/notifications"),
            None,
        ),
        (
            Method::GET,
            format!("/api/suppliers/{missing}/certificates"),
            None,
        ),
        (
            Method::POST,
            format!("/api/suppliers/{missing}/certificates"),
            Some(cert),
        ),
        (
            Method::GET,
            format!("/api/suppliers/{missing}/orders"),
            None,
        ),
        (
            Method::GET,
            format!("/api/suppliers/{missing}/refunds"),
            None,
        ),
        (
            Method::GET,
            format!("/api/suppliers/{missing}/settlements"),
            None,
        ),
        (
            Method::GET,
            format!("/api/suppliers/{missing}/products"),
            None,
        ),
        (
            Method::POST,
            format!("/api/suppliers/{missing}/products"),
            Some(product),
        ),
        (
            Method::GET,
            format!("/api/suppliers/{missing}/profile"),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/suppliers/{missing}/profile"),
            Some(json!({"contact_name": "李四"})),
        ),
        (
            Method::POST,
            format!("/api/suppliers/{missing}/submit"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/suppliers/{missing}/recommend"),
            Some(decision.clone()),
        ),
        (
            Method::POST,
            format!("/api/suppliers/{missing}/approve"),
            Some(decision.clone()),
        ),
        (
            Method::POST,
            format!("/api/suppliers/{missing}/reject"),
            Some(decision.clone()),
        ),
        (
            Method::POST,
            format!("/api/suppliers/{missing}/suspend"),
            Some(decision.clone()),
        ),
        (
            Method::POST,
            format!("/api/suppliers/{missing}/reinstate"),
            Some(decision),
        ),
        (
            Method::GET,
            format!("/api/unions/{missing}/campaigns"),
            None,
        ),
        (
            Method::POST,
            format!("/api/unions/{missing}/campaigns"),
            Some(campaign),
        ),
        (Method::GET, format!("/api/unions/{missing}/roster"), None),
        (
            Method::GET,
            format!("/api/campaigns/{missing}/settlements"),
            None,
        ),
        (
            Method::POST,
            format!("/api/campaigns/{missing}/settlements"),
            Some(json!({})),
        ),
        (Method::GET, format!("/api/campaigns/{missing}/stats"), None),
        (Method::GET, format!("/api/orders/{missing}/refunds"), None),
    ];
    let mut wrong = Vec::new();
    for (method, path, body) in cases {
        let r = app.call(method.clone(), &path, body, &op.bearer()).await;
        if r.status != StatusCode::NOT_FOUND {
            wrong.push(format!("{method} {path}: {} {}", r.status, r.text));
        } else {
            assert_envelope(&r);
        }
    }
    // A document upload (multipart) under a missing organisation.
    let r = app
        .multipart(
            &format!("/api/orgs/{missing}/documents"),
            &[("kind", "business_licence")],
            Some(("file", "licence.pdf", b"%PDF-1.4\n%%EOF\n")),
            &op.bearer(),
        )
        .await;
    if r.status != StatusCode::NOT_FOUND {
        wrong.push(format!("POST documents: {} {}", r.status, r.text));
    }
    let r = app
        .multipart(
            &format!("/api/unions/{missing}/roster/imports"),
            &[],
            Some(("file", "r.csv", "会员号,姓名,手机号,工作单位\n".as_bytes())),
            &op.bearer(),
        )
        .await;
    if r.status != StatusCode::NOT_FOUND {
        wrong.push(format!("POST roster import: {} {}", r.status, r.text));
    }
    assert!(wrong.is_empty(), "not 404:\n{}", wrong.join("\n"));
}
