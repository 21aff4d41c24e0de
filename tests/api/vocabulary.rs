//! Stored vocabulary: the database allows exactly the words of the application's enums (CHECKs
//! on PostgreSQL, triggers on SQLite), and a word or document the application cannot read is
//! a 500 in the envelope, never a default.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use bangfu::entities::VOCABULARY;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};
use serde_json::json;

use crate::commerce::{buy, members};
use crate::helpers::{Auth, Backend, TestApp};

fn words_in(text: &str) -> BTreeSet<String> {
    text.split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

async fn rows(db: &DatabaseConnection, sql: String) -> Vec<sea_orm::QueryResult> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query")
}

/// A value for a NOT NULL column of this name and declared type that passes the tables' other
/// CHECKs (positive quantities and prices, a plausible year and month, tax-free totals that add
/// up); nothing is ever committed.
fn filler(backend: Backend, name: &str, data_type: &str) -> &'static str {
    let t = data_type.to_lowercase();
    if t.contains("int") {
        match name {
            // Not any seeded row's key.
            n if n == "id" || n.ends_with("_id") => "987654321",
            "year" => "2026",
            "total_tax_fen" | "tax_fen" | "total_without_tax_fen" | "total_fen" => "0",
            _ => "1",
        }
    } else if t.contains("bool") {
        if backend == Backend::Postgres {
            "false"
        } else {
            "0"
        }
    } else if t.contains("timestamp") {
        "'2026-01-01T00:00:00Z'"
    } else if t == "date" {
        "'2026-01-01'"
    } else if t.contains("json") {
        "'{}'"
    } else {
        "'vocabulary-test'"
    }
}

/// The NOT NULL columns without a default of `table`, with their declared types.
async fn required_columns(app: &TestApp, table: &str) -> Vec<(String, String)> {
    match app.backend {
        Backend::Postgres => rows(
            app.db(),
            format!(
                "SELECT column_name AS name, data_type AS type FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = '{table}' \
                   AND is_nullable = 'NO' AND column_default IS NULL ORDER BY ordinal_position"
            ),
        )
        .await
        .iter()
        .map(|r| {
            (
                r.try_get::<String>("", "name").expect("name"),
                r.try_get::<String>("", "type").expect("type"),
            )
        })
        .collect(),
        Backend::Sqlite => {
            let info = rows(app.db(), format!("PRAGMA table_info({table})")).await;
            let pk_columns = info
                .iter()
                .filter(|r| r.try_get::<i32>("", "pk").expect("pk") > 0)
                .count();
            info.iter()
                .filter(|r| {
                    let not_null = r.try_get::<i32>("", "notnull").expect("notnull") == 1;
                    let default = r.try_get::<Option<String>>("", "dflt_value").expect("dflt");
                    let pk = r.try_get::<i32>("", "pk").expect("pk");
                    let ty = r.try_get::<String>("", "type").expect("type");
                    // A lone `INTEGER PRIMARY KEY` is the rowid: it numbers itself.
                    let rowid = pk_columns == 1 && pk == 1 && ty.eq_ignore_ascii_case("integer");
                    (not_null || pk > 0) && default.is_none() && !rowid
                })
                .map(|r| {
                    (
                        r.try_get::<String>("", "name").expect("name"),
                        r.try_get::<String>("", "type").expect("type"),
                    )
                })
                .collect()
        }
    }
}

/// Inserts one row into `table` with `column = word` (other vocabulary columns get their first
/// word, other required columns a filler), foreign keys not enforced, and rolls it back.
async fn try_insert(
    app: &TestApp,
    table: &str,
    column: &str,
    word: &str,
) -> Result<(), sea_orm::DbErr> {
    let mut names = vec![column.to_owned()];
    let mut values = vec![format!("'{word}'")];
    for (name, ty) in required_columns(app, table).await {
        if name == column {
            continue;
        }
        let value = VOCABULARY
            .iter()
            .find(|v| v.table == table && v.column == name)
            .map_or_else(
                || filler(app.backend, &name, &ty).to_owned(),
                |v| format!("'{}'", v.words[0]),
            );
        names.push(name);
        values.push(value);
    }
    let txn = app.db().begin().await.expect("begin");
    let relax = match app.backend {
        Backend::Postgres => "SET LOCAL session_replication_role = replica",
        Backend::Sqlite => "PRAGMA defer_foreign_keys = ON",
    };
    txn.execute_unprepared(relax)
        .await
        .expect("relax foreign keys");
    let result = txn
        .execute_unprepared(&format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            values.join(", ")
        ))
        .await
        .map(|_| ());
    txn.rollback().await.expect("rollback");
    result
}

/// The words the database allows in `table.column`, read from its definition.
async fn allowed_words(app: &TestApp, table: &str, column: &str) -> Vec<BTreeSet<String>> {
    let name = format!("ck_{table}_{column}");
    match app.backend {
        Backend::Postgres => rows(
            app.db(),
            format!(
                "SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c \
                 JOIN pg_class t ON t.oid = c.conrelid \
                 WHERE c.conname = '{name}' AND t.relname = '{table}' AND c.contype = 'c'"
            ),
        )
        .await
        .iter()
        .map(|r| words_in(&r.try_get::<String>("", "def").expect("def")))
        .collect(),
        Backend::Sqlite => rows(
            app.db(),
            format!(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '{table}' \
                 AND name IN ('{name}_insert', '{name}_update') ORDER BY name"
            ),
        )
        .await
        .iter()
        .map(|r| {
            let sql = r.try_get::<String>("", "sql").expect("sql");
            let list = sql
                .split_once("NOT IN (")
                .and_then(|(_, rest)| rest.split_once(')'))
                .map_or("", |(list, _)| list);
            words_in(list)
        })
        .collect(),
    }
}

/// Every constraint (PostgreSQL) or trigger (SQLite) of the vocabulary's naming.
async fn vocabulary_guards(app: &TestApp) -> BTreeSet<String> {
    let sql = match app.backend {
        Backend::Postgres => {
            "SELECT conname AS name FROM pg_constraint WHERE contype = 'c' AND conname LIKE 'ck\\_%'"
        }
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ck\\_%' ESCAPE '\\'"
        }
    };
    rows(app.db(), sql.to_owned())
        .await
        .iter()
        .map(|r| r.try_get::<String>("", "name").expect("name"))
        .collect()
}

#[tokio::test]
async fn every_vocabulary_column_takes_exactly_the_words_of_its_enum() {
    let app = TestApp::spawn().await;
    let mut expected_guards = BTreeSet::new();
    for v in VOCABULARY {
        let words: BTreeSet<String> = v.words.iter().map(|w| (*w).to_owned()).collect();
        let defined = allowed_words(&app, v.table, v.column).await;
        let guards = if app.backend == Backend::Postgres {
            1
        } else {
            2
        };
        assert_eq!(
            defined.len(),
            guards,
            "{}.{} has no guard of its words",
            v.table,
            v.column
        );
        for d in &defined {
            assert_eq!(
                d, &words,
                "{}.{}: the database and the enum disagree",
                v.table, v.column
            );
        }
        let name = format!("ck_{}_{}", v.table, v.column);
        if app.backend == Backend::Postgres {
            expected_guards.insert(name.clone());
        } else {
            expected_guards.insert(format!("{name}_insert"));
            expected_guards.insert(format!("{name}_update"));
        }
        for word in v.words {
            try_insert(&app, v.table, v.column, word)
                .await
                .unwrap_or_else(|e| panic!("{}.{} refused {word}: {e}", v.table, v.column));
        }
        let refused = try_insert(&app, v.table, v.column, "not_a_word")
            .await
            .expect_err(&format!("{}.{} took an unknown word", v.table, v.column));
        assert!(
            refused.to_string().contains(&name),
            "{}.{}: refused for another reason: {refused}",
            v.table,
            v.column
        );
    }
    // No guard in the database that the application does not list (or the reverse).
    assert_eq!(vocabulary_guards(&app).await, expected_guards);
}

#[tokio::test]
async fn the_database_refuses_an_unknown_status_on_insert_and_update() {
    let app = TestApp::spawn().await;
    let insert = |status: &str| {
        format!(
            "INSERT INTO organizations (kind, name, status, created_at, updated_at) \
             VALUES ('union', 'vocabulary {status}', '{status}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
        )
    };
    let refused = app
        .db()
        .execute_unprepared(&insert("closed"))
        .await
        .expect_err("unknown status stored");
    assert!(
        refused.to_string().contains("ck_organizations_status"),
        "{refused}"
    );
    app.db()
        .execute_unprepared(&insert("suspended"))
        .await
        .expect("a known status");
    let refused = app
        .db()
        .execute_unprepared(
            "UPDATE organizations SET status = 'closed' WHERE name = 'vocabulary suspended'",
        )
        .await
        .expect_err("unknown status stored by an update");
    assert!(
        refused.to_string().contains("ck_organizations_status"),
        "{refused}"
    );
}

/// Removes the database's guard of `table.column`, so a test can store what the application
/// would never write (a corrupted or foreign value).
async fn unguard(app: &TestApp, table: &str, column: &str) {
    let sql = match app.backend {
        Backend::Postgres => format!("ALTER TABLE {table} DROP CONSTRAINT ck_{table}_{column}"),
        Backend::Sqlite => format!(
            "DROP TRIGGER ck_{table}_{column}_insert; DROP TRIGGER ck_{table}_{column}_update"
        ),
    };
    app.db().execute_unprepared(&sql).await.expect("unguard");
}

/// A member's order (unpaid): (member auth, order id).
async fn an_order(app: &TestApp) -> (Auth, i64) {
    let m = members(app, 1).await;
    let auth = Auth::Bearer(m[0].1.clone());
    let r = buy(app, &auth, &[(9, 1)], None)
        .await
        .expect(StatusCode::CREATED);
    let order = r.body["orders"][0]["id"].as_i64().expect("order");
    (auth, order)
}

#[tokio::test]
async fn a_corrupted_order_status_is_a_500_not_a_default() {
    let app = TestApp::spawn().await;
    let (auth, order) = an_order(&app).await;
    app.get(&format!("/api/orders/{order}"), &auth)
        .await
        .expect(StatusCode::OK);
    unguard(&app, "orders", "status").await;
    app.db()
        .execute_unprepared(&format!(
            "UPDATE orders SET status = 'lost' WHERE id = {order}"
        ))
        .await
        .expect("corrupt");
    let r = app
        .get(&format!("/api/orders/{order}"), &auth)
        .await
        .expect_error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
    assert!(!r.text.contains("lost"), "the cause is logged, not shown");
    app.get("/api/me/orders", &auth)
        .await
        .expect_error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
}

#[tokio::test]
async fn a_corrupted_zone_rule_is_a_500_not_a_default() {
    let app = TestApp::spawn().await;
    app.get("/api/zones", &Auth::None)
        .await
        .expect(StatusCode::OK);
    unguard(&app, "zones", "rule_kind").await;
    app.db()
        .execute_unprepared(
            "UPDATE zones SET rule_kind = 'county' WHERE id = (SELECT MIN(id) FROM zones)",
        )
        .await
        .expect("corrupt");
    app.get("/api/zones", &Auth::None)
        .await
        .expect_error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
}

#[tokio::test]
async fn a_stored_document_that_does_not_decode_is_a_500_not_a_default() {
    let app = TestApp::spawn().await;
    let (auth, order) = an_order(&app).await;
    // An address of the wrong shape (the recipient a number).
    app.db()
        .execute_unprepared(&format!(
            r#"UPDATE orders SET address = '{{"recipient": 1}}' WHERE id = {order}"#
        ))
        .await
        .expect("corrupt address");
    app.get(&format!("/api/orders/{order}"), &auth)
        .await
        .expect_error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");

    // A campaign scope that is not JSON at all.
    let admin = app.login("union_admin").await;
    let union = admin.org_with("union_admin");
    let list = app
        .get(&format!("/api/unions/{union}/campaigns"), &admin.bearer())
        .await
        .expect(StatusCode::OK);
    let campaign = list.body["items"][0]["id"]
        .as_i64()
        .or_else(|| list.body[0]["id"].as_i64())
        .expect("a demo campaign");
    app.db()
        .execute_unprepared(&format!(
            "UPDATE coupon_campaigns SET scope = 'everything' WHERE id = {campaign}"
        ))
        .await
        .expect("corrupt scope");
    app.get(&format!("/api/campaigns/{campaign}"), &admin.bearer())
        .await
        .expect_error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
}

#[tokio::test]
async fn a_job_whose_payload_does_not_decode_is_dead_at_once() {
    let app = TestApp::spawn().await;
    bangfu::worker::enqueue(
        app.db(),
        bangfu::orders::lifecycle::AUTO_COMPLETE_JOB,
        json!({"order": 1}),
        bangfu::worker::JobOptions::default(),
    )
    .await
    .expect("enqueue");
    bangfu::worker::Worker::new(app.state.clone())
        .drain()
        .await
        .expect("drain");
    let row = rows(
        app.db(),
        "SELECT state, attempts, last_error FROM jobs WHERE kind = 'orders.auto_complete'"
            .to_owned(),
    )
    .await;
    assert_eq!(row.len(), 1);
    assert_eq!(
        row[0].try_get::<String>("", "state").expect("state"),
        "dead"
    );
    assert_eq!(row[0].try_get::<i32>("", "attempts").expect("attempts"), 1);
    let error = row[0]
        .try_get::<Option<String>>("", "last_error")
        .expect("error")
        .unwrap_or_default();
    assert!(error.contains("payload does not decode"), "{error}");
}
