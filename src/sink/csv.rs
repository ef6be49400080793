//! CSV: one file per table in a folder (`csv/users.csv`, ...), a header row, dollars with two
//! decimals, ISO dates, `true`/`false`, empty cells for null. The folder is staged and renamed;
//! the five files are written side by side as chunks of users arrive.

use super::manifest::HashingWriter;
use super::out_file::OutFile;
use super::{Staged, Writer};
use crate::detect::Detection;
use crate::error::{Error, Result};
use crate::model::UserData;
use crate::tables::{for_each_row, Table};
use std::fs::File;
use std::path::{Path, PathBuf};

/// The `csv/` folder being written.
pub struct CsvWriter {
    staged: Staged,
    files: Vec<(PathBuf, ::csv::Writer<HashingWriter<OutFile>>)>,
    fields: Vec<String>,
}

impl CsvWriter {
    /// Creates the folder (under its temporary name) and the five files with their headers.
    pub fn open(dir: &Path, overwrite: bool) -> Result<CsvWriter> {
        let staged = Staged::folder(dir, overwrite, |n| {
            Table::ALL
                .iter()
                .any(|t| n.strip_suffix(".csv") == Some(t.name()))
        })?;
        std::fs::create_dir_all(staged.path()).map_err(|e| Error::output(dir, e))?;
        let mut files = Vec::new();
        for table in Table::ALL {
            let name = format!("{}.csv", table.name());
            let shown = dir.join(&name);
            let file =
                File::create(staged.path().join(&name)).map_err(|e| Error::output(&shown, e))?;
            let mut w = ::csv::WriterBuilder::new()
                .buffer_capacity(1 << 20)
                .from_writer(HashingWriter::new(OutFile::new(file)));
            w.write_record(table.columns().iter().map(|c| c.name))
                .map_err(|e| Error::output(&shown, e))?;
            files.push((shown, w));
        }
        Ok(CsvWriter {
            staged,
            files,
            fields: Vec::new(),
        })
    }
}

impl Writer for CsvWriter {
    fn write(&mut self, users: &[UserData], _: Option<&Detection>) -> Result<()> {
        for (table, (shown, w)) in Table::ALL.iter().zip(&mut self.files) {
            let mut failed: Option<Error> = None;
            let fields = &mut self.fields;
            for u in users {
                for_each_row(*table, u, &mut |row| {
                    if failed.is_some() {
                        return;
                    }
                    fields.clear();
                    fields.extend(row.iter().map(|v| v.to_csv().into_owned()));
                    if let Err(e) = w.write_record(&*fields) {
                        failed = Some(Error::output(&*shown, e));
                    }
                });
                if let Some(e) = failed.take() {
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Staged> {
        let mut this = *self;
        for (shown, w) in this.files {
            let w = w
                .into_inner()
                .map_err(|e| Error::output(&shown, e.error()))?;
            this.staged.record(w.finish(&shown).1);
        }
        Ok(this.staged)
    }
}

/// Writes the `csv/` folder of `ds` and renames it into place.
pub fn write(
    ds: &crate::generate::Dataset,
    dir: &Path,
    overwrite: bool,
    check: super::Check,
) -> Result<()> {
    super::write_format(ds, crate::config::Format::Csv, dir, overwrite, check)
}
