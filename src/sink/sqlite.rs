//! SQLite: the five tables with primary keys, declared foreign keys, and indexes on transactions
//! (user_id, date) and (account_id). Loaded in one transaction with prepared statements; indexes
//! are built after the load, and `PRAGMA foreign_key_check` must come back empty before the file
//! is renamed into place. With a detection, the detector's `persona_assignments` table (declared
//! in `detect::features`) is written in the same transaction; [`add_feature_table`] adds it to an
//! existing database instead.

use super::{Check, Staged, CHECK_EVERY};
use crate::detect::features::{self, FeatureTable};
use crate::detect::Detection;
use crate::error::{Error, Result};
use crate::generate::Dataset;
use crate::tables::{for_each_row, Column, ForeignKey, Table, Value};
use rusqlite::types::ToSqlOutput;
use rusqlite::{params_from_iter, Connection, OpenFlags, ToSql, TransactionBehavior};
use std::path::Path;

impl ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        use rusqlite::types::Value as V;
        Ok(match self {
            Value::Null => ToSqlOutput::Owned(V::Null),
            Value::Text(s) => ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(s.as_bytes())),
            Value::Int(i) => ToSqlOutput::Owned(V::Integer(*i)),
            Value::Money(c) => ToSqlOutput::Owned(V::Real(*c as f64 / 100.0)),
            Value::Float(f) => ToSqlOutput::Owned(V::Real(*f)),
            Value::Bool(b) => ToSqlOutput::Owned(V::Integer(*b as i64)),
            Value::Date(d) => ToSqlOutput::Owned(V::Text(crate::model::iso_date(*d))),
        })
    }
}

/// `CREATE TABLE` statement for a table.
pub fn create_sql(table: Table) -> String {
    create_table_sql(
        table.name(),
        table.columns(),
        &[table.primary_key()],
        table.foreign_keys(),
    )
}

/// `CREATE TABLE` statement from a declaration: columns (`NOT NULL` unless nullable), the primary
/// key (on its column when it is one column, else as a table constraint) and foreign keys.
pub fn create_table_sql(
    name: &str,
    columns: &[Column],
    primary_key: &[&str],
    foreign_keys: &[ForeignKey],
) -> String {
    let mut parts: Vec<String> = columns
        .iter()
        .map(|c| {
            let mut s = format!("{} {}", c.name, c.ty.sql());
            if !c.nullable {
                s.push_str(" NOT NULL");
            }
            if primary_key == [c.name] {
                s.push_str(" PRIMARY KEY");
            }
            s
        })
        .collect();
    if primary_key.len() > 1 {
        parts.push(format!("PRIMARY KEY ({})", primary_key.join(", ")));
    }
    for fk in foreign_keys {
        parts.push(format!(
            "FOREIGN KEY ({}) REFERENCES {}({})",
            fk.column, fk.table, fk.references
        ));
    }
    format!("CREATE TABLE {} (\n  {}\n)", name, parts.join(",\n  "))
}

pub(crate) fn insert_sql(name: &str, columns: &[Column]) -> String {
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        name,
        columns
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", "),
        vec!["?"; columns.len()].join(", ")
    )
}

pub fn index_sql(table: Table) -> Vec<String> {
    table
        .indexes()
        .iter()
        .map(|cols| {
            format!(
                "CREATE INDEX idx_{}_{} ON {}({})",
                table.name(),
                cols.join("_"),
                table.name(),
                cols.join(", ")
            )
        })
        .collect()
}

/// The `metadata` table's rows: generator, version, seed, start and end dates, users, consent
/// ratio.
pub fn metadata(ds: &Dataset) -> Vec<(&'static str, String)> {
    let c = &ds.config;
    vec![
        ("generator", "spendsense-gen".to_string()),
        ("version", crate::VERSION.to_string()),
        ("seed", c.seed.to_string()),
        ("start_date", crate::model::iso_date(c.start_date())),
        ("end_date", crate::model::iso_date(c.end_date)),
        ("n_users", c.n_users.to_string()),
        ("consent_ratio", c.consent_ratio.to_string()),
    ]
}

fn db_err(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| Error::output(path, e)
}

/// Writes the database (the five data tables) to a temporary file beside `path`, then renames it
/// into place.
pub fn write(ds: &Dataset, path: &Path, overwrite: bool, check: Check) -> Result<()> {
    write_with(ds, None, path, overwrite, check)
}

/// The detection to write into the database, when it is needed: after the five tables (so the
/// detector can run while they are written; the function may wait for it).
pub type DetectionSource<'a, 'd> = &'a (dyn Fn() -> Result<&'d Detection> + Sync);

/// [`write`], and with a detection its `persona_assignments` table too, in the same transaction
/// (what `write_all` and `Dataset.to_sqlite` write).
pub fn write_with(
    ds: &Dataset,
    det: Option<DetectionSource>,
    path: &Path,
    overwrite: bool,
    check: Check,
) -> Result<()> {
    stage_with(ds, det, path, overwrite, check)?.commit()
}

/// [`write_with`] under the temporary name; the caller commits it.
pub fn stage_with(
    ds: &Dataset,
    det: Option<DetectionSource>,
    path: &Path,
    overwrite: bool,
    check: Check,
) -> Result<Staged> {
    let staged = Staged::new(path, overwrite)?;
    let tmp = staged.path().to_path_buf();
    {
        let err = db_err(path);
        let mut conn = Connection::open(&tmp).map_err(&err)?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF;",
        )
        .map_err(&err)?;
        let tx = conn.transaction().map_err(&err)?;
        for table in Table::ALL {
            tx.execute_batch(&create_sql(table)).map_err(&err)?;
        }
        // What the data is: the detector takes its windows' end from here.
        tx.execute_batch(
            "CREATE TABLE metadata (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)",
        )
        .map_err(&err)?;
        for (k, v) in metadata(ds) {
            tx.execute("INSERT INTO metadata (key, value) VALUES (?1, ?2)", [k, &v])
                .map_err(&err)?;
        }
        let total = super::total_rows(ds);
        let mut done = 0u64;
        for table in Table::ALL {
            let mut stmt = tx
                .prepare(&insert_sql(table.name(), table.columns()))
                .map_err(&err)?;
            let mut failed: Option<Error> = None;
            for u in &ds.users {
                for_each_row(table, u, &mut |row| {
                    if failed.is_some() {
                        return;
                    }
                    if let Err(e) = stmt.execute(params_from_iter(row.iter())) {
                        failed = Some(err(e));
                        return;
                    }
                    done += 1;
                    if done % CHECK_EVERY == 0 {
                        if let Err(e) = check(done, total) {
                            failed = Some(e);
                        }
                    }
                });
                if let Some(e) = failed.take() {
                    return Err(e);
                }
            }
        }
        if let Some(det) = det {
            insert_feature_table(&tx, det()?, FeatureTable::PersonaAssignments, &err)?;
        }
        for table in Table::ALL {
            for sql in index_sql(table) {
                tx.execute_batch(&sql).map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)?;
        let violations: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .map_err(&err)?;
        if violations > 0 {
            return Err(Error::output(
                path,
                format!("{violations} foreign key violations"),
            ));
        }
        conn.close().map_err(|(_, e)| err(e))?;
    }
    Ok(staged)
}

/// Creates the detector's `table` (see [`FeatureTable`]) and inserts its rows.
fn insert_feature_table(
    conn: &Connection,
    det: &Detection,
    table: FeatureTable,
    err: &dyn Fn(rusqlite::Error) -> Error,
) -> Result<()> {
    conn.execute_batch(&create_table_sql(
        table.name(),
        table.columns(),
        table.primary_key(),
        table.foreign_keys(),
    ))
    .map_err(err)?;
    let mut stmt = conn
        .prepare(&insert_sql(table.name(), table.columns()))
        .map_err(err)?;
    let mut failed = None;
    features::for_each_row(table, det, &mut |row| {
        if failed.is_none() {
            if let Err(e) = stmt.execute(params_from_iter(row.iter())) {
                failed = Some(err(e));
            }
        }
    });
    failed.map_or(Ok(()), Err)
}

fn open_existing(db: &Path, flags: OpenFlags) -> Result<Connection> {
    if !db.is_file() {
        return Err(Error::output(
            db,
            "not a file (a SQLite database was expected)",
        ));
    }
    Connection::open_with_flags(db, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| Error::output(db, e))
}

/// Whether the database at `db` has a table called `name`.
pub fn has_table(db: &Path, name: &str) -> Result<bool> {
    let conn = open_existing(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    table_exists(&conn, name).map_err(|e| Error::output(db, e))
}

fn table_exists(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// Adds the detector's `table` to an existing database in one transaction: nothing changes
/// unless every row is in and the detection's users are the database's users (every `user_id`
/// found there, and as many). An existing table of that name is an error unless `overwrite`,
/// which replaces it.
pub fn add_feature_table(
    db: &Path,
    det: &Detection,
    table: FeatureTable,
    overwrite: bool,
) -> Result<()> {
    let err = db_err(db);
    let mut conn = open_existing(db, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(&err)?;
    // Keys are checked once all rows are in (below), with a message that says what is wrong.
    conn.execute_batch("PRAGMA foreign_keys = OFF")
        .map_err(&err)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(&err)?;
    if table_exists(&tx, table.name()).map_err(&err)? {
        if !overwrite {
            return Err(Error::TableExists {
                path: db.to_path_buf(),
                table: table.name().to_string(),
            });
        }
        tx.execute_batch(&format!("DROP TABLE {}", table.name()))
            .map_err(&err)?;
    }
    insert_feature_table(&tx, det, table, &err)?;
    let violations: i64 = tx
        .query_row(
            &format!(
                "SELECT count(*) FROM pragma_foreign_key_check('{}')",
                table.name()
            ),
            [],
            |r| r.get(0),
        )
        .map_err(&err)?;
    let users: i64 = tx
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .map_err(&err)?;
    if violations > 0 || users != det.input.users.len() as i64 {
        return Err(Error::output(
            db,
            format!(
                "the detection is of {} users, {violations} of them not in the database's {users} \
                 users (was it run on another dataset?); the database was not changed",
                det.input.users.len()
            ),
        ));
    }
    tx.commit().map_err(&err)?;
    conn.close().map_err(|(_, e)| err(e))
}
