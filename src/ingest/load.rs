//! The loader: CSV files or a `users.json` document into a SQLite database, streamed (one CSV line
//! or one JSON user at a time), every row checked before it is inserted, all of it inside one
//! transaction. Any finding of an integrity rule (see [`Rule::is_integrity`]) rolls the
//! transaction back: an existing database is left exactly as it was, a new one is never created.
//! Ids already in the database are reported, never skipped or overwritten. SQL is built only from
//! the schema's own table and column names; values are always bound parameters.

use super::check::Checker;
use super::report::{Finding, Loc, Rule};
use super::source::{self, Kind, Meta, Visit};
use crate::error::{Error, Result};
use crate::sink::sqlite::{create_sql, index_sql, insert_sql};
use crate::sink::{Check, Staged, CHECK_EVERY};
use crate::tables::Table;
use rusqlite::{params_from_iter, Connection, ErrorCode, Transaction, TransactionBehavior};
use std::collections::BTreeMap;
use std::path::Path;

/// What a load did.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Rows inserted per table.
    pub rows: BTreeMap<&'static str, u64>,
    /// Whether the database file was created by this load.
    pub created: bool,
}

struct Inserter<'t, 'c> {
    tx: &'t Transaction<'c>,
    checker: Checker,
    stmts: Vec<Option<rusqlite::Statement<'t>>>,
    lookups: Vec<Option<rusqlite::Statement<'t>>>,
    inserted: [u64; 5],
    done: u64,
    check: Check<'c>,
    db: &'c Path,
}

fn ti(t: Table) -> usize {
    Table::ALL.iter().position(|x| *x == t).unwrap()
}

impl Visit for Inserter<'_, '_> {
    fn table(&mut self, table: Table) {
        self.checker.table(table);
    }

    fn finding(&mut self, f: Finding) {
        self.checker.finding(f);
    }

    fn row(&mut self, table: Table, loc: Loc, cells: &[Option<&str>], bad: u32) -> Result<()> {
        let (clean, buf) = self.checker.check_row(table, loc, cells, bad);
        // Rows are inserted only while the load can still succeed; after the first finding the
        // rest is only checked (the transaction will be rolled back anyway).
        let failing = self.checker.tally.failures(Rule::is_integrity) > 0;
        if clean && failing {
            // No more inserts, but ids already in the database are still reported.
            let pk = table.primary_key();
            let col = table.columns().iter().position(|c| c.name == pk).unwrap();
            if let Some(id) = cells[col] {
                let k = ti(table);
                if self.lookups[k].is_none() {
                    let sql = format!("SELECT 1 FROM {} WHERE {pk} = ?1", table.name());
                    self.lookups[k] = Some(
                        self.tx
                            .prepare(&sql)
                            .map_err(|e| Error::output(self.db, e))?,
                    );
                }
                let there = self.lookups[k]
                    .as_mut()
                    .unwrap()
                    .exists([id])
                    .map_err(|e| Error::output(self.db, e))?;
                if there {
                    self.checker.finding(Finding::new(
                        Rule::PrimaryKey,
                        Some(table),
                        loc,
                        Some(pk.to_string()),
                        Some(id.to_string()),
                        format!("already in {} of the database", table.name()),
                    ));
                }
            }
        } else if clean {
            let k = ti(table);
            if self.stmts[k].is_none() {
                let sql = insert_sql(table.name(), table.columns());
                self.stmts[k] = Some(
                    self.tx
                        .prepare(&sql)
                        .map_err(|e| Error::output(self.db, e))?,
                );
            }
            match self.stmts[k]
                .as_mut()
                .unwrap()
                .execute(params_from_iter(buf.iter()))
            {
                Ok(_) => self.inserted[k] += 1,
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                        || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
                {
                    let pk = table.primary_key();
                    let col = table.columns().iter().position(|c| c.name == pk).unwrap();
                    let id = cells[col].unwrap_or("").to_string();
                    self.checker.finding(Finding::new(
                        Rule::PrimaryKey,
                        Some(table),
                        loc,
                        Some(pk.to_string()),
                        Some(id),
                        format!("already in {} of the database", table.name()),
                    ));
                }
                Err(rusqlite::Error::SqliteFailure(e, msg))
                    if e.code == ErrorCode::ConstraintViolation =>
                {
                    // The row checks should have caught it; report it with its location.
                    self.checker.finding(Finding::new(
                        Rule::Required,
                        Some(table),
                        loc,
                        None,
                        None,
                        format!("the database refused the row: {}", msg.unwrap_or_default()),
                    ));
                }
                Err(e) => return Err(Error::output(self.db, e)),
            }
        }
        self.done += 1;
        if self.done % CHECK_EVERY == 0 {
            (self.check)(self.done, 0)?;
        }
        Ok(())
    }
}

/// Loads the CSV or Parquet folder or JSON document at `from` into the SQLite database `db`
/// (created when it does not exist). On any problem with the data the error is
/// [`Error::InvalidData`] with the validation report, and the database is as it was.
pub fn load(from: &Path, db: &Path, check: Check) -> Result<Loaded> {
    let kind = Kind::detect_for(from, "source", false)?;
    if kind == Kind::Sqlite {
        return Err(Error::invalid(
            "source",
            format!("{} is already a SQLite database", from.display()),
            "a folder of CSV or Parquet files or a users.json file",
        ));
    }
    let room = super::memory::check(super::memory::Reader::Load, kind, from)?;
    if db.is_dir() {
        return Err(Error::invalid(
            "db",
            format!("{} is a folder", db.display()),
            "a SQLite database file (new or existing)",
        ));
    }
    if db.exists() {
        let mut conn = open_target(db)?;
        let loaded = load_into(&mut conn, kind, from, db, false, check, room)?;
        Ok(loaded)
    } else {
        // Folders created for the new file are removed again when the load fails.
        let mut new_dirs: Vec<std::path::PathBuf> = db
            .ancestors()
            .skip(1)
            .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
            .map(Path::to_path_buf)
            .collect();
        let result = (|| {
            let staged = Staged::new(db, false)?;
            let loaded = {
                let mut conn = Connection::open(staged.path()).map_err(|e| Error::output(db, e))?;
                load_into(&mut conn, kind, from, db, true, check, room)?
            };
            staged.commit()?;
            Ok(loaded)
        })();
        if result.is_err() {
            // Innermost first; remove_dir only removes empty folders.
            for d in new_dirs.drain(..) {
                let _ = std::fs::remove_dir(d);
            }
        }
        result
    }
}

fn open_target(db: &Path) -> Result<Connection> {
    let conn = Connection::open(db).map_err(|e| Error::output(db, e))?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| {
        Error::invalid(
            "db",
            format!("{}: {e}", db.display()),
            "a SQLite database file (new or existing)",
        )
    })?;
    Ok(conn)
}

fn load_into(
    conn: &mut Connection,
    kind: Kind,
    from: &Path,
    db: &Path,
    created: bool,
    check: Check,
    room: usize,
) -> Result<Loaded> {
    let err = |e: rusqlite::Error| Error::output(db, e);
    conn.execute_batch("PRAGMA foreign_keys = OFF")
        .map_err(err)?;
    if created {
        conn.execute_batch(crate::sink::sqlite::NEW_FILE_PAGE_SIZE)
            .map_err(err)?;
        conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            .map_err(err)?;
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(err)?;
    let mut new_tables = Vec::new();
    for table in Table::ALL {
        if table_exists(&tx, table.name()).map_err(err)? {
            check_columns(&tx, table, db)?;
        } else {
            tx.execute_batch(&create_sql(table)).map_err(err)?;
            new_tables.push(table);
        }
    }
    let (meta, checker, inserted) = {
        let mut ins = Inserter {
            tx: &tx,
            checker: {
                let mut c = Checker::new(kind);
                c.reserve_transactions(room);
                c
            },
            stmts: (0..5).map(|_| None).collect(),
            lookups: (0..5).map(|_| None).collect(),
            inserted: [0; 5],
            done: 0,
            check,
            db,
        };
        let meta = source::scan(kind, from, &mut ins)?;
        let Inserter {
            mut checker,
            inserted,
            ..
        } = ins;
        // Ids the input refers to but does not hold may already be in the database.
        // For an account, its owner comes back too (rows added to it must be the owner's).
        let mut exists = |t: Table, id: &str| -> Option<String> {
            let owner = if t == Table::Accounts {
                "user_id"
            } else {
                "''"
            };
            let sql = format!(
                "SELECT {owner} FROM {} WHERE {} = ?1",
                t.name(),
                t.primary_key()
            );
            tx.query_row(&sql, [id], |r| r.get::<_, String>(0)).ok()
        };
        checker.finish(&meta, Some(&mut exists), false);
        (meta, checker, inserted)
    };
    let mut checker = checker;
    for rule in Rule::ALL.into_iter().filter(|r| !r.is_integrity()) {
        checker.tally.skip(
            rule,
            "not checked by load (run validate on the database for the ledger and label rules)",
        );
    }
    let failures = checker.tally.failures(Rule::is_integrity);
    if failures > 0 {
        drop(tx); // rolls back
        let report = checker.into_report(from, meta, None);
        let first = report
            .tally
            .outcomes
            .values()
            .flat_map(|o| o.findings.first())
            .next()
            .map(|f| f.describe(kind))
            .unwrap_or_default();
        return Err(Error::InvalidData {
            path: from.to_path_buf(),
            failures,
            first,
            report: Box::new(report.to_json()),
            summary: report.summary(20),
        });
    }
    for table in &new_tables {
        for sql in index_sql(*table) {
            tx.execute_batch(&sql).map_err(err)?;
        }
    }
    if created {
        write_metadata(&tx, &meta).map_err(err)?;
    }
    // The checks above should have caught it; never commit a database that fails it.
    if let Some(d) = crate::sink::sqlite::dangling_references(&tx)
        .map_err(err)?
        .first()
    {
        return Err(Error::output(db, format!("{d}; nothing was loaded")));
    }
    tx.commit().map_err(err)?;
    let rows = Table::ALL
        .iter()
        .zip(inserted)
        .map(|(t, n)| (t.name(), n))
        .collect();
    Ok(Loaded { rows, created })
}

fn table_exists(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// An existing table must have the schema's columns (in any order).
fn check_columns(conn: &Connection, table: Table, db: &Path) -> Result<()> {
    let have: Vec<String> = conn
        .prepare(&format!("PRAGMA table_info({})", table.name()))
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(1))?
                .collect::<rusqlite::Result<_>>()
        })
        .map_err(|e| Error::output(db, e))?;
    let missing: Vec<&str> = table
        .columns()
        .iter()
        .map(|c| c.name)
        .filter(|c| !have.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid(
            "db",
            format!(
                "{}: table '{}' exists without the columns {}",
                db.display(),
                table.name(),
                missing.join(", ")
            ),
            "a database with spendsense-gen's tables, or a new file",
        ));
    }
    Ok(())
}

/// A new database records what the source said about the data (as generation does).
fn write_metadata(tx: &Transaction, meta: &Meta) -> rusqlite::Result<()> {
    let Some(end) = meta.end else {
        return Ok(());
    };
    tx.execute_batch("CREATE TABLE metadata (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)")?;
    let mut rows: Vec<(&str, String)> = vec![("generator", "spendsense-gen".into())];
    if let Some(v) = &meta.version {
        rows.push(("version", v.clone()));
    }
    if let Some(s) = meta.seed {
        rows.push(("seed", s.to_string()));
    }
    if let Some(s) = meta.start {
        rows.push(("start_date", crate::model::iso_date(s)));
    }
    rows.push(("end_date", crate::model::iso_date(end)));
    if let Some(n) = meta.n_users {
        rows.push(("n_users", n.to_string()));
    }
    if let Some(r) = meta.consent_ratio {
        rows.push(("consent_ratio", r.to_string()));
    }
    if let Some(s) = &meta.shard {
        rows.push(("shard", s.clone()));
    }
    for (k, v) in rows {
        tx.execute("INSERT INTO metadata (key, value) VALUES (?1, ?2)", [k, &v])?;
    }
    Ok(())
}
