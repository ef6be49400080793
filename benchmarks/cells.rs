//! Rows as SQLite values for the bare rusqlite loops (`mod cells;` in `bare_sqlite.rs` and
//! `bare_stream.rs`): converted before the timed part, so the loops time SQLite alone.

use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::ToSql;
use spendsense_gen::model::UserData;
use spendsense_gen::tables::{for_each_row, Table, Value};
use std::borrow::Cow;
use std::io::Write;

/// A value ready to bind: text borrowed from the dataset where it can be, dates pre-formatted.
pub enum Cell<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(Cow<'a, str>),
    Date([u8; 10]),
}

impl<'a> Cell<'a> {
    fn of(v: &Value<'a>) -> Cell<'a> {
        match v {
            Value::Null => Cell::Null,
            Value::Text(s) => Cell::Text(s.clone()),
            Value::Int(i) => Cell::Int(*i),
            Value::Money(c) => Cell::Real(*c as f64 / 100.0),
            Value::Float(f) => Cell::Real(*f),
            Value::Bool(b) => Cell::Int(*b as i64),
            Value::Date(d) => {
                let mut buf = [0u8; 10];
                write!(&mut buf[..], "{}", d.format("%Y-%m-%d")).expect("a date is 10 bytes");
                Cell::Date(buf)
            }
        }
    }
}

impl ToSql for Cell<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Cell::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Cell::Int(i) => ToSqlOutput::Owned(SqlValue::Integer(*i)),
            Cell::Real(f) => ToSqlOutput::Owned(SqlValue::Real(*f)),
            Cell::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Cell::Date(d) => ToSqlOutput::Borrowed(ValueRef::Text(d)),
        })
    }
}

/// Every row of `table` for `users`, flattened (row-major).
pub fn cells(users: &[UserData], table: Table) -> Vec<Cell<'_>> {
    let rows: usize = users.iter().map(|u| table.row_count(u)).sum();
    let mut out = Vec::with_capacity(rows * table.columns().len());
    for u in users {
        for_each_row(table, u, &mut |row| out.extend(row.iter().map(Cell::of)));
    }
    out
}

/// Same columns and declared types as the sink, without keys.
pub fn plain_create_sql(table: Table) -> String {
    let cols: Vec<String> = table
        .columns()
        .iter()
        .map(|c| {
            let null = if c.nullable { "" } else { " NOT NULL" };
            format!("{} {}{null}", c.name, c.ty.sql())
        })
        .collect();
    format!("CREATE TABLE {} ({})", table.name(), cols.join(", "))
}

/// `INSERT` of one row into `table`, every column bound.
pub fn insert_sql(table: Table) -> String {
    let names: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.name(),
        names.join(", "),
        vec!["?"; names.len()].join(", ")
    )
}
