//! SQLite: the five tables with primary keys, declared foreign keys, and indexes on transactions
//! (user_id, date) and (account_id). Loaded in one transaction with prepared statements; indexes
//! are built after the load, and `PRAGMA foreign_key_check` must come back empty before the file
//! is renamed into place.

use super::{Check, Staged, CHECK_EVERY};
use crate::error::{Error, Result};
use crate::generate::Dataset;
use crate::tables::{for_each_row, Table, Value};
use rusqlite::types::ToSqlOutput;
use rusqlite::{params_from_iter, Connection, ToSql};
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
    let mut parts: Vec<String> = table
        .columns()
        .iter()
        .map(|c| {
            let mut s = format!("{} {}", c.name, c.ty.sql());
            if !c.nullable {
                s.push_str(" NOT NULL");
            }
            if c.name == table.primary_key() {
                s.push_str(" PRIMARY KEY");
            }
            s
        })
        .collect();
    for fk in table.foreign_keys() {
        parts.push(format!(
            "FOREIGN KEY ({}) REFERENCES {}({})",
            fk.column, fk.table, fk.references
        ));
    }
    format!(
        "CREATE TABLE {} (\n  {}\n)",
        table.name(),
        parts.join(",\n  ")
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

fn db_err(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| Error::output(path, e)
}

/// Writes the database to a temporary file beside `path`, then renames it into place.
pub fn write(ds: &Dataset, path: &Path, overwrite: bool, check: Check) -> Result<()> {
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
        let total = super::total_rows(ds);
        let mut done = 0u64;
        for table in Table::ALL {
            let cols = table.columns();
            let sql = format!(
                "INSERT INTO {} ({}) VALUES ({})",
                table.name(),
                cols.iter().map(|c| c.name).collect::<Vec<_>>().join(", "),
                vec!["?"; cols.len()].join(", ")
            );
            let mut stmt = tx.prepare(&sql).map_err(&err)?;
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
    staged.commit()
}
