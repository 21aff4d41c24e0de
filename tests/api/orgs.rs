use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn operator_creates_each_kind_of_organisation_and_invites_its_admin() {
    let app = TestApp::spawn().await;
    let op = app.login("operator").await;
    let cases = [
        json!({"kind": "union", "name": "龙岗区总工会（测试）", "region_code": "440307", "parent_id": 8}),
        json!({"kind": "budget_unit", "name": "盐田区测试中学", "category": "school", "helper_district_code": "440308"}),
        json!({"kind": "supplier", "name": "田东县测试果业有限公司", "uscc": "", "region_code": "451022"}),
        json!({"kind": "jurisdiction", "name": "东莞市乡村振兴局（测试）", "region_code": "441900"}),
        json!({"kind": "helper_district", "name": "龙岗区协作办（测试）", "region_code": "440307"}),
    ];
    let expected_admin = [
        "union_admin",
        "unit_admin",
        "supplier_admin",
        "regulator",
        "district_officer",
    ];
    for (i, (body, admin_role)) in cases.iter().zip(expected_admin).enumerate() {
        let mut body = body.clone();
        if body["kind"] == "supplier" {
            body["uscc"] = json!(
                bangfu::domain::Uscc::with_check_char("91451022MA5D3M099")
                    .expect("uscc")
                    .as_str()
            );
        }
        if body["kind"] == "union" {
            let city = bangfu::orgs::service::find_by_name(
                app.db(),
                bangfu::auth::OrgKind::Union,
                "深圳市总工会（演示）",
            )
            .await
            .expect("q")
            .expect("city union");
            body["parent_id"] = json!(city.id);
        }
        let org = app
            .post("/api/orgs", body.clone(), &op.bearer())
            .await
            .expect(StatusCode::CREATED);
        let id = org.body["id"].as_i64().expect("id");
        assert_eq!(org.body["kind"], body["kind"]);
        assert_eq!(org.body["status"], "active");
        // The operator invites the first admin, who activates and manages staff.
        let login = format!("first_admin_{i}");
        let invited = app
            .post(
                &format!("/api/orgs/{id}/members"),
                json!({"display_name": "首任管理员", "username": login, "role": admin_role}),
                &op.bearer(),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(invited.body["created"], true);
        let token = invited.body["invitation_token"].as_str().expect("token");
        app.post(
            "/api/auth/activate",
            json!({"token": token, "password": "first-admin-pw"}),
            &crate::helpers::Auth::None,
        )
        .await
        .expect(StatusCode::NO_CONTENT);
        let admin = app.login_with(&login, "first-admin-pw").await;
        assert_eq!(admin.org_with(admin_role), id);
        let staff = app
            .get(&format!("/api/orgs/{id}/members"), &admin.bearer())
            .await
            .expect(StatusCode::OK);
        assert_eq!(staff.body["items"][0]["username"], login.as_str());
    }
    // Duplicates are field errors.
    let r = app
        .post(
            "/api/orgs",
            json!({"kind": "union", "name": "龙岗区总工会（测试）"}),
            &op.bearer(),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        r.body["error"]["details"]["fields"]["name"][0]["code"],
        "already_exists"
    );
    let supplier = app
        .get("/api/orgs?kind=supplier&q=田东县", &op.bearer())
        .await
        .expect(StatusCode::OK);
    let uscc = supplier.body["items"][0]["uscc"].clone();
    let r = app
        .post("/api/orgs", json!({"kind": "supplier", "name": "另一家公司", "uscc": uscc, "region_code": "451022"}), &op.bearer())
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        r.body["error"]["details"]["fields"]["uscc"][0]["code"],
        "already_exists"
    );
}

#[tokio::test]
async fn kind_specific_requirements() {
    let app = TestApp::spawn().await;
    let op = app.login("operator").await;
    let r = app
        .post(
            "/api/orgs",
            json!({"kind": "supplier", "name": "无代码公司"}),
            &op.bearer(),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let f = &r.body["error"]["details"]["fields"];
    assert_eq!(f["uscc"][0]["code"], "required");
    assert_eq!(f["region_code"][0]["code"], "required");
    let r = app
        .post(
            "/api/orgs",
            json!({"kind": "budget_unit", "name": "无类别单位"}),
            &op.bearer(),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let f = &r.body["error"]["details"]["fields"];
    assert_eq!(f["category"][0]["code"], "required");
    assert_eq!(f["helper_district_code"][0]["code"], "required");
    let r = app
        .post(
            "/api/orgs",
            json!({"kind": "union", "name": "x", "category": "school", "contact_phone": "12345"}),
            &op.bearer(),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let f = &r.body["error"]["details"]["fields"];
    assert_eq!(f["name"][0]["code"], "name_length");
    assert_eq!(f["category"][0]["code"], "not_applicable");
    assert_eq!(f["contact_phone"][0]["code"], "phone_format");
    // Registered in a county that is not a partner county (Shenzhen's own district).
    let r = app
        .post("/api/orgs", json!({"kind": "supplier", "name": "深圳某公司", "uscc": "91440300708461136T", "region_code": "441502"}), &op.bearer())
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "汕尾市城区 is covered by the city-level pairing: {}",
        r.text
    );
}

#[tokio::test]
async fn staff_lifecycle_add_existing_person_revoke_role_and_masking() {
    let app = TestApp::spawn().await;
    let admin = app.login("unit_admin").await;
    let unit = admin.org_with("unit_admin");
    // Adding someone who already has an account (by phone) grants the role without an invitation.
    let r = app
        .post(
            &format!("/api/orgs/{unit}/members"),
            json!({"display_name": "张伟", "phone": "13900000001", "role": "approver"}),
            &admin.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(r.body["created"], false);
    assert!(r.body["invitation_token"].is_null());
    let member = app.login("member").await;
    assert_eq!(r.body["user_id"].as_i64(), Some(member.user_id));
    let me = app
        .get("/api/me", &member.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(me.body["roles"].as_array().map(Vec::len), Some(2));
    let staff = app
        .get(&format!("/api/orgs/{unit}/members"), &admin.bearer())
        .await
        .expect(StatusCode::OK);
    let text = staff.text.clone();
    assert!(!text.contains("13900000001"), "phones are masked: {text}");
    assert!(text.contains("139****0001"));
    // Revoke it again; unknown grants are 404.
    app.call(
        Method::DELETE,
        &format!("/api/orgs/{unit}/members/{}/roles/approver", member.user_id),
        None,
        &admin.bearer(),
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    app.call(
        Method::DELETE,
        &format!("/api/orgs/{unit}/members/{}/roles/approver", member.user_id),
        None,
        &admin.bearer(),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    // The member still holds their union role, so their session lives on.
    app.get("/api/me", &member.bearer())
        .await
        .expect(StatusCode::OK);
    // Username and phone of two different people: conflict.
    app.post(
        &format!("/api/orgs/{unit}/members"),
        json!({"display_name": "x", "username": "buyer", "phone": "13900000001", "role": "buyer"}),
        &admin.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "login_conflict");
}

#[tokio::test]
async fn revoking_the_last_role_ends_the_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.login("unit_admin").await;
    let unit = admin.org_with("unit_admin");
    let buyer = app.login("buyer").await;
    app.call(
        Method::DELETE,
        &format!("/api/orgs/{unit}/members/{}/roles/buyer", buyer.user_id),
        None,
        &admin.bearer(),
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    app.get("/api/me", &buyer.bearer())
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn pagination_returns_every_organisation_once() {
    let app = TestApp::spawn().await;
    let op = app.login("operator").await;
    let mut seen = std::collections::BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/orgs?limit=7&cursor={c}"),
            None => "/api/orgs?limit=7".to_owned(),
        };
        let page = app.get(&path, &op.bearer()).await.expect(StatusCode::OK);
        for item in page.body["items"].as_array().expect("items") {
            assert!(
                seen.insert(item["id"].as_i64().expect("id")),
                "duplicate {item}"
            );
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len() as i64, app.count("organizations").await);
}
