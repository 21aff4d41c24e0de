use axum::http::{Method, StatusCode, header};
use serde_json::json;

use crate::helpers::{Auth, TestApp, TestOptions, TestResponse};

#[tokio::test]
async fn login_by_username_or_phone_sets_cookie_and_returns_token() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/auth/login",
            json!({"login": "buyer", "password": "bangfu-demo"}),
            &Auth::None,
        )
        .await
        .expect(StatusCode::OK);
    let cookie = r
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("cookie");
    assert!(cookie.starts_with("bangfu_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "not behind TLS: {cookie}");
    assert_eq!(r.body["me"]["user"]["username"], "buyer");
    assert_eq!(r.body["me"]["roles"][0]["role"], "buyer");
    assert_eq!(r.body["me"]["roles"][0]["org"]["kind"], "budget_unit");
    // The buyer has a phone: logging in with it (in any common spelling) works too.
    let phone = "+86 139-1000-0001";
    let by_phone = app.login_with(phone, "bangfu-demo").await;
    assert_eq!(by_phone.me["user"]["username"], "buyer");
    assert_eq!(by_phone.me["user"]["phone_masked"], "139****0001");
}

#[tokio::test]
async fn secure_cookie_behind_tls() {
    let app = TestApp::spawn_with(TestOptions {
        configure: Box::new(|c| c.cookie_secure = true),
        ..TestOptions::default()
    })
    .await;
    let r = app
        .post(
            "/api/auth/login",
            json!({"login": "member", "password": "bangfu-demo"}),
            &Auth::None,
        )
        .await
        .expect(StatusCode::OK);
    let cookie = r
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("cookie");
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn wrong_password_unknown_user_and_empty_fields_are_one_error() {
    let app = TestApp::spawn().await;
    for body in [
        json!({"login": "buyer", "password": "wrong-password"}),
        json!({"login": "nobody", "password": "bangfu-demo"}),
        json!({"login": "", "password": ""}),
    ] {
        app.post("/api/auth/login", body, &Auth::None)
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    assert_eq!(app.count("sessions").await, 0);
}

#[tokio::test]
async fn me_and_logout_with_bearer_and_cookie() {
    let app = TestApp::spawn().await;
    app.get("/api/me", &Auth::None)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    app.get("/api/me", &Auth::Bearer("not-a-token".into()))
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let s = app.login("union_admin").await;
    let me = app.get("/api/me", &s.bearer()).await.expect(StatusCode::OK);
    assert_eq!(me.body["roles"][0]["role"], "union_admin");
    assert_eq!(me.body["csrf_token"], s.csrf.as_str());
    app.get("/api/me", &s.cookie_without_csrf())
        .await
        .expect(StatusCode::OK);
    app.call(Method::POST, "/api/auth/logout", None, &s.cookie())
        .await
        .expect(StatusCode::NO_CONTENT);
    app.get("/api/me", &s.bearer())
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn cookie_changes_need_the_csrf_token_bearer_changes_do_not() {
    let app = TestApp::spawn().await;
    let s = app.login("operator").await;
    let body = json!({"kind": "union", "name": "盐田区总工会"});
    app.call(
        Method::POST,
        "/api/orgs",
        Some(body.clone()),
        &s.cookie_without_csrf(),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "csrf_rejected");
    let wrong = Auth::Cookie {
        token: s.token.clone(),
        csrf: Some("forged".into()),
    };
    app.call(Method::POST, "/api/orgs", Some(body.clone()), &wrong)
        .await
        .expect_error(StatusCode::FORBIDDEN, "csrf_rejected");
    // Another session's CSRF token is no good either.
    let other = app.login("operator").await;
    let crossed = Auth::Cookie {
        token: s.token.clone(),
        csrf: Some(other.csrf.clone()),
    };
    app.call(Method::POST, "/api/orgs", Some(body.clone()), &crossed)
        .await
        .expect_error(StatusCode::FORBIDDEN, "csrf_rejected");
    assert!(
        bangfu::orgs::service::find_by_name(app.db(), bangfu::auth::OrgKind::Union, "盐田区总工会")
            .await
            .expect("q")
            .is_none()
    );
    app.call(Method::POST, "/api/orgs", Some(body.clone()), &s.cookie())
        .await
        .expect(StatusCode::CREATED);
    let body2 = json!({"kind": "union", "name": "大鹏新区总工会"});
    app.call(Method::POST, "/api/orgs", Some(body2), &s.bearer())
        .await
        .expect(StatusCode::CREATED);
}

#[tokio::test]
async fn sessions_are_listed_and_revocable() {
    let app = TestApp::spawn().await;
    let phone = app.login("supplier").await;
    let laptop = app.login("supplier").await;
    let list = app
        .get("/api/auth/sessions", &laptop.bearer())
        .await
        .expect(StatusCode::OK);
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    let phone_session = items
        .iter()
        .find(|s| s["current"] == false)
        .expect("other session")["id"]
        .as_i64()
        .expect("id");
    app.call(
        Method::DELETE,
        &format!("/api/auth/sessions/{phone_session}"),
        None,
        &laptop.bearer(),
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    app.get("/api/me", &phone.bearer())
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    app.get("/api/me", &laptop.bearer())
        .await
        .expect(StatusCode::OK);
    // Someone else's session is not found, not revoked.
    let buyer = app.login("buyer").await;
    let buyer_sessions = app.get("/api/auth/sessions", &buyer.bearer()).await;
    let buyer_session = buyer_sessions.body["items"][0]["id"].as_i64().expect("id");
    app.call(
        Method::DELETE,
        &format!("/api/auth/sessions/{buyer_session}"),
        None,
        &laptop.bearer(),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.get("/api/me", &buyer.bearer())
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn password_change_revokes_other_sessions() {
    let app = TestApp::spawn().await;
    let a = app.login("approver").await;
    let b = app.login("approver").await;
    app.post(
        "/api/auth/password",
        json!({"current_password": "nope-nope", "new_password": "new-secret-1"}),
        &a.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let r = app
        .post(
            "/api/auth/password",
            json!({"current_password": "bangfu-demo", "new_password": "1234"}),
            &a.bearer(),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        r.body["error"]["details"]["fields"]["password"][0]["code"],
        "password_too_short"
    );
    app.post(
        "/api/auth/password",
        json!({"current_password": "bangfu-demo", "new_password": "new-secret-1"}),
        &a.bearer(),
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    app.get("/api/me", &a.bearer()).await.expect(StatusCode::OK);
    app.get("/api/me", &b.bearer())
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    app.post(
        "/api/auth/login",
        json!({"login": "approver", "password": "bangfu-demo"}),
        &Auth::None,
    )
    .await
    .expect_error(StatusCode::UNAUTHORIZED, "invalid_credentials");
    app.login_with("approver", "new-secret-1").await;
}

#[tokio::test]
async fn login_rate_limit_per_account_triggers_and_recovers() {
    let app = TestApp::spawn_with(TestOptions {
        configure: Box::new(|c| {
            c.login_max_per_account = 3;
            c.login_window_secs = 2;
        }),
        ..TestOptions::default()
    })
    .await;
    for _ in 0..3 {
        app.post(
            "/api/auth/login",
            json!({"login": "buyer", "password": "wrong-guess"}),
            &Auth::None,
        )
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    // The right password is refused too while the account is throttled.
    let r = app
        .post(
            "/api/auth/login",
            json!({"login": "buyer", "password": "bangfu-demo"}),
            &Auth::None,
        )
        .await
        .expect_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let retry: u64 = r
        .headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=2).contains(&retry), "retry after {retry}");
    // Other accounts are not affected.
    app.login("approver").await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    app.login("buyer").await;
}

#[tokio::test]
async fn login_rate_limit_per_ip() {
    let app = TestApp::spawn_with(TestOptions {
        configure: Box::new(|c| {
            c.login_max_per_ip = 4;
            c.trust_proxy = true;
        }),
        ..TestOptions::default()
    })
    .await;
    for login in ["a1", "a2", "a3", "a4"] {
        app.call_with(
            Method::POST,
            "/api/auth/login",
            Some(json!({"login": login, "password": "x"})),
            &Auth::None,
            &[("x-forwarded-for", "203.0.113.9")],
        )
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    app.call_with(
        Method::POST,
        "/api/auth/login",
        Some(json!({"login": "buyer", "password": "bangfu-demo"})),
        &Auth::None,
        &[("x-forwarded-for", "203.0.113.9")],
    )
    .await
    .expect_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    app.call_with(
        Method::POST,
        "/api/auth/login",
        Some(json!({"login": "buyer", "password": "bangfu-demo"})),
        &Auth::None,
        &[("x-forwarded-for", "198.51.100.7")],
    )
    .await
    .expect(StatusCode::OK);
}

#[tokio::test]
async fn rate_limit_is_shared_between_instances_through_redis() {
    if crate::helpers::Backend::from_env() != crate::helpers::Backend::Postgres {
        return; // needs Redis, which the PostgreSQL run provides
    }
    let a = TestApp::spawn_with(TestOptions {
        configure: Box::new(|c| c.login_max_per_account = 2),
        ..TestOptions::default()
    })
    .await;
    // A second instance on the same database and Redis prefix.
    let prefix = a.redis_prefix.clone();
    let url = a.database_url.clone();
    let mut config = a.state.config.clone();
    config.redis_prefix = prefix;
    config.database_url = Some(url);
    let b_state = bangfu::app::build(config, bangfu::app::jobs())
        .await
        .expect("second instance");
    let b = bangfu::router(b_state);
    for _ in 0..2 {
        a.post(
            "/api/auth/login",
            json!({"login": "buyer", "password": "bad-bad"}),
            &Auth::None,
        )
        .await
        .expect(StatusCode::UNAUTHORIZED);
    }
    use tower::ServiceExt;
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(
            r#"{"login":"buyer","password":"bangfu-demo"}"#,
        ))
        .expect("request");
    let resp = b.oneshot(req).await.expect("response");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn invited_user_activates_once_and_logs_in() {
    let app = TestApp::spawn().await;
    let admin = app.login("unit_admin").await;
    let unit = admin.org_with("unit_admin");
    let r = app
        .post(
            &format!("/api/orgs/{unit}/members"),
            json!({"display_name": "新采购员", "username": "new_buyer", "role": "buyer"}),
            &admin.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let token = r.body["invitation_token"]
        .as_str()
        .expect("invitation")
        .to_owned();
    // Not active yet: cannot log in.
    app.post(
        "/api/auth/login",
        json!({"login": "new_buyer", "password": "whatever-1"}),
        &Auth::None,
    )
    .await
    .expect_error(StatusCode::UNAUTHORIZED, "invalid_credentials");
    app.post(
        "/api/auth/activate",
        json!({"token": token, "password": "12345678"}),
        &Auth::None,
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.post(
        "/api/auth/activate",
        json!({"token": token, "password": "buyer-pass-1"}),
        &Auth::None,
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    app.post(
        "/api/auth/activate",
        json!({"token": token, "password": "buyer-pass-2"}),
        &Auth::None,
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    let s = app.login_with("new_buyer", "buyer-pass-1").await;
    assert_eq!(s.org_with("buyer"), unit);
}

/// Sessions are cached per instance; a change on one instance is seen by the other on its
/// very next request (through Redis on PostgreSQL runs; on SQLite both instances keep their
/// own counters, so only the single-instance half is asserted there).
#[tokio::test]
async fn cached_sessions_follow_logout_and_role_changes_on_every_instance() {
    let a = TestApp::spawn().await;
    let shared = a.state.redis.is_some();
    let b = a.twin().await;
    let member = a.login("member").await;
    let buyer = a.login("buyer").await;
    let admin = a.login("unit_admin").await;
    let unit = admin.org_with("unit_admin");
    // Warm both instances' caches (the second request of a token is served from the cache).
    for app in [&a, &b] {
        for _ in 0..3 {
            app.get("/api/me", &member.bearer())
                .await
                .expect(StatusCode::OK);
            app.get("/api/me", &buyer.bearer())
                .await
                .expect(StatusCode::OK);
        }
    }
    // A logout on A.
    a.post("/api/auth/logout", json!({}), &member.bearer())
        .await
        .expect(StatusCode::NO_CONTENT);
    a.get("/api/me", &member.bearer())
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    if shared {
        b.get("/api/me", &member.bearer())
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    // A role granted on A shows on B at once.
    a.post(
        &format!("/api/orgs/{unit}/members"),
        json!({"display_name": "采购员", "username": "buyer", "role": "approver"}),
        &admin.bearer(),
    )
    .await
    .expect(StatusCode::CREATED);
    let roles = |r: &TestResponse| {
        r.body["roles"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|g| g["role"].as_str().map(str::to_owned))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let on_a = a
        .get("/api/me", &buyer.bearer())
        .await
        .expect(StatusCode::OK);
    assert!(
        roles(&on_a).contains(&"approver".to_owned()),
        "{}",
        on_a.text
    );
    if shared {
        let on_b = b
            .get("/api/me", &buyer.bearer())
            .await
            .expect(StatusCode::OK);
        assert!(
            roles(&on_b).contains(&"approver".to_owned()),
            "{}",
            on_b.text
        );
    }
    // Taking the roles away again on A: the buyer loses access everywhere, at once.
    for role in ["approver", "buyer"] {
        a.call(
            Method::DELETE,
            &format!("/api/orgs/{unit}/members/{}/roles/{role}", buyer.user_id),
            None,
            &admin.bearer(),
        )
        .await
        .expect(StatusCode::NO_CONTENT);
    }
    a.get("/api/me", &buyer.bearer())
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    if shared {
        b.get("/api/me", &buyer.bearer())
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
}

/// Suspending an organisation takes its roles away from cached sessions on every instance.
#[tokio::test]
async fn suspending_an_organisation_reaches_cached_sessions() {
    if crate::helpers::Backend::from_env() != crate::helpers::Backend::Postgres {
        return; // two instances share counters through Redis, which the PostgreSQL run has
    }
    let a = TestApp::spawn().await;
    let b = a.twin().await;
    let op = a.login("operator").await;
    let admin = a.login("unit_admin").await;
    let unit = admin.org_with("unit_admin");
    for _ in 0..3 {
        b.get(&format!("/api/orgs/{unit}/members"), &admin.bearer())
            .await
            .expect(StatusCode::OK);
    }
    a.post(
        &format!("/api/orgs/{unit}/status"),
        json!({"status": "suspended", "reason": "审计"}),
        &op.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    let r = b
        .get(&format!("/api/orgs/{unit}/members"), &admin.bearer())
        .await;
    assert!(
        r.status == StatusCode::FORBIDDEN
            || r.status == StatusCode::NOT_FOUND
            || r.status == StatusCode::UNAUTHORIZED,
        "a suspended unit's admin is refused on the other instance: {} {}",
        r.status,
        r.text
    );
}

/// The account is counted whichever identifier is typed: its phone does not give more
/// guesses than its login name.
#[tokio::test]
async fn login_rate_limit_counts_the_account_whatever_identifier_is_typed() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn_with(TestOptions {
        configure: Box::new(|c| {
            c.login_max_per_account = 3;
            c.login_window_secs = 60;
        }),
        ..TestOptions::default()
    })
    .await;
    app.db()
        .execute_unprepared("UPDATE users SET phone = '13912345678' WHERE username = 'buyer'")
        .await
        .expect("phone");
    for login in ["buyer", "13912345678", " BUYER "] {
        app.post(
            "/api/auth/login",
            json!({"login": login, "password": "wrong-guess"}),
            &Auth::None,
        )
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    for login in ["13912345678", "buyer"] {
        app.post(
            "/api/auth/login",
            json!({"login": login, "password": "bangfu-demo"}),
            &Auth::None,
        )
        .await
        .expect_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    }
    // Another account is not affected.
    app.login("approver").await;
}
