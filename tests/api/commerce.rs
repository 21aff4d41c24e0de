//! Coupons, checkout, payments, refunds and settlement, end to end through the API.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    Statement,
};
use serde_json::{Value, json};

use crate::helpers::{Auth, TestApp};

/// A campaign of the demo city union: a drop open since midnight.
pub async fn drop_campaign(app: &TestApp, quantity: i64, face: i64, min_spend: i64) -> i64 {
    drop_campaign_for(
        app,
        quantity,
        face,
        min_spend,
        json!({"audience_kind": "all"}),
    )
    .await
}

/// [`drop_campaign`] for an audience (`audience_kind`, `audience_values`).
pub async fn drop_campaign_for(
    app: &TestApp,
    quantity: i64,
    face: i64,
    min_spend: i64,
    audience: Value,
) -> i64 {
    let admin = app.login("union_admin").await;
    let union = admin.org_with("union_admin");
    let today = bangfu::time::business_date(Utc::now());
    let mut body = json!({
        "name": format!("测试券{}", uuid::Uuid::new_v4().simple()).chars().take(20).collect::<String>(),
        "face_value_fen": face, "min_spend_fen": min_spend, "total_quantity": quantity * 10, "budget_fen": face * quantity * 10,
        "per_member_limit": 1, "per_member_daily_limit": 1, "claim_mode": "drop",
        "daily_quantity": quantity, "drop_time": "00:00", "validity_kind": "relative", "valid_days": 30,
        "scope": {"assistance_only": true}, "starts_on": today.to_string(), "ends_on": (today + chrono::Duration::days(10)).to_string()
    });
    for (k, v) in audience.as_object().expect("audience") {
        body[k] = v.clone();
    }
    let c = app
        .post(
            &format!("/api/unions/{union}/campaigns"),
            body,
            &admin.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let id = c.body["id"].as_i64().expect("id");
    app.post(
        &format!("/api/campaigns/{id}/publish"),
        json!({}),
        &admin.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    id
}

/// `n` verified members of 福田区总工会 with sessions: (user id, bearer token).
pub async fn members(app: &TestApp, n: usize) -> Vec<(i64, String)> {
    let db = app.db();
    let union = bangfu::orgs::service::find_by_name(
        db,
        bangfu::auth::OrgKind::Union,
        "福田区总工会（演示）",
    )
    .await
    .expect("q")
    .expect("union")
    .id;
    let now = Utc::now();
    let mut out = Vec::with_capacity(n);
    let txn = sea_orm::TransactionTrait::begin(db).await.expect("begin");
    let tag = uuid::Uuid::new_v4().simple().to_string();
    for i in 0..n {
        let user = bangfu::entities::users::ActiveModel {
            username: Set(Some(format!("m{}_{i}", &tag[..8]))),
            phone: Set(None),
            display_name: Set(format!("会员{i}")),
            password_hash: Set(None),
            status: Set(bangfu::auth::UserStatus::Active),
            password_changed_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .expect("user");
        bangfu::entities::user_roles::ActiveModel {
            user_id: Set(user.id),
            org_id: Set(union),
            role: Set(bangfu::auth::Role::Member),
            granted_by: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .expect("role");
        bangfu::entities::member_roster::ActiveModel {
            union_org_id: Set(union),
            member_no: Set(format!("T{}{i:06}", &tag[..6])),
            name: Set(format!("会员{i}")),
            phone: Set(format!("137{:08}", i)),
            work_unit: Set("测试单位".into()),
            segment: Set(None),
            status: Set(bangfu::coupons::model::RosterStatus::Active),
            user_id: Set(Some(user.id)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .expect("roster");
        let s = bangfu::auth::session::create(&app.state, &txn, user.id, "127.0.0.1", None)
            .await
            .expect("session");
        out.push((user.id, s.token));
    }
    txn.commit().await.expect("commit");
    out
}

pub fn address() -> Value {
    json!({"recipient": "张伟", "phone": "13900000001", "province_code": "440000", "city_code": "440300", "district_code": "440304", "detail": "福中三路1号市民中心"})
}

/// Puts SKU `sku` in the cart and checks out (with a coupon); answers the response.
pub async fn buy(
    app: &TestApp,
    auth: &Auth,
    items: &[(i64, i32)],
    coupon: Option<i64>,
) -> crate::helpers::TestResponse {
    for (sku, q) in items {
        app.put(
            &format!("/api/me/cart/items/{sku}"),
            json!({"quantity": q}),
            auth,
        )
        .await
        .expect(StatusCode::OK);
    }
    let quote = app
        .post("/api/checkout/quote", json!({"coupon_id": coupon}), auth)
        .await
        .expect(StatusCode::OK);
    let due = quote.body["amount_due_fen"].clone();
    app.call_with(
        Method::POST,
        "/api/checkout",
        Some(json!({"address": address(), "coupon_id": coupon, "expected_amount_fen": due})),
        auth,
        &[("idempotency-key", &uuid::Uuid::new_v4().to_string())],
    )
    .await
}

/// Coupons taken from a campaign's drops, as the drops count them.
async fn taken_from(app: &TestApp, campaign: i64) -> i64 {
    bangfu::entities::coupon_drops::Entity::find()
        .filter(bangfu::entities::coupon_drops::Column::CampaignId.eq(campaign))
        .all(app.db())
        .await
        .expect("drops")
        .iter()
        .map(|d| d.claimed)
        .sum()
}

async fn claim(app: &TestApp, auth: &Auth, campaign: i64) -> i64 {
    let c = app
        .post(&format!("/api/campaigns/{campaign}/claim"), json!({}), auth)
        .await
        .expect(StatusCode::CREATED);
    c.body["id"].as_i64().expect("coupon")
}

async fn pay(app: &TestApp, auth: &Auth, payment: i64) {
    let p = app
        .post(
            &format!("/api/payments/{payment}/test-complete"),
            json!({}),
            auth,
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(p.body["status"], "succeeded");
}

#[tokio::test]
async fn member_claims_buys_from_two_suppliers_pays_and_the_coupon_splits_exactly() {
    let app = TestApp::spawn().await;
    let member = app.login("member").await;
    let campaign = drop_campaign(&app, 100, 4000, 5000).await;
    let coupon = claim(&app, &member.bearer(), campaign).await;
    // Idempotent retry of the same claim, and a second claim refused.
    app.post(
        &format!("/api/campaigns/{campaign}/claim"),
        json!({}),
        &member.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "coupon_limit_reached");
    // 百色芒果 (sku 9, ¥79) and 赣南脐橙 (sku 15, ¥99): two suppliers.
    let r = buy(&app, &member.bearer(), &[(9, 1), (15, 1)], Some(coupon))
        .await
        .expect(StatusCode::CREATED);
    let orders = r.body["orders"].as_array().expect("orders");
    assert_eq!(orders.len(), 2);
    let discounts: Vec<i64> = orders
        .iter()
        .map(|o| o["discount_fen"].as_i64().expect("d"))
        .collect();
    assert_eq!(discounts.iter().sum::<i64>(), 4000);
    // 4000 split 7900 : 9900 by largest remainder: 1775 and 2225.
    assert!(
        discounts.contains(&1775) && discounts.contains(&2225),
        "{discounts:?}"
    );
    assert_eq!(r.body["payment"]["amount_fen"], 7900 + 9900 - 4000);
    assert_eq!(r.body["payment"]["test_mode"], true);
    for o in orders {
        let line = &o["lines"][0];
        assert_eq!(line["assistance_eligible"], true);
        assert!(!line["cert_numbers"].as_array().expect("certs").is_empty());
        assert_eq!(o["address"]["phone_masked"], "139****0001");
    }
    let payment = r.body["payment"]["id"].as_i64().expect("payment");
    let coupons = app
        .get("/api/me/coupons", &member.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(coupons.body["items"][0]["status"], "held");
    pay(&app, &member.bearer(), payment).await;
    // Paying twice changes nothing.
    pay(&app, &member.bearer(), payment).await;
    let mine = app
        .get("/api/me/orders", &member.bearer())
        .await
        .expect(StatusCode::OK);
    assert!(
        mine.body["items"]
            .as_array()
            .expect("o")
            .iter()
            .all(|o| o["status"] == "paid")
    );
    let coupons = app
        .get("/api/me/coupons", &member.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(coupons.body["items"][0]["status"], "used");
    let admin = app.login("union_admin").await;
    let stats = app
        .get(&format!("/api/campaigns/{campaign}/stats"), &admin.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(stats.body["issued"], 1);
    assert_eq!(stats.body["used"], 1);
    assert_eq!(stats.body["redeemed_fen"], 4000);
    assert_eq!(stats.body["redemption_ratio"], "1.0000");
}

#[tokio::test]
async fn claim_answers_are_clear() {
    let app = TestApp::spawn().await;
    let member = app.login("member").await;
    let admin = app.login("union_admin").await;
    let union = admin.org_with("union_admin");
    let today = bangfu::time::business_date(Utc::now());
    let mut body = json!({
        "name": "将来的券", "face_value_fen": 1000, "min_spend_fen": 0, "total_quantity": 10, "budget_fen": 10000,
        "per_member_limit": 1, "per_member_daily_limit": 1, "audience_kind": "segment", "audience_values": ["new_member"], "claim_mode": "drop",
        "daily_quantity": 1, "drop_time": "00:00", "validity_kind": "relative", "valid_days": 7,
        "starts_on": (today + chrono::Duration::days(3)).to_string(), "ends_on": (today + chrono::Duration::days(9)).to_string()
    });
    // Validation: the budget must cover face x quantity.
    let mut poor = body.clone();
    poor["budget_fen"] = json!(9999);
    let r = app
        .post(
            &format!("/api/unions/{union}/campaigns"),
            poor,
            &admin.bearer(),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.body["error"]["details"]["fields"]["budget_fen"][0]["code"],
        "budget_too_small"
    );
    let c = app
        .post(
            &format!("/api/unions/{union}/campaigns"),
            body.clone(),
            &admin.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let future = c.body["id"].as_i64().expect("id");
    app.post(
        &format!("/api/campaigns/{future}/claim"),
        json!({}),
        &member.bearer(),
    )
    .await
    .expect(StatusCode::NOT_FOUND); // draft
    app.post(
        &format!("/api/campaigns/{future}/publish"),
        json!({}),
        &admin.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/api/campaigns/{future}/claim"),
        json!({}),
        &member.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "coupon_not_started");
    // Started today for new members only: the demo member is a regular one.
    body["name"] = json!("新会员专享");
    body["starts_on"] = json!(today.to_string());
    let c = app
        .post(
            &format!("/api/unions/{union}/campaigns"),
            body.clone(),
            &admin.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let segment = c.body["id"].as_i64().expect("id");
    app.post(
        &format!("/api/campaigns/{segment}/publish"),
        json!({}),
        &admin.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/api/campaigns/{segment}/claim"),
        json!({}),
        &member.bearer(),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "coupon_not_eligible");
    // One coupon a day: the second member finds it sold out.
    let open = drop_campaign(&app, 1, 1000, 0).await;
    let others = members(&app, 2).await;
    claim(&app, &Auth::Bearer(others[0].1.clone()), open).await;
    app.post(
        &format!("/api/campaigns/{open}/claim"),
        json!({}),
        &Auth::Bearer(others[1].1.clone()),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "coupon_sold_out");
    // Non-members cannot claim at all, nor read the statistics.
    let buyer = app.login("buyer").await;
    app.post(
        &format!("/api/campaigns/{open}/claim"),
        json!({}),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "coupon_not_eligible");
    app.get(&format!("/api/campaigns/{open}/stats"), &buyer.bearer())
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    // Cancelled campaigns are over.
    app.post(
        &format!("/api/campaigns/{open}/cancel"),
        json!({}),
        &admin.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/api/campaigns/{open}/claim"),
        json!({}),
        &member.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "coupon_campaign_ended");
    let center = app
        .get("/api/me/claim-center", &member.bearer())
        .await
        .expect(StatusCode::OK);
    let states: Vec<&str> = center.body["items"]
        .as_array()
        .expect("i")
        .iter()
        .filter_map(|i| i["state"].as_str())
        .collect();
    assert!(
        states.contains(&"not_eligible") && states.contains(&"not_started"),
        "{states:?}"
    );
}

#[tokio::test]
async fn a_campaign_cancelled_on_one_instance_stops_claims_on_another_at_once() {
    let app = TestApp::spawn().await;
    let other = app.twin().await;
    let campaign = drop_campaign(&app, 10, 1000, 0).await;
    let ms = members(&app, 2).await;
    // The second instance serves a claim, so it holds the campaign in its claim cache.
    claim(&other, &Auth::Bearer(ms[0].1.clone()), campaign).await;
    let admin = app.login("union_admin").await;
    app.post(
        &format!("/api/campaigns/{campaign}/cancel"),
        json!({}),
        &admin.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    // First its cached copy still says "running" and the database write refuses all the
    // same; then, with the cache dropped, the instance answers from the campaign itself.
    for _ in 0..2 {
        other
            .post(
                &format!("/api/campaigns/{campaign}/claim"),
                json!({}),
                &Auth::Bearer(ms[1].1.clone()),
            )
            .await
            .expect_error(StatusCode::CONFLICT, "coupon_campaign_ended");
        let issued = bangfu::entities::coupons::Entity::find()
            .filter(bangfu::entities::coupons::Column::CampaignId.eq(campaign))
            .all(app.db())
            .await
            .expect("coupons");
        assert_eq!(issued.len(), 1);
        assert_eq!(taken_from(&app, campaign).await, 1);
    }
}

/// The audience is decided where the claim is written: the city union's campaign reaches the
/// members of its district unions in the named work units; other work units and segments are
/// refused as not eligible, and nothing is taken from their drops.
#[tokio::test]
async fn audiences_reach_the_named_district_members_only() {
    let app = TestApp::spawn().await;
    let ms = members(&app, 2).await;
    let cases = [
        (
            json!({"audience_kind": "work_units", "audience_values": ["测试单位"]}),
            true,
        ),
        (
            json!({"audience_kind": "work_units", "audience_values": ["别的单位"]}),
            false,
        ),
        (
            json!({"audience_kind": "segment", "audience_values": ["new_member"]}),
            false,
        ),
    ];
    for (audience, eligible) in cases {
        let campaign = drop_campaign_for(&app, 5, 1000, 0, audience.clone()).await;
        let r = app
            .post(
                &format!("/api/campaigns/{campaign}/claim"),
                json!({}),
                &Auth::Bearer(ms[1].1.clone()),
            )
            .await;
        if eligible {
            r.expect(StatusCode::CREATED);
        } else {
            r.expect_error(StatusCode::FORBIDDEN, "coupon_not_eligible");
        }
        assert_eq!(
            taken_from(&app, campaign).await,
            i64::from(eligible),
            "{audience}"
        );
    }
}

#[tokio::test]
async fn retried_claims_with_the_same_key_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let campaign = drop_campaign(&app, 5, 1000, 0).await;
    let m = members(&app, 1).await;
    let auth = Auth::Bearer(m[0].1.clone());
    let key = [("idempotency-key", "claim-once-please")];
    let first = app
        .call_with(
            Method::POST,
            &format!("/api/campaigns/{campaign}/claim"),
            Some(json!({})),
            &auth,
            &key,
        )
        .await
        .expect(StatusCode::CREATED);
    let again = app
        .call_with(
            Method::POST,
            &format!("/api/campaigns/{campaign}/claim"),
            Some(json!({})),
            &auth,
            &key,
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(first.body["id"], again.body["id"]);
    let count = app
        .db()
        .query_one_raw(Statement::from_string(
            app.db().get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM coupons WHERE campaign_id = {campaign}"),
        ))
        .await
        .expect("q")
        .expect("row")
        .try_get::<i64>("", "n")
        .expect("n");
    assert_eq!(count, 1);
}

/// 200 checkouts race for 50 units: exactly 50 succeed, stock never goes below zero.
#[tokio::test]
async fn last_stock_race() {
    let app = Arc::new(TestApp::spawn().await);
    let supplier = app.login("supplier").await;
    let managed = app
        .get("/api/manage/products/1", &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    let sku = managed.body["skus"][0]["id"].as_i64().expect("sku");
    app.post(
        &format!("/api/manage/skus/{sku}/stock"),
        json!({"set": 50}),
        &supplier.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    let buyers = members(&app, 200).await;
    let price = managed.body["skus"][0]["price_fen"]
        .as_i64()
        .expect("price");
    for (_, token) in &buyers {
        app.put(
            &format!("/api/me/cart/items/{sku}"),
            json!({"quantity": 1}),
            &Auth::Bearer(token.clone()),
        )
        .await
        .expect(StatusCode::OK);
    }
    let mut handles = Vec::new();
    for (_, token) in buyers {
        let app = app.clone();
        handles.push(tokio::spawn(async move {
            app.call_with(
                Method::POST,
                "/api/checkout",
                Some(json!({"address": address(), "expected_amount_fen": price})),
                &Auth::Bearer(token),
                &[("idempotency-key", &uuid::Uuid::new_v4().to_string())],
            )
            .await
        }));
    }
    let mut ok = 0;
    for h in handles {
        let r = h.await.expect("join");
        match r.status {
            StatusCode::CREATED => ok += 1,
            StatusCode::CONFLICT => assert_eq!(r.code(), "out_of_stock", "{}", r.text),
            s => panic!("unexpected {s}: {}", r.text),
        }
    }
    assert_eq!(ok, 50);
    let after = app
        .get("/api/manage/products/1", &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(after.body["skus"][0]["stock"], 0);
}

/// Addresses are checked against each instance's copy of the regions: a district added on
/// one instance is accepted on another at once (with Redis; without it, on the one instance).
#[tokio::test]
async fn a_region_added_on_one_instance_is_a_valid_address_on_another() {
    let app = TestApp::spawn().await;
    let twin;
    let other: &TestApp = if app.state.redis.is_some() {
        twin = app.twin().await;
        &twin
    } else {
        &app
    };
    let m = members(&app, 1).await;
    let auth = Auth::Bearer(m[0].1.clone());
    let checkout = |address: Value| {
        let auth = auth.clone();
        async move {
            other
                .put("/api/me/cart/items/9", json!({"quantity": 1}), &auth)
                .await
                .expect(StatusCode::OK);
            other
                .call_with(
                    Method::POST,
                    "/api/checkout",
                    Some(json!({"address": address, "expected_amount_fen": 7900})),
                    &auth,
                    &[("idempotency-key", &uuid::Uuid::new_v4().to_string())],
                )
                .await
        }
    };
    // The second instance reads (and keeps) the regions while checking an address.
    checkout(address()).await.expect(StatusCode::CREATED);
    let mut new_district = address();
    new_district["district_code"] = json!("440399");
    checkout(new_district.clone())
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let op = app.login("operator").await;
    app.post(
        "/api/regions",
        json!({"code": "440399", "name": "深汕特别合作区", "level": "county", "parent_code": "440300"}),
        &op.bearer(),
    )
    .await
    .expect(StatusCode::CREATED);
    let placed = checkout(new_district).await.expect(StatusCode::CREATED);
    let order = &placed.body["orders"][0];
    assert!(
        order["address"]["region"]
            .as_str()
            .is_some_and(|r| r.contains("深汕特别合作区")),
        "{order}"
    );
}

/// The same coupon in 50 concurrent checkouts is held once.
#[tokio::test]
async fn one_coupon_many_checkouts() {
    let app = Arc::new(TestApp::spawn().await);
    let campaign = drop_campaign(&app, 5, 1000, 0).await;
    let m = members(&app, 1).await;
    let auth = Auth::Bearer(m[0].1.clone());
    let coupon = claim(&app, &auth, campaign).await;
    app.put("/api/me/cart/items/9", json!({"quantity": 1}), &auth)
        .await
        .expect(StatusCode::OK);
    let mut handles = Vec::new();
    for _ in 0..50 {
        let app = app.clone();
        let auth = auth.clone();
        handles.push(tokio::spawn(async move {
            app.call_with(
                Method::POST,
                "/api/checkout",
                Some(
                    json!({"address": address(), "coupon_id": coupon, "expected_amount_fen": 6900}),
                ),
                &auth,
                &[("idempotency-key", &uuid::Uuid::new_v4().to_string())],
            )
            .await
        }));
    }
    let mut ok = 0;
    for h in handles {
        let r = h.await.expect("join");
        if r.status == StatusCode::CREATED {
            ok += 1;
        } else {
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        }
    }
    assert_eq!(ok, 1);
    let held = bangfu::entities::payments::Entity::find()
        .filter(bangfu::entities::payments::Column::CouponId.eq(coupon))
        .all(app.db())
        .await
        .expect("q");
    assert_eq!(held.len(), 1);
}

#[tokio::test]
async fn unpaid_orders_expire_once_releasing_stock_and_coupon_even_after_a_restart() {
    let app = TestApp::spawn().await;
    let campaign = drop_campaign(&app, 5, 1000, 0).await;
    let m = members(&app, 1).await;
    let auth = Auth::Bearer(m[0].1.clone());
    let coupon = claim(&app, &auth, campaign).await;
    let stock_before = bangfu::entities::product_skus::Entity::find_by_id(9)
        .one(app.db())
        .await
        .expect("q")
        .expect("sku")
        .stock;
    let r = buy(&app, &auth, &[(9, 2)], Some(coupon))
        .await
        .expect(StatusCode::CREATED);
    let payment = r.body["payment"]["id"].as_i64().expect("p");
    assert_eq!(
        bangfu::entities::product_skus::Entity::find_by_id(9)
            .one(app.db())
            .await
            .expect("q")
            .expect("sku")
            .stock,
        stock_before - 2
    );
    // Not due yet: the worker leaves it alone.
    bangfu::worker::Worker::new(app.state.clone())
        .drain()
        .await
        .expect("drain");
    assert_eq!(
        app.get(&format!("/api/payments/{payment}"), &auth)
            .await
            .body["status"],
        "pending"
    );
    // Thirty minutes later (moved in the database rather than waited for).
    app.db()
        .execute_unprepared(&format!("UPDATE jobs SET run_at = created_at WHERE kind = 'orders.expire_payment'; UPDATE payments SET expires_at = created_at WHERE id = {payment}"))
        .await
        .ok();
    app.db()
        .execute_unprepared(
            "UPDATE jobs SET run_at = created_at WHERE kind = 'orders.expire_payment'",
        )
        .await
        .expect("due");
    // A restarted instance (new pool, new worker) runs it.
    let mut config = app.state.config.clone();
    config.database_url = Some(app.database_url.clone());
    let restarted = bangfu::app::build(config, bangfu::app::jobs())
        .await
        .expect("restart");
    bangfu::worker::Worker::new(restarted.clone())
        .drain()
        .await
        .expect("drain");
    bangfu::worker::Worker::new(app.state.clone())
        .drain()
        .await
        .expect("drain again");
    assert_eq!(
        app.get(&format!("/api/payments/{payment}"), &auth)
            .await
            .body["status"],
        "expired"
    );
    assert_eq!(
        bangfu::entities::product_skus::Entity::find_by_id(9)
            .one(app.db())
            .await
            .expect("q")
            .expect("sku")
            .stock,
        stock_before,
        "restocked once"
    );
    let coupons = app
        .get("/api/me/coupons", &auth)
        .await
        .expect(StatusCode::OK);
    assert_eq!(coupons.body["items"][0]["status"], "available");
    let orders = app
        .get("/api/me/orders", &auth)
        .await
        .expect(StatusCode::OK);
    assert_eq!(orders.body["items"][0]["status"], "cancelled");
    assert_eq!(orders.body["items"][0]["cancel_reason"], "payment_timeout");
    // A late payment confirmation no longer completes it.
    app.post(
        &format!("/api/payments/{payment}/test-complete"),
        json!({}),
        &auth,
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(
        app.get(&format!("/api/payments/{payment}"), &auth)
            .await
            .body["status"],
        "expired"
    );
    let released = app
        .db()
        .query_one_raw(Statement::from_string(app.db().get_database_backend(), format!("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'payment.released' AND entity_id = '{payment}'")))
        .await
        .expect("q")
        .expect("row")
        .try_get::<i64>("", "n")
        .expect("n");
    assert_eq!(released, 1);
}

#[tokio::test]
async fn refunds_are_exact_return_the_coupon_share_and_settle_net() {
    let app = TestApp::spawn().await;
    let campaign = drop_campaign(&app, 5, 4000, 5000).await;
    let m = members(&app, 1).await;
    let auth = Auth::Bearer(m[0].1.clone());
    let coupon = claim(&app, &auth, campaign).await;
    // 3 boxes of mango (¥79) from one supplier: discount 4000 over 23700.
    let r = buy(&app, &auth, &[(9, 3)], Some(coupon))
        .await
        .expect(StatusCode::CREATED);
    let payment = r.body["payment"]["id"].as_i64().expect("p");
    let order = r.body["orders"][0]["id"].as_i64().expect("o");
    let line = r.body["orders"][0]["lines"][0]["id"].as_i64().expect("l");
    pay(&app, &auth, payment).await;
    // Someone else's order is not found; bad quantities are refused.
    let other = members(&app, 1).await;
    app.post(
        &format!("/api/orders/{order}/refunds"),
        json!({"lines": [{"line_id": line, "quantity": 1}], "reason": "不想要了"}),
        &Auth::Bearer(other[0].1.clone()),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.post(
        &format!("/api/orders/{order}/refunds"),
        json!({"lines": [{"line_id": line, "quantity": 4}], "reason": "不想要了"}),
        &auth,
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let req = app
        .post(
            &format!("/api/orders/{order}/refunds"),
            json!({"lines": [{"line_id": line, "quantity": 1}], "reason": "有一箱破损"}),
            &auth,
        )
        .await
        .expect(StatusCode::CREATED);
    let refund = req.body["id"].as_i64().expect("r");
    // Another supplier cannot decide it; this one approves (not shipped: restocked).
    let other_supplier = app.login("supplier02").await;
    app.post(
        &format!("/api/refunds/{refund}/approve"),
        json!({}),
        &other_supplier.bearer(),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    let supplier = app.login("supplier05").await; // 百色市田阳区… sells the mango
    let approved = app
        .post(
            &format!("/api/refunds/{refund}/approve"),
            json!({}),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    // Paid 23700 - 4000 = 19700 over 3 units: the first unit returns floor(19700/3) = 6566,
    // its coupon share floor(4000/3) = 1333.
    assert_eq!(approved.body["amount_fen"], 6566);
    assert_eq!(approved.body["discount_fen"], 1333);
    assert_eq!(approved.body["coupon_returned"], false);
    bangfu::worker::Worker::new(app.state.clone())
        .drain()
        .await
        .expect("provider refund");
    let listed = app
        .get(&format!("/api/orders/{order}/refunds"), &auth)
        .await
        .expect(StatusCode::OK);
    assert_eq!(listed.body["items"][0]["status"], "succeeded");
    // The rest: the two remaining units return exactly what is left, and the coupon comes back.
    let req = app
        .post(
            &format!("/api/orders/{order}/refunds"),
            json!({"lines": [{"line_id": line, "quantity": 2}], "reason": "全部退货"}),
            &auth,
        )
        .await
        .expect(StatusCode::CREATED);
    let rest = app
        .post(
            &format!("/api/refunds/{}/approve", req.body["id"]),
            json!({"restock": true}),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(rest.body["amount_fen"], 19700 - 6566);
    assert_eq!(rest.body["discount_fen"], 4000 - 1333);
    assert_eq!(rest.body["coupon_returned"], true);
    let o = app
        .get(&format!("/api/orders/{order}"), &auth)
        .await
        .expect(StatusCode::OK);
    assert_eq!(o.body["status"], "refunded");
    assert_eq!(o.body["refunded_fen"], 19700);
    let coupons = app
        .get("/api/me/coupons", &auth)
        .await
        .expect(StatusCode::OK);
    assert_eq!(coupons.body["items"][0]["status"], "available");
    // Settlement: nothing redeemed at this supplier any more.
    let admin = app.login("union_admin").await;
    let st = app
        .post(
            &format!("/api/campaigns/{campaign}/settlements"),
            json!({}),
            &admin.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let s = &st.body["items"][0];
    assert_eq!(s["redeemed_fen"], 0);
    assert_eq!(s["coupon_count"], 0);
}

#[tokio::test]
async fn a_member_files_a_refund_with_photos_and_the_supplier_sees_them() {
    let app = TestApp::spawn().await;
    let m = members(&app, 1).await;
    let auth = Auth::Bearer(m[0].1.clone());
    let r = buy(&app, &auth, &[(9, 2)], None)
        .await
        .expect(StatusCode::CREATED);
    let order = r.body["orders"][0]["id"].as_i64().expect("o");
    let line = r.body["orders"][0]["lines"][0]["id"].as_i64().expect("l");
    pay(&app, &auth, r.body["payment"]["id"].as_i64().expect("p")).await;
    let mut photos = Vec::new();
    for seed in [31, 32] {
        let up = app
            .multipart(
                "/api/media/images",
                &[],
                Some((
                    "file",
                    "broken-box.png",
                    &crate::fixtures::png(64, 48, seed),
                )),
                &auth,
            )
            .await
            .expect(StatusCode::CREATED);
        photos.push(up.body["hash"].as_str().expect("hash").to_owned());
    }
    let path = format!("/api/orders/{order}/refunds");
    let ask = |photos: Value| json!({"lines": [{"line_id": line, "quantity": 1}], "reason": "有一箱破损", "photos": photos});
    // Unknown hashes and more than nine photos are refused and nothing is written.
    let unknown = app
        .post(&path, ask(json!([photos[0], "f".repeat(64)])), &auth)
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        unknown.body["error"]["details"]["fields"]["photos"][0]["code"],
        "unknown_image"
    );
    let ten: Vec<String> = (0..10).map(|i| format!("{i:064}")).collect();
    let many = app
        .post(&path, ask(json!(ten)), &auth)
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        many.body["error"]["details"]["fields"]["photos"][0]["code"],
        "too_many"
    );
    assert_eq!(app.count("refunds").await, 0);
    // A photo chosen twice counts once.
    let req = app
        .post(&path, ask(json!([photos[0], photos[1], photos[0]])), &auth)
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(req.body["photos"], json!(photos));
    let refund = req.body["id"].as_i64().expect("r");
    let shown = |r: &Value| -> Vec<String> {
        r["photo_urls"]
            .as_array()
            .expect("photo_urls")
            .iter()
            .map(|sizes| {
                assert_eq!(sizes.as_array().map(Vec::len), Some(3), "{sizes}");
                sizes[1]["webp"].as_str().expect("webp").to_owned()
            })
            .collect()
    };
    let expected: Vec<String> = photos
        .iter()
        .map(|h| format!("/media/{h}/480.webp"))
        .collect();
    assert_eq!(shown(&req.body), expected);
    // The member sees them on the order; the supplier in its refunds to decide, and the
    // renditions are there to look at.
    let mine = app.get(&path, &auth).await.expect(StatusCode::OK);
    assert_eq!(shown(&mine.body["items"][0]), expected);
    let supplier = app.login("supplier05").await; // sells the mango
    let org = supplier.org_with("supplier_admin");
    let theirs = app
        .get(&format!("/api/suppliers/{org}/refunds"), &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    let item = theirs.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == refund)
        .expect("the refund")
        .clone();
    assert_eq!(shown(&item), expected);
    for url in &expected {
        let img = app.get(url, &supplier.bearer()).await;
        assert_eq!(img.status, StatusCode::OK, "{url}");
        assert_eq!(img.headers["content-type"], "image/webp");
    }
    // After the decision the photos stay on the refund.
    let decided = app
        .post(
            &format!("/api/refunds/{refund}/reject"),
            json!({"reason": "照片看不出破损"}),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(shown(&decided.body), expected);
}

#[tokio::test]
async fn settlement_goes_through_review_approval_and_payment() {
    let app = TestApp::spawn().await;
    let campaign = drop_campaign(&app, 5, 4000, 5000).await;
    let buyers = members(&app, 2).await;
    for (_, token) in &buyers {
        let auth = Auth::Bearer(token.clone());
        let c = claim(&app, &auth, campaign).await;
        let r = buy(&app, &auth, &[(9, 1), (15, 1)], Some(c))
            .await
            .expect(StatusCode::CREATED);
        pay(&app, &auth, r.body["payment"]["id"].as_i64().expect("p")).await;
    }
    let admin = app.login("union_admin").await;
    let operator = app.login("operator").await;
    let st = app
        .post(
            &format!("/api/campaigns/{campaign}/settlements"),
            json!({}),
            &admin.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let items = st.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    let total: i64 = items
        .iter()
        .map(|s| s["redeemed_fen"].as_i64().expect("fen"))
        .sum();
    assert_eq!(total, 8000, "two coupons of 40 yuan");
    assert!(items.iter().all(|s| s["coupon_count"] == 2));
    let id = items[0]["id"].as_i64().expect("id");
    // Order of steps: review (operator) -> approve -> pay (union, with the voucher).
    app.post(
        &format!("/api/settlements/{id}/approve"),
        Value::Null,
        &admin.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "invalid_state");
    app.post(
        &format!("/api/settlements/{id}/review"),
        Value::Null,
        &admin.bearer(),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "forbidden");
    app.post(
        &format!("/api/settlements/{id}/review"),
        Value::Null,
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/api/settlements/{id}/approve"),
        Value::Null,
        &admin.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/api/settlements/{id}/pay"),
        json!({"bank_voucher_ref": " "}),
        &admin.bearer(),
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let paid = app
        .post(
            &format!("/api/settlements/{id}/pay"),
            json!({"bank_voucher_ref": "HD20261122-0001"}),
            &admin.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(paid.body["status"], "paid");
    // Reviewed statements are frozen: regenerating leaves them.
    app.post(
        &format!("/api/campaigns/{campaign}/settlements"),
        json!({}),
        &admin.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    // XLSX export reads back.
    let xlsx = {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let resp = app
            .router
            .clone()
            .oneshot(
                axum::http::Request::get(format!("/api/campaigns/{campaign}/settlements.xlsx"))
                    .header("authorization", format!("Bearer {}", admin.token))
                    .body(axum::body::Body::empty())
                    .expect("req"),
            )
            .await
            .expect("resp");
        assert_eq!(resp.status(), StatusCode::OK);
        resp.into_body().collect().await.expect("body").to_bytes()
    };
    use calamine::Reader;
    let mut book =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(xlsx.to_vec())).expect("xlsx");
    let sheet = book.worksheet_range_at(0).expect("sheet").expect("range");
    assert_eq!(sheet.rows().count(), 3);
    let amounts: Vec<String> = sheet.rows().skip(1).map(|r| r[4].to_string()).collect();
    assert!(amounts.iter().all(|a| a.contains('.')), "{amounts:?}");
    // The supplier sees its own statement, nobody else's.
    let supplier = app.login("supplier05").await;
    let mine = app
        .get(
            &format!(
                "/api/suppliers/{}/settlements",
                supplier.org_with("supplier_admin")
            ),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(mine.body["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn shipping_receipt_and_supplier_scoping() {
    let app = TestApp::spawn().await;
    let m = members(&app, 1).await;
    let auth = Auth::Bearer(m[0].1.clone());
    let r = buy(&app, &auth, &[(9, 1)], None)
        .await
        .expect(StatusCode::CREATED);
    let order = r.body["orders"][0]["id"].as_i64().expect("o");
    app.post(&format!("/api/orders/{order}/receive"), json!({}), &auth)
        .await
        .expect_error(StatusCode::CONFLICT, "invalid_state");
    pay(&app, &auth, r.body["payment"]["id"].as_i64().expect("p")).await;
    let supplier = app.login("supplier05").await;
    let org = supplier.org_with("supplier_admin");
    let to_ship = app
        .get(
            &format!("/api/suppliers/{org}/orders?status=paid"),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert!(
        to_ship.body["items"]
            .as_array()
            .expect("i")
            .iter()
            .any(|o| o["id"] == order)
    );
    assert!(!to_ship.text.contains("13900000001"), "phone masked");
    let other = app.login("supplier").await;
    app.post(
        &format!("/api/orders/{order}/ship"),
        json!({"carrier": "顺丰速运", "tracking_no": "SF1234567890"}),
        &other.bearer(),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.get(&format!("/api/suppliers/{org}/orders"), &other.bearer())
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.get(&format!("/api/orders/{order}"), &other.bearer())
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.post(
        &format!("/api/orders/{order}/ship"),
        json!({"carrier": "顺丰速运", "tracking_no": "SF1234567890"}),
        &supplier.bearer(),
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    app.post(
        &format!("/api/orders/{order}/ship"),
        json!({"carrier": "顺丰速运", "tracking_no": "SF1234567890"}),
        &supplier.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "invalid_state");
    app.post(&format!("/api/orders/{order}/receive"), json!({}), &auth)
        .await
        .expect(StatusCode::NO_CONTENT);
    // Auto-completion after the return window.
    app.db()
        .execute_unprepared(
            "UPDATE jobs SET run_at = created_at WHERE kind = 'orders.auto_complete'",
        )
        .await
        .expect("due");
    bangfu::worker::Worker::new(app.state.clone())
        .drain()
        .await
        .expect("drain");
    let o = app
        .get(&format!("/api/orders/{order}"), &auth)
        .await
        .expect(StatusCode::OK);
    assert_eq!(o.body["status"], "completed");
}

#[tokio::test]
async fn price_changes_are_shown_not_charged() {
    let app = TestApp::spawn().await;
    let m = members(&app, 1).await;
    let auth = Auth::Bearer(m[0].1.clone());
    app.put("/api/me/cart/items/9", json!({"quantity": 1}), &auth)
        .await
        .expect(StatusCode::OK);
    let quote = app
        .post("/api/checkout/quote", json!({}), &auth)
        .await
        .expect(StatusCode::OK);
    assert_eq!(quote.body["amount_due_fen"], 7900);
    // The supplier raises the price meanwhile.
    let supplier = app.login("supplier05").await;
    let managed = app
        .get("/api/manage/products/9", &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    let mut input = json!({
        "category_id": managed.body["category_id"], "name": managed.body["name"], "description_html": "<p>x</p>", "storage": "ambient", "shelf_life_days": 12,
        "skus": [{"id": 9, "spec": "5kg/箱", "price_fen": 8900, "unit": "箱", "weight_grams": 5000}], "images": managed.body["image_hashes"]
    });
    input["skus"][0]["tiers"] = json!([]);
    app.put("/api/manage/products/9", input, &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    let r = app
        .call_with(
            Method::POST,
            "/api/checkout",
            Some(json!({"address": address(), "expected_amount_fen": 7900})),
            &auth,
            &[("idempotency-key", "price-1")],
        )
        .await
        .expect_error(StatusCode::CONFLICT, "price_changed");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("89.00"),
        "{}",
        r.text
    );
    let cart = app.get("/api/me/cart", &auth).await.expect(StatusCode::OK);
    assert_eq!(cart.body["lines"][0]["price_changed"], true);
    assert_eq!(cart.body["lines"][0]["added_price_fen"], 7900);
    let requote = app
        .post("/api/checkout/quote", json!({}), &auth)
        .await
        .expect(StatusCode::OK);
    assert_eq!(requote.body["prices_changed"], true);
    app.call_with(
        Method::POST,
        "/api/checkout",
        Some(json!({"address": address(), "expected_amount_fen": 8900})),
        &auth,
        &[("idempotency-key", "price-2")],
    )
    .await
    .expect(StatusCode::CREATED);
    // Bad addresses are field errors.
    app.put("/api/me/cart/items/9", json!({"quantity": 1}), &auth)
        .await
        .expect(StatusCode::OK);
    let mut bad = address();
    bad["city_code"] = json!("451000");
    let r = app
        .call_with(
            Method::POST,
            "/api/checkout",
            Some(json!({"address": bad, "expected_amount_fen": 8900})),
            &auth,
            &[("idempotency-key", "price-3")],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.body["error"]["details"]["fields"]["address.city_code"][0]["code"],
        "unknown_region"
    );
}

/// Checkout runs a fixed number of statements for the reads, whatever the cart holds: a
/// second supplier's line adds only its own order, line and stock decrement.
#[tokio::test]
async fn checkout_runs_a_fixed_number_of_reads() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let counter = Arc::new(AtomicUsize::new(0));
    let app = TestApp::spawn_with(crate::helpers::TestOptions {
        count_queries: Some(counter.clone()),
        ..crate::helpers::TestOptions::default()
    })
    .await;
    let campaign = drop_campaign(&app, 10, 1000, 0).await;
    let people = members(&app, 2).await;
    let mut counts = Vec::new();
    for ((_, token), items) in people.iter().zip([vec![(9, 1)], vec![(9, 1), (15, 1)]]) {
        let auth = Auth::Bearer(token.clone());
        let coupon = claim(&app, &auth, campaign).await;
        for (sku, q) in &items {
            app.put(
                &format!("/api/me/cart/items/{sku}"),
                json!({"quantity": q}),
                &auth,
            )
            .await
            .expect(StatusCode::OK);
        }
        let quote = app
            .post("/api/checkout/quote", json!({"coupon_id": coupon}), &auth)
            .await
            .expect(StatusCode::OK);
        let due = quote.body["amount_due_fen"].clone();
        let before = counter.load(Ordering::SeqCst);
        app.post(
            "/api/checkout",
            json!({"address": address(), "coupon_id": coupon, "expected_amount_fen": due}),
            &auth,
        )
        .await
        .expect(StatusCode::CREATED);
        counts.push(counter.load(Ordering::SeqCst) - before);
    }
    println!("checkout statements, one line and two suppliers: {counts:?}");
    assert!(counts[0] > 0, "statements are counted: {counts:?}");
    assert_eq!(counts[1] - counts[0], 3, "{counts:?}");
    assert!(counts[0] <= 14, "{counts:?}");
}
