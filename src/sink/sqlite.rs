//! SQLite: the five tables with primary keys, declared foreign keys, and indexes on transactions
//! (user_id, date) and (account_id). Loaded in one transaction with prepared statements; indexes
//! are built after the load, and `PRAGMA foreign_key_check` must come back empty before the file
//! is renamed into place. The detector's `persona_assignments` table (declared in
//! `detect::features`) is written in the same transaction, chunk by chunk; [`add_feature_table`]
//! adds it to an existing database instead.

use super::manifest::FileHash;
use super::{Check, Run, Staged, Writer};
use crate::detect::features::{self, FeatureTable};
use crate::detect::Detection;
use crate::error::{Error, Result};
use crate::generate::Dataset;
use crate::model::UserData;
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

/// The `metadata` table's rows: generator, version, seed, start and end dates, users (of the
/// whole run), consent ratio, and `shard` (`k/n`) for one shard of a run.
pub fn metadata(run: Run) -> Vec<(&'static str, String)> {
    let c = run.config;
    let mut rows = vec![
        ("generator", "spendsense-gen".to_string()),
        ("version", crate::VERSION.to_string()),
        ("seed", c.seed.to_string()),
        ("start_date", crate::model::iso_date(c.start_date())),
        ("end_date", crate::model::iso_date(c.end_date)),
        ("n_users", c.n_users.to_string()),
        ("consent_ratio", c.consent_ratio.to_string()),
    ];
    if let Some(shard) = run.shard {
        rows.push(("shard", shard.label()));
    }
    rows
}

/// The page size of a database this program creates: 16 KiB instead of SQLite's 4 KiB. Bulk
/// loads split and write fewer pages and the file is about 2 % smaller; at 100,000 users the
/// write took 127 s instead of 145 s (`benchmarks/README.md`). Must run before the first table
/// is created.
pub(crate) const NEW_FILE_PAGE_SIZE: &str = "PRAGMA page_size = 16384";

fn db_err(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| Error::output(path, e)
}

/// The database being written: created under its temporary name with the five tables, the
/// `metadata` table and the detector's `persona_assignments` table, in one transaction that
/// stays open while chunks of users arrive; [`Writer::finish`] builds the indexes, commits, and
/// checks every foreign key.
pub struct SqliteWriter {
    staged: Staged,
    shown: std::path::PathBuf,
    conn: Connection,
    detect: bool,
    /// Whether [`Writer::finish`] hashes the file for the manifest.
    hash: bool,
}

impl SqliteWriter {
    /// Without `detect`, the database has no `persona_assignments` table.
    pub fn open(run: Run, path: &Path, overwrite: bool, detect: bool) -> Result<SqliteWriter> {
        let staged = Staged::new(path, overwrite)?;
        let err = db_err(path);
        let conn = Connection::open(staged.path()).map_err(&err)?;
        conn.execute_batch(NEW_FILE_PAGE_SIZE).map_err(&err)?;
        conn.execute_batch(
            // A 128 MiB page cache: the primary-key indexes of large runs stay in memory while
            // rows are appended (SQLite's default is 2 MiB).
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF; \
             PRAGMA cache_size = -131072; BEGIN",
        )
        .map_err(&err)?;
        for table in Table::ALL {
            conn.execute_batch(&create_sql(table)).map_err(&err)?;
        }
        // What the data is: the detector takes its windows' end from here.
        conn.execute_batch(
            "CREATE TABLE metadata (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)",
        )
        .map_err(&err)?;
        for (k, v) in metadata(run) {
            conn.execute("INSERT INTO metadata (key, value) VALUES (?1, ?2)", [k, &v])
                .map_err(&err)?;
        }
        if detect {
            let t = FeatureTable::PersonaAssignments;
            conn.execute_batch(&create_table_sql(
                t.name(),
                t.columns(),
                t.primary_key(),
                t.foreign_keys(),
            ))
            .map_err(&err)?;
        }
        Ok(SqliteWriter {
            staged,
            shown: path.to_path_buf(),
            conn,
            detect,
            hash: false,
        })
    }

    /// Hashes the finished file for the manifest ([`Staged::record`]) while the foreign keys are
    /// checked, instead of the manifest reading it back afterwards.
    pub fn hashed(mut self) -> SqliteWriter {
        self.hash = true;
        self
    }
}

impl Writer for SqliteWriter {
    fn write(&mut self, users: &[UserData], det: Option<&Detection>) -> Result<()> {
        let err = db_err(&self.shown);
        for table in Table::ALL {
            let mut stmt = self
                .conn
                .prepare_cached(&insert_sql(table.name(), table.columns()))
                .map_err(&err)?;
            let mut failed: Option<Error> = None;
            for u in users {
                for_each_row(table, u, &mut |row| {
                    if failed.is_none() {
                        if let Err(e) = stmt.execute(params_from_iter(row.iter())) {
                            failed = Some(err(e));
                        }
                    }
                });
                if let Some(e) = failed.take() {
                    return Err(e);
                }
            }
        }
        let Some(det) = det.filter(|_| self.detect) else {
            return Ok(());
        };
        let t = FeatureTable::PersonaAssignments;
        let mut stmt = self
            .conn
            .prepare_cached(&insert_sql(t.name(), t.columns()))
            .map_err(&err)?;
        let mut failed = None;
        features::for_each_row(t, det, &mut |row| {
            if failed.is_none() {
                if let Err(e) = stmt.execute(params_from_iter(row.iter())) {
                    failed = Some(err(e));
                }
            }
        });
        failed.map_or(Ok(()), Err)
    }

    fn finish(self: Box<Self>) -> Result<Staged> {
        let this = *self;
        let err = db_err(&this.shown);
        for table in Table::ALL {
            for sql in index_sql(table) {
                this.conn.execute_batch(&sql).map_err(&err)?;
            }
        }
        this.conn.execute_batch("COMMIT").map_err(&err)?;
        // The file is final once committed (no journal; the check below only reads): when a
        // manifest will hash it, hash it now, while the foreign keys are checked.
        let (tmp, target) = (this.staged.path(), this.staged.target().to_path_buf());
        let (checked, hashed) = std::thread::scope(|s| {
            let hashing = this.hash.then(|| {
                s.spawn(move || -> Result<FileHash> {
                    let bytes = std::fs::metadata(tmp)
                        .map_err(|e| Error::output(tmp, e))?
                        .len();
                    Ok(FileHash {
                        path: target,
                        sha256: super::manifest::sha256_file(tmp)?,
                        bytes,
                    })
                })
            });
            let checked = this
                .conn
                .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                    r.get::<_, i64>(0)
                })
                .map_err(&err);
            let hashed = hashing
                .map(|h| h.join().unwrap_or(Err(Error::Interrupted)))
                .transpose();
            (checked, hashed)
        });
        let violations = checked?;
        if violations > 0 {
            return Err(Error::output(
                &this.shown,
                format!("{violations} foreign key violations"),
            ));
        }
        this.conn.close().map_err(|(_, e)| err(e))?;
        let mut staged = this.staged;
        // (The manifest hashes the file again if its size changed after all.)
        if let Some(h) = hashed? {
            staged.record(h);
        }
        Ok(staged)
    }

    fn needs_detection(&self) -> bool {
        self.detect
    }
}

/// Writes the database of `ds` (the five tables, `metadata`, and the detector's
/// `persona_assignments`) to a temporary file beside `path`, then renames it into place.
pub fn write(ds: &Dataset, path: &Path, overwrite: bool, check: Check) -> Result<()> {
    super::write_format(ds, crate::config::Format::Sqlite, path, overwrite, check)
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
