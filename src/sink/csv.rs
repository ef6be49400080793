//! CSV: one file per table in a folder (`csv/users.csv`, ...), a header row, dollars with two
//! decimals, ISO dates, `true`/`false`, empty cells for null. The folder is staged and renamed.

use super::{Check, Staged, CHECK_EVERY};
use crate::error::{Error, Result};
use crate::generate::Dataset;
use crate::tables::{for_each_row, Table};
use std::path::Path;

/// Writes the folder and renames it into place.
pub fn write(ds: &Dataset, dir: &Path, overwrite: bool, check: Check) -> Result<()> {
    stage(ds, dir, overwrite, check)?.commit()
}

/// Writes the folder under its temporary name; the caller commits it.
pub fn stage(ds: &Dataset, dir: &Path, overwrite: bool, check: Check) -> Result<Staged> {
    let staged = Staged::new(dir, overwrite)?;
    std::fs::create_dir_all(staged.path()).map_err(|e| Error::output(dir, e))?;
    let total = super::total_rows(ds);
    let mut done = 0u64;
    for table in Table::ALL {
        let file = staged.path().join(format!("{}.csv", table.name()));
        let err = |e: csv::Error| Error::output(dir.join(format!("{}.csv", table.name())), e);
        let mut w = csv::WriterBuilder::new()
            .buffer_capacity(1 << 20)
            .from_path(&file)
            .map_err(err)?;
        w.write_record(table.columns().iter().map(|c| c.name))
            .map_err(err)?;
        let mut failed: Option<Error> = None;
        let mut fields: Vec<String> = Vec::new();
        for u in &ds.users {
            for_each_row(table, u, &mut |row| {
                if failed.is_some() {
                    return;
                }
                fields.clear();
                fields.extend(row.iter().map(|v| v.to_csv().into_owned()));
                if let Err(e) = w.write_record(&fields) {
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
        w.flush().map_err(|e| Error::output(&file, e))?;
    }
    Ok(staged)
}
