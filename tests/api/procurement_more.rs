//! Institutional procurement, the second half: the demo data (filings and a year of orders
//! in every state, consistent), saved lists (常购清单) and requests for quote with quotes,
//! each with its isolation (unit A never sees unit B's, a supplier only what is addressed to
//! it).

use axum::http::{Method, StatusCode};
use bangfu::entities::{bulk_order_lines, bulk_orders, filings, product_skus, products};
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn delivery() -> Value {
    json!({"contact": "张食堂", "phone": "13800138000", "address": "深圳市福田区福中三路1号食堂"})
}

/// The first active SKU of each listed product of the supplier holding `org`.
async fn skus_of_supplier(app: &TestApp, org: i64) -> Vec<product_skus::Model> {
    let ids: Vec<i64> = products::Entity::find()
        .filter(products::Column::SupplierOrgId.eq(org))
        .filter(products::Column::Status.eq(bangfu::catalog::model::ProductStatus::Listed))
        .order_by_asc(products::Column::Id)
        .all(app.db())
        .await
        .expect("products")
        .into_iter()
        .map(|p| p.id)
        .collect();
    let mut out = Vec::new();
    for id in ids {
        if let Some(s) = product_skus::Entity::find()
            .filter(product_skus::Column::ProductId.eq(id))
            .filter(product_skus::Column::Active.eq(true))
            .one(app.db())
            .await
            .expect("sku")
        {
            out.push(s);
        }
    }
    out
}

#[tokio::test]
async fn the_demo_units_have_filings_and_a_year_of_orders_in_every_state() {
    let app = TestApp::spawn().await;
    let demo = bulk_orders::Entity::find()
        .filter(bulk_orders::Column::SubmissionKey.starts_with("demo-"))
        .all(app.db())
        .await
        .expect("orders");
    let statuses: Vec<&str> = demo.iter().map(|o| o.status.as_str()).collect();
    for s in [
        "pending_approval",
        "rejected",
        "awaiting_confirmation",
        "confirmed",
        "in_delivery",
        "delivered",
        "accepted",
        "paid",
        "completed",
    ] {
        assert!(statuses.contains(&s), "no demo order is {s}");
    }
    let completed = statuses.iter().filter(|s| **s == "completed").count();
    assert!(completed >= 50, "{completed} completed");
    // Back-dated across the year, none in the current month (month totals start empty).
    let months: std::collections::BTreeSet<u32> = demo
        .iter()
        .map(|o| chrono::Datelike::month(&bangfu::time::business_date(o.created_at)))
        .collect();
    assert!(months.len() >= 6, "months {months:?}");
    let this_month = chrono::Datelike::month(&bangfu::time::business_date(Utc::now()));
    assert!(
        demo.iter().all(
            |o| chrono::Datelike::month(&bangfu::time::business_date(o.created_at)) != this_month
                || chrono::Datelike::year(&bangfu::time::business_date(o.created_at))
                    != chrono::Datelike::year(&bangfu::time::business_date(Utc::now()))
        )
    );
    // Quantities: accepted + rejected ≤ delivered ≤ confirmed ≤ ordered; completed lines
    // settled.
    let ids: Vec<i64> = demo.iter().map(|o| o.id).collect();
    let lines = bulk_order_lines::Entity::find()
        .filter(bulk_order_lines::Column::OrderId.is_in(ids))
        .all(app.db())
        .await
        .expect("lines");
    for l in &lines {
        let confirmed = l.confirmed_qty.unwrap_or(0);
        assert!(l.accepted_qty + l.rejected_qty <= l.delivered_qty);
        assert!(l.delivered_qty - l.rejected_qty <= confirmed);
        assert!(confirmed <= l.ordered_qty);
    }
    // What the API shows the demo buyer: completed orders evaluated, their invoices matching
    // the payable to the fen, an overdue one with its late interest.
    let buyer = app.login("buyer").await;
    let unit = buyer.org_with("buyer");
    let mine = app
        .get("/api/procurement/orders", &buyer.bearer())
        .await
        .expect(StatusCode::OK);
    let items = mine.body["items"].as_array().expect("items");
    assert!(items.len() >= 15, "{}", items.len());
    assert!(items.iter().all(|o| o["buyer_org_id"] == unit));
    for o in items.iter().filter(|o| o["status"] == "completed") {
        assert!(o["evaluation"].is_object());
        let invoiced: i64 = o["invoices"]
            .as_array()
            .expect("invoices")
            .iter()
            .filter(|i| i["status"] == "matched")
            .map(|i| i["total_fen"].as_i64().expect("fen"))
            .sum();
        assert_eq!(invoiced, o["payable_fen"].as_i64().expect("payable"));
    }
    assert!(
        items
            .iter()
            .any(|o| o["status"] == "accepted" && o["late_interest_fen"].as_i64() > Some(0)),
        "an overdue order"
    );
    // Another unit's buyer sees none of them.
    let other = app.login("unit02_buyer").await;
    let theirs = app
        .get("/api/procurement/orders", &other.bearer())
        .await
        .expect(StatusCode::OK);
    assert!(
        theirs.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|o| o["buyer_org_id"] != unit)
    );
    // Filings: approved, superseded, returned, waiting (late), and a unit with none.
    let all = filings::Entity::find()
        .all(app.db())
        .await
        .expect("filings");
    for s in ["approved", "superseded", "returned", "submitted"] {
        assert!(all.iter().any(|f| f.status.as_str() == s), "no {s} filing");
    }
    let filed: std::collections::HashSet<i64> = all.iter().map(|f| f.unit_org_id).collect();
    let unit06 = app.login("unit06_buyer").await.org_with("buyer");
    assert!(!filed.contains(&unit06), "unit 6 never filed");
    let f = app
        .get(
            &format!("/api/procurement/units/{unit}/filings"),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(f.body[0]["status"], "approved");
}

#[tokio::test]
async fn a_saved_list_is_made_by_hand_or_from_an_order_and_ordered_again() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let approver = app.login("approver").await;
    let supplier = app.login("supplier").await;
    let other = app.login("unit02_buyer").await;
    let unit = buyer.org_with("buyer");
    let other_unit = other.org_with("buyer");
    let skus = skus_of_supplier(&app, supplier.org_with("supplier_admin")).await;
    assert!(skus.len() >= 2);
    let url = format!("/api/procurement/units/{unit}/lists");
    let body = json!({"name": "每周蔬菜", "items": [
        {"sku_id": skus[0].id, "quantity": 5}, {"sku_id": skus[1].id, "quantity": 3}]});
    let made = app
        .post(&url, body.clone(), &buyer.bearer())
        .await
        .expect(StatusCode::CREATED);
    let list_id = made.body["id"].as_i64().expect("id");
    assert_eq!(made.body["items"].as_array().expect("items").len(), 2);
    assert_eq!(made.body["items"][0]["quantity"], 5);
    assert!(made.body["items"][0]["available"].as_bool().expect("b"));
    assert!(
        !made.body["items"][0]["product_name"]
            .as_str()
            .expect("name")
            .is_empty()
    );
    // The same name twice, a SKU twice, an unknown SKU, a zero quantity: refused.
    app.post(&url, body, &buyer.bearer())
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let bad = app
        .post(
            &url,
            json!({"name": "坏清单", "items": [{"sku_id": skus[0].id, "quantity": 1}, {"sku_id": skus[0].id, "quantity": 2}, {"sku_id": 999_999_999, "quantity": 1}, {"sku_id": skus[1].id, "quantity": 0}]}),
            &buyer.bearer(),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    for f in ["items[1].sku_id", "items[2].sku_id", "items[3].quantity"] {
        assert!(bad.text.contains(f), "{f}: {}", bad.text);
    }
    // An approver reads but does not keep lists; others see nothing.
    app.get(&url, &approver.bearer())
        .await
        .expect(StatusCode::OK);
    app.post(
        &url,
        json!({"name": "审批人的", "items": [{"sku_id": skus[0].id, "quantity": 1}]}),
        &approver.bearer(),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "forbidden");
    for who in [&other, &supplier] {
        app.get(&url, &who.bearer())
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found");
        app.put(
            &format!("/api/procurement/lists/{list_id}"),
            json!({"name": "改名", "items": [{"sku_id": skus[0].id, "quantity": 1}]}),
            &who.bearer(),
        )
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
        app.call(
            Method::DELETE,
            &format!("/api/procurement/lists/{list_id}"),
            None,
            &who.bearer(),
        )
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    }
    // From one of the unit's orders (a demo order): its SKU lines and quantities.
    let order = bulk_orders::Entity::find()
        .filter(bulk_orders::Column::BuyerOrgId.eq(unit))
        .order_by_asc(bulk_orders::Column::Id)
        .one(app.db())
        .await
        .expect("order")
        .expect("a demo order of the unit");
    let order_lines = bulk_order_lines::Entity::find()
        .filter(bulk_order_lines::Column::OrderId.eq(order.id))
        .order_by_asc(bulk_order_lines::Column::LineNo)
        .all(app.db())
        .await
        .expect("lines");
    let from = app
        .post(
            &url,
            json!({"name": "上次的订单", "from_order_id": order.id}),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let items = from.body["items"].as_array().expect("items");
    assert_eq!(items.len(), order_lines.len());
    assert_eq!(items[0]["sku_id"], json!(order_lines[0].sku_id));
    assert_eq!(items[0]["quantity"], order_lines[0].ordered_qty);
    // Another unit cannot copy this unit's order.
    app.post(
        &format!("/api/procurement/units/{other_unit}/lists"),
        json!({"name": "偷看", "from_order_id": order.id}),
        &other.bearer(),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    // Ordering from the list: its items go through the order form's dry run.
    let lines: Vec<Value> = made.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| json!({"sku_id": i["sku_id"], "quantity": i["quantity"]}))
        .collect();
    let dry = app
        .post(
            "/api/procurement/orders/dry-run",
            json!({"buyer_org_id": unit, "lines": lines, "delivery": delivery()}),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(dry.body["problem_count"], 0, "{}", dry.text);
    // Renamed and emptied of one item, then deleted.
    let replaced = app
        .put(
            &format!("/api/procurement/lists/{list_id}"),
            json!({"name": "每周蔬菜（改）", "items": [{"sku_id": skus[1].id, "quantity": 9}]}),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(replaced.body["name"], "每周蔬菜（改）");
    assert_eq!(replaced.body["items"][0]["quantity"], 9);
    app.call(
        Method::DELETE,
        &format!("/api/procurement/lists/{list_id}"),
        None,
        &buyer.bearer(),
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    let left = app.get(&url, &buyer.bearer()).await.expect(StatusCode::OK);
    assert_eq!(left.body.as_array().expect("lists").len(), 1);
}

#[tokio::test]
async fn a_quote_is_requested_answered_compared_and_accepted_into_an_order() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let other = app.login("unit02_buyer").await;
    let s1 = app.login("supplier").await;
    let s2 = app.login("supplier02").await;
    let s3 = app.login("supplier03").await;
    let unit = buyer.org_with("buyer");
    let (o1, o2) = (s1.org_with("supplier_admin"), s2.org_with("supplier_admin"));
    let deadline = (Utc::now() + Duration::days(3)).to_rfc3339();
    let today = bangfu::time::business_date(Utc::now());
    let sku = skus_of_supplier(&app, o1).await.remove(0);
    // A listed SKU can only be quoted by its own supplier.
    let refused = app
        .post(
            "/api/procurement/rfqs",
            json!({"buyer_org_id": unit, "title": "春节慰问品询价", "deadline": deadline,
                "items": [{"sku_id": sku.id, "quantity": 10}], "supplier_org_ids": [o1, o2]}),
            &buyer.bearer(),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(refused.text.contains("items[0].sku_id"), "{}", refused.text);
    app.post(
        "/api/procurement/rfqs",
        json!({"buyer_org_id": unit, "title": "x", "deadline": (Utc::now() - Duration::hours(1)).to_rfc3339(),
            "items": [], "supplier_org_ids": [unit]}),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    // Another unit's buyer cannot ask for this unit.
    app.post(
        "/api/procurement/rfqs",
        json!({"buyer_org_id": unit, "title": "越权询价", "deadline": deadline,
            "items": [{"name": "土鸡蛋", "unit": "斤", "quantity": 100}], "supplier_org_ids": [o1]}),
        &other.bearer(),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    let made = app
        .post(
            "/api/procurement/rfqs",
            json!({"buyer_org_id": unit, "title": "食堂土鸡蛋和大米询价", "deadline": deadline,
                "items": [{"name": "土鸡蛋", "spec": "散装", "unit": "斤", "quantity": 100},
                          {"name": "丝苗米", "spec": "25kg/袋", "unit": "袋", "quantity": 20}],
                "supplier_org_ids": [o1, o2]}),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let id = made.body["id"].as_i64().expect("id");
    let items: Vec<i64> = made.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect();
    assert!(made.body["rfq_no"].as_str().expect("no").starts_with("RFQ"));
    let url = format!("/api/procurement/rfqs/{id}");
    let quote = |eggs: i64, rice: i64| {
        json!({"valid_until": (today + Duration::days(7)).to_string(), "delivery_days": 3,
            "terms": "含运费，冷链配送", "items": [
                {"rfq_item_id": items[0], "unit_price_fen": eggs},
                {"rfq_item_id": items[1], "unit_price_fen": rice}]})
    };
    // Suppliers not asked, and other units, see nothing.
    for who in [&s3, &other] {
        app.get(&url, &who.bearer())
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found");
        app.post(&format!("{url}/quote"), quote(1, 1), &who.bearer())
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found");
        let listed = app
            .get("/api/procurement/rfqs", &who.bearer())
            .await
            .expect(StatusCode::OK);
        assert!(
            listed
                .body
                .as_array()
                .expect("a")
                .iter()
                .all(|r| r["id"] != id)
        );
    }
    // The buyer does not quote; a quote must price every item.
    app.post(&format!("{url}/quote"), quote(1, 1), &buyer.bearer())
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let partial = app
        .post(
            &format!("{url}/quote"),
            json!({"valid_until": today.to_string(), "delivery_days": 3, "items": [{"rfq_item_id": items[0], "unit_price_fen": 900}]}),
            &s1.bearer(),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(partial.text.contains("第 2 项"), "{}", partial.text);
    app.post(&format!("{url}/quote"), quote(0, 100), &s1.bearer())
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    // Supplier 1 answers, then answers again (replaces); supplier 2 answers cheaper.
    app.post(&format!("{url}/quote"), quote(1_300, 16_000), &s1.bearer())
        .await
        .expect(StatusCode::OK);
    let mine = app
        .post(&format!("{url}/quote"), quote(1_250, 15_500), &s1.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(mine.body["quotes"].as_array().expect("q").len(), 1);
    assert_eq!(
        mine.body["quotes"][0]["total_fen"],
        1_250 * 100 + 15_500 * 20
    );
    app.post(&format!("{url}/quote"), quote(1_200, 15_000), &s2.bearer())
        .await
        .expect(StatusCode::OK);
    // A supplier sees only itself and its own quote; the buyer compares both.
    let seen = app.get(&url, &s1.bearer()).await.expect(StatusCode::OK);
    assert_eq!(seen.body["quotes"].as_array().expect("q").len(), 1);
    assert_eq!(seen.body["suppliers"].as_array().expect("s").len(), 1);
    assert_eq!(seen.body["quotes"][0]["supplier_org_id"], o1);
    let compared = app.get(&url, &buyer.bearer()).await.expect(StatusCode::OK);
    let quotes = compared.body["quotes"].as_array().expect("q");
    assert_eq!(quotes.len(), 2);
    assert_eq!(quotes[0]["supplier_org_id"], o2, "cheapest first");
    let cheapest = quotes[0]["id"].as_i64().expect("id");
    let dearer = quotes[1]["id"].as_i64().expect("id");
    // Another unit cannot accept; the buyer accepts supplier 2's quote.
    app.post(
        &format!("{url}/award"),
        json!({"quote_id": cheapest, "delivery": delivery()}),
        &other.bearer(),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    let placed = app
        .post(
            &format!("{url}/award"),
            json!({"quote_id": cheapest, "delivery": delivery()}),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let order = &placed.body["orders"][0];
    assert_eq!(order["supplier_org_id"], o2);
    assert_eq!(order["items_total_fen"], 1_200 * 100 + 15_000 * 20);
    assert_eq!(order["lines"][0]["unit_price_fen"], 1_200);
    assert_eq!(order["lines"][0]["price_source"], "quote");
    assert_eq!(order["lines"][1]["product_name"], "丝苗米");
    assert_eq!(order["lines"][1]["assistance_eligible"], false);
    // 1,200 + 3,000 yuan: below the demo unit's 5,000-yuan approval rule.
    assert_eq!(order["status"], "awaiting_confirmation");
    // Once only: a second acceptance and a late quote are refused.
    app.post(
        &format!("{url}/award"),
        json!({"quote_id": dearer, "delivery": delivery()}),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "invalid_state");
    app.post(&format!("{url}/quote"), quote(1_000, 14_000), &s1.bearer())
        .await
        .expect_error(StatusCode::CONFLICT, "invalid_state");
    let after = app.get(&url, &s1.bearer()).await.expect(StatusCode::OK);
    assert_eq!(after.body["status"], "awarded");
    assert_eq!(after.body["quotes"][0]["status"], "not_selected");
    assert!(after.body["order_ids"].as_array().expect("o").is_empty());
    let winner = app.get(&url, &s2.bearer()).await.expect(StatusCode::OK);
    assert_eq!(winner.body["quotes"][0]["status"], "accepted");
    assert_eq!(winner.body["order_ids"].as_array().expect("o").len(), 1);
    // The supplier confirms the quoted order like any other.
    let order_id = order["id"].as_i64().expect("id");
    let lines: Vec<Value> = order["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| json!({"line_id": l["id"], "quantity": l["ordered_qty"]}))
        .collect();
    let confirmed = app
        .post(
            &format!("/api/procurement/orders/{order_id}/confirm"),
            json!({"lines": lines}),
            &s2.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(confirmed.body["status"], "confirmed");
}

#[tokio::test]
async fn an_accepted_quote_for_a_listed_sku_reserves_its_stock_and_an_expired_one_is_refused() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let s1 = app.login("supplier").await;
    let unit = buyer.org_with("buyer");
    let o1 = s1.org_with("supplier_admin");
    let sku = skus_of_supplier(&app, o1).await.remove(0);
    let deadline = (Utc::now() + Duration::days(2)).to_rfc3339();
    let today = bangfu::time::business_date(Utc::now());
    let ask = || {
        json!({"buyer_org_id": unit, "title": "大宗采购议价", "deadline": deadline,
            "items": [{"sku_id": sku.id, "quantity": 40}], "supplier_org_ids": [o1]})
    };
    let stock = || async {
        product_skus::Entity::find_by_id(sku.id)
            .one(app.db())
            .await
            .expect("sku")
            .expect("sku")
            .stock
    };
    let before = stock().await;
    for (n, valid_until) in [(0, today - Duration::days(1)), (1, today)].into_iter() {
        let rfq = app
            .post("/api/procurement/rfqs", ask(), &buyer.bearer())
            .await
            .expect(StatusCode::CREATED);
        let id = rfq.body["id"].as_i64().expect("id");
        let item = rfq.body["items"][0]["id"].as_i64().expect("item");
        assert_eq!(rfq.body["items"][0]["sku_id"], sku.id);
        let answered = app
            .post(
                &format!("/api/procurement/rfqs/{id}/quote"),
                json!({"valid_until": today.to_string(), "delivery_days": 2, "items": [{"rfq_item_id": item, "unit_price_fen": 999}]}),
                &s1.bearer(),
            )
            .await
            .expect(StatusCode::OK);
        let quote_id = answered.body["quotes"][0]["id"].as_i64().expect("q");
        // Age the quote for the first round.
        bangfu::entities::quotes::Entity::update_many()
            .col_expr(
                bangfu::entities::quotes::Column::ValidUntil,
                sea_orm::sea_query::Expr::value(valid_until),
            )
            .filter(bangfu::entities::quotes::Column::Id.eq(quote_id))
            .exec(app.db())
            .await
            .expect("age");
        let award = app
            .post(
                &format!("/api/procurement/rfqs/{id}/award"),
                json!({"quote_id": quote_id, "delivery": delivery()}),
                &buyer.bearer(),
            )
            .await;
        if n == 0 {
            award.expect_error(StatusCode::CONFLICT, "invalid_state");
            assert_eq!(stock().await, before, "nothing reserved");
            let still = app
                .get(&format!("/api/procurement/rfqs/{id}"), &buyer.bearer())
                .await
                .expect(StatusCode::OK);
            assert_eq!(still.body["status"], "open");
            app.post(
                &format!("/api/procurement/rfqs/{id}/cancel"),
                json!({}),
                &buyer.bearer(),
            )
            .await
            .expect(StatusCode::OK);
        } else {
            let placed = award.expect(StatusCode::CREATED);
            let line = &placed.body["orders"][0]["lines"][0];
            assert_eq!(line["sku_id"], sku.id);
            assert_eq!(line["unit_price_fen"], 999);
            assert_eq!(line["price_source"], "quote");
            assert_eq!(stock().await, before - 40);
        }
    }
}

#[tokio::test]
async fn a_delivery_is_accepted_with_photos_from_the_image_pipeline() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let supplier = app.login("supplier").await;
    let unit = buyer.org_with("buyer");
    let sku = skus_of_supplier(&app, supplier.org_with("supplier_admin"))
        .await
        .remove(0);
    let placed = app
        .post(
            "/api/procurement/orders",
            json!({"buyer_org_id": unit, "lines": [{"sku_id": sku.id, "quantity": 2}], "delivery": delivery(), "submission_key": "photo-order-0001"}),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let order = placed.body["orders"][0]["id"].as_i64().expect("id");
    let line = placed.body["orders"][0]["lines"][0]["id"]
        .as_i64()
        .expect("line");
    app.post(
        &format!("/api/procurement/orders/{order}/confirm"),
        json!({"lines": [{"line_id": line, "quantity": 2}]}),
        &supplier.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    let shipped = app
        .post(
            &format!("/api/procurement/orders/{order}/deliveries"),
            json!({"lines": [{"line_id": line, "quantity": 2}]}),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let delivery_id = shipped.body["deliveries"][0]["id"].as_i64().expect("d");
    // The buyer uploads the photo through the image pipeline.
    let photo = app
        .multipart(
            "/api/media/images",
            &[],
            Some(("file", "goods.png", &crate::fixtures::png(40, 30, 9))),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let hash = photo.body["hash"].as_str().expect("hash").to_owned();
    let accept = |photos: Value| json!({"lines": [{"line_id": line, "accepted_qty": 2, "rejected_qty": 0}], "photos": photos});
    // An unknown photo is refused, nothing is accepted.
    let refused = app
        .post(
            &format!("/api/procurement/deliveries/{delivery_id}/acceptance"),
            accept(json!(["0".repeat(64)])),
            &buyer.bearer(),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(refused.text.contains("photos"), "{}", refused.text);
    // The same photo twice counts once.
    let done = app
        .post(
            &format!("/api/procurement/deliveries/{delivery_id}/acceptance"),
            accept(json!([hash, hash])),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let d = &done.body["deliveries"][0];
    assert_eq!(d["accepted"], true);
    assert_eq!(d["photos"], json!([hash]));
    assert!(
        d["photo_urls"][0][0]["jpg"]
            .as_str()
            .expect("url")
            .starts_with(&format!("/media/{hash}/"))
    );
    // The supplier sees them too.
    let seen = app
        .get(
            &format!("/api/procurement/orders/{order}"),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(seen.body["deliveries"][0]["photos"], json!([hash]));
}
