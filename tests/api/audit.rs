use axum::http::StatusCode;
use sea_orm::ConnectionTrait;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let app = TestApp::spawn().await;
    let op = app.login("operator").await;
    app.call(
        axum::http::Method::PATCH,
        "/api/regions/450125",
        Some(serde_json::json!({"note": "改"})),
        &op.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(app.count("audit_log").await, 1);
    let update = app
        .db()
        .execute_unprepared("UPDATE audit_log SET reason = 'tampered'")
        .await;
    assert!(update.is_err(), "UPDATE must fail");
    let delete = app.db().execute_unprepared("DELETE FROM audit_log").await;
    assert!(delete.is_err(), "DELETE must fail");
    assert_eq!(app.count("audit_log").await, 1);
}

#[tokio::test]
async fn audit_entries_commit_or_roll_back_with_the_change() {
    let app = TestApp::spawn().await;
    let op = app.login("operator").await;
    // A refused change (overlapping pairing) leaves no audit entry behind.
    app.post(
        "/api/pairings",
        serde_json::json!({"helper_code": "440304", "partner_code": "450124", "programme": "east_west", "valid_from": "2024-01-01"}),
        &op.bearer(),
    )
    .await
    .expect(StatusCode::CONFLICT);
    assert_eq!(app.count("audit_log").await, 0);
    let page = app
        .get("/api/audit?limit=1", &op.bearer())
        .await
        .expect(StatusCode::OK);
    assert!(page.body["items"].as_array().is_some_and(Vec::is_empty));
}
