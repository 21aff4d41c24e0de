//! Back-office tables: search and filters, and their XLSX exports read back with calamine
//! (who may export what; personal data masked as in the lists).

use axum::http::StatusCode;
use serde_json::json;

use crate::commerce::{buy, members};
use crate::helpers::{Auth, TestApp};

/// GET `path` with a bearer token: the status and, for a 200, the sheet's rows as text.
async fn xlsx(app: &TestApp, path: &str, token: &str) -> (StatusCode, Vec<Vec<String>>) {
    use calamine::Reader;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let resp = app
        .router
        .clone()
        .oneshot(
            axum::http::Request::get(path)
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .expect("req"),
        )
        .await
        .expect("resp");
    let status = resp.status();
    let kind = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    if status != StatusCode::OK {
        return (status, Vec::new());
    }
    assert_eq!(kind, bangfu::export::XLSX);
    let mut book =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let sheet = book.worksheet_range_at(0).expect("sheet").expect("range");
    let rows = sheet
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    (status, rows)
}

fn column(rows: &[Vec<String>], header_starts: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| h.starts_with(header_starts))
        .unwrap_or_else(|| panic!("no column {header_starts} in {:?}", rows[0]))
}

#[tokio::test]
async fn supplier_orders_and_refunds_search_filter_and_export_with_phones_masked() {
    let app = TestApp::spawn().await;
    let m = members(&app, 1).await;
    let auth = Auth::Bearer(m[0].1.clone());
    // 百色芒果 (sku 9) from supplier05, paid; 赣南脐橙 (sku 15) from another supplier.
    let r = buy(&app, &auth, &[(9, 2), (15, 1)], None)
        .await
        .expect(StatusCode::CREATED);
    let mango = r.body["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .find(|o| o["lines"][0]["sku_id"] == 9)
        .expect("mango order")
        .clone();
    let order_no = mango["order_no"].as_str().expect("no").to_owned();
    app.post(
        &format!("/api/payments/{}/test-complete", r.body["payment"]["id"]),
        json!({}),
        &auth,
    )
    .await
    .expect(StatusCode::OK);
    let supplier = app.login("supplier05").await;
    let org = supplier.org_with("supplier_admin");

    // Search: by product name and by order number; the other supplier's orange is not here.
    let found = app
        .get(
            &format!("/api/suppliers/{org}/orders?q=%E8%8A%92%E6%9E%9C"), // 芒果
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert!(
        found.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|o| o["order_no"] == order_no.as_str())
    );
    let by_no = app
        .get(
            &format!("/api/suppliers/{org}/orders?q={}", &order_no[2..]),
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(by_no.body["items"].as_array().expect("items").len(), 1);
    let none = app
        .get(
            &format!("/api/suppliers/{org}/orders?q=%E8%84%90%E6%A9%99"), // 脐橙
            &supplier.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert!(none.body["items"].as_array().expect("items").is_empty());
    app.get(
        &format!("/api/suppliers/{org}/orders?q={}", "x".repeat(51)),
        &supplier.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // The export: the same filters, Chinese statuses, yuan amounts, the phone masked.
    let (status, rows) = xlsx(
        &app,
        &format!("/api/suppliers/{org}/orders.xlsx?status=paid"),
        &supplier.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let row = rows
        .iter()
        .find(|r| r[0] == order_no)
        .unwrap_or_else(|| panic!("order {order_no} in {rows:?}"));
    assert_eq!(row[column(&rows, "状态")], "已支付");
    assert_eq!(
        row[column(&rows, "商品金额")],
        format!("{}.00", 2 * 79),
        "{row:?}"
    );
    assert_eq!(row[column(&rows, "手机")], "139****0001");
    assert!(
        rows.iter().flatten().all(|c| !c.contains("13900000001")),
        "no full phone in the export"
    );
    assert!(row[column(&rows, "商品")].contains("百色芒果"));
    let (_, shipped) = xlsx(
        &app,
        &format!("/api/suppliers/{org}/orders.xlsx?status=shipped&q={order_no}"),
        &supplier.token,
    )
    .await;
    assert_eq!(shipped.len(), 1, "only the header: {shipped:?}");

    // A refund asked: the 退款/售后 filter finds the order, the refunds export lists it.
    let line = mango["lines"][0]["id"].as_i64().expect("line");
    app.post(
        &format!("/api/orders/{}/refunds", mango["id"]),
        json!({"lines": [{"line_id": line, "quantity": 1}], "reason": "质量问题", "photos": []}),
        &auth,
    )
    .await
    .expect(StatusCode::CREATED);
    let with_refunds = app
        .get("/api/me/orders?refunds=true", &auth)
        .await
        .expect(StatusCode::OK);
    let ids: Vec<i64> = with_refunds.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| o["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, vec![mango["id"].as_i64().expect("id")]);
    assert_eq!(with_refunds.body["items"][0]["refund_status"], "requested");
    let (status, rows) = xlsx(
        &app,
        &format!("/api/suppliers/{org}/refunds.xlsx"),
        &supplier.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let row = rows
        .iter()
        .find(|r| r[column(&rows, "订单号")] == order_no)
        .unwrap_or_else(|| panic!("refund of {order_no} in {rows:?}"));
    assert_eq!(row[column(&rows, "状态")], "待商家处理");
    assert_eq!(row[column(&rows, "原因")], "质量问题");
    assert!(row[column(&rows, "商品")].contains("百色芒果"), "{row:?}");
    assert!(row[column(&rows, "商品")].ends_with("× 1"), "{row:?}");

    // Another supplier: 404 (existence not leaked); a member, who holds no supplier role: 403.
    let other = app.login("supplier").await;
    for path in [
        format!("/api/suppliers/{org}/orders.xlsx"),
        format!("/api/suppliers/{org}/refunds.xlsx"),
    ] {
        assert_eq!(
            xlsx(&app, &path, &other.token).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(xlsx(&app, &path, &m[0].1).await.0, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn roster_audit_and_organisations_export_to_their_admins_only() {
    let app = TestApp::spawn().await;
    let union_admin = app.login("union_admin").await;
    let union = union_admin.org_with("union_admin");
    let operator = app.login("operator").await;

    // Roster: searched by work unit, filtered, exported masked (members() adds two to
    // 福田区总工会; operators act on every organisation).
    let people = members(&app, 2).await;
    let district = {
        let me = app
            .get("/api/me", &Auth::Bearer(people[0].1.clone()))
            .await
            .expect(StatusCode::OK);
        me.body["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .find(|r| r["role"] == "member")
            .and_then(|r| r["org"]["id"].as_i64())
            .expect("union")
    };
    let listed = app
        .get(
            &format!(
                "/api/unions/{district}/roster?q=%E6%B5%8B%E8%AF%95%E5%8D%95%E4%BD%8D&verified=true"
            ), // 测试单位
            &operator.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let n = listed.body["items"].as_array().expect("items").len();
    assert_eq!(n, 2, "{}", listed.body);
    let (status, rows) = xlsx(
        &app,
        &format!("/api/unions/{district}/roster.xlsx?q=%E6%B5%8B%E8%AF%95%E5%8D%95%E4%BD%8D&verified=true"),
        &operator.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows.len(), n + 1, "{rows:?}");
    let phone = column(&rows, "手机号");
    assert!(
        rows[1..].iter().all(|r| r[phone].contains("****")),
        "{rows:?}"
    );
    assert!(rows[1..].iter().all(|r| r[column(&rows, "已验证")] == "是"));
    let name = column(&rows, "姓名");
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[name] != "会员0" && r[name] != "会员1"),
        "names masked: {rows:?}"
    );
    let (_, left) = xlsx(
        &app,
        &format!(
            "/api/unions/{district}/roster.xlsx?q=%E6%B5%8B%E8%AF%95%E5%8D%95%E4%BD%8D&status=left"
        ),
        &operator.token,
    )
    .await;
    assert_eq!(left.len(), 1, "only the header: {left:?}");
    // The city union's own roster: its admin exports it; a supplier may not.
    let (status, rows) = xlsx(
        &app,
        &format!("/api/unions/{union}/roster.xlsx"),
        &union_admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!rows.is_empty());
    assert!(rows[0][0].starts_with("会员号"));
    // A supplier is refused the file as it is refused the list (a supplier holds no union role).
    let supplier = app.login("supplier").await;
    app.get(&format!("/api/unions/{union}/roster"), &supplier.bearer())
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(
        xlsx(
            &app,
            &format!("/api/unions/{union}/roster.xlsx"),
            &supplier.token
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    app.get(
        &format!("/api/unions/{union}/roster?q={}", "x".repeat(51)),
        &union_admin.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // Audit log: filtered by action, exported for operators only (a published campaign writes
    // entries to it).
    crate::commerce::drop_campaign(&app, 10, 1000, 0).await;
    let page = app
        .get("/api/audit?limit=200", &operator.bearer())
        .await
        .expect(StatusCode::OK);
    let action = page.body["items"][0]["action"]
        .as_str()
        .expect("an action in the demo log")
        .to_owned();
    let same = app
        .get(
            &format!("/api/audit?action={action}&limit=200"),
            &operator.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    let same = same.body["items"].as_array().expect("items").clone();
    assert!(!same.is_empty());
    assert!(same.iter().all(|e| e["action"] == action.as_str()));
    let (status, rows) = xlsx(
        &app,
        &format!("/api/audit.xlsx?action={action}"),
        &operator.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let act = column(&rows, "操作 Action");
    assert!(rows[1..].iter().all(|r| r[act] == action), "{rows:?}");
    if same.len() < 200 {
        assert_eq!(rows.len() - 1, same.len());
    } else {
        assert!(rows.len() > same.len());
    }
    let (_, future) = xlsx(&app, "/api/audit.xlsx?from=2099-01-01", &operator.token).await;
    assert_eq!(future.len(), 1, "only the header");
    assert_eq!(
        xlsx(&app, "/api/audit.xlsx", &union_admin.token).await.0,
        StatusCode::FORBIDDEN
    );

    // Organisations: filtered by kind and status; contact phones masked; operators only.
    let (status, rows) = xlsx(
        &app,
        "/api/orgs.xlsx?kind=supplier&status=active",
        &operator.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(rows.len() > 1);
    let kind = column(&rows, "机构类型");
    assert!(rows[1..].iter().all(|r| r[kind] == "供应商"), "{rows:?}");
    assert!(rows[1..].iter().all(|r| r[column(&rows, "状态")] == "正常"));
    let phone = column(&rows, "联系电话");
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[phone].is_empty() || r[phone].contains("****")),
        "{rows:?}"
    );
    let listed = app
        .get(
            "/api/orgs?kind=supplier&status=active&limit=200",
            &operator.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        rows.len() - 1,
        listed.body["items"].as_array().expect("items").len()
    );
    assert_eq!(
        xlsx(&app, "/api/orgs.xlsx", &supplier.token).await.0,
        StatusCode::FORBIDDEN
    );
}
