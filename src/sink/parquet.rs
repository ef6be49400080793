//! Parquet: a table declared as [`Column`]s written as Arrow record batches (Utf8, Int64,
//! Float64 — money as dollars —, Boolean, Date32), snappy-compressed, with dictionary encoding for
//! text and integer columns except free prose and unique ids. Used for the five data tables
//! (`--format parquet`: `parquet/<table>.parquet`) and the detector's `features/*.parquet`.
//!
//! The bytes depend only on the rows: no timestamps, a fixed `created_by`, fixed batch and row
//! group sizes, one thread per file.

use super::{Check, Staged, Writer, CHECK_EVERY};
use crate::detect::features::{for_each_row, FeatureTable};
use crate::detect::Detection;
use crate::error::{Error, Result};
use crate::model::UserData;
use crate::tables::{ColType, Column, Table, Value};
use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows per record batch handed to the writer.
pub const BATCH_ROWS: usize = 64 * 1024;
/// Rows per row group.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// The `created_by` recorded in every file (instead of the parquet crate's version string).
pub fn created_by() -> String {
    format!("spendsense-gen {}", crate::VERSION)
}

fn data_type(ty: ColType) -> DataType {
    match ty {
        ColType::Text => DataType::Utf8,
        ColType::Int => DataType::Int64,
        ColType::Money | ColType::Float => DataType::Float64,
        ColType::Bool => DataType::Boolean,
        ColType::Date => DataType::Date32,
    }
}

/// The Arrow schema of a table.
pub fn schema(cols: &[Column]) -> SchemaRef {
    Arc::new(Schema::new(
        cols.iter()
            .map(|c| Field::new(c.name, data_type(c.ty), c.nullable))
            .collect::<Vec<_>>(),
    ))
}

/// Writer settings: snappy, a fixed `created_by`, and dictionary encoding on text and integer
/// columns (few distinct values: window, frequency, status, persona lists) but not on floats
/// (nearly all distinct) nor on the `free_text` columns.
pub fn properties(cols: &[Column], free_text: &[&str]) -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(created_by())
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_dictionary_enabled(true);
    for c in cols {
        let dictionary = match c.ty {
            ColType::Text => !free_text.contains(&c.name),
            ColType::Int | ColType::Date => true,
            ColType::Money | ColType::Float | ColType::Bool => false,
        };
        if !dictionary {
            b = b.set_column_dictionary_enabled(ColumnPath::from(c.name), false);
        }
    }
    b.build()
}

enum Builder {
    Text(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Date(Date32Builder),
}

impl Builder {
    fn new(ty: ColType) -> Builder {
        match ty {
            ColType::Text => Builder::Text(StringBuilder::new()),
            ColType::Int => Builder::Int(Int64Builder::new()),
            ColType::Money | ColType::Float => Builder::Float(Float64Builder::new()),
            ColType::Bool => Builder::Bool(BooleanBuilder::new()),
            ColType::Date => Builder::Date(Date32Builder::new()),
        }
    }

    /// Appends a value; false if it does not fit the column's type.
    fn push(&mut self, v: &Value) -> bool {
        match (self, v) {
            (Builder::Text(b), Value::Text(s)) => b.append_value(s),
            (Builder::Text(b), Value::Null) => b.append_null(),
            (Builder::Int(b), Value::Int(i)) => b.append_value(*i),
            (Builder::Int(b), Value::Null) => b.append_null(),
            (Builder::Float(b), Value::Money(c)) => b.append_value(*c as f64 / 100.0),
            (Builder::Float(b), Value::Float(f)) => b.append_value(*f),
            (Builder::Float(b), Value::Null) => b.append_null(),
            (Builder::Bool(b), Value::Bool(x)) => b.append_value(*x),
            (Builder::Bool(b), Value::Null) => b.append_null(),
            (Builder::Date(b), Value::Date(d)) => {
                let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
                b.append_value((*d - epoch).num_days() as i32)
            }
            (Builder::Date(b), Value::Null) => b.append_null(),
            _ => return false,
        }
        true
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Float(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::Date(b) => Arc::new(b.finish()),
        }
    }
}

/// One Parquet file being written row by row (in batches of [`BATCH_ROWS`]).
pub struct TableWriter {
    /// The name shown in errors (the final path, not the temporary one).
    shown: PathBuf,
    cols: &'static [Column],
    schema: SchemaRef,
    builders: Vec<Builder>,
    pending: usize,
    writer: ArrowWriter<File>,
}

impl TableWriter {
    /// Creates `file` (a temporary path; `shown` is the path named in errors).
    pub fn create(
        file: &Path,
        shown: &Path,
        cols: &'static [Column],
        free_text: &[&str],
    ) -> Result<TableWriter> {
        let err = |e: &dyn std::fmt::Display| Error::output(shown, e);
        let f = File::create(file).map_err(|e| err(&e))?;
        let schema = schema(cols);
        let writer = ArrowWriter::try_new(f, schema.clone(), Some(properties(cols, free_text)))
            .map_err(|e| err(&e))?;
        Ok(TableWriter {
            shown: shown.to_path_buf(),
            cols,
            schema,
            builders: cols.iter().map(|c| Builder::new(c.ty)).collect(),
            pending: 0,
            writer,
        })
    }

    pub fn push(&mut self, row: &[Value]) -> Result<()> {
        if row.len() != self.cols.len() {
            return Err(Error::output(
                &self.shown,
                format!(
                    "a row has {} values for {} columns",
                    row.len(),
                    self.cols.len()
                ),
            ));
        }
        for ((b, v), c) in self.builders.iter_mut().zip(row).zip(self.cols) {
            if !b.push(v) || (matches!(v, Value::Null) && !c.nullable) {
                return Err(Error::output(
                    &self.shown,
                    format!("column {}: {v:?} does not fit {:?}", c.name, c.ty),
                ));
            }
        }
        self.pending += 1;
        if self.pending == BATCH_ROWS {
            self.flush_batch()?;
        }
        Ok(())
    }

    fn flush_batch(&mut self) -> Result<()> {
        if self.pending == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| Error::output(&self.shown, e))?;
        self.writer
            .write(&batch)
            .map_err(|e| Error::output(&self.shown, e))?;
        self.pending = 0;
        Ok(())
    }

    /// Writes the last batch and the footer, and closes the file.
    pub fn finish(mut self) -> Result<()> {
        self.flush_batch()?;
        self.writer
            .into_inner()
            .map_err(|e| Error::output(&self.shown, e))?;
        Ok(())
    }
}

/// Writes one detector table to `file` (`shown` names it in errors).
pub fn write_table(
    det: &Detection,
    table: FeatureTable,
    file: &Path,
    shown: &Path,
    done: &mut u64,
    total: u64,
    check: Check,
) -> Result<()> {
    let mut w = TableWriter::create(file, shown, table.columns(), table.free_text())?;
    let mut failed: Option<Error> = None;
    for_each_row(table, det, &mut |row| {
        if failed.is_some() {
            return;
        }
        if let Err(e) = w.push(row) {
            failed = Some(e);
            return;
        }
        *done += 1;
        if *done % CHECK_EVERY == 0 {
            if let Err(e) = check(*done, total) {
                failed = Some(e);
            }
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    w.finish()
}

/// Rows of the whole `features/` folder.
pub fn feature_rows(det: &Detection) -> u64 {
    FeatureTable::ALL
        .iter()
        .map(|t| t.row_count(det) as u64)
        .sum()
}

/// Writes `features/` (one `{table}.parquet` per [`FeatureTable`]) into a staged folder; commit
/// the returned [`Staged`] to move it into place.
pub fn stage_features(
    det: &Detection,
    dir: &Path,
    overwrite: bool,
    check: Check,
) -> Result<Staged> {
    let staged = Staged::new(dir, overwrite)?;
    std::fs::create_dir_all(staged.path()).map_err(|e| Error::output(dir, e))?;
    let total = feature_rows(det);
    let mut done = 0u64;
    for table in FeatureTable::ALL {
        let name = format!("{}.parquet", table.name());
        write_table(
            det,
            table,
            &staged.path().join(&name),
            &dir.join(&name),
            &mut done,
            total,
            check,
        )?;
    }
    Ok(staged)
}

/// Writes `features/` atomically (see [`stage_features`]).
pub fn write_features(det: &Detection, dir: &Path, overwrite: bool, check: Check) -> Result<()> {
    stage_features(det, dir, overwrite, check)?.commit()
}

/// Columns of a data table written without a dictionary: unique ids and free text.
fn plain_columns(table: Table) -> &'static [&'static str] {
    match table {
        Table::Users => &[
            "user_id",
            "name",
            "email",
            "created_at",
            "consent_updated_at",
        ],
        Table::Accounts => &["account_id"],
        Table::Transactions => &["transaction_id"],
        Table::Liabilities => &["account_id", "aprs"],
        Table::UserLabels => &["user_id"],
    }
}

/// A staged folder with one `<name>.parquet` per (name, columns, plain columns).
fn open_folder(
    dir: &Path,
    overwrite: bool,
    tables: &[(&str, &'static [Column], &[&str])],
) -> Result<(Staged, Vec<TableWriter>)> {
    let staged = Staged::new(dir, overwrite)?;
    std::fs::create_dir_all(staged.path()).map_err(|e| Error::output(dir, e))?;
    let mut files = Vec::new();
    for (name, cols, plain) in tables {
        let file = format!("{name}.parquet");
        files.push(TableWriter::create(
            &staged.path().join(&file),
            &dir.join(&file),
            cols,
            plain,
        )?);
    }
    Ok((staged, files))
}

/// Closes every file of a folder from [`open_folder`]; the folder stays staged.
fn finish_folder(staged: Staged, files: Vec<TableWriter>) -> Result<Staged> {
    for w in files {
        w.finish()?;
    }
    Ok(staged)
}

/// `parquet/` being written: one `<table>.parquet` per data table, rows in the order of the
/// other formats.
pub struct TablesWriter {
    staged: Staged,
    files: Vec<TableWriter>,
}

impl TablesWriter {
    pub fn open(dir: &Path, overwrite: bool) -> Result<TablesWriter> {
        let tables = Table::ALL.map(|t| (t.name(), t.columns(), plain_columns(t)));
        let (staged, files) = open_folder(dir, overwrite, &tables)?;
        Ok(TablesWriter { staged, files })
    }
}

impl Writer for TablesWriter {
    fn write(&mut self, users: &[UserData], _: Option<&Detection>) -> Result<()> {
        for (table, w) in Table::ALL.iter().zip(&mut self.files) {
            let mut failed: Option<Error> = None;
            for u in users {
                crate::tables::for_each_row(*table, u, &mut |row| {
                    if failed.is_none() {
                        failed = w.push(row).err();
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
        finish_folder(self.staged, self.files)
    }
}

/// `features/` being written from each chunk's detection: one `<table>.parquet` per
/// [`FeatureTable`], the same bytes as [`stage_features`] on the whole detection.
pub struct FeaturesWriter {
    staged: Staged,
    files: Vec<TableWriter>,
}

impl FeaturesWriter {
    pub fn open(dir: &Path, overwrite: bool) -> Result<FeaturesWriter> {
        let tables = FeatureTable::ALL.map(|t| (t.name(), t.columns(), t.free_text()));
        let (staged, files) = open_folder(dir, overwrite, &tables)?;
        Ok(FeaturesWriter { staged, files })
    }
}

impl Writer for FeaturesWriter {
    fn write(&mut self, _: &[UserData], det: Option<&Detection>) -> Result<()> {
        let det = det.expect("the driver detects when a writer needs it");
        for (table, w) in FeatureTable::ALL.iter().zip(&mut self.files) {
            let mut failed: Option<Error> = None;
            for_each_row(*table, det, &mut |row| {
                if failed.is_none() {
                    failed = w.push(row).err();
                }
            });
            if let Some(e) = failed {
                return Err(e);
            }
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Staged> {
        finish_folder(self.staged, self.files)
    }

    fn needs_detection(&self) -> bool {
        true
    }
}

/// A data table of `users` as Arrow record batches (of [`BATCH_ROWS`] rows), the schema the
/// Parquet files have: for handing to Python through the Arrow C stream interface.
pub fn record_batches(table: Table, users: &[UserData]) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let cols = table.columns();
    let schema = schema(cols);
    let mut builders: Vec<Builder> = cols.iter().map(|c| Builder::new(c.ty)).collect();
    let mut batches = Vec::new();
    let mut pending = 0usize;
    let mut failed: Option<Error> = None;
    let flush = |builders: &mut Vec<Builder>, batches: &mut Vec<RecordBatch>| -> Result<()> {
        let arrays: Vec<ArrayRef> = builders.iter_mut().map(Builder::finish).collect();
        let b = RecordBatch::try_new(schema.clone(), arrays)
            .map_err(|e| Error::invalid("table", e.to_string(), "rows that fit the schema"))?;
        batches.push(b);
        Ok(())
    };
    for u in users {
        crate::tables::for_each_row(table, u, &mut |row| {
            if failed.is_some() {
                return;
            }
            for ((b, v), c) in builders.iter_mut().zip(row).zip(cols) {
                if !b.push(v) {
                    failed = Some(Error::invalid(
                        "table",
                        format!("column {}: {v:?} does not fit {:?}", c.name, c.ty),
                        "rows that fit the schema",
                    ));
                    return;
                }
            }
            pending += 1;
        });
        if let Some(e) = failed.take() {
            return Err(e);
        }
        if pending >= BATCH_ROWS {
            flush(&mut builders, &mut batches)?;
            pending = 0;
        }
    }
    if pending > 0 || batches.is_empty() {
        flush(&mut builders, &mut batches)?;
    }
    Ok((schema, batches))
}
