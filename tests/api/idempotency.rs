use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn a_retried_post_with_the_same_key_runs_once() {
    let app = TestApp::spawn().await;
    let op = app.login("operator").await;
    let body = json!({"kind": "union", "name": "坪山区总工会（幂等）"});
    let key = [("idempotency-key", "create-pingshan-union-1")];
    let first = app
        .call_with(
            Method::POST,
            "/api/orgs",
            Some(body.clone()),
            &op.bearer(),
            &key,
        )
        .await
        .expect(StatusCode::CREATED);
    let again = app
        .call_with(
            Method::POST,
            "/api/orgs",
            Some(body.clone()),
            &op.bearer(),
            &key,
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(first.body, again.body);
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let orgs = app
        .get("/api/orgs?kind=union&q=坪山区总工会", &op.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(orgs.body["items"].as_array().map(Vec::len), Some(1));
    // The same key with another body is refused; without a key the second create is a duplicate.
    app.call_with(
        Method::POST,
        "/api/orgs",
        Some(json!({"kind": "union", "name": "另一个"})),
        &op.bearer(),
        &key,
    )
    .await
    .expect_error(StatusCode::BAD_REQUEST, "idempotency_key_reused");
    app.post("/api/orgs", body, &op.bearer())
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    // Another session of the same user shares its keys.
    let other = app.login("operator").await;
    let r = app
        .call_with(
            Method::POST,
            "/api/orgs",
            Some(json!({"kind": "union", "name": "光明区总工会（幂等）"})),
            &other.bearer(),
            &key,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "same user, other body: {}",
        r.text
    );
}

#[tokio::test]
async fn failed_validation_is_replayed_but_not_charged_twice() {
    let app = TestApp::spawn().await;
    let admin = app.login("unit_admin").await;
    let unit = admin.org_with("unit_admin");
    let key = [("idempotency-key", "add-staff-42")];
    let body = json!({"display_name": "王五", "phone": "13812345678", "role": "buyer"});
    let path = format!("/api/orgs/{unit}/members");
    let first = app
        .call_with(
            Method::POST,
            &path,
            Some(body.clone()),
            &admin.bearer(),
            &key,
        )
        .await
        .expect(StatusCode::CREATED);
    let token = first.body["invitation_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let second = app
        .call_with(Method::POST, &path, Some(body), &admin.bearer(), &key)
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(
        second.body["invitation_token"].as_str(),
        Some(token.as_str()),
        "the stored answer, not a second invitation"
    );
    assert_eq!(app.count("invitations").await, 1);
    app.call_with(
        Method::POST,
        &path,
        Some(json!({"display_name": "x"})),
        &admin.bearer(),
        &[("idempotency-key", "")],
    )
    .await
    .expect_error(StatusCode::BAD_REQUEST, "invalid_idempotency_key");
}

#[tokio::test]
async fn concurrent_retries_create_one_object() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let op = app.login("operator").await;
    let mut handles = Vec::new();
    for _ in 0..8 {
        let app = app.clone();
        let auth = op.bearer();
        handles.push(tokio::spawn(async move {
            app.call_with(
                Method::POST,
                "/api/orgs",
                Some(json!({"kind": "union", "name": "并发工会"})),
                &auth,
                &[("idempotency-key", "storm-key")],
            )
            .await
            .status
        }));
    }
    let mut created = 0;
    for h in handles {
        let status = h.await.expect("join");
        assert!(
            status == StatusCode::CREATED || status == StatusCode::CONFLICT,
            "{status}"
        );
        if status == StatusCode::CREATED {
            created += 1;
        }
    }
    assert!(created >= 1);
    let orgs = app
        .get("/api/orgs?kind=union&q=并发工会", &op.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        orgs.body["items"].as_array().map(Vec::len),
        Some(1),
        "one organisation whatever the retries"
    );
}

/// A key whose first request died (a killed instance: the row stays `in_progress` and
/// nobody renews its lease) blocks retries only while its lease runs: 409 while it holds,
/// then the retry takes the key over, runs, and its answer is stored.
#[tokio::test]
async fn a_key_whose_request_died_is_taken_over_once_its_lease_ran_out() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    use sha2::Digest;
    let app = TestApp::spawn().await;
    let op = app.login("operator").await;
    let body = json!({"kind": "union", "name": "坪山区总工会（续租）"});
    let hash = hex::encode(sha2::Sha256::digest(
        serde_json::to_vec(&body).expect("json"),
    ));
    let now = chrono::Utc::now();
    bangfu::entities::idempotency_keys::ActiveModel {
        user_id: Set(op.user_id),
        key: Set("died-mid-request".into()),
        method: Set("POST".into()),
        path: Set("/api/orgs".into()),
        request_hash: Set(hash),
        state: Set(bangfu::idempotency::IdempotencyState::InProgress),
        response_status: Set(None),
        response_body: Set(None),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::seconds(60)),
    }
    .insert(app.db())
    .await
    .expect("a key in progress");
    let key = [("idempotency-key", "died-mid-request")];
    app.call_with(
        Method::POST,
        "/api/orgs",
        Some(body.clone()),
        &op.bearer(),
        &key,
    )
    .await
    .expect_error(StatusCode::CONFLICT, "idempotency_in_progress");
    // The lease ran out (nobody renewed it).
    bangfu::entities::idempotency_keys::ActiveModel {
        user_id: Set(op.user_id),
        key: Set("died-mid-request".into()),
        expires_at: Set(now - chrono::Duration::seconds(1)),
        ..Default::default()
    }
    .update(app.db())
    .await
    .expect("expire the lease");
    let taken = app
        .call_with(
            Method::POST,
            "/api/orgs",
            Some(body.clone()),
            &op.bearer(),
            &key,
        )
        .await
        .expect(StatusCode::CREATED);
    let replayed = app
        .call_with(Method::POST, "/api/orgs", Some(body), &op.bearer(), &key)
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(taken.body, replayed.body);
    let stored = bangfu::entities::idempotency_keys::Entity::find_by_id((
        op.user_id,
        "died-mid-request".to_owned(),
    ))
    .one(app.db())
    .await
    .expect("q")
    .expect("row");
    assert_eq!(stored.state, bangfu::idempotency::IdempotencyState::Done);
    assert!(
        stored.expires_at > chrono::Utc::now() + chrono::Duration::hours(23),
        "a finished answer is kept for a day"
    );
}
