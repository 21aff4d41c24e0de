//! Small helpers shared by the migrations.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

/// Makes a table append-only: any UPDATE or DELETE raises an error, on both backends.
pub async fn forbid_update_delete(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DatabaseBackend::Postgres => {
            db.execute_unprepared(&format!(
                "CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            ))
            .await?;
        }
        _ => {
            for op in ["UPDATE", "DELETE"] {
                let lower = op.to_lowercase();
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {table}_no_{lower} BEFORE {op} ON {table} \
                     BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                ))
                .await?;
            }
        }
    }
    Ok(())
}

/// Drops what [`forbid_update_delete`] created.
pub async fn allow_update_delete(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DatabaseBackend::Postgres => {
            db.execute_unprepared(&format!(
                "DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table}"
            ))
            .await?;
            db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS {table}_append_only()"))
                .await?;
        }
        _ => {
            for op in ["update", "delete"] {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {table}_no_{op}"))
                    .await?;
            }
        }
    }
    Ok(())
}

/// A foreign key from `table.column` to `target.id` (or another column).
pub fn fk(table: &str, column: &str, target: &str, target_col: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table.to_owned(), column.to_owned())
        .to(target.to_owned(), target_col.to_owned())
        .on_delete(ForeignKeyAction::Restrict)
        .on_update(ForeignKeyAction::Restrict)
        .to_owned()
}

/// A (possibly unique) index on the given columns.
pub fn index(table: &str, name: &str, columns: &[&str], unique: bool) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table.to_owned());
    for c in columns {
        idx.col((*c).to_owned());
    }
    if unique {
        idx.unique();
    }
    idx.to_owned()
}

/// `'a', 'b', …` (the words are the migrations' constants: plain snake_case, nothing to escape).
pub fn word_list(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Lets `table.column` hold only `words` (or NULL): a CHECK `ck_<table>_<column>` on
/// PostgreSQL; on SQLite, which cannot add a CHECK to an existing table, two triggers
/// `ck_<table>_<column>_insert` / `_update` that abort with the constraint's name.
pub async fn guard_words(
    manager: &SchemaManager<'_>,
    table: &str,
    column: &str,
    words: &[&str],
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let name = format!("ck_{table}_{column}");
    let allowed = word_list(words);
    match manager.get_database_backend() {
        DatabaseBackend::Postgres => {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({allowed}))"
            ))
            .await?;
        }
        _ => {
            for (suffix, event) in [
                ("insert", "INSERT".to_owned()),
                ("update", format!("UPDATE OF {column}")),
            ] {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {name}_{suffix} BEFORE {event} ON {table} \
                     WHEN NEW.{column} NOT IN ({allowed}) \
                     BEGIN SELECT RAISE(ABORT, '{name}: unknown {column}'); END"
                ))
                .await?;
            }
        }
    }
    Ok(())
}

/// Drops what [`guard_words`] created.
pub async fn unguard_words(
    manager: &SchemaManager<'_>,
    table: &str,
    column: &str,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let name = format!("ck_{table}_{column}");
    match manager.get_database_backend() {
        DatabaseBackend::Postgres => {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}"
            ))
            .await?;
        }
        _ => {
            for suffix in ["insert", "update"] {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}_{suffix}"))
                    .await?;
            }
        }
    }
    Ok(())
}
