//! The OpenAPI document is snapshotted in `frontend/openapi.json`, from which the frontend's
//! TypeScript types are generated. Run with `UPDATE_OPENAPI=1` to accept a change.

use axum::http::StatusCode;

use crate::helpers::{Auth, TestApp};

#[tokio::test]
async fn the_document_matches_the_snapshot_and_covers_every_route() {
    let app = TestApp::spawn().await;
    let served = app
        .get("/api/openapi.json", &Auth::None)
        .await
        .expect(StatusCode::OK);
    let doc = bangfu::app::openapi_document();
    let value = serde_json::to_value(&doc).expect("json");
    assert_eq!(served.body, value);
    let pretty = serde_json::to_string_pretty(&value).expect("pretty") + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("frontend/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(&path, &pretty).expect("write snapshot");
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == pretty,
        "frontend/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test --test api openapi` and commit it"
    );
    // Every operation documents its error answers with the envelope.
    for (path, item) in value["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let responses = op["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{method} {path}");
        }
    }
    let docs = app.get("/api/docs", &Auth::None).await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(
        docs.text.contains("openapi") || docs.text.contains("scalar"),
        "interactive page"
    );
}

/// The document's 401s are true: every operation outside `openapi::PUBLIC` answers 401 to a
/// request without credentials, and every one inside does not.
#[tokio::test]
async fn documented_401s_match_what_the_server_answers() {
    use axum::http::Method;
    let app = TestApp::spawn().await;
    let doc = serde_json::to_value(bangfu::app::openapi_document()).expect("json");
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let concrete = path
                .replace("{code}", "450124")
                .replace("{file}", "480.webp")
                .replace("{hash}", "abc")
                .replace("{role}", "supplier_admin");
            let concrete = regex_lite_replace(&concrete);
            let body = op.get("requestBody").map(|_| serde_json::json!({}));
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let r = app.call(m, &concrete, body, &Auth::None).await;
            let public = bangfu::openapi::PUBLIC.contains(&(method.as_str(), path.as_str()));
            let documented_401 = op["responses"].get("401").is_some();
            if (r.status == StatusCode::UNAUTHORIZED) == public || (!public && !documented_401) {
                wrong.push(format!("{method} {path}: {} (public: {public})", r.status));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Replaces every remaining `{param}` with `1`.
fn regex_lite_replace(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push('1');
            }
            '}' => inside = false,
            _ if inside => {}
            _ => out.push(c),
        }
    }
    out
}
