//! The procurement share end to end: rules as versioned data (and the filing checked against
//! them), the ledger written when an order completes (once; a red invoice reverses it),
//! backfill of orders completed before the ledger, off-platform declarations, the figures
//! and reports with who may read them, and the recomputation job on random histories.

use axum::http::StatusCode;
use bangfu::entities::{
    notifications, order_evaluations, organizations, product_skus, products, share_facts,
    share_summaries,
};
use bangfu::reporting::ledger;
use bangfu::worker::{JobOptions, Slot, Worker};
use chrono::{Datelike, TimeZone, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp};

fn this_year() -> i32 {
    bangfu::reporting::service::this_year()
}

/// Active SKUs of listed products with stock and a minimum order of one.
async fn skus(app: &TestApp, n: usize) -> Vec<product_skus::Model> {
    let listed: Vec<i64> = products::Entity::find()
        .filter(products::Column::Status.eq(bangfu::catalog::model::ProductStatus::Listed))
        .order_by_asc(products::Column::Id)
        .all(app.db())
        .await
        .expect("listed")
        .into_iter()
        .map(|p| p.id)
        .take(n)
        .collect();
    let mut out = Vec::new();
    for pid in listed {
        let s = product_skus::Entity::find()
            .filter(product_skus::Column::ProductId.eq(pid))
            .filter(product_skus::Column::Active.eq(true))
            .one(app.db())
            .await
            .expect("sku")
            .expect("an active sku");
        product_skus::Entity::update_many()
            .col_expr(product_skus::Column::Stock, Expr::value(100_000))
            .col_expr(product_skus::Column::MinOrderQty, Expr::value(1))
            .filter(product_skus::Column::Id.eq(s.id))
            .exec(app.db())
            .await
            .expect("stock");
        out.push(s);
    }
    out
}

/// The supplier session that sells a SKU.
async fn seller_of(app: &TestApp, sku: &product_skus::Model) -> Session {
    let p = products::Entity::find_by_id(sku.product_id)
        .one(app.db())
        .await
        .expect("p")
        .expect("p");
    let logins = [
        "supplier",
        "supplier02",
        "supplier03",
        "supplier04",
        "supplier05",
        "supplier06",
        "supplier07",
        "supplier08",
    ];
    for l in logins {
        let s = app.login(l).await;
        if s.org_with("supplier_admin") == p.supplier_org_id {
            return s;
        }
    }
    panic!("no supplier login for {}", p.supplier_org_id);
}

struct Done {
    id: i64,
    line: i64,
    payable: i64,
    invoice_no: String,
}

/// Takes an order of one SKU through the cycle up to payment (and evaluation when
/// `evaluate`).
async fn run_order(
    app: &TestApp,
    buyer: &Session,
    supplier: &Session,
    sku: &product_skus::Model,
    qty: i64,
    n: u32,
    evaluate: bool,
) -> Done {
    let unit = buyer.org_with("buyer");
    let placed = app
        .post(
            "/api/procurement/orders",
            json!({
                "buyer_org_id": unit,
                "lines": [{"sku_id": sku.id, "quantity": qty}],
                "delivery": {"contact": "张食堂", "phone": "13800138000", "address": "深圳市福田区福中三路1号食堂"},
                "submission_key": format!("report-key-{n:04}-{unit}"),
            }),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let o = &placed.body["orders"][0];
    let id = o["id"].as_i64().expect("id");
    let line = o["lines"][0]["id"].as_i64().expect("line");
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
    let accepted = app
        .post(
            &format!("/api/procurement/deliveries/{d}/acceptance"),
            json!({"lines": [{"line_id": line, "accepted_qty": qty, "rejected_qty": 0}]}),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let payable = accepted.body["payable_fen"].as_i64().expect("payable");
    let invoice_no = format!("2644{unit:06}{n:010}");
    app.post(
        &format!("/api/procurement/orders/{id}/invoices"),
        json!({"manual": {"number": invoice_no, "issue_date": "2026-12-01", "lines": [{"line_id": line, "amount_fen": payable, "tax_rate": "免税", "tax_fen": 0}]}}),
        &supplier.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    app.post(
        &format!("/api/procurement/orders/{id}/payment"),
        json!({"bank_reference": format!("CMB{n:08}")}),
        &supplier.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    if evaluate {
        let done = app
            .post(
                &format!("/api/procurement/orders/{id}/evaluation"),
                json!({"quality": 5, "delivery": 5, "service": 5}),
                &buyer.bearer(),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(done.body["status"], "completed");
    }
    Done {
        id,
        line,
        payable,
        invoice_no,
    }
}

async fn facts_of(app: &TestApp, order: i64) -> Vec<share_facts::Model> {
    share_facts::Entity::find()
        .filter(share_facts::Column::OrderId.eq(order))
        .order_by_asc(share_facts::Column::Id)
        .all(app.db())
        .await
        .expect("facts")
}

async fn summary_total(app: &TestApp, unit: i64) -> (i64, i64) {
    share_summaries::Entity::find()
        .filter(share_summaries::Column::UnitOrgId.eq(unit))
        .all(app.db())
        .await
        .expect("summaries")
        .iter()
        .fold((0, 0), |(a, t), r| (a + r.assistance_fen, t + r.total_fen))
}

fn rule_body(year: i32, target: i32, comparison: &str) -> Value {
    json!({
        "jurisdiction_code": "440300", "year": year, "target_bp": target, "comparison": comparison,
        "denominator": "agri_all", "actual_if_larger": false,
        "origins": {"poverty_lifted": true, "paired": true, "old_revolutionary": true},
        "count_union": true, "count_staff": true, "no_canteen": "exempt", "no_canteen_bp": null,
        "min_last_year": false, "filing_deadline": format!("{year}-03-31"),
        "checkpoints": [{"month": 9, "completion_bp": 5000}], "note": "测试"
    })
}

fn filing(year: i32, total: i64, ratio: i32) -> Value {
    json!({"year": year, "expected_total_fen": total, "ratio_bp": ratio, "contact_name": "李会计", "contact_phone": "13800138000"})
}

#[tokio::test]
async fn rules_are_versioned_data_and_filings_are_checked_against_them() {
    let app = TestApp::spawn_without_history().await;
    let operator = app.login("operator").await;
    let buyer = app.login("buyer").await;
    let year = this_year();
    // Seeded: Shenzhen, more than 30%.
    let list = app
        .get(
            &format!("/api/reporting/rules?jurisdiction_code=440300&year={year}"),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(list.body[0]["rule"]["target_bp"], 3000);
    assert_eq!(list.body[0]["rule"]["comparison"], "gt");
    assert_eq!(list.body[0]["rule"]["version"], 1);
    let unit = buyer.org_with("buyer");
    // 30% of 100,000.00 is exactly 30%: not "more than 30%".
    app.post(
        &format!("/api/procurement/units/{unit}/filings"),
        filing(year, 10_000_000, 3000),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    // Only operators change rules; bad fields are named.
    app.post(
        "/api/reporting/rules",
        rule_body(year, 4000, "gte"),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let mut bad = rule_body(year, 10_001, "gte");
    bad["jurisdiction_code"] = json!("999999");
    bad["no_canteen"] = json!("union_funds");
    bad["filing_deadline"] = json!("2001-01-01");
    let refused = app
        .post("/api/reporting/rules", bad, &operator.bearer())
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields = refused.body["error"]["details"]["fields"].to_string();
    for f in [
        "target_bp",
        "jurisdiction_code",
        "no_canteen_bp",
        "filing_deadline",
    ] {
        assert!(fields.contains(f), "{f} not named in {fields}");
    }
    // A new version at least 40%: it applies at once; the old version is kept.
    let v2 = app
        .post(
            "/api/reporting/rules",
            rule_body(year, 4000, "gte"),
            &operator.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(v2.body["rule"]["version"], 2);
    let id = v2.body["id"].as_i64().expect("id");
    let got = app
        .get(&format!("/api/reporting/rules/{id}"), &buyer.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(got.body["checkpoints"][0]["completion_bp"], 5000);
    let all = app
        .get(
            &format!("/api/reporting/rules?jurisdiction_code=440300&year={year}"),
            &operator.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(all.body.as_array().expect("a").len(), 2);
    app.post(
        &format!("/api/procurement/units/{unit}/filings"),
        filing(year, 10_000_000, 3999),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let ok = app
        .post(
            &format!("/api/procurement/units/{unit}/filings"),
            filing(year, 10_000_000, 4000),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(ok.body["reserved_fen"], 4_000_000);
    // A district follows its city's rule (440304 has none of its own).
    let r = bangfu::reporting::rules::in_force(app.db(), "440304", year)
        .await
        .expect("rule")
        .expect("found");
    assert_eq!((r.jurisdiction_code.as_str(), r.version), ("440300", 2));
    app.get("/api/reporting/rules/999999", &buyer.bearer())
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_completed_order_enters_the_ledger_once_and_a_red_invoice_reverses_it() {
    let app = TestApp::spawn_without_history().await;
    let buyer = app.login("buyer").await;
    let unit = buyer.org_with("buyer");
    let sku = skus(&app, 1).await.remove(0);
    let supplier = seller_of(&app, &sku).await;
    let done = run_order(&app, &buyer, &supplier, &sku, 7, 1, true).await;
    let facts = facts_of(&app, done.id).await;
    assert_eq!(facts.len(), 1);
    let f = &facts[0];
    assert_eq!(f.total_fen, done.payable);
    assert_eq!(f.source_id, done.line);
    assert_eq!(f.unit_org_id, unit);
    assert_eq!(f.year, Utc::now().year());
    assert_eq!(f.channel, bangfu::reporting::model::Channel::Institutional);
    assert!(f.county_code.len() == 6, "origin county frozen: {f:?}");
    let (assist, total) = summary_total(&app, unit).await;
    assert_eq!(total, done.payable);
    assert_eq!(assist, f.assistance_fen);
    // Idempotent: a second recording and a backfill write nothing.
    let txn = bangfu::db::begin_write(app.db()).await.expect("txn");
    assert_eq!(
        ledger::record_completion(&txn, done.id)
            .await
            .expect("again"),
        0
    );
    txn.commit().await.expect("commit");
    assert_eq!(ledger::backfill(app.db()).await.expect("backfill"), 0);
    // Facts are insert-only.
    assert!(
        share_facts::Entity::update_many()
            .col_expr(share_facts::Column::TotalFen, Expr::value(1))
            .exec(app.db())
            .await
            .is_err()
    );
    // A red invoice after completion reverses the line; a new blue one restores it once.
    app.post(&format!("/api/procurement/orders/{}/invoices", done.id), json!({"manual": {"number": "26449999990000000001", "issue_date": "2026-12-20", "reverses": done.invoice_no, "lines": [{"line_id": done.line, "amount_fen": -done.payable, "tax_rate": "免税", "tax_fen": 0}]}}), &supplier.bearer())
        .await
        .expect(StatusCode::OK);
    let facts = facts_of(&app, done.id).await;
    assert_eq!(facts.len(), 2);
    assert_eq!(facts[1].total_fen, -done.payable);
    assert_eq!(
        facts[1].source,
        bangfu::reporting::model::FactSource::RedInvoice
    );
    assert_eq!(summary_total(&app, unit).await.1, 0);
    for number in ["26449999990000000002", "26449999990000000003"] {
        app.post(&format!("/api/procurement/orders/{}/invoices", done.id), json!({"manual": {"number": number, "issue_date": "2026-12-21", "lines": [{"line_id": done.line, "amount_fen": done.payable, "tax_rate": "免税", "tax_fen": 0}]}}), &supplier.bearer())
            .await
            .expect(StatusCode::OK);
    }
    assert_eq!(summary_total(&app, unit).await.1, done.payable);
    assert!(
        ledger::recompute(app.db(), Utc::now())
            .await
            .expect("recompute")
            .is_empty()
    );
}

#[tokio::test]
async fn backfill_dates_old_completions_by_their_evaluation_in_shanghai_time() {
    let app = TestApp::spawn_without_history().await;
    let buyer = app.login("buyer").await;
    let unit = buyer.org_with("buyer");
    let sku = skus(&app, 1).await.remove(0);
    let supplier = seller_of(&app, &sku).await;
    let paid = run_order(&app, &buyer, &supplier, &sku, 3, 2, false).await;
    // Evaluated "last year" at 16:30 UTC on 31 December: 1 January in Shanghai.
    let year = this_year();
    let at = Utc
        .with_ymd_and_hms(year - 2, 12, 31, 16, 30, 0)
        .single()
        .expect("time");
    order_evaluations::ActiveModel {
        order_id: Set(paid.id),
        quality: Set(4),
        delivery: Set(4),
        service: Set(4),
        comment: Set(None),
        evaluated_by: Set(buyer.user_id),
        created_at: Set(at),
    }
    .insert(app.db())
    .await
    .expect("evaluation");
    assert!(facts_of(&app, paid.id).await.is_empty());
    assert_eq!(ledger::backfill(app.db()).await.expect("backfill"), 1);
    let f = facts_of(&app, paid.id).await.remove(0);
    assert_eq!((f.year, f.month), (year - 1, 1));
    assert_eq!(f.total_fen, paid.payable);
    assert_eq!(ledger::backfill(app.db()).await.expect("again"), 0);
    assert_eq!(summary_total(&app, unit).await.1, paid.payable);
}

#[tokio::test]
async fn off_platform_declarations_count_once_verified_by_the_supervisor() {
    let app = TestApp::spawn_without_history().await;
    let buyer = app.login("buyer").await;
    let supervisor = app.login("unit02_admin").await;
    let outsider = app.login("unit03_buyer").await;
    let supplier = app.login("supplier").await;
    let unit = buyer.org_with("buyer");
    let dept = supervisor.org_with("unit_admin");
    organizations::Entity::update_many()
        .col_expr(organizations::Column::ParentId, Expr::value(Some(dept)))
        .filter(organizations::Column::Id.eq(unit))
        .exec(app.db())
        .await
        .expect("parent");
    let today = bangfu::time::business_date(Utc::now());
    let body = json!({"purchase_date": today, "seller_name": "百色市农贸批发市场", "amount_fen": 1_234_567, "assistance": true, "origin_county_code": "451024", "description": "芒果 500 斤"});
    let mut missing = body.clone();
    missing["origin_county_code"] = Value::Null;
    missing["amount_fen"] = json!(0);
    let refused = app
        .post(
            &format!("/api/procurement/units/{unit}/offplatform"),
            missing,
            &buyer.bearer(),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(refused.text.contains("origin_county_code") && refused.text.contains("amount_fen"));
    for who in [&outsider, &supplier] {
        app.post(
            &format!("/api/procurement/units/{unit}/offplatform"),
            body.clone(),
            &who.bearer(),
        )
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
        app.get(
            &format!("/api/procurement/units/{unit}/offplatform"),
            &who.bearer(),
        )
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    }
    let d = app
        .post(
            &format!("/api/procurement/units/{unit}/offplatform"),
            body,
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(d.body["status"], "declared");
    let id = d.body["id"].as_i64().expect("id");
    let listed = app
        .get(
            &format!("/api/procurement/supervisors/{dept}/offplatform"),
            &supervisor.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(listed.body[0]["id"], json!(id));
    app.get(
        &format!("/api/procurement/supervisors/{dept}/offplatform"),
        &outsider.bearer(),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    // The unit cannot verify its own; an outsider sees nothing; a rejection needs a reason.
    app.post(
        &format!("/api/procurement/offplatform/{id}/verify"),
        json!({}),
        &buyer.bearer(),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "forbidden");
    app.post(
        &format!("/api/procurement/offplatform/{id}/verify"),
        json!({}),
        &outsider.bearer(),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.post(
        &format!("/api/procurement/offplatform/{id}/reject"),
        json!({"reason": ""}),
        &supervisor.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(summary_total(&app, unit).await, (0, 0));
    let v = app
        .post(
            &format!("/api/procurement/offplatform/{id}/verify"),
            json!({}),
            &supervisor.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(v.body["status"], "verified");
    app.post(
        &format!("/api/procurement/offplatform/{id}/reject"),
        json!({"reason": "凭证不清"}),
        &supervisor.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "invalid_state");
    assert_eq!(summary_total(&app, unit).await, (1_234_567, 1_234_567));
    let f = share_facts::Entity::find()
        .filter(share_facts::Column::Source.eq(bangfu::reporting::model::FactSource::Offplatform))
        .one(app.db())
        .await
        .expect("f")
        .expect("fact");
    assert_eq!(f.channel, bangfu::reporting::model::Channel::Offplatform);
    assert_eq!(f.county_code, "451024");
}

#[tokio::test]
async fn figures_are_exact_and_every_report_checks_who_asks() {
    let app = TestApp::spawn_without_history().await;
    let buyer = app.login("buyer").await;
    let supervisor = app.login("unit02_admin").await;
    let other = app.login("unit03_buyer").await;
    let regulator = app.login("regulator").await;
    let operator = app.login("operator").await;
    let officer = app.login("district01").await; // 福田区
    let unit = buyer.org_with("buyer");
    let dept = supervisor.org_with("unit_admin");
    organizations::Entity::update_many()
        .col_expr(organizations::Column::ParentId, Expr::value(Some(dept)))
        .filter(organizations::Column::Id.eq(unit))
        .exec(app.db())
        .await
        .expect("parent");
    let year = this_year();
    // Filed 100,000.00 at 30.01%: reserved 30,010.00, approved.
    let f = app
        .post(
            &format!("/api/procurement/units/{unit}/filings"),
            filing(year, 10_000_000, 3001),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let fid = f.body["id"].as_i64().expect("id");
    app.post(
        &format!("/api/procurement/filings/{fid}/approve"),
        json!({}),
        &supervisor.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    let sku = skus(&app, 1).await.remove(0);
    let supplier = seller_of(&app, &sku).await;
    let done = run_order(&app, &buyer, &supplier, &sku, 5, 3, true).await;
    let pending = run_order(&app, &buyer, &supplier, &sku, 2, 4, false).await;
    let r = app
        .get(
            &format!("/api/reporting/units/{unit}?year={year}"),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let fig = &r.body["unit"]["figures"];
    let counted = facts_of(&app, done.id).await[0].assistance_fen;
    assert_eq!(fig["reserved_fen"], 3_001_000);
    assert_eq!(fig["completed_fen"], json!(counted));
    assert_eq!(fig["pending_fen"], json!(pending.payable));
    assert_eq!(fig["denominator_fen"], 10_000_000);
    let expected_cp = (i128::from(counted) * 10_000 * 2 + 3_001_000) / (2 * 3_001_000);
    assert_eq!(
        fig["completion_cp"],
        json!(i64::try_from(expected_cp).expect("cp"))
    );
    assert_eq!(fig["gap_fen"], json!((3_001_000 - counted).max(0)));
    assert_eq!(r.body["rule"]["comparison"], "gt");
    assert_eq!(r.body["unit"]["rank"], 1, "the only unit that filed");
    let month = usize::try_from(bangfu::time::business_date(Utc::now()).month() - 1).expect("m");
    assert_eq!(r.body["months"][month]["completed_fen"], json!(counted));
    assert_eq!(r.body["months"][11]["pace_fen"], 3_001_000);
    assert!(!r.body["origins"].as_array().expect("o").is_empty() || counted == 0);
    // Who may read: the unit, its supervisor, its district's officer, regulator, operator.
    for who in [&supervisor, &regulator, &operator, &officer] {
        app.get(&format!("/api/reporting/units/{unit}"), &who.bearer())
            .await
            .expect(StatusCode::OK);
    }
    for who in [&other, &supplier] {
        app.get(&format!("/api/reporting/units/{unit}"), &who.bearer())
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found");
    }
    let district02 = app.login("district02").await; // 南山区
    app.get(
        &format!("/api/reporting/units/{unit}"),
        &district02.bearer(),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    // The city report: regulator and operator only.
    let city = app
        .get(
            &format!("/api/reporting/city?year={year}"),
            &regulator.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let units = city.body["units"].as_array().expect("units");
    assert!(units.len() >= 20, "every Shenzhen unit is listed");
    assert_eq!(units[0]["unit_org_id"], json!(unit));
    assert_eq!(city.body["totals"]["completed_fen"], json!(counted));
    assert_eq!(city.body["totals"]["filed"], 1);
    let behind = app
        .get(
            &format!("/api/reporting/city?year={year}&status=not_filed"),
            &operator.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        behind.body["units"].as_array().expect("u").len(),
        units.len() - 1
    );
    for who in [&buyer, &supervisor, &officer, &supplier] {
        app.get("/api/reporting/city", &who.bearer())
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found");
        app.get("/api/reporting/where", &who.bearer())
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found");
    }
    let wh = app
        .get(
            &format!("/api/reporting/where?year={year}"),
            &regulator.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(wh.body["total_fen"], json!(counted));
    // Department: its admin (and regulators); not another unit.
    let d = app
        .get(
            &format!("/api/reporting/departments/{dept}"),
            &supervisor.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(d.body["units"][0]["unit_org_id"], json!(unit));
    assert_eq!(d.body["totals"]["units"], 1);
    for who in [&buyer, &other, &officer] {
        app.get(&format!("/api/reporting/departments/{dept}"), &who.bearer())
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found");
    }
    // District: its officer; not another district's.
    let dist = app
        .get("/api/reporting/districts/440304", &officer.bearer())
        .await
        .expect(StatusCode::OK);
    assert!(
        dist.body["units"]
            .as_array()
            .expect("u")
            .iter()
            .any(|u| u["unit_org_id"] == json!(unit))
    );
    for who in [&district02, &buyer, &supervisor] {
        app.get("/api/reporting/districts/440304", &who.bearer())
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found");
    }
    app.get("/api/reporting/units/999999", &operator.bearer())
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    // The drill-down behind the figures: the same readers.
    let facts = app
        .get(
            &format!("/api/reporting/units/{unit}/facts?year={year}"),
            &supervisor.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(facts.body[0]["order_id"], json!(done.id));
    assert_eq!(facts.body[0]["assistance_fen"], json!(counted));
    for who in [&other, &supplier, &district02] {
        app.get(&format!("/api/reporting/units/{unit}/facts"), &who.bearer())
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found");
    }
    // The city report as XLSX: regulators only; the unit first, its amounts in yuan.
    let xlsx = |token: String| {
        let router = app.router.clone();
        async move {
            use http_body_util::BodyExt;
            use tower::ServiceExt;
            let resp = router
                .oneshot(
                    axum::http::Request::get(format!("/api/reporting/city.xlsx?year={year}"))
                        .header("authorization", format!("Bearer {token}"))
                        .body(axum::body::Body::empty())
                        .expect("req"),
                )
                .await
                .expect("resp");
            let status = resp.status();
            (
                status,
                resp.into_body().collect().await.expect("body").to_bytes(),
            )
        }
    };
    assert_eq!(xlsx(buyer.token.clone()).await.0, StatusCode::NOT_FOUND);
    let (status, bytes) = xlsx(regulator.token.clone()).await;
    assert_eq!(status, StatusCode::OK);
    use calamine::Reader;
    let mut book =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let sheet = book.worksheet_range_at(0).expect("sheet").expect("range");
    assert_eq!(sheet.rows().count(), units.len() + 1);
    let first: Vec<String> = sheet
        .rows()
        .nth(1)
        .expect("row")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(first[0], "1");
    assert!(first[2].contains("福田区机关事务服务中心"), "{first:?}");
    assert_eq!(first[9], "30010.00");
    assert_eq!(first[10], "超过30.00%");
    assert_eq!(first[11], format!("{}.{:02}", counted / 100, counted % 100));
}

/// A small deterministic generator (the tests must replay).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[tokio::test]
async fn random_histories_keep_summaries_equal_to_the_facts_and_the_job_repairs_drift() {
    let app = TestApp::spawn_without_history().await;
    let units = [
        app.login("buyer").await,
        app.login("unit02_buyer").await,
        app.login("unit05_buyer").await,
    ];
    let all = skus(&app, 4).await;
    let mut sellers = Vec::new();
    for s in &all {
        sellers.push(seller_of(&app, s).await);
    }
    let seed = std::env::var("BANGFU_PROPTEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_203);
    let mut rng = Lcg(seed);
    let mut completed = Vec::new();
    for n in 0..10_u32 {
        let u = &units[usize::try_from(rng.next(3)).expect("u")];
        let k = usize::try_from(rng.next(4)).expect("k");
        let qty = i64::try_from(rng.next(20) + 1).expect("q");
        let evaluate = rng.next(4) != 0;
        let d = run_order(&app, u, &sellers[k], &all[k], qty, 100 + n, evaluate).await;
        if evaluate {
            completed.push((d, k));
        } else if rng.next(2) == 0 {
            // Evaluated later, out of order with the others.
            app.post(
                &format!("/api/procurement/orders/{}/evaluation", d.id),
                json!({"quality": 3, "delivery": 3, "service": 3}),
                &u.bearer(),
            )
            .await
            .expect(StatusCode::OK);
            completed.push((d, k));
        }
        // Now and then a red invoice reverses an earlier completed order.
        if rng.next(3) == 0 && !completed.is_empty() {
            let i = usize::try_from(rng.next(completed.len() as u64)).expect("i");
            let (d, k) = completed.remove(i);
            app.post(&format!("/api/procurement/orders/{}/invoices", d.id), json!({"manual": {"number": format!("2645{:016}", 1000 + n), "issue_date": "2026-12-20", "reverses": d.invoice_no, "lines": [{"line_id": d.line, "amount_fen": -d.payable, "tax_rate": "免税", "tax_fen": 0}]}}), &sellers[k].bearer())
                .await
                .expect(StatusCode::OK);
        }
    }
    let expected = ledger::from_facts(app.db()).await.expect("facts");
    let stored = ledger::stored(app.db()).await.expect("stored");
    assert!(
        ledger::differences(&stored, &expected).is_empty(),
        "seed {seed}"
    );
    let net: i64 = completed.iter().map(|(d, _)| d.payable).sum();
    let total: i64 = stored.values().map(|s| s.total_fen).sum();
    assert_eq!(total, net, "seed {seed}: completed minus reversed");
    // Drift a summary row behind the ledger's back: the job finds, reports and repairs it.
    if let Some(row) = share_summaries::Entity::find()
        .one(app.db())
        .await
        .expect("row")
    {
        share_summaries::Entity::update_many()
            .col_expr(
                share_summaries::Column::TotalFen,
                Expr::value(row.total_fen + 1),
            )
            .filter(share_summaries::Column::UnitOrgId.eq(row.unit_org_id))
            .filter(share_summaries::Column::Month.eq(row.month))
            .filter(share_summaries::Column::CountyCode.eq(row.county_code.clone()))
            .exec(app.db())
            .await
            .expect("drift");
        bangfu::worker::enqueue(
            app.db(),
            bangfu::reporting::RECOMPUTE_JOB,
            Slot { slot: 1 },
            JobOptions::default(),
        )
        .await
        .expect("enqueue");
        Worker::new(app.state.clone()).drain().await.expect("drain");
        let notices = notifications::Entity::find()
            .filter(
                notifications::Column::Kind
                    .eq(bangfu::suppliers::model::NotificationKind::LedgerMismatch),
            )
            .all(app.db())
            .await
            .expect("notices");
        assert!(!notices.is_empty(), "operators are told");
        assert!(
            ledger::recompute(app.db(), Utc::now())
                .await
                .expect("again")
                .is_empty(),
            "repaired"
        );
    }
}

#[tokio::test]
async fn published_reports_stay_as_published_and_pace_alerts_come_once() {
    let app = TestApp::spawn_without_history().await;
    let buyer = app.login("buyer").await;
    let operator = app.login("operator").await;
    let regulator = app.login("regulator").await;
    let unit = buyer.org_with("buyer");
    let year = this_year();
    let f = app
        .post(
            &format!("/api/procurement/units/{unit}/filings"),
            filing(year, 10_000_000, 3001),
            &buyer.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    let fid = f.body["id"].as_i64().expect("id");
    app.post(
        &format!("/api/procurement/filings/{fid}/approve"),
        json!({}),
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::OK);
    // Pace: nothing completed by mid-October misses the June (30%) and September (50%)
    // checkpoints; each alert comes once, to the unit.
    let october = chrono::NaiveDate::from_ymd_opt(year, 10, 15).expect("date");
    assert_eq!(
        bangfu::reporting::service::check_pace(app.db(), october)
            .await
            .expect("pace"),
        2
    );
    assert_eq!(
        bangfu::reporting::service::check_pace(app.db(), october)
            .await
            .expect("again"),
        0
    );
    let alerts = notifications::Entity::find()
        .filter(notifications::Column::OrgId.eq(unit))
        .filter(
            notifications::Column::Kind.eq(bangfu::suppliers::model::NotificationKind::PaceAlert),
        )
        .all(app.db())
        .await
        .expect("alerts");
    assert_eq!(alerts.len(), 2);
    assert!(alerts[0].body.contains("¥30010.00"), "{}", alerts[0].body);
    // Publishing: regulators only; the snapshot names its rule version and hash.
    let body = json!({"year": year, "title": format!("{year}年预留份额完成情况通报"), "period_end": format!("{year}-09-30")});
    app.post("/api/reporting/reports", body.clone(), &buyer.bearer())
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    let published = app
        .post("/api/reporting/reports", body, &regulator.bearer())
        .await
        .expect(StatusCode::CREATED);
    let id = published.body["id"].as_i64().expect("id");
    let hash = published.body["content_hash"]
        .as_str()
        .expect("hash")
        .to_owned();
    assert_eq!(hash.len(), 64);
    assert_eq!(published.body["intact"], true);
    assert_eq!(published.body["report"]["rule"]["comparison"], "gt");
    assert_eq!(
        published.body["report"]["units"][0]["unit_org_id"],
        json!(unit)
    );
    // A new rule version changes current figures, never the published ones.
    app.post(
        "/api/reporting/rules",
        rule_body(year, 4000, "gte"),
        &operator.bearer(),
    )
    .await
    .expect(StatusCode::CREATED);
    let city = app
        .get(
            &format!("/api/reporting/city?year={year}"),
            &regulator.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(city.body["rule"]["version"], 2);
    let again = app
        .get(&format!("/api/reporting/reports/{id}"), &regulator.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(again.body["content_hash"], json!(hash));
    assert_eq!(again.body["intact"], true);
    assert_eq!(again.body["report"]["rule"]["version"], 1);
    assert_eq!(again.body["report"]["rule"]["target_bp"], 3000);
    assert!(
        bangfu::entities::share_reports::Entity::update_many()
            .col_expr(
                bangfu::entities::share_reports::Column::Title,
                Expr::value("改过")
            )
            .exec(app.db())
            .await
            .is_err(),
        "published reports cannot be edited"
    );
    let list = app
        .get("/api/reporting/reports", &operator.bearer())
        .await
        .expect(StatusCode::OK);
    assert_eq!(list.body[0]["id"], json!(id));
    assert!(list.body[0]["report"].is_null());
    app.get(&format!("/api/reporting/reports/{id}"), &buyer.bearer())
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
}
