//! Data coming in: [`validate`] checks a SQLite database, a CSV or Parquet folder or a `users.json` against
//! the schema, Plaid's enums and the ledger's rules and reports every failure with its location;
//! [`load`] reads CSV, Parquet or JSON into a SQLite database in one transaction and leaves the database
//! as it was when anything is wrong.
//!
//! - `source.rs`: reading rows (CSV lines, SQLite rowids, JSON paths) as text cells, tolerantly.
//! - `json_rows.rs`: one `users.json` user back into table rows.
//! - `parquet.rs`: one table's Parquet file as text cells.
//! - `check.rs`: the rules, row by row and across rows.
//! - `report.rs`: findings, rules, the report (JSON and summary).
//! - `load.rs`: the loader.
//! - `plaid_ref.rs`: Plaid's enumerations and taxonomy (copies of Plaid's files).
//! - `memory.rs`: the check, before reading, that the data fits in memory.

pub mod check;
pub mod json_rows;
pub mod load;
pub mod memory;
pub mod parquet;
pub mod plaid_ref;
pub mod report;
pub mod source;

pub use load::{load, Loaded};
pub use report::{Finding, Report, Rule};
pub use source::Kind;

use crate::error::Result;
use std::path::Path;

/// Validates the data at `path` (a SQLite file, a folder of CSV or Parquet files or a JSON
/// document).
/// Problems with the data are in the report; `Err` only when `path` is not something to read.
pub fn validate(path: &Path) -> Result<Report> {
    let kind = Kind::detect(path)?;
    let room = memory::check(memory::Reader::Validate, kind, path)?;
    let mut checker = check::Checker::new(kind);
    checker.reserve_transactions(room);
    let meta = source::scan(kind, path, &mut checker)?;
    let window = checker.finish(&meta, None, true);
    Ok(checker.into_report(path, meta, window))
}
