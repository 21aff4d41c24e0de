//! The authorisation matrix: for every endpoint that touches an organisation's object, a user
//! of another organisation gets 404 and a user of the organisation without the role gets 403.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Auth, TestApp};

struct Case {
    name: &'static str,
    method: Method,
    /// `{org}` is replaced by the target organisation's id, `{user}` by a staff member's id.
    path: &'static str,
    body: Option<Value>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "view org",
            method: Method::GET,
            path: "/api/orgs/{org}",
            body: None,
        },
        Case {
            name: "edit org",
            method: Method::PATCH,
            path: "/api/orgs/{org}",
            body: Some(json!({"contact_name": "改名"})),
        },
        Case {
            name: "list staff",
            method: Method::GET,
            path: "/api/orgs/{org}/members",
            body: None,
        },
        Case {
            name: "add staff",
            method: Method::POST,
            path: "/api/orgs/{org}/members",
            body: Some(json!({"display_name": "新人", "username": "matrix_new", "role": "buyer"})),
        },
        Case {
            name: "revoke role",
            method: Method::DELETE,
            path: "/api/orgs/{org}/members/{user}/roles/approver",
            body: None,
        },
    ]
}

/// (who asks, expected status) for the budget unit of the demo `buyer`.
#[tokio::test]
async fn organisation_endpoints_404_for_strangers_403_without_role() {
    let app = TestApp::spawn().await;
    let admin = app.login("unit_admin").await;
    let unit = admin.org_with("unit_admin");
    let approver = app.login("approver").await;
    let buyer = app.login("buyer").await;
    let stranger = app.login("unit02_admin").await; // admin of another unit
    let supplier = app.login("supplier").await;
    let member = app.login("member").await;

    for case in cases() {
        let path = case
            .path
            .replace("{org}", &unit.to_string())
            .replace("{user}", &approver.user_id.to_string());
        for (who, auth) in [
            ("other unit's admin", stranger.bearer()),
            ("supplier", supplier.bearer()),
            ("member", member.bearer()),
        ] {
            let r = app
                .call(case.method.clone(), &path, case.body.clone(), &auth)
                .await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{} as {who}: {}",
                case.name,
                r.text
            );
            assert_eq!(r.code(), "not_found");
        }
        // A buyer of the unit sees the unit but may not manage it.
        let r = app
            .call(
                case.method.clone(),
                &path,
                case.body.clone(),
                &buyer.bearer(),
            )
            .await;
        let expected = if case.name == "view org" {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(r.status, expected, "{} as buyer: {}", case.name, r.text);
    }
    // Nothing was changed by the refused calls.
    let org = app
        .get(&format!("/api/orgs/{unit}"), &admin.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(org.body["contact_name"], Value::Null);
    let staff = app
        .get(&format!("/api/orgs/{unit}/members"), &admin.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(staff.body["items"].as_array().map(Vec::len), Some(3));
    // The admin may do each of them.
    for case in cases() {
        let path = case
            .path
            .replace("{org}", &unit.to_string())
            .replace("{user}", &approver.user_id.to_string());
        let r = app
            .call(
                case.method.clone(),
                &path,
                case.body.clone(),
                &admin.bearer(),
            )
            .await;
        assert!(r.status.is_success(), "{} as admin: {}", case.name, r.text);
    }
}

#[tokio::test]
async fn operator_only_endpoints_are_403_for_everyone_else() {
    let app = TestApp::spawn().await;
    let calls: Vec<(Method, &str, Value)> = vec![
        (
            Method::POST,
            "/api/orgs",
            json!({"kind": "union", "name": "某工会"}),
        ),
        (
            Method::POST,
            "/api/orgs/2/status",
            json!({"status": "suspended", "reason": "x"}),
        ),
        (
            Method::POST,
            "/api/regions",
            json!({"code": "450126", "name": "宾阳县", "level": "county", "parent_code": "450100"}),
        ),
        (
            Method::PATCH,
            "/api/regions/450124",
            json!({"key_assistance": true}),
        ),
        (
            Method::POST,
            "/api/pairings",
            json!({"helper_code": "440304", "partner_code": "450126", "programme": "east_west", "valid_from": "2026-01-01"}),
        ),
        (
            Method::PATCH,
            "/api/pairings/1",
            json!({"valid_to": "2026-12-31"}),
        ),
        (Method::GET, "/api/audit", Value::Null),
    ];
    for login in [
        "union_admin",
        "member",
        "buyer",
        "approver",
        "supplier",
        "regulator",
        "unit_admin",
    ] {
        let s = app.login(login).await;
        for (method, path, body) in &calls {
            let body = if body.is_null() {
                None
            } else {
                Some(body.clone())
            };
            let r = app.call(method.clone(), path, body, &s.bearer()).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{login} {method} {path}: {}",
                r.text
            );
            assert_eq!(r.code(), "forbidden");
        }
    }
    // And 401 without a session at all.
    for (method, path, body) in &calls {
        let body = if body.is_null() {
            None
        } else {
            Some(body.clone())
        };
        let r = app.call(method.clone(), path, body, &Auth::None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    assert_eq!(
        app.count("audit_log").await,
        0,
        "refused calls write nothing"
    );
}

#[tokio::test]
async fn admins_grant_only_roles_of_their_own_kind() {
    let app = TestApp::spawn().await;
    let admin = app.login("unit_admin").await;
    let unit = admin.org_with("unit_admin");
    let r = app
        .post(
            &format!("/api/orgs/{unit}/members"),
            json!({"display_name": "x", "username": "wrong_role", "role": "member"}),
            &admin.bearer(),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        r.body["error"]["details"]["fields"]["role"][0]["code"],
        "role_not_for_org_kind"
    );
    // An admin may not remove their own admin role.
    app.call(
        Method::DELETE,
        &format!(
            "/api/orgs/{unit}/members/{}/roles/unit_admin",
            admin.user_id
        ),
        None,
        &admin.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "cannot_revoke_own_admin");
}

#[tokio::test]
async fn a_member_sees_only_their_own_organisations() {
    let app = TestApp::spawn().await;
    let member = app.login("member").await;
    let list = app
        .get("/api/orgs", &member.bearer())
        .await
        .expect(StatusCode::OK);
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["kind"], "union");
    let operator = app.login("operator").await;
    let all = app
        .get("/api/orgs?limit=200", &operator.bearer())
        .await
        .expect(StatusCode::OK);
    assert!(all.body["items"].as_array().map_or(0, Vec::len) > 30);
}

#[tokio::test]
async fn suspending_an_organisation_removes_its_roles_at_once() {
    let app = TestApp::spawn().await;
    let operator = app.login("operator").await;
    let supplier = app.login("supplier").await;
    let org = supplier.org_with("supplier_admin");
    app.get(&format!("/api/orgs/{org}"), &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    app.post(
        &format!("/api/orgs/{org}/status"),
        json!({"status": "suspended", "reason": ""}),
        &operator.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.post(
        &format!("/api/orgs/{org}/status"),
        json!({"status": "suspended", "reason": "价格监测异常"}),
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    app.get(&format!("/api/orgs/{org}"), &supplier.bearer())
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    let audit = app
        .get(
            &format!("/api/audit?entity_type=organization&entity_id={org}"),
            &operator.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(audit.body["items"][0]["action"], "org.status");
    assert_eq!(audit.body["items"][0]["reason"], "价格监测异常");
    assert_eq!(audit.body["items"][0]["before"]["status"], "active");
    assert_eq!(audit.body["items"][0]["after"]["status"], "suspended");
}
