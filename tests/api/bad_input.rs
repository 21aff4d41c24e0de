//! Bad input answers a clear 4xx in the envelope and writes nothing.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::helpers::{Auth, TestApp, TestOptions};

async fn counts(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("organizations").await,
        app.count("audit_log").await,
        app.count("idempotency_keys").await,
    )
}

#[tokio::test]
async fn malformed_wrong_types_unknown_fields_and_wrong_content_type() {
    let app = TestApp::spawn().await;
    let op = app.login("operator").await;
    let before = counts(&app).await;
    let raw = |body: &'static str, content_type: Option<&'static str>| {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri("/api/orgs")
            .header(header::AUTHORIZATION, format!("Bearer {}", op.token));
        if let Some(ct) = content_type {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        b.body(Body::from(body)).expect("request")
    };
    app.send(raw("{\"kind\": \"union\", ", Some("application/json")))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "malformed_json");
    app.send(raw("", Some("application/json")))
        .await
        .expect_error(StatusCode::BAD_REQUEST, "malformed_json");
    app.send(raw(
        "{\"kind\": 5, \"name\": \"x工会\"}",
        Some("application/json"),
    ))
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    app.send(raw(
        "{\"kind\": \"guild\", \"name\": \"x工会\"}",
        Some("application/json"),
    ))
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let r = app
        .send(raw(
            "{\"kind\": \"union\", \"name\": \"x工会\", \"is_admin\": true}",
            Some("application/json"),
        ))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "unknown_field");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("is_admin"),
        "{}",
        r.text
    );
    app.send(raw(
        "{\"kind\": \"union\", \"name\": \"x工会\"}",
        Some("text/plain"),
    ))
    .await
    .expect_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    app.send(raw("{\"kind\": \"union\", \"name\": \"x工会\"}", None))
        .await
        .expect_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    // The same through a plain JSON endpoint (not idempotent).
    app.call(
        Method::PATCH,
        "/api/regions/450124",
        Some(json!({"key_assistance": "yes"})),
        &op.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    app.call(
        Method::PATCH,
        "/api/regions/450124",
        Some(json!({"colour": "red"})),
        &op.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "unknown_field");
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn huge_bodies_are_refused() {
    let app = TestApp::spawn_with(TestOptions {
        configure: Box::new(|c| c.max_body_bytes = 4096),
        ..TestOptions::default()
    })
    .await;
    let op = app.login("operator").await;
    let before = counts(&app).await;
    let big = "x".repeat(10_000);
    app.post(
        "/api/orgs",
        json!({"kind": "union", "name": big}),
        &op.bearer(),
    )
    .await
    .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    app.call(
        Method::PATCH,
        "/api/regions/450124",
        Some(json!({"note": big})),
        &op.bearer(),
    )
    .await
    .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    app.post(
        "/api/auth/login",
        json!({"login": big, "password": "x"}),
        &Auth::None,
    )
    .await
    .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn bad_uscc_and_bad_region_codes_are_field_errors() {
    let app = TestApp::spawn().await;
    let op = app.login("operator").await;
    let before = counts(&app).await;
    let r = app
        .post(
            "/api/orgs",
            json!({"kind": "supplier", "name": "某合作社", "uscc": "91450124MA5D3M001A", "region_code": "45012X"}),
            &op.bearer(),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields = &r.body["error"]["details"]["fields"];
    assert_eq!(fields["uscc"][0]["code"], "uscc_check_char", "{}", r.text);
    assert_eq!(
        fields["region_code"][0]["code"], "region_code_format",
        "{}",
        r.text
    );
    // A valid code that names no known region, and a region that is not a partner county.
    let r = app
        .post("/api/orgs", json!({"kind": "supplier", "name": "某合作社", "uscc": "91450124MA5D3M001N", "region_code": "110101"}), &op.bearer())
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        r.body["error"]["details"]["fields"]["region_code"][0]["code"],
        "unknown_region"
    );
    let r = app
        .post("/api/orgs", json!({"kind": "supplier", "name": "某合作社", "uscc": "91440300708461136T", "region_code": "440304"}), &op.bearer())
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        r.body["error"]["details"]["fields"]["region_code"][0]["code"],
        "wrong_region_level"
    );
    app.get("/api/regions?level=planet", &Auth::None)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "invalid_query");
    app.get("/api/regions/99", &Auth::None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.get("/api/orgs/abc", &op.bearer())
        .await
        .expect_error(StatusCode::BAD_REQUEST, "invalid_path");
    app.get("/api/orgs?cursor=%%%", &op.bearer())
        .await
        .expect(StatusCode::BAD_REQUEST);
    app.get("/api/orgs?cursor=bm9wZQ", &op.bearer())
        .await
        .expect_error(StatusCode::BAD_REQUEST, "invalid_cursor");
    let r = app
        .post("/api/pairings", json!({"helper_code": "440304", "partner_code": "450124", "programme": "east_west", "valid_from": "2026-02-30"}), &op.bearer())
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_envelope() {
    let app = TestApp::spawn().await;
    app.get("/api/nothing-here", &Auth::None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "route_not_found");
    app.get("/api", &Auth::None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "route_not_found");
    let r = app
        .call(Method::PUT, "/api/orgs", None, &Auth::None)
        .await
        .expect_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert!(r.headers.get(header::ALLOW).is_some());
    // Non-API paths belong to the web frontend (here: the "not built" page).
    let page = app.get("/some/page", &Auth::None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("npm run build"), "{}", page.text);
}

/// A bare status of the HTTP stack (here the static files' 416 and 412) answers in the
/// envelope with a code of its own and that code's one status.
#[tokio::test]
async fn static_file_refusals_answer_with_their_codes_status() {
    let web = std::env::temp_dir().join(format!("bangfu-web-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(web.join("assets")).expect("dir");
    std::fs::write(web.join("index.html"), "<!doctype html><title>t</title>").expect("index");
    std::fs::write(web.join("assets/app.js"), "console.log(1)").expect("asset");
    let dir = web.clone();
    let app = TestApp::spawn_with(TestOptions {
        configure: Box::new(move |c| c.web_dir = dir),
        ..Default::default()
    })
    .await;
    app.get("/assets/app.js", &Auth::None)
        .await
        .expect(StatusCode::OK);
    app.call_with(
        Method::GET,
        "/assets/app.js",
        None,
        &Auth::None,
        &[("range", "bytes=1000-2000")],
    )
    .await
    .expect_error(StatusCode::RANGE_NOT_SATISFIABLE, "range_not_satisfiable");
    app.call_with(
        Method::GET,
        "/assets/app.js",
        None,
        &Auth::None,
        &[("if-unmodified-since", "Mon, 01 Jan 1990 00:00:00 GMT")],
    )
    .await
    .expect_error(StatusCode::PRECONDITION_FAILED, "precondition_failed");
    std::fs::remove_dir_all(&web).ok();
}

/// Each workflow verb is a route of its own; an unknown verb is no route at all.
#[tokio::test]
async fn workflow_verbs_are_routes_and_unknown_verbs_are_not() {
    let app = TestApp::spawn().await;
    let op = app.login("operator").await;
    let reason = json!({"reason": "理由充分"});
    let voucher = json!({"bank_voucher_ref": "V1"});
    for (path, body) in [
        ("/api/suppliers/999999/submit", &reason),
        ("/api/suppliers/999999/recommend", &reason),
        ("/api/suppliers/999999/approve", &reason),
        ("/api/suppliers/999999/reject", &reason),
        ("/api/suppliers/999999/suspend", &reason),
        ("/api/suppliers/999999/reinstate", &reason),
        ("/api/review/certificates/999999/verify", &reason),
        ("/api/review/certificates/999999/reject", &reason),
        ("/api/refunds/999999/approve", &reason),
        ("/api/refunds/999999/reject", &reason),
        ("/api/settlements/999999/review", &voucher),
        ("/api/settlements/999999/approve", &voucher),
        ("/api/settlements/999999/pay", &voucher),
    ] {
        let r = app.post(path, body.clone(), &op.bearer()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text);
        assert_eq!(r.code(), "not_found", "{path}: {}", r.text);
    }
    // Review and approval take no body: the frontend sends none (no content type either).
    for path in [
        "/api/settlements/999999/review",
        "/api/settlements/999999/approve",
    ] {
        app.call(Method::POST, path, None, &op.bearer())
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found");
    }
    for path in [
        "/api/suppliers/1/promote",
        "/api/review/certificates/1/approve",
        "/api/refunds/1/review",
        "/api/settlements/1/reject",
    ] {
        app.post(path, json!({}), &op.bearer())
            .await
            .expect_error(StatusCode::NOT_FOUND, "route_not_found");
    }
}
