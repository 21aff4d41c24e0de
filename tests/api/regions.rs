use axum::http::StatusCode;
use chrono::NaiveDate;
use serde_json::json;

use crate::helpers::{Auth, TestApp};

#[tokio::test]
async fn seeded_regions_and_pairings_are_real_and_public() {
    let app = TestApp::spawn().await;
    let r = app
        .get("/api/regions?level=province", &Auth::None)
        .await
        .expect(StatusCode::OK);
    let names: Vec<&str> = r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert_eq!(names, vec!["江西省", "广东省", "广西壮族自治区"]);
    let mashan = app
        .get("/api/regions/450124", &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(mashan.body["name"], "马山县");
    assert_eq!(mashan.body["poverty_lifted"], true);
    assert_eq!(
        mashan.body["path"],
        json!(["广西壮族自治区", "南宁市", "马山县"])
    );
    let baise = app
        .get("/api/regions?parent=451000", &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(baise.body["items"].as_array().map(Vec::len), Some(10));
    let old = app
        .get(
            "/api/regions?flag=old_revolutionary&level=county",
            &Auth::None,
        )
        .await
        .expect(StatusCode::OK);
    assert!(
        old.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|r| r["old_revolutionary"] == true)
    );
    // 大鹏新区 has no national code; it has an internal one.
    let dapeng = app
        .get("/api/regions/X440300DP", &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(dapeng.body["name"], "大鹏新区");
    let futian = app
        .get(
            "/api/pairings?helper=440304&programme=east_west",
            &Auth::None,
        )
        .await
        .expect(StatusCode::OK);
    let partners: Vec<&str> = futian.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["partner_name"].as_str())
        .collect();
    assert_eq!(partners, vec!["隆安县", "马山县", "上林县"]);
    let all = app
        .get("/api/pairings", &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(all.body["items"].as_array().map(Vec::len), Some(35));
}

#[tokio::test]
async fn operator_edits_regions_with_audit() {
    let app = TestApp::spawn().await;
    let op = app.login("operator").await;
    app.post(
        "/api/regions",
        json!({"code": "450126", "name": "宾阳县", "level": "county", "parent_code": "450100"}),
        &op.bearer(),
    )
    .await
    .expect(StatusCode::CREATED);
    let r = app
        .post(
            "/api/regions",
            json!({"code": "450126", "name": "宾阳县", "level": "county", "parent_code": "450100"}),
            &op.bearer(),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        r.body["error"]["details"]["fields"]["code"][0]["code"],
        "already_exists"
    );
    let r = app
        .post(
            "/api/regions",
            json!({"code": "450127", "name": "横州", "level": "city", "parent_code": "450100"}),
            &op.bearer(),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.body["error"]["details"]["fields"]["level"][0]["code"],
        "level_mismatch"
    );
    let r = app
        .post(
            "/api/regions",
            json!({"code": "450127", "name": "横州", "level": "county"}),
            &op.bearer(),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.body["error"]["details"]["fields"]["parent_code"][0]["code"],
        "required"
    );
    let updated = app
        .call(
            axum::http::Method::PATCH,
            "/api/regions/450124",
            Some(json!({"key_assistance": true, "reason": "2026年名单"})),
            &op.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(updated.body["key_assistance"], true);
    let audit = app
        .get(
            "/api/audit?entity_type=region&entity_id=450124",
            &op.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let entry = &audit.body["items"][0];
    assert_eq!(entry["action"], "region.update");
    assert_eq!(entry["before"]["key_assistance"], false);
    assert_eq!(entry["after"]["key_assistance"], true);
    assert_eq!(entry["reason"], "2026年名单");
    assert_eq!(entry["actor_name"], "平台运营 王敏");
    assert!(entry["request_id"].as_str().is_some_and(|s| !s.is_empty()));
}

#[tokio::test]
async fn pairings_change_over_time_and_do_not_overlap() {
    let app = TestApp::spawn().await;
    let op = app.login("operator").await;
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    // 福田 -> 马山 since 2021. A second, overlapping one is refused.
    app.post("/api/pairings", json!({"helper_code": "440304", "partner_code": "450124", "programme": "east_west", "valid_from": "2025-01-01"}), &op.bearer())
        .await
        .expect_error(StatusCode::CONFLICT, "pairing_overlap");
    let existing = app
        .get("/api/pairings?helper=440304&partner=450124", &Auth::None)
        .await
        .expect(StatusCode::OK);
    let id = existing.body["items"][0]["id"].as_i64().expect("id");
    // End it, then hand the county to 南山 from the next day.
    app.call(
        axum::http::Method::PATCH,
        &format!("/api/pairings/{id}"),
        Some(json!({"valid_to": "2020-01-01"})),
        &op.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.call(
        axum::http::Method::PATCH,
        &format!("/api/pairings/{id}"),
        Some(json!({"valid_to": "2025-12-31", "reason": "结对调整"})),
        &op.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    app.post("/api/pairings", json!({"helper_code": "440305", "partner_code": "450124", "programme": "east_west", "valid_from": "2026-01-01"}), &op.bearer())
        .await
        .expect(StatusCode::CREATED);
    // Attribution follows the date of purchase.
    let before = bangfu::regions::service::pairing_on(app.db(), "450124", d("2025-06-01"))
        .await
        .expect("q")
        .expect("pairing");
    assert_eq!(before.helper_code, "440304");
    let after = bangfu::regions::service::pairing_on(app.db(), "450124", d("2026-06-01"))
        .await
        .expect("q")
        .expect("pairing");
    assert_eq!(after.helper_code, "440305");
    let on = app
        .get("/api/pairings?partner=450124&on=2026-03-01", &Auth::None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(on.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(on.body["items"][0]["helper_name"], "南山区");
    // City-level pairings cover the counties below (深圳 -> 百色市 for 乐业县's neighbours too).
    let via_city = bangfu::regions::service::pairing_on(app.db(), "441521", d("2024-01-01"))
        .await
        .expect("q")
        .expect("pairing");
    assert_eq!(via_city.partner_code, "441500");
    assert!(
        bangfu::regions::service::pairing_on(app.db(), "440304", d("2024-01-01"))
            .await
            .expect("q")
            .is_none()
    );
}
