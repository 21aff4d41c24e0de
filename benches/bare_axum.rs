//! Reference points for the load benchmarks, served on the same machine in the same run:
//! `/bare` is a bare axum handler returning a small JSON body; `/pk/{id}` reads one product by
//! primary key with raw sqlx (no ORM, no cache, sqlx's default pool) and returns it as JSON;
//! `/pk-idle-ping/{id}` does the same through a pool that pings connections only after 5 s
//! idle, as the application's does (for comparison; the target is against `/pk`).
//!
//! `cargo bench --bench bare_axum -- --bind 127.0.0.1:18990 --database-url postgres://…`

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use sea_orm::sqlx::{self, PgPool, Row};

#[derive(Clone)]
struct Db(Option<PgPool>, Option<PgPool>);

async fn bare() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "ok": true, "service": "bare" }))
}

async fn pk(
    State(Db(pool, _)): State<Db>,
    Path(id): Path<i64>,
) -> Result<axum::Json<serde_json::Value>, axum::http::StatusCode> {
    read(pool, id).await
}

async fn pk_idle_ping(
    State(Db(_, pool)): State<Db>,
    Path(id): Path<i64>,
) -> Result<axum::Json<serde_json::Value>, axum::http::StatusCode> {
    read(pool, id).await
}

async fn read(
    pool: Option<PgPool>,
    id: i64,
) -> Result<axum::Json<serde_json::Value>, axum::http::StatusCode> {
    let pool = pool.ok_or(axum::http::StatusCode::SERVICE_UNAVAILABLE)?;
    let row = sqlx::query("SELECT id, name, subtitle, origin_county_code, status, sales_count, description_html FROM products WHERE id = $1")
        .bind(id)
        .fetch_optional(&pool)
        .await
        .map_err(|_| axum::http::StatusCode::INTERNAL_SERVER_ERROR)?
        .ok_or(axum::http::StatusCode::NOT_FOUND)?;
    Ok(axum::Json(serde_json::json!({
        "id": row.get::<i64, _>("id"),
        "name": row.get::<String, _>("name"),
        "subtitle": row.get::<Option<String>, _>("subtitle"),
        "origin_county_code": row.get::<String, _>("origin_county_code"),
        "status": row.get::<String, _>("status"),
        "sales_count": row.get::<i64, _>("sales_count"),
        "description_html": row.get::<String, _>("description_html"),
    })))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    // `cargo bench` passes `--bench`; without --bind there is nothing to serve.
    let Some(bind) = arg("--bind") else {
        println!("bare_axum: pass --bind ADDR [--database-url URL] to serve");
        return Ok(());
    };
    let (pool, idle_ping) = match arg("--database-url") {
        Some(url) => (
            Some(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(16)
                    .connect(&url)
                    .await?,
            ),
            Some(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(16)
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for >= std::time::Duration::from_secs(5) {
                                sqlx::Connection::ping(conn).await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect(&url)
                    .await?,
            ),
        ),
        None => (None, None),
    };
    let app = Router::new()
        .route("/bare", get(bare))
        .route("/pk/{id}", get(pk))
        .route("/pk-idle-ping/{id}", get(pk_idle_ping))
        .with_state(Db(pool, idle_ping));
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("bare_axum listening on {bind}");
    axum::serve(listener, app).await?;
    Ok(())
}
