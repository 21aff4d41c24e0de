//! Database connection (PostgreSQL or SQLite) and transaction helpers that give the same
//! guarantees on both.

use std::time::Duration;

use sea_orm::SqliteTransactionMode;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, Statement, TransactionOptions, TransactionTrait,
};

use crate::config::Config;

/// Connects to the configured database. For SQLite: creates the data directory, turns on WAL
/// and a busy timeout so that readers do not block the writer and writers wait their turn.
///
/// # Errors
/// When the database cannot be reached or the SQLite file cannot be created.
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let url = config.database_url();
    if config.is_sqlite() && config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(if config.is_sqlite() {
            4
        } else {
            config.db_max_connections
        })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(2))
        // While the database is down (a restart), a request waits this long for it to come
        // back, then is answered 503; the pool reconnects on its own.
        // (SQLite has no outage to report: its writers queue for the file.)
        .acquire_timeout(if config.is_sqlite() {
            Duration::from_secs(10)
        } else {
            Duration::from_millis(config.db_acquire_timeout_ms.max(100))
        })
        // A connection back from a query a moment ago goes out as it is; one that sat idle
        // for a few seconds (when a server restart, a proxy or a firewall may have dropped
        // it) is pinged first. sqlx's default pings on every acquire: one more round trip
        // per query.
        .test_before_acquire_if_idle_for(Duration::from_secs(5))
        .sqlx_logging(false);
    options.map_sqlx_sqlite_opts(|opts| {
        opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
    });
    let db = Database::connect(options).await?;
    Ok(db)
}

/// Starts a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`, which takes the
/// write lock up front so that a read-then-write transaction cannot fail half-way on a lock
/// upgrade; on PostgreSQL an ordinary READ COMMITTED transaction (rows are locked as needed).
///
/// # Errors
/// When the transaction cannot be started.
pub async fn begin_write<C>(db: &C) -> Result<DatabaseTransaction, DbErr>
where
    C: TransactionTrait<Transaction = DatabaseTransaction> + ConnectionTrait,
{
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        db.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await
    } else {
        db.begin().await
    }
}

/// A raw statement written once with PostgreSQL's `$n` placeholders; on SQLite they become
/// `?n` (the same numbering). Only for SQL whose text is otherwise the same on both.
#[must_use]
pub fn statement(backend: DatabaseBackend, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    let sql = if backend == DatabaseBackend::Postgres {
        sql.to_owned()
    } else {
        sql.replace('$', "?")
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Applies pending migrations.
///
/// # Errors
/// When a migration fails.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    use migrations::MigratorTrait;
    migrations::Migrator::up(db, None).await
}
