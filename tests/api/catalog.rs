//! Suppliers list certified products, operators review them, shoppers find them.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::fixtures::{category, listed_product, listed_product_from, png, product_input, upload};
use crate::helpers::{Auth, Backend, TestApp, TestOptions};

/// Every supplier endpoint: another supplier gets 404, a member 403, and nothing changes.
#[tokio::test]
async fn supplier_endpoints_are_isolated() {
    let app = TestApp::spawn().await;
    let supplier = app.login("supplier").await;
    let org = supplier.org_with("supplier_admin");
    let operator = app.login("operator").await;
    let product = listed_product(&app, &supplier, &operator, "隔离测试芒果", 5000).await;
    let managed = app
        .get(
            &format!("/api/manage/products/{product}"),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let sku = managed.body["skus"][0]["id"].as_i64().expect("sku");
    let cat = category(&app, "tropical").await;
    let other = app.login("supplier02").await;
    let member = app.login("member").await;
    let cases: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/suppliers/{org}/profile"), None),
        (
            Method::PATCH,
            format!("/api/suppliers/{org}/profile"),
            Some(json!({"bank_name": "x"})),
        ),
        (
            Method::POST,
            format!("/api/suppliers/{org}/submit"),
            Some(json!({})),
        ),
        (
            Method::GET,
            format!("/api/suppliers/{org}/certificates"),
            None,
        ),
        (
            Method::POST,
            format!("/api/suppliers/{org}/certificates"),
            Some(
                json!({"kind": "zhenpin", "number": "ZP-1", "issuer": "某机构", "valid_from": "2026-01-01", "valid_to": "2027-01-01"}),
            ),
        ),
        (Method::GET, format!("/api/suppliers/{org}/products"), None),
        (
            Method::POST,
            format!("/api/suppliers/{org}/products"),
            Some(product_input(cat, "越权商品", 100, &[])),
        ),
        (Method::GET, format!("/api/manage/products/{product}"), None),
        (
            Method::PUT,
            format!("/api/manage/products/{product}"),
            Some(product_input(cat, "越权修改", 100, &[])),
        ),
        (
            Method::POST,
            format!("/api/manage/products/{product}/submit"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/manage/products/{product}/delist"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/manage/skus/{sku}/stock"),
            Some(json!({"set": 0})),
        ),
    ];
    let audit_before = app.count("audit_log").await;
    for (method, path, body) in &cases {
        let r = app
            .call(method.clone(), path, body.clone(), &other.bearer())
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "other supplier {method} {path}: {}",
            r.text
        );
        let r = app
            .call(method.clone(), path, body.clone(), &member.bearer())
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "member {method} {path}: {}",
            r.text
        );
    }
    assert_eq!(
        app.count("audit_log").await,
        audit_before,
        "refused calls write nothing"
    );
    let still = app
        .get(&format!("/api/products/{product}"), &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(still.body["skus"][0]["stock"], 100);
    // Documents of the supplier are not readable by others either.
    let doc = app
        .multipart(
            &format!("/api/orgs/{org}/documents"),
            &[("kind", "business_licence")],
            Some(("file", "licence.pdf", b"%PDF-1.4 test")),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let url = doc.body["url"].as_str().expect("url").to_owned();
    app.get(&url, &other.bearer())
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    let own = app.get(&url, &supplier.bearer()).await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.text, "%PDF-1.4 test");
}

#[tokio::test]
async fn supplier_admission_from_registration_to_approval_is_audited() {
    let app = TestApp::spawn().await;
    let operator = app.login("operator").await;
    let uscc = bangfu::domain::Uscc::with_check_char("91451026MA5D3M077").expect("uscc");
    let reg = json!({
        "name": "那坡县山泉农业有限公司", "uscc": uscc.as_str(), "registered_county_code": "451026",
        "contact_name": "黄经理", "contact_phone": "13712345678", "username": "napo_admin", "password": "napo-pass-1"
    });
    // Not a partner county: refused.
    let mut bad = reg.clone();
    bad["registered_county_code"] = json!("440304");
    let r = app
        .post("/api/suppliers/register", bad, &Auth::None)
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.body["error"]["details"]["fields"]["registered_county_code"][0]["code"],
        "wrong_region_level"
    );
    let done = app
        .post("/api/suppliers/register", reg, &Auth::None)
        .await
        .expect(StatusCode::CREATED);
    let org = done.body["org_id"].as_i64().expect("org");
    let s = app.login_with("napo_admin", "napo-pass-1").await;
    let profile = app
        .get(&format!("/api/suppliers/{org}/profile"), &s.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(profile.body["status"], "draft");
    // Submitting without a licence, farmer links or bank account lists every gap.
    let r = app
        .post(
            &format!("/api/suppliers/{org}/submit"),
            json!({}),
            &s.bearer(),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let f = &r.body["error"]["details"]["fields"];
    assert_eq!(f["documents"][0]["code"], "business_licence_missing");
    assert_eq!(f["farmer_links"][0]["code"], "farmer_links_missing");
    assert_eq!(f["bank_account"][0]["code"], "required");
    app.multipart(
        &format!("/api/orgs/{org}/documents"),
        &[("kind", "business_licence")],
        Some(("file", "licence.pdf", b"%PDF-1.7 licence")),
        &s.bearer(),
    )
    .await
    .expect(StatusCode::CREATED);
    app.multipart(
        &format!("/api/orgs/{org}/documents"),
        &[("kind", "food_licence")],
        Some(("file", "x.exe", b"MZ\x90\x00 not a document")),
        &s.bearer(),
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    app.call(
        Method::PATCH,
        &format!("/api/suppliers/{org}/profile"),
        Some(json!({"bank_name": "农业银行那坡支行", "bank_account": "6228 4800 1234 5678 901", "farmer_links": "订单收购120户"})),
        &s.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    let p = app
        .get(&format!("/api/suppliers/{org}/profile"), &s.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(p.body["bank_account_masked"], "**** **** **** 8901");
    assert!(
        !p.text.contains("6228480012345678901"),
        "account masked: {}",
        p.text
    );
    app.post(
        &format!("/api/suppliers/{org}/submit"),
        json!({}),
        &s.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    // The supplier cannot approve itself; products wait for admission.
    app.post(
        &format!("/api/suppliers/{org}/approve"),
        json!({}),
        &s.bearer(),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let cat = category(&app, "citrus").await;
    let hash = upload(&app, &s, &png(32, 32, 3)).await;
    let product = app
        .post(
            &format!("/api/suppliers/{org}/products"),
            product_input(cat, "那坡山泉柑", 3000, &[hash]),
            &s.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let pid = product.body["id"].as_i64().expect("id");
    app.post(
        &format!("/api/manage/products/{pid}/submit"),
        json!({}),
        &s.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "supplier_not_approved");
    // Operator: approval needs the county's recommendation first; rejection needs a reason.
    app.post(
        &format!("/api/suppliers/{org}/approve"),
        json!({}),
        &operator.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "invalid_state");
    app.post(
        &format!("/api/suppliers/{org}/reject"),
        json!({}),
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    app.post(
        &format!("/api/suppliers/{org}/reject"),
        json!({"reason": "营业执照模糊"}),
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    let p = app
        .get(&format!("/api/suppliers/{org}/profile"), &s.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(p.body["status"], "rejected");
    assert_eq!(p.body["decision_reason"], "营业执照模糊");
    app.post(
        &format!("/api/suppliers/{org}/submit"),
        json!({}),
        &s.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    let queue = app
        .get("/api/suppliers?status=submitted", &operator.bearer())
        .await
        .expect(StatusCode::OK);
    assert!(
        queue.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|p| p["org_id"] == org)
    );
    app.post(
        &format!("/api/suppliers/{org}/recommend"),
        json!({"reason": "那坡县乡村振兴局推荐"}),
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/api/suppliers/{org}/approve"),
        json!({}),
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/api/manage/products/{pid}/submit"),
        json!({}),
        &s.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    let audit = app
        .get(
            &format!("/api/audit?entity_type=supplier&entity_id={org}"),
            &operator.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        vec![
            "supplier.approve",
            "supplier.recommend",
            "supplier.submit",
            "supplier.reject",
            "supplier.submit"
        ]
    );
    let reject = audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["action"] == "supplier.reject")
        .expect("reject");
    assert_eq!(reject["reason"], "营业执照模糊");
    assert_eq!(reject["actor_name"], "平台运营 王敏");
    // Suspension takes the products out of the shop's assistance status.
    app.post(
        &format!("/api/suppliers/{org}/suspend"),
        json!({"reason": "抽检不合格"}),
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/api/manage/products/{pid}/submit"),
        json!({}),
        &s.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "invalid_state");
}

#[tokio::test]
async fn product_review_rejects_with_reason_then_lists_and_sanitises() {
    let app = TestApp::spawn().await;
    let supplier = app.login("supplier").await;
    let operator = app.login("operator").await;
    let org = supplier.org_with("supplier_admin");
    let cat = category(&app, "tropical").await;
    // Nothing is accepted without a SKU, with a top-level category or a bad price.
    let mut bad = product_input(cat, "坏商品", 0, &[]);
    bad["category_id"] = json!(1);
    bad["skus"][0]["tiers"] = json!([{"min_qty": 10, "price_fen": 999999}]);
    let r = app
        .post(
            &format!("/api/suppliers/{org}/products"),
            bad,
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let f = &r.body["error"]["details"]["fields"];
    assert_eq!(f["category_id"][0]["code"], "category_not_leaf");
    assert_eq!(f["skus[0].price_fen"][0]["code"], "out_of_range");
    let hash = upload(&app, &supplier, &png(80, 60, 9)).await;
    let created = app
        .post(
            &format!("/api/suppliers/{org}/products"),
            product_input(cat, "审核测试菠萝", 3900, &[hash]),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let id = created.body["id"].as_i64().expect("id");
    let html = created.body["description_html"].as_str().expect("html");
    assert!(
        html.contains("香甜可口")
            && !html.contains("script")
            && !html.contains("javascript")
            && !html.contains("onerror"),
        "{html}"
    );
    assert_eq!(created.body["status"], "draft");
    // Not in the shop yet.
    app.get(&format!("/api/products/{id}"), &Auth::None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.post(
        &format!("/api/manage/products/{id}/submit"),
        json!({}),
        &supplier.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    let queue = app
        .get("/api/review/products", &operator.bearer())
        .await
        .expect(StatusCode::OK);
    assert!(
        queue.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|p| p["id"] == id)
    );
    app.post(
        &format!("/api/review/products/{id}/reject"),
        json!({"reason": ""}),
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    app.post(
        &format!("/api/review/products/{id}/reject"),
        json!({"reason": "图片不清晰"}),
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    let rejected = app
        .get(&format!("/api/manage/products/{id}"), &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(rejected.body["review_reason"], "图片不清晰");
    app.post(
        &format!("/api/manage/products/{id}/submit"),
        json!({}),
        &supplier.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/api/review/products/{id}/approve"),
        json!({}),
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    let page = app
        .get(&format!("/api/products/{id}"), &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(page.body["name"], "审核测试菠萝");
    assert_eq!(
        page.body["assistance"]["eligible"], true,
        "demo supplier holds a verified recognition: {}",
        page.text
    );
    assert_eq!(
        page.body["origin"]["path"],
        json!(["广西壮族自治区", "南宁市", "马山县"])
    );
    assert_eq!(page.body["skus"][0]["tiers"][0]["price_fen"], 3400);
    let audit = app
        .get(
            &format!("/api/audit?entity_type=product&entity_id={id}"),
            &operator.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        vec![
            "product.approve",
            "product.submit",
            "product.reject",
            "product.submit",
            "product.create"
        ]
    );
}

#[tokio::test]
async fn listed_price_changes_are_audited_origin_changes_need_review_stock_is_immediate() {
    let app = TestApp::spawn().await;
    let supplier = app.login("supplier").await;
    let operator = app.login("operator").await;
    let id = listed_product(&app, &supplier, &operator, "改价测试芒果", 5000).await;
    let before = app
        .get(&format!("/api/products/{id}"), &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        before.headers.get("x-cache").and_then(|v| v.to_str().ok()),
        Some("miss")
    );
    let again = app
        .get(&format!("/api/products/{id}"), &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        again.headers.get("x-cache").and_then(|v| v.to_str().ok()),
        Some("hit")
    );
    let managed = app
        .get(&format!("/api/manage/products/{id}"), &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    let sku = managed.body["skus"][0]["id"].as_i64().expect("sku");
    let mut input = product_input(
        category(&app, "tropical").await,
        "改价测试芒果",
        4500,
        &[managed.body["image_hashes"][0]
            .as_str()
            .expect("img")
            .to_owned()],
    );
    input["skus"][0]["id"] = json!(sku);
    app.put(
        &format!("/api/manage/products/{id}"),
        input.clone(),
        &supplier.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    // The cached page is never shown stale after the edit is confirmed.
    let after = app
        .get(&format!("/api/products/{id}"), &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(after.body["skus"][0]["price_fen"], 4500, "{}", after.text);
    assert_eq!(after.body["skus"][0]["id"], sku, "the SKU keeps its id");
    let audit = app
        .get(
            &format!("/api/audit?entity_type=product&entity_id={id}"),
            &operator.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let price = audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["action"] == "product.price_change")
        .expect("price audit");
    assert_eq!(price["before"]["skus"][0][1], 5000);
    assert_eq!(price["after"]["skus"][0][1], 4500);
    // Stock: immediate, audited, never negative.
    app.post(
        &format!("/api/manage/skus/{sku}/stock"),
        json!({"delta": -101}),
        &supplier.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "insufficient_stock");
    let s = app
        .post(
            &format!("/api/manage/skus/{sku}/stock"),
            json!({"delta": -40, "reason": "盘点"}),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(s.body["stock"], 60);
    let shown = app
        .get(&format!("/api/products/{id}"), &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(shown.body["skus"][0]["stock"], 60);
    app.post(
        &format!("/api/manage/skus/{sku}/stock"),
        json!({"set": -1}),
        &supplier.bearer(),
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    // Agent-only: a regular supplier cannot move the origin elsewhere.
    let mut moved = input.clone();
    moved["origin_county_code"] = json!("451003");
    let r = app
        .put(
            &format!("/api/manage/products/{id}"),
            moved,
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.body["error"]["details"]["fields"]["origin_county_code"][0]["code"],
        "origin_not_allowed"
    );
    // An agent supplier may, and the product goes back to review.
    let org = supplier.org_with("supplier_admin");
    app.db()
        .execute_unprepared(&format!(
            "UPDATE supplier_profiles SET is_agent = true WHERE org_id = {org}"
        ))
        .await
        .expect("agent");
    let mut moved = input;
    moved["origin_county_code"] = json!("451003");
    moved["producer_name"] = json!("田阳某合作社");
    let r = app
        .put(
            &format!("/api/manage/products/{id}"),
            moved,
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(r.body["status"], "pending_review");
    app.get(&format!("/api/products/{id}"), &Auth::None)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn concurrent_stock_changes_never_go_negative() {
    let app = Arc::new(TestApp::spawn().await);
    let supplier = app.login("supplier").await;
    let operator = app.login("operator").await;
    let id = listed_product(&app, &supplier, &operator, "并发库存测试", 5000).await;
    let managed = app
        .get(&format!("/api/manage/products/{id}"), &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    let sku = managed.body["skus"][0]["id"].as_i64().expect("sku");
    let mut handles = Vec::new();
    for _ in 0..30 {
        let app = app.clone();
        let auth = supplier.bearer();
        handles.push(tokio::spawn(async move {
            app.post(
                &format!("/api/manage/skus/{sku}/stock"),
                json!({"delta": -7}),
                &auth,
            )
            .await
            .status
        }));
    }
    let mut ok = 0;
    for h in handles {
        let status = h.await.expect("join");
        assert!(
            status == StatusCode::OK || status == StatusCode::CONFLICT,
            "{status}"
        );
        ok += usize::from(status == StatusCode::OK);
    }
    assert_eq!(ok, 14, "100 units, 7 at a time: 14 succeed");
    let shown = app
        .get(&format!("/api/manage/products/{id}"), &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(shown.body["skus"][0]["stock"], 2);
}

#[tokio::test]
async fn certificate_expiry_changes_assistance_for_new_purchases_only_and_warns_ahead() {
    let app = TestApp::spawn().await;
    let supplier = app.login("supplier").await;
    let operator = app.login("operator").await;
    let org = supplier.org_with("supplier_admin");
    let id = listed_product(&app, &supplier, &operator, "证书到期测试", 2000).await;
    let today = bangfu::time::business_date(Utc::now());
    // A new zhenpin certificate: pending until verified, expiring in 20 days.
    let cert = app
        .post(
            &format!("/api/suppliers/{org}/certificates"),
            json!({"kind": "zhenpin", "number": "ZP-T-1", "issuer": "深圳标准院", "valid_from": "2026-01-01", "valid_to": (today + Duration::days(20)).to_string(), "product_id": id}),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let cert_id = cert.body["id"].as_i64().expect("cert");
    let page = app
        .get(&format!("/api/products/{id}"), &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert!(
        !page.body["cert_kinds"]
            .as_array()
            .expect("kinds")
            .contains(&json!("zhenpin")),
        "pending does not count"
    );
    app.post(
        &format!("/api/review/certificates/{cert_id}/reject"),
        json!({}),
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    app.post(
        &format!("/api/review/certificates/{cert_id}/verify"),
        json!({}),
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    let page = app
        .get(&format!("/api/products/{id}"), &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert!(
        page.body["cert_kinds"]
            .as_array()
            .expect("kinds")
            .contains(&json!("zhenpin")),
        "{}",
        page.text
    );
    assert_eq!(page.body["assistance"]["eligible"], true);

    // The supplier's assistance recognition lapses: it ended yesterday.
    let yesterday = today - Duration::days(1);
    let backend = app.db().get_database_backend();
    app.db()
        .execute_raw(Statement::from_sql_and_values(
            backend,
            if backend == sea_orm::DatabaseBackend::Postgres {
                "UPDATE certificates SET valid_to = $1 WHERE supplier_org_id = $2 AND kind = 'assistance_product'"
            } else {
                "UPDATE certificates SET valid_to = ?1 WHERE supplier_org_id = ?2 AND kind = 'assistance_product'"
            },
            [yesterday.into(), org.into()],
        ))
        .await
        .expect("lapse");
    let txn = sea_orm::TransactionTrait::begin(app.db())
        .await
        .expect("begin");
    let (expired, warned) = bangfu::suppliers::certs::expire_and_warn(&txn, today)
        .await
        .expect("run");
    txn.commit().await.expect("commit");
    assert_eq!(expired, 1);
    assert_eq!(warned, 1, "the zhenpin certificate expires within 30 days");
    // Running again changes nothing and warns nobody twice.
    let txn = sea_orm::TransactionTrait::begin(app.db())
        .await
        .expect("begin");
    assert_eq!(
        bangfu::suppliers::certs::expire_and_warn(&txn, today)
            .await
            .expect("run"),
        (0, 0)
    );
    txn.commit().await.expect("commit");
    app.state.catalog.changed(&app.state).await;
    let page = app
        .get(&format!("/api/products/{id}"), &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        page.body["assistance"]["eligible"], false,
        "new purchases no longer count: {}",
        page.text
    );
    assert_eq!(page.body["assistance"]["recognised"], false);
    // History is not rewritten: a purchase made last week is still judged by last week's state.
    let loaded = bangfu::catalog::read::load(app.db(), &[id], false)
        .await
        .expect("load");
    let p = &loaded.products[0];
    assert!(!loaded.assistance(p, today).eligible);
    assert!(
        loaded.assistance(p, yesterday).eligible,
        "a purchase of yesterday still counts"
    );
    let notes = app
        .get(
            &format!("/api/orgs/{org}/notifications"),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(notes.body["items"].as_array().map(Vec::len), Some(1));
    assert!(
        notes.body["items"][0]["body"]
            .as_str()
            .expect("body")
            .contains("ZP-T-1")
    );
    let audit = app
        .get("/api/audit?entity_type=certificate", &operator.bearer())
        .await
        .expect(StatusCode::OK);
    assert!(
        audit.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["action"] == "certificate.expire")
    );
}

/// A listing change made on one instance is searchable on another within a second, and no
/// cached page shows an old price after the edit was confirmed.
#[tokio::test]
async fn two_instances_see_changes_promptly() {
    if Backend::from_env() != Backend::Postgres {
        return; // the shared cache version lives in Redis, which the PostgreSQL run provides
    }
    let a = TestApp::spawn().await;
    let mut config = a.state.config.clone();
    config.database_url = Some(a.database_url.clone());
    let b_state = bangfu::app::build(config, bangfu::app::jobs())
        .await
        .expect("instance b");
    let b = bangfu::router(b_state.clone());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let indexer = tokio::spawn(bangfu::catalog::run_indexer(
        b_state.clone(),
        std::time::Duration::from_millis(200),
        stop_rx,
    ));
    let get_b = |path: String| {
        let b = b.clone();
        async move {
            use http_body_util::BodyExt;
            use tower::ServiceExt;
            let resp = b
                .oneshot(
                    axum::http::Request::get(path)
                        .body(axum::body::Body::empty())
                        .expect("req"),
                )
                .await
                .expect("resp");
            let bytes = resp.into_body().collect().await.expect("body").to_bytes();
            serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null)
        }
    };
    let supplier = a.login("supplier").await;
    let operator = a.login("operator").await;
    let before =
        get_b("/api/products?q=%E7%8B%AC%E4%B8%80%E6%97%A0%E4%BA%8C%E8%8D%94%E6%9E%9D".into())
            .await;
    assert_eq!(before["total"], 0);
    let id = listed_product(&a, &supplier, &operator, "独一无二荔枝", 5000).await;
    let started = std::time::Instant::now();
    let mut found = false;
    while started.elapsed() < std::time::Duration::from_millis(1000) {
        let r =
            get_b("/api/products?q=%E7%8B%AC%E4%B8%80%E6%97%A0%E4%BA%8C%E8%8D%94%E6%9E%9D".into())
                .await;
        if r["total"] == 1 {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(found, "searchable on the other instance within a second");
    // B caches the page; A changes the price; B shows the new price at once.
    assert_eq!(
        get_b(format!("/api/products/{id}")).await["skus"][0]["price_fen"],
        5000
    );
    let managed = a
        .get(&format!("/api/manage/products/{id}"), &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    let mut input = product_input(
        category(&a, "tropical").await,
        "独一无二荔枝",
        4200,
        &[managed.body["image_hashes"][0]
            .as_str()
            .expect("img")
            .to_owned()],
    );
    input["skus"][0]["id"] = managed.body["skus"][0]["id"].clone();
    a.put(
        &format!("/api/manage/products/{id}"),
        input,
        &supplier.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(
        get_b(format!("/api/products/{id}")).await["skus"][0]["price_fen"],
        4200
    );
    let _ = stop_tx.send(true);
    let _ = indexer.await;
}

/// Listing and search run the same number of queries whatever the page size.
#[tokio::test]
async fn listing_runs_a_fixed_number_of_queries() {
    let counter = Arc::new(AtomicUsize::new(0));
    let app = TestApp::spawn_with(TestOptions {
        count_queries: Some(counter.clone()),
        ..TestOptions::default()
    })
    .await;
    // Reference data (regions, pairings, categories, zones) is read once per catalog version
    // and instance: read it before counting.
    app.get("/api/products?limit=1", &Auth::None)
        .await
        .expect(StatusCode::OK);
    let mut counts = Vec::new();
    for (limit, q) in [
        (2, ""),
        (20, ""),
        (2, "&q=%E6%A9%99"),
        (20, "&q=%E6%A9%99"),
        (3, "&zone=guangxi&sort=price_asc"),
        (22, "&zone=guangxi&sort=price_asc"),
    ] {
        let before = counter.load(Ordering::SeqCst);
        let r = app
            .get(&format!("/api/products?limit={limit}{q}"), &Auth::None)
            .await
            .expect(StatusCode::OK);
        assert!(
            r.body["items"].as_array().map_or(0, Vec::len) >= 1,
            "{limit}{q}: {}",
            r.text
        );
        counts.push(counter.load(Ordering::SeqCst) - before);
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");
    assert_eq!(counts[2], counts[3], "{counts:?}");
    assert_eq!(counts[4], counts[5], "{counts:?}");
    assert!(counts.iter().all(|n| (1..=2).contains(n)), "{counts:?}");
    let before = counter.load(Ordering::SeqCst);
    app.get("/api/products/9", &Auth::None)
        .await
        .expect(StatusCode::OK);
    let detail = counter.load(Ordering::SeqCst) - before;
    assert_eq!(detail, 1, "a product page is one read");
}

/// The product page is written straight from the stored document (names, description,
/// images, trace copied through as stored): on every day around a certificate's validity and
/// with any stock it says exactly what the document renders to, field for field.
#[tokio::test]
async fn the_product_page_says_what_its_document_renders() {
    let app = TestApp::spawn().await;
    let supplier = app.login("supplier").await;
    let operator = app.login("operator").await;
    let org = supplier.org_with("supplier_admin");
    let hash = upload(&app, &supplier, &png(64, 48, 9)).await;
    let cat = category(&app, "tropical").await;
    let mut input = product_input(cat, "渲染\"一致\"测试", 2000, &[hash]);
    input["subtitle"] = Value::Null;
    input["description_html"] = json!("<p>第一行\n第二行 \"引号\" \\ 反斜杠 🍌</p>");
    input["skus"] = json!([
        {"spec": "5kg/箱", "price_fen": 2000, "unit": "箱", "weight_grams": 5000, "stock": 100, "tiers": [{"min_qty": 20, "price_fen": 1800}]},
        {"spec": "10kg/箱", "price_fen": 3800, "unit": "箱", "weight_grams": 10000, "stock": 0, "min_order_qty": 2, "tiers": []},
    ]);
    let id = listed_product_from(&app, &supplier, &operator, input).await;
    let today = bangfu::time::business_date(Utc::now());
    let cert = app
        .post(
            &format!("/api/suppliers/{org}/certificates"),
            json!({"kind": "zhenpin", "number": "ZP-\"R\"-1", "issuer": "深圳标准院", "valid_from": (today - Duration::days(10)).to_string(), "valid_to": (today + Duration::days(20)).to_string(), "product_id": id}),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let cert_id = cert.body["id"].as_i64().expect("cert");
    app.post(
        &format!("/api/review/certificates/{cert_id}/verify"),
        json!({}),
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::OK);

    let page = app
        .get(&format!("/api/products/{id}"), &Auth::None)
        .await
        .expect(StatusCode::OK);
    let stored = bangfu::catalog::view::read_stored(app.db(), &[id])
        .await
        .expect("read")
        .pop()
        .expect("stored");
    let doc: bangfu::catalog::doc::ProductDoc =
        serde_json::from_str(&stored.text).expect("document");
    let rendered = |date, stock: &HashMap<i64, i64>| {
        serde_json::to_value(doc.clone().render(date, stock)).expect("json")
    };
    assert_eq!(page.body, rendered(today, &stored.stock));
    // Not an empty page: both SKUs, the photo, the product's and the supplier's certificates.
    assert_eq!(page.body["skus"].as_array().map(Vec::len), Some(2));
    assert_eq!(page.body["images"].as_array().map(Vec::len), Some(1));
    assert!(page.body["certificates"].as_array().map_or(0, Vec::len) >= 2);
    assert_eq!(page.body["subtitle"], Value::Null);

    let skus: Vec<i64> = stored.stock.keys().copied().collect();
    let stocks = [
        stored.stock.clone(),
        HashMap::new(),
        skus.iter().map(|s| (*s, 0)).collect(),
        skus.iter().map(|s| (*s, 7)).collect(),
    ];
    let mut zhenpin_valid = vec![];
    for offset in [-400, -11, -10, 0, 20, 21, 4000] {
        let date = today + Duration::days(offset);
        for stock in &stocks {
            let fast: Value = serde_json::from_slice(
                &bangfu::catalog::doc::render_page(&stored.text, date, stock).expect("page"),
            )
            .expect("json");
            assert_eq!(fast, rendered(date, stock), "on {date} with {stock:?}");
            if stock.is_empty() {
                let badge = fast["certificates"]
                    .as_array()
                    .and_then(|c| c.iter().find(|b| b["number"] == "ZP-\"R\"-1"))
                    .expect("the zhenpin badge");
                zhenpin_valid.push(badge["valid_today"] == true);
            }
        }
    }
    assert_eq!(
        zhenpin_valid,
        [false, false, true, true, true, false, false],
        "valid from ten days ago to twenty days ahead"
    );
}

/// A stored document that does not read as one (only a bug or a hand edit could write it) is a
/// 500 in the envelope, not a panic or a half page; the shop's list leaves nothing half-written.
#[tokio::test]
async fn an_unreadable_product_document_is_a_500_in_the_envelope() {
    let app = TestApp::spawn().await;
    let supplier = app.login("supplier").await;
    let operator = app.login("operator").await;
    let id = listed_product(&app, &supplier, &operator, "坏文档测试", 2000).await;
    app.db()
        .execute_raw(bangfu::db::statement(
            app.db().get_database_backend(),
            "UPDATE product_views SET doc = '{\"detail\": 1}' WHERE product_id = $1",
            vec![id.into()],
        ))
        .await
        .expect("corrupt");
    let r = app
        .get(&format!("/api/products/{id}"), &Auth::None)
        .await
        .expect_error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
    assert!(
        !r.text.contains("product view"),
        "the cause is logged, not shown: {}",
        r.text
    );
}
