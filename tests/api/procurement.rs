//! Institutional procurement end to end through the API, on the demo data: filings and their
//! review, the order form (dry run, all-or-nothing commit, tiers), approval at the threshold
//! and one fen above, confirmation (declined stock freed, the deadline job), deliveries,
//! acceptance arithmetic, invoice match and mismatch (a red invoice reversing a blue one),
//! payment on terms, evaluation, and tenant isolation.

use axum::http::StatusCode;
use bangfu::entities::{organizations, product_skus, products, sku_price_tiers};
use bangfu::worker::Worker;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp};

/// A listed SKU of the demo supplier `login`, with its stock and price tiers.
async fn sku_of(
    app: &TestApp,
    supplier: &Session,
    skip: usize,
) -> (product_skus::Model, Vec<sku_price_tiers::Model>) {
    let org = supplier.org_with("supplier_admin");
    let product_ids: Vec<i64> = products::Entity::find()
        .filter(products::Column::SupplierOrgId.eq(org))
        .order_by_asc(products::Column::Id)
        .all(app.db())
        .await
        .expect("products")
        .into_iter()
        .map(|p| p.id)
        .collect();
    let skus = product_skus::Entity::find()
        .filter(product_skus::Column::ProductId.is_in(product_ids))
        .filter(product_skus::Column::Active.eq(true))
        .order_by_asc(product_skus::Column::Id)
        .all(app.db())
        .await
        .expect("skus");
    let sku = skus.into_iter().nth(skip).expect("a sku");
    let tiers = sku_price_tiers::Entity::find()
        .filter(sku_price_tiers::Column::SkuId.eq(sku.id))
        .all(app.db())
        .await
        .expect("tiers");
    (sku, tiers)
}

/// The first active SKU of each of the first `n` listed products, with `stock` each and a
/// minimum order of one.
async fn listed_skus(app: &TestApp, n: u64, stock_each: i64) -> Vec<product_skus::Model> {
    let listed: Vec<i64> = products::Entity::find()
        .filter(products::Column::Status.eq(bangfu::catalog::model::ProductStatus::Listed))
        .order_by_asc(products::Column::Id)
        .all(app.db())
        .await
        .expect("listed")
        .into_iter()
        .map(|p| p.id)
        .take(usize::try_from(n).expect("n"))
        .collect();
    let mut skus = Vec::new();
    for pid in listed {
        let s = product_skus::Entity::find()
            .filter(product_skus::Column::ProductId.eq(pid))
            .filter(product_skus::Column::Active.eq(true))
            .one(app.db())
            .await
            .expect("sku")
            .expect("an active sku");
        product_skus::Entity::update_many()
            .col_expr(product_skus::Column::Stock, Expr::value(stock_each))
            .col_expr(product_skus::Column::MinOrderQty, Expr::value(1))
            .filter(product_skus::Column::Id.eq(s.id))
            .exec(app.db())
            .await
            .expect("stock");
        skus.push(s);
    }
    skus
}

async fn stock(app: &TestApp, sku: i64) -> i64 {
    product_skus::Entity::find_by_id(sku)
        .one(app.db())
        .await
        .expect("sku")
        .expect("exists")
        .stock
}

fn form(unit: i64, lines: Value, key: &str) -> Value {
    json!({
        "buyer_org_id": unit,
        "lines": lines,
        "delivery": {"contact": "张食堂", "phone": "13800138000", "address": "深圳市福田区福中三路1号食堂"},
        "submission_key": key,
    })
}

async fn set_rules(app: &TestApp, admin: &Session, unit: i64, rules: Value) {
    app.put(
        &format!("/api/procurement/units/{unit}"),
        json!({"jurisdiction_code": "440300", "canteen_mode": "own", "payment_term_days": 30, "approval_rules": rules}),
        &admin.bearer(),
    )
    .await
    .expect(StatusCode::OK);
}

#[tokio::test]
async fn a_form_is_checked_line_by_line_and_committed_all_or_nothing() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let supplier = app.login("supplier").await;
    let unit = buyer.org_with("buyer");
    let (sku, _) = sku_of(&app, &supplier, 0).await;
    let before = stock(&app, sku.id).await;
    // The demo data has orders of its own: counts are relative to them.
    let orders_before = app.count("bulk_orders").await;
    let product = products::Entity::find_by_id(sku.product_id)
        .one(app.db())
        .await
        .expect("p")
        .expect("p");
    let lines = json!([
        {"sku_id": sku.id, "quantity": 2},
        {"product": product.name, "spec": sku.spec, "quantity": 1},
        {"product": "不存在的芒果干礼盒", "spec": "1kg", "quantity": 3},
        {"sku_id": sku.id, "quantity": 0},
    ]);
    let dry = app
        .post(
            "/api/procurement/orders/dry-run",
            form(unit, lines.clone(), "dry-run-key-1"),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let report = dry.body["lines"].as_array().expect("lines");
    assert_eq!(report.len(), 4);
    assert!(
        report[0]["problems"].as_array().expect("p").is_empty(),
        "{}",
        dry.text
    );
    assert_eq!(
        report[1]["sku_id"],
        json!(sku.id),
        "matched by name and spec"
    );
    assert_eq!(report[2]["problems"][0]["column"], "product");
    assert!(
        !report[2]["suggestions"].as_array().expect("s").is_empty(),
        "suggestions for 芒果: {}",
        dry.text
    );
    assert_eq!(report[3]["problems"][0]["column"], "quantity");
    assert_eq!(dry.body["problem_count"], 2);
    // Nothing was written by the dry run, and a commit with a bad line writes nothing either.
    let refused = app
        .post(
            "/api/procurement/orders",
            form(unit, lines, "commit-key-01"),
            &buyer.bearer(),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(
        refused.text.contains("lines[2].product"),
        "{}",
        refused.text
    );
    assert!(refused.text.contains("第 3 行"), "{}", refused.text);
    assert_eq!(app.count("bulk_orders").await, orders_before);
    assert_eq!(stock(&app, sku.id).await, before);
    // The good lines go through, once per key.
    let good = json!([{"sku_id": sku.id, "quantity": 2}, {"product": product.name, "spec": sku.spec, "quantity": 1}]);
    let placed = app
        .post(
            "/api/procurement/orders",
            form(unit, good.clone(), "commit-key-02"),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let orders = placed.body["orders"].as_array().expect("orders");
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["status"], "awaiting_confirmation");
    assert_eq!(stock(&app, sku.id).await, before - 3);
    let again = app
        .post(
            "/api/procurement/orders",
            form(unit, good, "commit-key-02"),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(again.body["orders"][0]["id"], orders[0]["id"]);
    assert_eq!(app.count("bulk_orders").await, orders_before + 1);
    assert_eq!(
        stock(&app, sku.id).await,
        before - 3,
        "a resubmitted key reserves nothing"
    );
}

#[tokio::test]
async fn quantity_tiers_price_the_line_and_the_price_is_frozen() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let supplier = app.login("supplier").await;
    let unit = buyer.org_with("buyer");
    let mut found = None;
    for i in 0..20 {
        let (sku, tiers) = sku_of(&app, &supplier, i).await;
        if let Some(t) = tiers.iter().min_by_key(|t| t.min_qty) {
            found = Some((sku, t.clone()));
            break;
        }
    }
    let (sku, tier) = found.expect("a demo SKU with a tier");
    // Enough stock for the tier.
    product_skus::Entity::update_many()
        .col_expr(product_skus::Column::Stock, Expr::value(100_000))
        .filter(product_skus::Column::Id.eq(sku.id))
        .exec(app.db())
        .await
        .expect("stock");
    let below = tier.min_qty - 1;
    let placed = app
        .post(
            "/api/procurement/orders",
            form(
                unit,
                json!([{"sku_id": sku.id, "quantity": below.max(sku.min_order_qty)}, ]),
                "tier-key-001",
            ),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(
        placed.body["orders"][0]["lines"][0]["unit_price_fen"],
        json!(sku.price_fen)
    );
    assert_eq!(placed.body["orders"][0]["lines"][0]["price_source"], "list");
    let tiered = app
        .post(
            "/api/procurement/orders",
            form(
                unit,
                json!([{"sku_id": sku.id, "quantity": tier.min_qty}]),
                "tier-key-002",
            ),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let line = &tiered.body["orders"][0]["lines"][0];
    assert_eq!(line["unit_price_fen"], json!(tier.price_fen));
    assert_eq!(line["price_source"], "tier");
    assert_eq!(
        tiered.body["orders"][0]["items_total_fen"],
        json!(tier.price_fen * i64::from(tier.min_qty))
    );
    // A later price change does not move the frozen line.
    product_skus::Entity::update_many()
        .col_expr(
            product_skus::Column::PriceFen,
            Expr::value(sku.price_fen * 2),
        )
        .filter(product_skus::Column::Id.eq(sku.id))
        .exec(app.db())
        .await
        .expect("price");
    let id = tiered.body["orders"][0]["id"].as_i64().expect("id");
    let read = app
        .get(&format!("/api/procurement/orders/{id}"), &buyer.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        read.body["lines"][0]["unit_price_fen"],
        json!(tier.price_fen)
    );
}

/// Places a one-line order and answers (order id, line id, total).
async fn place_one(
    app: &TestApp,
    buyer: &Session,
    sku: &product_skus::Model,
    qty: i64,
    key: &str,
) -> (i64, i64, i64, Value) {
    let unit = buyer.org_with("buyer");
    let placed = app
        .post(
            "/api/procurement/orders",
            form(unit, json!([{"sku_id": sku.id, "quantity": qty}]), key),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let o = placed.body["orders"][0].clone();
    (
        o["id"].as_i64().expect("id"),
        o["lines"][0]["id"].as_i64().expect("line"),
        o["items_total_fen"].as_i64().expect("total"),
        o,
    )
}

#[tokio::test]
async fn approval_is_needed_one_fen_above_the_threshold_not_at_it() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let admin = app.login("unit_admin").await;
    let approver = app.login("approver").await;
    let supplier = app.login("supplier").await;
    let unit = buyer.org_with("buyer");
    let (sku, _) = sku_of(&app, &supplier, 0).await;
    let qty = i64::from(sku.min_order_qty.max(1));
    let (_, _, total, _) = place_one(&app, &buyer, &sku, qty, "probe-key-01").await;
    // Threshold = the order's amount: not above it, no approval.
    set_rules(
        &app,
        &admin,
        unit,
        json!([{"kind": "order_amount_over", "amount_fen": total, "levels": 1}]),
    )
    .await;
    let (_, _, _, at) = place_one(&app, &buyer, &sku, qty, "threshold-key-1").await;
    assert_eq!(at["status"], "awaiting_confirmation");
    assert!(at["approval"].as_array().expect("a").is_empty());
    // One fen below the amount: the order is one fen above, level 1 needed.
    set_rules(
        &app,
        &admin,
        unit,
        json!([{"kind": "order_amount_over", "amount_fen": total - 1, "levels": 2}]),
    )
    .await;
    let (id, _, _, above) = place_one(&app, &buyer, &sku, qty, "threshold-key-2").await;
    assert_eq!(above["status"], "pending_approval");
    assert_eq!(above["approval"][0]["status"], "pending");
    assert_eq!(above["approval"][1]["status"], "waiting");
    // The buyer cannot approve; the approver signs level 1; the same person cannot sign 2.
    app.post(
        &format!("/api/procurement/orders/{id}/approve"),
        json!({}),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let one = app
        .post(
            &format!("/api/procurement/orders/{id}/approve"),
            json!({}),
            &approver.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(one.body["approval"][0]["status"], "approved");
    assert_eq!(one.body["approval"][1]["status"], "pending");
    assert_eq!(one.body["status"], "pending_approval");
    // Rejecting without a reason is refused; with one, the order is rejected, stock back.
    let before = stock(&app, sku.id).await;
    app.post(
        &format!("/api/procurement/orders/{id}/reject"),
        json!({}),
        &admin.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let rejected = app
        .post(
            &format!("/api/procurement/orders/{id}/reject"),
            json!({"comment": "超出本月预算"}),
            &admin.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(stock(&app, sku.id).await, before + qty);
}

#[tokio::test]
async fn the_whole_cycle_from_form_to_completion_is_exact_to_the_fen() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let supplier = app.login("supplier").await;
    let (sku, _) = sku_of(&app, &supplier, 0).await;
    product_skus::Entity::update_many()
        .col_expr(product_skus::Column::Stock, Expr::value(1000))
        .filter(product_skus::Column::Id.eq(sku.id))
        .exec(app.db())
        .await
        .expect("stock");
    let qty = i64::from(sku.min_order_qty.max(1)) + 9;
    let (id, line, _, _) = place_one(&app, &buyer, &sku, qty, "cycle-key-001").await;
    let price = sku.price_fen;
    // The supplier confirms one less than ordered: that unit goes back to stock.
    let confirmed = app
        .post(
            &format!("/api/procurement/orders/{id}/confirm"),
            json!({"lines": [{"line_id": line, "quantity": qty - 1}]}),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(confirmed.body["status"], "confirmed");
    assert_eq!(stock(&app, sku.id).await, 1000 - qty + 1);
    let conf = qty - 1;
    // Over-delivery is refused; two deliveries.
    app.post(
        &format!("/api/procurement/orders/{id}/deliveries"),
        json!({"lines": [{"line_id": line, "quantity": conf + 1}]}),
        &supplier.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let first = app
        .post(
            &format!("/api/procurement/orders/{id}/deliveries"),
            json!({"lines": [{"line_id": line, "quantity": 5}], "carrier": "顺丰"}),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(first.body["status"], "in_delivery");
    let second = app
        .post(
            &format!("/api/procurement/orders/{id}/deliveries"),
            json!({"lines": [{"line_id": line, "quantity": conf - 5}]}),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(second.body["status"], "delivered");
    let d1 = second.body["deliveries"][0]["id"].as_i64().expect("d1");
    let d2 = second.body["deliveries"][1]["id"].as_i64().expect("d2");
    // Acceptance: accepted + rejected must equal delivered; a rejection needs a reason.
    app.post(&format!("/api/procurement/deliveries/{d1}/acceptance"), json!({"lines": [{"line_id": line, "accepted_qty": 5, "rejected_qty": 1, "reason": "破损"}]}), &buyer.bearer())
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.post(
        &format!("/api/procurement/deliveries/{d1}/acceptance"),
        json!({"lines": [{"line_id": line, "accepted_qty": 4, "rejected_qty": 1}]}),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let a1 = app
        .post(&format!("/api/procurement/deliveries/{d1}/acceptance"), json!({"lines": [{"line_id": line, "accepted_qty": 4, "rejected_qty": 1, "reason": "包装破损", "remedy": "credit"}]}), &buyer.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(a1.body["lines"][0]["credited_qty"], 1);
    // A delivery is accepted once.
    app.post(
        &format!("/api/procurement/deliveries/{d1}/acceptance"),
        json!({"lines": [{"line_id": line, "accepted_qty": 5, "rejected_qty": 0}]}),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "invalid_state");
    let a2 = app
        .post(
            &format!("/api/procurement/deliveries/{d2}/acceptance"),
            json!({"lines": [{"line_id": line, "accepted_qty": conf - 5, "rejected_qty": 0}]}),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let accepted = conf - 1;
    let payable = accepted * price;
    assert_eq!(a2.body["lines"][0]["accepted_qty"], json!(accepted));
    assert_eq!(a2.body["payable_fen"], json!(payable));
    assert_eq!(a2.body["status"], "delivered", "no invoice yet");
    // An invoice one fen short is a mismatch that blocks payment, naming the line.
    let short = app
        .post(&format!("/api/procurement/orders/{id}/invoices"), json!({"manual": {"number": "26442000000000000001", "issue_date": "2026-12-01", "lines": [{"line_id": line, "amount_fen": payable - 1, "tax_rate": "免税", "tax_fen": 0}]}}), &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(short.body["invoices"][0]["status"], "mismatched");
    assert_eq!(
        short.body["invoices"][0]["check"]["lines"][0]["expected_fen"],
        json!(payable)
    );
    app.post(
        &format!("/api/procurement/orders/{id}/payment"),
        json!({"bank_reference": "CMB20261203001"}),
        &supplier.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "invoice_mismatch");
    // A red invoice reverses it; a right blue one matches (免税: no tax).
    app.post(&format!("/api/procurement/orders/{id}/invoices"), json!({"manual": {"number": "26442000000000000002", "issue_date": "2026-12-02", "reverses": "26442000000000000001", "lines": [{"line_id": line, "amount_fen": -(payable - 1), "tax_rate": "免税", "tax_fen": 0}]}}), &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    let good = app
        .post(&format!("/api/procurement/orders/{id}/invoices"), json!({"manual": {"number": "26442000000000000003", "issue_date": "2026-12-02", "lines": [{"line_id": line, "amount_fen": payable, "tax_rate": "免税", "tax_fen": 0}]}}), &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(good.body["invoices"][0]["status"], "reversed");
    assert_eq!(good.body["invoices"][2]["status"], "matched");
    assert_eq!(good.body["status"], "accepted");
    assert!(
        good.body["due_date"].is_string(),
        "due = acceptance + 30 days"
    );
    // Evaluation waits for payment; payment, then evaluation completes the order.
    app.post(
        &format!("/api/procurement/orders/{id}/evaluation"),
        json!({"quality": 5, "delivery": 4, "service": 5}),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "invalid_state");
    let paid = app
        .post(
            &format!("/api/procurement/orders/{id}/payment"),
            json!({"bank_reference": "CMB20261203001"}),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(paid.body["status"], "paid");
    app.post(
        &format!("/api/procurement/orders/{id}/evaluation"),
        json!({"quality": 6, "delivery": 4, "service": 5}),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let done = app
        .post(
            &format!("/api/procurement/orders/{id}/evaluation"),
            json!({"quality": 5, "delivery": 4, "service": 5, "comment": "果品新鲜"}),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(done.body["status"], "completed");
    assert_eq!(done.body["evaluation"]["quality"], 5);
}

#[tokio::test]
async fn another_unit_and_another_supplier_see_nothing() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let supplier = app.login("supplier").await;
    let other_buyer = app.login("unit02_buyer").await;
    let other_supplier = app.login("supplier02").await;
    let (sku, _) = sku_of(&app, &supplier, 0).await;
    let (id, line, _, _) = place_one(
        &app,
        &buyer,
        &sku,
        i64::from(sku.min_order_qty.max(1)),
        "isolation-key-1",
    )
    .await;
    for who in [&other_buyer, &other_supplier] {
        app.get(&format!("/api/procurement/orders/{id}"), &who.bearer())
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found");
        app.post(
            &format!("/api/procurement/orders/{id}/confirm"),
            json!({"lines": [{"line_id": line, "quantity": 1}]}),
            &who.bearer(),
        )
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
        // Their lists (the demo data gives them orders of their own) never show it, and show
        // only what is theirs.
        let list = app
            .get("/api/procurement/orders", &who.bearer())
            .await
            .expect(StatusCode::OK);
        let theirs = |o: &Value| {
            o["buyer_org_id"] == json!(other_buyer.org_with("buyer"))
                || o["supplier_org_id"] == json!(other_supplier.org_with("supplier_admin"))
        };
        let items = list.body["items"].as_array().expect("items");
        assert!(items.iter().all(|o| o["id"] != json!(id) && theirs(o)));
    }
    // Ordering for another unit is refused.
    let unit = buyer.org_with("buyer");
    app.post(
        "/api/procurement/orders",
        form(
            unit,
            json!([{"sku_id": sku.id, "quantity": 1}]),
            "isolation-key-2",
        ),
        &other_buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    // The buyer's own list has it; the supplier's too.
    let mine = app
        .get("/api/procurement/orders", &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(mine.body["items"][0]["id"], json!(id));
}

#[tokio::test]
async fn an_unconfirmed_order_is_cancelled_at_its_deadline_and_frees_its_stock() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let supplier = app.login("supplier").await;
    let (sku, _) = sku_of(&app, &supplier, 0).await;
    let before = stock(&app, sku.id).await;
    let qty = i64::from(sku.min_order_qty.max(1));
    let (id, line, _, _) = place_one(&app, &buyer, &sku, qty, "deadline-key-1").await;
    assert_eq!(stock(&app, sku.id).await, before - qty);
    // Past the deadline: cancelled, stock back, and the supplier can no longer confirm.
    bangfu::entities::bulk_orders::Entity::update_many()
        .col_expr(
            bangfu::entities::bulk_orders::Column::ConfirmDeadline,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .filter(bangfu::entities::bulk_orders::Column::Id.eq(id))
        .exec(app.db())
        .await
        .expect("deadline");
    sea_orm::ConnectionTrait::execute_unprepared(
        app.db(),
        "UPDATE jobs SET run_at = created_at WHERE kind = 'procurement.confirm_deadline'",
    )
    .await
    .expect("due");
    Worker::new(app.state.clone()).drain().await.expect("drain");
    let gone = app
        .get(&format!("/api/procurement/orders/{id}"), &buyer.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(gone.body["status"], "cancelled");
    assert_eq!(stock(&app, sku.id).await, before);
    app.post(
        &format!("/api/procurement/orders/{id}/confirm"),
        json!({"lines": [{"line_id": line, "quantity": qty}]}),
        &supplier.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "invalid_state");
}

#[tokio::test]
async fn a_filing_is_reviewed_by_the_supervising_department_and_versions_are_kept() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let supervisor = app.login("unit02_admin").await;
    let outsider = app.login("unit03_admin").await;
    let unit = buyer.org_with("buyer");
    let dept = supervisor.org_with("unit_admin");
    organizations::Entity::update_many()
        .col_expr(organizations::Column::ParentId, Expr::value(Some(dept)))
        .filter(organizations::Column::Id.eq(unit))
        .exec(app.db())
        .await
        .expect("parent");
    // The demo unit has filed for the year: start this unit's story afresh.
    bangfu::entities::filings::Entity::delete_many()
        .filter(bangfu::entities::filings::Column::UnitOrgId.eq(unit))
        .exec(app.db())
        .await
        .expect("no demo filings");
    let body = |ratio: i32| json!({"year": 2026, "expected_total_fen": 33_333, "ratio_bp": ratio, "contact_name": "李会计", "contact_phone": "13800138000"});
    app.post(
        &format!("/api/procurement/units/{unit}/filings"),
        body(2999),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let v1 = app
        .post(
            &format!("/api/procurement/units/{unit}/filings"),
            body(3000),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    // 30% of 333.33 yuan is 99.999 yuan: reserved rounds up to 100.00.
    assert_eq!(v1.body["reserved_fen"], 10_000);
    assert_eq!(v1.body["status"], "submitted");
    assert_eq!(v1.body["contact_phone"], "138****8000");
    let f1 = v1.body["id"].as_i64().expect("id");
    app.post(
        &format!("/api/procurement/units/{unit}/filings"),
        body(3000),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "invalid_state");
    app.post(
        &format!("/api/procurement/filings/{f1}/approve"),
        json!({}),
        &outsider.bearer(),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.post(
        &format!("/api/procurement/filings/{f1}/approve"),
        json!({}),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let returned = app
        .post(
            &format!("/api/procurement/filings/{f1}/return"),
            json!({"reason": "预计总额偏低，请核实"}),
            &supervisor.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(returned.body["status"], "returned");
    let v2 = app
        .post(
            &format!("/api/procurement/units/{unit}/filings"),
            body(3500),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(v2.body["version"], 2);
    let f2 = v2.body["id"].as_i64().expect("id");
    let pending = app
        .get(
            &format!("/api/procurement/supervisors/{dept}/filings?pending=true"),
            &supervisor.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(pending.body.as_array().expect("a").len(), 1);
    let approved = app
        .post(
            &format!("/api/procurement/filings/{f2}/approve"),
            json!({}),
            &supervisor.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(approved.body["status"], "approved");
    app.post(
        &format!("/api/procurement/filings/{f2}/approve"),
        json!({}),
        &supervisor.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "invalid_state");
    // A correction after approval is a new version; its approval supersedes the old one.
    let v3 = app
        .post(
            &format!("/api/procurement/units/{unit}/filings"),
            body(4000),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let f3 = v3.body["id"].as_i64().expect("id");
    app.post(
        &format!("/api/procurement/filings/{f3}/approve"),
        json!({}),
        &supervisor.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    let all = app
        .get(
            &format!("/api/procurement/units/{unit}/filings?year=2026"),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let statuses: Vec<&str> = all
        .body
        .as_array()
        .expect("a")
        .iter()
        .map(|f| f["status"].as_str().expect("s"))
        .collect();
    assert_eq!(statuses, vec!["approved", "superseded", "returned"]);
}

#[tokio::test]
async fn an_uploaded_sheet_is_checked_with_its_rows_and_a_thousand_lines_commit_at_once() {
    let app = TestApp::spawn().await;
    let orders_before = app.count("bulk_orders").await;
    let buyer = app.login("buyer").await;
    let supplier = app.login("supplier").await;
    let unit = buyer.org_with("buyer");
    let (sku, _) = sku_of(&app, &supplier, 0).await;
    let product = products::Entity::find_by_id(sku.product_id)
        .one(app.db())
        .await
        .expect("p")
        .expect("p");
    let unit_text = unit.to_string();
    let csv = format!(
        "商品编码或名称,规格,数量,期望送达日期\nP{},{},{},\n不存在的芒果干礼盒,1kg,3,\n{},{},两箱,2026-02-30\n",
        product.id,
        sku.spec,
        sku.min_order_qty.max(1),
        product.name,
        sku.spec
    );
    let checked = app
        .multipart(
            "/api/procurement/orders/upload",
            &[("buyer_org_id", &unit_text)],
            Some(("file", "order.csv", csv.as_bytes())),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let lines = checked.body["dry_run"]["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["row"], 2);
    assert!(
        lines[0]["problems"].as_array().expect("p").is_empty(),
        "{}",
        checked.text
    );
    assert_eq!(lines[1]["row"], 3);
    assert_eq!(lines[1]["problems"][0]["column"], "product");
    assert_eq!(lines[2]["row"], 4);
    let cols: Vec<&str> = lines[2]["problems"]
        .as_array()
        .expect("p")
        .iter()
        .map(|p| p["column"].as_str().expect("c"))
        .collect();
    assert_eq!(cols, vec!["quantity", "wanted_date"]);
    assert_eq!(checked.body["dry_run"]["problem_count"], 2);
    assert_eq!(app.count("bulk_orders").await, orders_before);
    // A bad file is a 4xx with a message, never a 500.
    app.multipart(
        "/api/procurement/orders/upload",
        &[("buyer_org_id", &unit_text)],
        Some(("file", "order.xlsx", b"PK\x03\x04 not really a zip")),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    // 1,000 lines over a few SKUs, as an XLSX: checked, then committed as one form.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["商品编码或名称", "规格", "数量"].iter().enumerate() {
        sheet
            .write_string(0, u16::try_from(c).expect("c"), *h)
            .expect("h");
    }
    let skus = listed_skus(&app, 4, 1_000_000).await;
    for r in 0..1000u32 {
        let s = &skus[r as usize % skus.len()];
        sheet
            .write_string(r + 1, 0, format!("P{}", s.product_id))
            .expect("p");
        sheet.write_string(r + 1, 1, &s.spec).expect("s");
        sheet.write_number(r + 1, 2, 1.0).expect("q");
    }
    let bytes = book.save_to_buffer().expect("xlsx");
    let big = app
        .multipart(
            "/api/procurement/orders/upload",
            &[("buyer_org_id", &unit_text)],
            Some(("file", "big.xlsx", &bytes)),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        big.body["dry_run"]["problem_count"],
        0,
        "{}",
        &big.text[..big.text.len().min(2000)]
    );
    let form_lines = big.body["lines"].clone();
    assert_eq!(form_lines.as_array().expect("l").len(), 1000);
    let placed = app
        .post(
            "/api/procurement/orders",
            form(unit, form_lines, "thousand-lines-1"),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let n: usize = placed.body["orders"]
        .as_array()
        .expect("o")
        .iter()
        .map(|o| o["lines"].as_array().expect("l").len())
        .sum();
    assert_eq!(n, 1000);
    for s in &skus {
        assert_eq!(stock(&app, s.id).await, 1_000_000 - 250);
    }
}

#[tokio::test]
async fn a_hundred_concurrent_bulk_orders_over_overlapping_skus_never_oversell_or_deadlock() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let app = TestApp::spawn().await;
    let twin = app.twin().await;
    // Eight SKUs of listed products, 300 each.
    let skus: Vec<i64> = listed_skus(&app, 8, 300)
        .await
        .iter()
        .map(|s| s.id)
        .collect();
    // Twenty units' buyers, five forms each; every form has 50 lines over the eight SKUs in
    // its own order (so unsorted locking would deadlock).
    let mut buyers = Vec::new();
    for i in 2..=21 {
        let s = app.login(&format!("unit{i:02}_buyer")).await;
        buyers.push((s.org_with("buyer"), s.token.clone()));
    }
    let mut handles = Vec::new();
    for n in 0..100usize {
        let (unit, token) = buyers[n % buyers.len()].clone();
        let lines: Vec<Value> = (0..50)
            .map(|k| json!({"sku_id": skus[(k * 7 + n * 3) % skus.len()], "quantity": 1}))
            .collect();
        let body = form(unit, json!(lines), &format!("concurrent-form-{n:04}"));
        let router = if n % 2 == 0 {
            app.router.clone()
        } else {
            twin.router.clone()
        };
        handles.push(tokio::spawn(async move {
            let req = axum::http::Request::builder()
                .method("POST")
                .uri("/api/procurement/orders")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body.to_string()))
                .expect("request");
            let resp = router.oneshot(req).await.expect("response");
            let status = resp.status();
            let bytes = resp.into_body().collect().await.expect("body").to_bytes();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }));
    }
    let mut placed = 0;
    for h in handles {
        let (status, text) = h.await.expect("task");
        match status {
            StatusCode::CREATED => placed += 1,
            StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY => {
                assert!(
                    text.contains("库存不足"),
                    "refused for another reason: {text}"
                );
            }
            // Load shedding on a busy machine (every pool connection taken for longer than
            // the acquire timeout) refuses a form whole; the stock check below shows it wrote
            // nothing.
            StatusCode::SERVICE_UNAVAILABLE => assert!(text.contains("unavailable"), "{text}"),
            other => panic!("{other}: {text}"),
        }
    }
    // Stock is exact: what is left plus what the placed lines hold is what there was (the
    // lines of these forms: the demo data has orders of its own).
    let ours: Vec<i64> = bangfu::entities::bulk_orders::Entity::find()
        .filter(
            bangfu::entities::bulk_orders::Column::SubmissionKey.starts_with("concurrent-form-"),
        )
        .all(app.db())
        .await
        .expect("orders")
        .iter()
        .map(|o| o.id)
        .collect();
    let mut held_total = 0;
    for sku in &skus {
        let left = stock(&app, *sku).await;
        assert!(left >= 0);
        let held: i64 = bangfu::entities::bulk_order_lines::Entity::find()
            .filter(bangfu::entities::bulk_order_lines::Column::SkuId.eq(*sku))
            .filter(bangfu::entities::bulk_order_lines::Column::OrderId.is_in(ours.clone()))
            .all(app.db())
            .await
            .expect("lines")
            .iter()
            .map(|l| i64::from(l.ordered_qty))
            .sum();
        assert_eq!(left + held, 300, "SKU {sku}");
        held_total += held;
    }
    assert!(placed > 0, "some forms went through");
    assert_eq!(held_total, i64::from(placed) * 50);
    assert!(placed < 100, "stock ran out for some ({placed} placed)");
}

#[tokio::test]
async fn hostile_quantities_are_refused_as_4xx_never_a_500() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let supplier = app.login("supplier").await;
    let unit = buyer.org_with("buyer");
    let (sku, _) = sku_of(&app, &supplier, 0).await;
    let huge = json!([{"sku_id": sku.id, "quantity": i64::MAX}, {"sku_id": sku.id, "quantity": i64::MAX}, {"sku_id": sku.id, "quantity": i64::MIN}]);
    let dry = app
        .post(
            "/api/procurement/orders/dry-run",
            form(unit, huge.clone(), "hostile-key-01"),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(dry.body["problem_count"], 3);
    app.post(
        "/api/procurement/orders",
        form(unit, huge, "hostile-key-02"),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let qty = i64::from(sku.min_order_qty.max(1));
    let (id, line, _, _) = place_one(&app, &buyer, &sku, qty, "hostile-key-03").await;
    app.post(
        &format!("/api/procurement/orders/{id}/confirm"),
        json!({"lines": [{"line_id": line, "quantity": qty}]}),
        &supplier.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    let delivered = app
        .post(
            &format!("/api/procurement/orders/{id}/deliveries"),
            json!({"lines": [{"line_id": line, "quantity": qty}]}),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let d = delivered.body["deliveries"][0]["id"].as_i64().expect("d");
    app.post(&format!("/api/procurement/deliveries/{d}/acceptance"), json!({"lines": [{"line_id": line, "accepted_qty": i64::MAX, "rejected_qty": i64::MAX, "reason": "测试理由"}]}), &buyer.bearer())
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.post(
        &format!("/api/procurement/orders/{id}/invoices"),
        json!({"xml": "<not-an-invoice/>"}),
        &supplier.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
}

#[tokio::test]
async fn the_buyer_withdraws_before_confirmation_only_and_the_stock_comes_back() {
    let app = TestApp::spawn().await;
    let buyer = app.login("buyer").await;
    let supplier = app.login("supplier").await;
    let other = app.login("unit02_buyer").await;
    let (sku, _) = sku_of(&app, &supplier, 0).await;
    let before = stock(&app, sku.id).await;
    let qty = i64::from(sku.min_order_qty.max(1));
    let (id, _, _, _) = place_one(&app, &buyer, &sku, qty, "withdraw-key-1").await;
    app.post(
        &format!("/api/procurement/orders/{id}/withdraw"),
        json!({}),
        &other.bearer(),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.post(
        &format!("/api/procurement/orders/{id}/withdraw"),
        json!({}),
        &supplier.bearer(),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let gone = app
        .post(
            &format!("/api/procurement/orders/{id}/withdraw"),
            json!({}),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(gone.body["status"], "cancelled");
    assert_eq!(stock(&app, sku.id).await, before);
    // Once confirmed, an order can no longer be withdrawn.
    let (id2, line2, _, _) = place_one(&app, &buyer, &sku, qty, "withdraw-key-2").await;
    app.post(
        &format!("/api/procurement/orders/{id2}/confirm"),
        json!({"lines": [{"line_id": line2, "quantity": qty}]}),
        &supplier.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/api/procurement/orders/{id2}/withdraw"),
        json!({}),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "invalid_state");
    assert_eq!(stock(&app, sku.id).await, before - qty);
}
