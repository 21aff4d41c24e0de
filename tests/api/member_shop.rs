//! The member's address book and 立即购买 (buy now), through the API.

use axum::http::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::commerce::{address, members};
use crate::helpers::{Auth, TestApp};

fn saved(a: Value, is_default: bool) -> Value {
    json!({"address": a, "is_default": is_default})
}

fn other_address() -> Value {
    json!({"recipient": "李娜", "phone": "13800001234", "province_code": "440000", "city_code": "440300", "district_code": "440305", "detail": "科技园南区8栋301"})
}

async fn book(app: &TestApp, auth: &Auth) -> Vec<Value> {
    app.get("/api/me/addresses", auth)
        .await
        .expect(StatusCode::OK)
        .body["items"]
        .as_array()
        .expect("items")
        .clone()
}

/// (id, is_default) of every address of the book, in its order.
async fn defaults(app: &TestApp, auth: &Auth) -> Vec<(i64, bool)> {
    book(app, auth)
        .await
        .iter()
        .map(|a| (a["id"].as_i64().expect("id"), a["is_default"] == true))
        .collect()
}

/// Rows marked default in the table, for one user.
async fn default_rows(app: &TestApp, user_id: i64) -> usize {
    bangfu::entities::member_addresses::Entity::find()
        .filter(bangfu::entities::member_addresses::Column::UserId.eq(user_id))
        .filter(bangfu::entities::member_addresses::Column::IsDefault.eq(true))
        .all(app.db())
        .await
        .expect("rows")
        .len()
}

#[tokio::test]
async fn the_address_book_keeps_one_default_and_each_member_sees_only_their_own() {
    let app = TestApp::spawn().await;
    let member = app.login("member").await;
    let me = member.bearer();
    assert!(book(&app, &me).await.is_empty());

    // The first address becomes the default even when not asked to.
    let a = app
        .post("/api/me/addresses", saved(address(), false), &me)
        .await
        .expect(StatusCode::CREATED);
    let a_id = a.body["id"].as_i64().expect("id");
    assert_eq!(a.body["is_default"], true);
    assert_eq!(a.body["phone_masked"], "139****0001");
    assert_eq!(a.body["address"]["phone"], "13900000001");
    assert_eq!(a.body["region"], "广东省 深圳市 福田区");
    // A second one asked to be the default takes it over.
    let b = app
        .post("/api/me/addresses", saved(other_address(), true), &me)
        .await
        .expect(StatusCode::CREATED);
    let b_id = b.body["id"].as_i64().expect("id");
    assert_eq!(defaults(&app, &me).await, vec![(b_id, true), (a_id, false)]);
    assert_eq!(default_rows(&app, member.user_id).await, 1);

    // Another member sees none of them, and cannot change or delete them (404, not 403).
    let (other_id, token) = members(&app, 1).await.remove(0);
    let other = Auth::Bearer(token);
    assert!(book(&app, &other).await.is_empty());
    app.put(
        &format!("/api/me/addresses/{a_id}"),
        saved(other_address(), true),
        &other,
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.call(
        Method::DELETE,
        &format!("/api/me/addresses/{b_id}"),
        None,
        &other,
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    // Their own first address is their default; the first member's default is untouched.
    let c = app
        .post("/api/me/addresses", saved(other_address(), false), &other)
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(c.body["is_default"], true);
    assert_eq!(book(&app, &other).await.len(), 1);
    assert_eq!(defaults(&app, &me).await, vec![(b_id, true), (a_id, false)]);
    assert_eq!(default_rows(&app, other_id).await, 1);

    // Editing: the new text is kept; marking a default moves it; unmarking passes it on.
    let mut changed = address();
    changed["detail"] = json!("福中三路2号");
    let edited = app
        .put(
            &format!("/api/me/addresses/{a_id}"),
            saved(changed, true),
            &me,
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(edited.body["address"]["detail"], "福中三路2号");
    assert_eq!(defaults(&app, &me).await, vec![(a_id, true), (b_id, false)]);
    app.put(
        &format!("/api/me/addresses/{a_id}"),
        saved(address(), false),
        &me,
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(defaults(&app, &me).await, vec![(b_id, true), (a_id, false)]);
    assert_eq!(default_rows(&app, member.user_id).await, 1);

    // Deleting the default passes it to the other address; deleting the last leaves none.
    let left = app
        .call(
            Method::DELETE,
            &format!("/api/me/addresses/{b_id}"),
            None,
            &me,
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(left.body["items"][0]["id"], a_id);
    assert_eq!(left.body["items"][0]["is_default"], true);
    app.call(
        Method::DELETE,
        &format!("/api/me/addresses/{a_id}"),
        None,
        &me,
    )
    .await
    .expect(StatusCode::OK);
    assert!(book(&app, &me).await.is_empty());

    // Bad addresses are 422 with the field named, and write nothing.
    let mut bad = address();
    bad["phone"] = json!("12345");
    let r = app
        .post("/api/me/addresses", saved(bad, false), &me)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(
        r.body["error"]["details"]["fields"]["address.phone"].is_array(),
        "{}",
        r.body
    );
    let mut bad = address();
    bad["district_code"] = json!("110101");
    app.post("/api/me/addresses", saved(bad, false), &me)
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(book(&app, &me).await.is_empty());

    // Twenty at most.
    for _ in 0..20 {
        app.post("/api/me/addresses", saved(address(), false), &me)
            .await
            .expect(StatusCode::CREATED);
    }
    app.post("/api/me/addresses", saved(address(), true), &me)
        .await
        .expect_error(StatusCode::CONFLICT, "address_book_full");
    assert_eq!(default_rows(&app, member.user_id).await, 1);

    // Only members keep an address book.
    let supplier = app.login("supplier").await;
    app.get("/api/me/addresses", &supplier.bearer())
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    app.get("/api/me/addresses", &Auth::None)
        .await
        .expect(StatusCode::UNAUTHORIZED);
    // A cookie session needs its CSRF token to change the book.
    app.post(
        "/api/me/addresses",
        saved(address(), false),
        &member.cookie_without_csrf(),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn buy_now_checks_out_one_line_and_leaves_the_cart_as_it_was() {
    let app = TestApp::spawn().await;
    let member = app.login("member").await;
    let me = member.bearer();
    // 赣南脐橙 (sku 15, ¥99) waits in the cart; 百色芒果 (sku 9, ¥79) is bought now.
    app.put("/api/me/cart/items/15", json!({"quantity": 2}), &me)
        .await
        .expect(StatusCode::OK);
    let quote = app
        .post(
            "/api/checkout/quote",
            json!({"buy_now": {"sku_id": 9, "quantity": 1}}),
            &me,
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(quote.body["items_total_fen"], 7900);
    let groups = quote.body["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["lines"][0]["sku_id"], 9);
    assert_eq!(groups[0]["lines"].as_array().expect("lines").len(), 1);
    let placed = app
        .call_with(
            Method::POST,
            "/api/checkout",
            Some(json!({"address": address(), "expected_amount_fen": 7900, "buy_now": {"sku_id": 9, "quantity": 1}})),
            &me,
            &[("idempotency-key", &uuid::Uuid::new_v4().to_string())],
        )
        .await
        .expect(StatusCode::CREATED);
    let orders = placed.body["orders"].as_array().expect("orders");
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["lines"][0]["sku_id"], 9);
    assert_eq!(orders[0]["lines"][0]["quantity"], 1);
    assert_eq!(placed.body["payment"]["amount_fen"], 7900);
    // The cart is as it was.
    let cart = app.get("/api/me/cart", &me).await.expect(StatusCode::OK);
    let lines = cart.body["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["sku_id"], 15);
    assert_eq!(lines[0]["quantity"], 2);

    // A bad quantity is 422, a SKU not for sale 404; nothing is placed.
    let before = app.count("orders").await;
    app.post(
        "/api/checkout/quote",
        json!({"buy_now": {"sku_id": 9, "quantity": 0}}),
        &me,
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.call_with(
        Method::POST,
        "/api/checkout",
        Some(json!({"address": address(), "expected_amount_fen": 1, "buy_now": {"sku_id": 999_999, "quantity": 1}})),
        &me,
        &[("idempotency-key", &uuid::Uuid::new_v4().to_string())],
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(app.count("orders").await, before);
}
