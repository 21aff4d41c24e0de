//! The member roster: import with a dry-run report, one-transaction writes, members who left,
//! XLSX, 100,000 rows, and membership verification.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{Auth, TestApp};

async fn run_import(
    app: &TestApp,
    auth: &Auth,
    union: i64,
    file: &[u8],
    name: &str,
    dry_run: bool,
) -> serde_json::Value {
    let started = app
        .multipart(
            &format!("/api/unions/{union}/roster/imports"),
            &[("dry_run", if dry_run { "true" } else { "false" })],
            Some(("file", name, file)),
            auth,
        )
        .await
        .expect(StatusCode::ACCEPTED);
    let id = started.body["id"].as_i64().expect("id");
    bangfu::worker::Worker::new(app.state.clone())
        .drain()
        .await
        .expect("drain");
    app.get(&format!("/api/roster-imports/{id}"), auth)
        .await
        .expect(StatusCode::OK)
        .body
}

async fn roster_count(app: &TestApp, union: i64, status: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    app.db()
        .query_one_raw(Statement::from_string(
            app.db().get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM member_roster WHERE union_org_id = {union} AND status = '{status}'"),
        ))
        .await
        .expect("q")
        .expect("row")
        .try_get::<i64>("", "n")
        .expect("n")
}

#[tokio::test]
async fn dry_run_reports_every_bad_row_and_writes_nothing_then_import_writes_the_valid_ones() {
    let app = TestApp::spawn().await;
    let admin = app.login("union_admin").await;
    let union = admin.org_with("union_admin");
    let csv = "会员号,姓名,手机号,工作单位,人群\n\
               C0001,周一,13600000001,深圳市某局,new_member\n\
               C0002,,13600000002,深圳市某局,\n\
               C0001,吴二,13600000003,深圳市某局,\n\
               C0004,郑三,1360000,深圳市某局,\n\
               C0005,王四,13600000005,,\n\
               C0006,冯五,13600000006,某医院,\n";
    let before = roster_count(&app, union, "active").await;
    let report = run_import(
        &app,
        &admin.bearer(),
        union,
        csv.as_bytes(),
        "members.csv",
        true,
    )
    .await;
    assert_eq!(report["status"], "done");
    assert_eq!(report["total_rows"], 6);
    assert_eq!(report["valid_rows"], 2);
    assert_eq!(report["error_rows"], 4);
    let errors: Vec<(i64, String)> = report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().expect("l"),
                e["field"].as_str().expect("f").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (3, "name".into()),
            (4, "member_no".into()),
            (5, "phone".into()),
            (6, "work_unit".into())
        ]
    );
    assert_eq!(
        roster_count(&app, union, "active").await,
        before,
        "a dry run writes nothing"
    );
    let done = run_import(
        &app,
        &admin.bearer(),
        union,
        csv.as_bytes(),
        "members.csv",
        false,
    )
    .await;
    assert_eq!(done["inserted"], 2);
    assert_eq!(
        roster_count(&app, union, "active").await,
        2,
        "the city union had no roster; the two valid rows are in"
    );
    let page = app
        .get(&format!("/api/unions/{union}/roster"), &admin.bearer())
        .await
        .expect(StatusCode::OK);
    assert!(
        !page.text.contains("13600000001") && page.text.contains("136****0001"),
        "phones masked"
    );
    assert!(!page.text.contains("周一"), "names masked");
    // A new file without C0006: that member has left.
    let next = "会员号,姓名,手机号,工作单位\nC0001,周一,13600000001,深圳市某局\n";
    let done = run_import(
        &app,
        &admin.bearer(),
        union,
        next.as_bytes(),
        "members.csv",
        false,
    )
    .await;
    assert_eq!(done["updated"], 1);
    assert_eq!(done["left_members"], 1);
    assert_eq!(roster_count(&app, union, "left").await, 1);
    // A file that is not a roster fails cleanly.
    let bad = run_import(
        &app,
        &admin.bearer(),
        union,
        b"name,phone\nx,y\n",
        "x.csv",
        true,
    )
    .await;
    assert_eq!(bad["status"], "failed");
}

#[tokio::test]
async fn xlsx_rosters_import_too() {
    let app = TestApp::spawn().await;
    let admin = app.login("union_admin").await;
    let union = admin.org_with("union_admin");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["会员号", "姓名", "手机号", "工作单位"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    for i in 1..=20u32 {
        sheet.write_string(i, 0, format!("X{i:04}")).expect("no");
        sheet.write_string(i, 1, format!("成员{i}")).expect("name");
        sheet
            .write_number(i, 2, 13_500_000_000.0 + f64::from(i))
            .expect("phone");
        sheet.write_string(i, 3, "深圳市某学校").expect("unit");
    }
    let bytes = book.save_to_buffer().expect("xlsx");
    let done = run_import(&app, &admin.bearer(), union, &bytes, "members.xlsx", false).await;
    assert_eq!(done["valid_rows"], 20, "{done}");
    assert_eq!(roster_count(&app, union, "active").await, 20);
}

#[tokio::test]
async fn a_hundred_thousand_rows() {
    let app = TestApp::spawn().await;
    let admin = app.login("union_admin").await;
    let union = admin.org_with("union_admin");
    let mut csv = String::from("会员号,姓名,手机号,工作单位,人群\n");
    for i in 0..100_000u64 {
        csv.push_str(&format!(
            "H{i:07},会员{i},{},深圳市单位{},{}\n",
            15_000_000_000u64 + i,
            i % 500,
            if i % 7 == 0 { "new_member" } else { "" }
        ));
    }
    let done = run_import(
        &app,
        &admin.bearer(),
        union,
        csv.as_bytes(),
        "big.csv",
        false,
    )
    .await;
    assert_eq!(done["status"], "done");
    assert_eq!(done["inserted"], 100_000);
    assert_eq!(done["processed_rows"], 100_000);
    assert_eq!(roster_count(&app, union, "active").await, 100_000);
}

#[tokio::test]
async fn members_verify_with_member_number_and_phone() {
    let app = TestApp::spawn().await;
    // A user without any membership yet: created by the unit admin as staff, then activated.
    let unit_admin = app.login("unit_admin").await;
    let unit = unit_admin.org_with("unit_admin");
    let added = app
        .post(
            &format!("/api/orgs/{unit}/members"),
            json!({"display_name": "新会员", "username": "newbie", "role": "buyer"}),
            &unit_admin.bearer(),
        )
        .await
        .expect(StatusCode::CREATED);
    app.post(
        "/api/auth/activate",
        json!({"token": added.body["invitation_token"], "password": "newbie-pass-1"}),
        &Auth::None,
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    let s = app.login_with("newbie", "newbie-pass-1").await;
    // Roster entry NS000002 of 南山区总工会 (demo data): phone 13901000002.
    app.post(
        "/api/me/membership",
        json!({"member_no": "NS000002", "phone": "13901000003"}),
        &s.bearer(),
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let m = app
        .post(
            "/api/me/membership",
            json!({"member_no": "NS000002", "phone": "13901000002"}),
            &s.bearer(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(m.body["union_name"], "南山区总工会（演示）");
    let me = app.get("/api/me", &s.bearer()).await.expect(StatusCode::OK);
    assert!(
        me.body["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .any(|r| r["role"] == "member")
    );
    // The demo member's own entry belongs to them: nobody else can take it.
    app.post(
        "/api/me/membership",
        json!({"member_no": "FT000001", "phone": "13900000001"}),
        &s.bearer(),
    )
    .await
    .expect_error(StatusCode::CONFLICT, "membership_taken");
    // Other unions' admins and members cannot see or import the roster.
    let member = app.login("member").await;
    let union = app.login("union_admin").await.org_with("union_admin");
    app.get(&format!("/api/unions/{union}/roster"), &member.bearer())
        .await
        .expect(StatusCode::FORBIDDEN);
    app.multipart(
        &format!("/api/unions/{union}/roster/imports"),
        &[],
        Some(("file", "x.csv", b"a")),
        &member.bearer(),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
}

/// A zip whose one sheet inflates from about 1 MB to 1 GB.
fn xlsx_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(true);
    zip.start_file("[Content_Types].xml", options)
        .expect("entry");
    zip.write_all(b"<?xml version=\"1.0\"?><Types/>")
        .expect("write");
    zip.start_file("xl/worksheets/sheet1.xml", options)
        .expect("entry");
    let chunk = vec![b' '; 1024 * 1024];
    for _ in 0..1024 {
        zip.write_all(&chunk).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

#[tokio::test]
async fn xlsx_bombs_are_refused_at_upload() {
    let app = TestApp::spawn().await;
    let admin = app.login("union_admin").await;
    let union = admin.org_with("union_admin");
    let bomb = xlsx_bomb();
    assert!(bomb.len() < 2 * 1024 * 1024, "{} bytes", bomb.len());
    let imports = app.count("roster_imports").await;
    let started = std::time::Instant::now();
    let r = app
        .multipart(
            &format!("/api/unions/{union}/roster/imports"),
            &[("dry_run", "true")],
            Some(("file", "bomb.xlsx", &bomb)),
            &admin.bearer(),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.body["error"]["details"]["fields"]["file"][0]["code"], "roster_too_large",
        "{}",
        r.text
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(app.count("roster_imports").await, imports, "nothing queued");

    // Two cells far apart: a dense sheet of billions of cells if read as one range.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["会员号", "姓名", "手机号", "工作单位"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    sheet.write_string(1_048_575, 16_383, "far").expect("far");
    sheet.write_string(1_048_575, 3, "far").expect("far");
    let sparse = book.save_to_buffer().expect("xlsx");
    let r = app
        .multipart(
            &format!("/api/unions/{union}/roster/imports"),
            &[("dry_run", "true")],
            Some(("file", "sparse.xlsx", &sparse)),
            &admin.bearer(),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.body["error"]["details"]["fields"]["file"][0]["code"], "roster_too_large",
        "{}",
        r.text
    );
    assert_eq!(app.count("roster_imports").await, imports, "nothing queued");
}
