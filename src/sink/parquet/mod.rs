//! Parquet: a table declared as [`Column`]s written as Arrow record batches (Utf8, Int64,
//! Float64 — money as dollars —, Boolean, Date32), snappy-compressed, with dictionary encoding for
//! text and integer columns except free prose and unique ids. Used for the five data tables
//! (`--format parquet`: `parquet/<table>.parquet`) and the detector's `features/*.parquet`.
//! The transactions file, nearly every row of a run, has the same schema and settings but its
//! column chunks are encoded from the records directly ([`transactions`], [`chunk`]).
//!
//! The bytes depend only on the rows and the batch boundaries (fixed: blocks of [`BLOCK_USERS`]
//! within each chunk of users; for transactions, only the rows), never on the thread count: no
//! timestamps, a fixed `created_by`, fixed row-group sizes, and columns encoded in parallel but
//! each by one task.

mod chunk;
mod transactions;

use super::manifest::{FileHash, HashingWriter};
use super::out_file::OutFile;
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
use arrow_schema::ArrowError;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use chrono::Datelike;
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnWriter, ArrowRowGroupWriterFactory};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding};
use parquet::errors::ParquetError;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows per record batch that [`TableWriter::push`] buffers (the detector tables).
pub const BATCH_ROWS: usize = 8 * 1024;
/// Rows per row group of a data table.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;
/// Rows per row group of the transactions file: its encoder buffers little per row (indices and
/// plain values), and the footer keeps metadata per row group until the end, so groups four
/// times the size keep a million-user file's footer (and the writer's memory) four times smaller.
pub const TRANSACTION_ROW_GROUP_ROWS: usize = 512 * 1024;
/// Rows per row group of a detector table (two rows per user: smaller groups, so the group
/// being encoded in memory fills after 16,384 users rather than 65,536).
pub const FEATURE_ROW_GROUP_ROWS: usize = 32 * 1024;

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
///
/// Min/max statistics are kept per row group (not per page: the page index would grow with the
/// file until the footer is written) for numbers, dates and the text columns in `keys` (ids
/// sort in user order, so a reader can skip row groups by id). Other text columns have none:
/// comparing every category or name costs more than such a statistic is worth.
pub fn properties(
    cols: &[Column],
    free_text: &[&str],
    keys: &[&str],
    row_group_rows: usize,
) -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(created_by())
        .set_max_row_group_row_count(Some(row_group_rows))
        .set_dictionary_enabled(true)
        .set_statistics_enabled(EnabledStatistics::Chunk);
    for c in cols {
        let dictionary = match c.ty {
            ColType::Text => !free_text.contains(&c.name),
            ColType::Int | ColType::Date => true,
            ColType::Money | ColType::Float | ColType::Bool => false,
        };
        if !dictionary {
            b = b.set_column_dictionary_enabled(ColumnPath::from(c.name), false);
        }
        if c.ty == ColType::Text && !keys.contains(&c.name) {
            b = b.set_column_statistics_enabled(ColumnPath::from(c.name), EnabledStatistics::None);
        }
        // A key without a dictionary (an id: a shared prefix, then random base-62) is written
        // DELTA_BYTE_ARRAY and uncompressed ([`chunk::delta_byte_array`]).
        if c.ty == ColType::Text && !dictionary && keys.contains(&c.name) {
            b = b
                .set_column_encoding(ColumnPath::from(c.name), Encoding::DELTA_BYTE_ARRAY)
                .set_column_compression(ColumnPath::from(c.name), Compression::UNCOMPRESSED);
        }
    }
    b.build()
}

/// The text columns of a data table that keep statistics: its primary and foreign keys.
pub fn key_columns(table: Table) -> Vec<&'static str> {
    std::iter::once(table.primary_key())
        .chain(table.foreign_keys().iter().map(|k| k.column))
        .collect()
}

/// The text column of the detector's tables that keeps statistics.
const FEATURE_KEYS: &[&str] = &["user_id"];

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
            (Builder::Date(b), Value::Date(d)) => b.append_value(date32(*d)),
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

/// One Parquet file. Rows arrive one at a time ([`TableWriter::push`], buffered into record
/// batches of [`BATCH_ROWS`]) or as record batches ([`TableWriter::write_batches`]); either way
/// the columns of a row group are encoded in parallel (one rayon task per column, in the pool
/// the caller runs in) and the row group is written to the file when it holds
/// its row-group size. The bytes are those of an `ArrowWriter` fed the same batches: they
/// depend on the rows and the batch boundaries, never on the thread count.
pub struct TableWriter {
    /// The name shown in errors (the final path, not the temporary one).
    shown: PathBuf,
    cols: &'static [Column],
    schema: SchemaRef,
    builders: Vec<Builder>,
    pending: usize,
    file: SerializedFileWriter<HashingWriter<OutFile>>,
    factory: ArrowRowGroupWriterFactory,
    /// The open row group's column writers, one per column.
    columns: Vec<ArrowColumnWriter>,
    /// Rows in the open row group.
    group_rows: usize,
    /// Rows per row group.
    group_limit: usize,
}

impl TableWriter {
    /// Creates `file` (a temporary path; `shown` is the path named in errors).
    pub fn create(
        file: &Path,
        shown: &Path,
        cols: &'static [Column],
        free_text: &[&str],
        keys: &[&str],
        group_limit: usize,
    ) -> Result<TableWriter> {
        let err = |e: &dyn std::fmt::Display| Error::output(shown, e);
        let f = HashingWriter::new(OutFile::new(File::create(file).map_err(|e| err(&e))?));
        let schema = schema(cols);
        let props = properties(cols, free_text, keys, group_limit);
        // The ArrowWriter records the Arrow schema in the footer's metadata; its lower half
        // then encodes columns separately.
        let (file, factory) = ArrowWriter::try_new(f, schema.clone(), Some(props))
            .and_then(ArrowWriter::into_serialized_writer)
            .map_err(|e| err(&e))?;
        let columns = factory.create_column_writers(0).map_err(|e| err(&e))?;
        Ok(TableWriter {
            shown: shown.to_path_buf(),
            cols,
            schema,
            builders: cols.iter().map(|c| Builder::new(c.ty)).collect(),
            pending: 0,
            file,
            factory,
            columns,
            group_rows: 0,
            group_limit,
        })
    }

    pub fn push(&mut self, row: &[Value]) -> Result<()> {
        if let Err(msg) = push_row(&mut self.builders, self.cols, row) {
            return Err(Error::output(&self.shown, msg));
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
        let batch = finish_batch(&self.schema, &mut self.builders)
            .map_err(|e| Error::output(&self.shown, e))?;
        self.pending = 0;
        self.write_batches(&[batch])
    }

    /// Writes `batches` (of this table's schema) after the rows written so far.
    pub fn write_batches(&mut self, batches: &[RecordBatch]) -> Result<()> {
        let mut segment: Vec<RecordBatch> = Vec::new();
        for b in batches {
            let mut at = 0;
            while at < b.num_rows() {
                let n = (b.num_rows() - at).min(self.group_limit - self.group_rows);
                segment.push(b.slice(at, n));
                at += n;
                self.group_rows += n;
                if self.group_rows == self.group_limit {
                    self.encode(&segment)?;
                    segment.clear();
                    self.close_row_group()?;
                }
            }
        }
        self.encode(&segment)
    }

    /// Encodes `batches` into the open row group, each column in a task of its own.
    fn encode(&mut self, batches: &[RecordBatch]) -> Result<()> {
        if batches.is_empty() {
            return Ok(());
        }
        let fields = self.schema.fields();
        self.columns
            .par_iter_mut()
            .enumerate()
            .try_for_each(|(i, w)| {
                for b in batches {
                    for leaf in compute_leaves(&fields[i], b.column(i))? {
                        w.write(&leaf)?;
                    }
                }
                Ok(())
            })
            .map_err(|e: ParquetError| Error::output(&self.shown, e))
    }

    /// Closes the open row group's columns (in parallel) and appends it to the file.
    fn close_row_group(&mut self) -> Result<()> {
        let err = |e: ParquetError| Error::output(&self.shown, e);
        let next = self
            .factory
            .create_column_writers(self.file.flushed_row_groups().len() + 1)
            .map_err(err)?;
        let columns = std::mem::replace(&mut self.columns, next);
        let chunks = columns
            .into_par_iter()
            .map(ArrowColumnWriter::close)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(err)?;
        let mut group = self.file.next_row_group().map_err(err)?;
        for c in chunks {
            c.append_to_row_group(&mut group).map_err(err)?;
        }
        group.close().map_err(err)?;
        self.group_rows = 0;
        Ok(())
    }

    /// Writes the last batch, the last row group and the footer, and closes the file; returns
    /// the file's hash (under its final name).
    pub fn finish(mut self) -> Result<FileHash> {
        self.flush_batch()?;
        if self.group_rows > 0 {
            self.close_row_group()?;
        }
        let mut w = self
            .file
            .into_inner()
            .map_err(|e| Error::output(&self.shown, e))?;
        w.flush().map_err(|e| Error::output(&self.shown, e))?;
        Ok(w.finish(&self.shown).1)
    }
}

/// Appends one row to the builders of `cols`; the error says which value does not fit.
fn push_row(
    builders: &mut [Builder],
    cols: &[Column],
    row: &[Value],
) -> std::result::Result<(), String> {
    if row.len() != cols.len() {
        return Err(format!(
            "a row has {} values for {} columns",
            row.len(),
            cols.len()
        ));
    }
    for ((b, v), c) in builders.iter_mut().zip(row).zip(cols) {
        if !b.push(v) || (matches!(v, Value::Null) && !c.nullable) {
            return Err(format!("column {}: {v:?} does not fit {:?}", c.name, c.ty));
        }
    }
    Ok(())
}

/// The builders' rows as one record batch (the builders are left empty).
fn finish_batch(
    schema: &SchemaRef,
    builders: &mut [Builder],
) -> std::result::Result<RecordBatch, ArrowError> {
    let arrays: Vec<ArrayRef> = builders.iter_mut().map(Builder::finish).collect();
    RecordBatch::try_new(schema.clone(), arrays)
}

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01, Arrow's `Date32` epoch.
const UNIX_EPOCH_FROM_CE: i32 = 719_163;

fn date32(d: chrono::NaiveDate) -> i32 {
    d.num_days_from_ce() - UNIX_EPOCH_FROM_CE
}

/// The transactions of `users` as one record batch, built column by column: the same arrays as
/// the generic row reader ([`crate::tables::for_each_row`]) gives through [`push_row`] (a test
/// compares them), at a fraction of the cost, since this table holds nearly every row.
fn transactions_batch(
    schema: &SchemaRef,
    users: &[UserData],
) -> std::result::Result<RecordBatch, ArrowError> {
    use std::fmt::Write;
    let n: usize = users.iter().map(|u| u.transactions.len()).sum();
    let text = |bytes: usize| StringBuilder::with_capacity(n, n * bytes);
    let (mut id, mut account, mut user) = (text(26), text(26), text(12));
    let (mut date, mut authorized) = (
        Date32Builder::with_capacity(n),
        Date32Builder::with_capacity(n),
    );
    let mut amount = Float64Builder::with_capacity(n);
    let (mut currency, mut unofficial) = (text(3), text(0));
    let (mut name, mut merchant, mut entity) = (text(24), text(12), text(20));
    let (mut channel, mut primary, mut detailed, mut confidence) =
        (text(8), text(16), text(32), text(9));
    let mut pending = BooleanBuilder::with_capacity(n);
    let mut pending_id = text(0);
    for u in users {
        let uid = u.user.user_id.as_str();
        for (i, x) in u.transactions.iter().enumerate() {
            id.write_str(crate::model::TRANSACTION_ID_PREFIX)
                .and_then(|()| id.write_str(u.transaction_id_tail(i).as_str()))
                .expect("a string builder takes any text");
            id.append_value("");
            account.append_value(&u.accounts[x.account as usize].account_id);
            user.append_value(uid);
            date.append_value(date32(x.date));
            authorized.append_value(date32(x.authorized_date));
            amount.append_value(x.amount as f64 / 100.0);
            currency.append_value("USD");
            unofficial.append_null();
            name.append_value(&x.name);
            merchant.append_option(x.merchant_name);
            entity.append_option(x.merchant_entity_id());
            channel.append_value(x.payment_channel.as_str());
            primary.append_value(crate::sim::merchants::pfc_primary(x.pfc_detailed));
            detailed.append_value(x.pfc_detailed);
            confidence.append_value(x.pfc_confidence_level());
            pending.append_value(x.pending);
            pending_id.append_option(x.pending_transaction_id());
        }
    }
    let arrays: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(account.finish()),
        Arc::new(user.finish()),
        Arc::new(date.finish()),
        Arc::new(authorized.finish()),
        Arc::new(amount.finish()),
        Arc::new(currency.finish()),
        Arc::new(unofficial.finish()),
        Arc::new(name.finish()),
        Arc::new(merchant.finish()),
        Arc::new(entity.finish()),
        Arc::new(channel.finish()),
        Arc::new(primary.finish()),
        Arc::new(detailed.finish()),
        Arc::new(confidence.finish()),
        Arc::new(pending.finish()),
        Arc::new(pending_id.finish()),
    ];
    RecordBatch::try_new(schema.clone(), arrays)
}

/// Users per record batch when a data table is converted in parallel: a fixed number, so the
/// batch boundaries (and so the bytes of the file) do not depend on the thread count.
pub const BLOCK_USERS: usize = 64;

/// A data table of `users` as record batches of [`BLOCK_USERS`] users each, built in parallel
/// (in the caller's rayon pool), in user order. Blocks without rows give no batch.
pub fn table_batches(
    table: Table,
    schema: &SchemaRef,
    users: &[UserData],
) -> std::result::Result<Vec<RecordBatch>, String> {
    let cols = table.columns();
    let batches = users
        .par_chunks(BLOCK_USERS)
        .map(|block| {
            if table == Table::Transactions {
                return transactions_batch(schema, block)
                    .map(|b| (b.num_rows() > 0).then_some(b))
                    .map_err(|e| e.to_string());
            }
            let mut builders: Vec<Builder> = cols.iter().map(|c| Builder::new(c.ty)).collect();
            let mut rows = 0usize;
            let mut failed = None;
            for u in block {
                crate::tables::for_each_row(table, u, &mut |row| {
                    if failed.is_none() {
                        failed = push_row(&mut builders, cols, row).err();
                        rows += 1;
                    }
                });
            }
            if let Some(e) = failed {
                return Err(e);
            }
            if rows == 0 {
                return Ok(None);
            }
            finish_batch(schema, &mut builders)
                .map(Some)
                .map_err(|e| e.to_string())
        })
        .collect::<std::result::Result<Vec<_>, String>>()?;
    Ok(batches.into_iter().flatten().collect())
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
) -> Result<FileHash> {
    let mut w = TableWriter::create(
        file,
        shown,
        table.columns(),
        table.free_text(),
        FEATURE_KEYS,
        FEATURE_ROW_GROUP_ROWS,
    )?;
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
    let mut staged = Staged::folder(dir, overwrite, feature_file)?;
    std::fs::create_dir_all(staged.path()).map_err(|e| Error::output(dir, e))?;
    let total = feature_rows(det);
    let mut done = 0u64;
    for table in FeatureTable::ALL {
        let name = format!("{}.parquet", table.name());
        let hash = write_table(
            det,
            table,
            &staged.path().join(&name),
            &dir.join(&name),
            &mut done,
            total,
            check,
        )?;
        staged.record(hash);
    }
    Ok(staged)
}

/// Writes `features/` atomically (see [`stage_features`]).
pub fn write_features(det: &Detection, dir: &Path, overwrite: bool, check: Check) -> Result<()> {
    stage_features(det, dir, overwrite, check)?.commit()
}

/// A file of `parquet/`: `<table>.parquet`.
fn table_file(name: &str) -> bool {
    Table::ALL
        .iter()
        .any(|t| name.strip_suffix(".parquet") == Some(t.name()))
}

/// A file of `features/`: `<signal family>.parquet` or `persona_assignments.parquet`.
fn feature_file(name: &str) -> bool {
    FeatureTable::ALL
        .iter()
        .any(|t| name.strip_suffix(".parquet") == Some(t.name()))
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

/// A file of a folder and its settings.
struct FileSpec<'a> {
    name: &'a str,
    cols: &'static [Column],
    /// Columns without a dictionary.
    plain: &'a [&'a str],
    /// Text columns with statistics.
    keys: Vec<&'a str>,
    row_group_rows: usize,
}

/// A staged folder with one `<name>.parquet` per [`FileSpec`].
fn open_folder(
    dir: &Path,
    overwrite: bool,
    tables: &[FileSpec],
    ours: fn(&str) -> bool,
) -> Result<(Staged, Vec<TableWriter>)> {
    let staged = Staged::folder(dir, overwrite, ours)?;
    std::fs::create_dir_all(staged.path()).map_err(|e| Error::output(dir, e))?;
    let mut files = Vec::new();
    for t in tables {
        let file = format!("{}.parquet", t.name);
        files.push(TableWriter::create(
            &staged.path().join(&file),
            &dir.join(&file),
            t.cols,
            t.plain,
            &t.keys,
            t.row_group_rows,
        )?);
    }
    Ok((staged, files))
}

/// Closes every file of a folder from [`open_folder`]; the folder stays staged.
fn finish_folder(mut staged: Staged, files: Vec<TableWriter>) -> Result<Staged> {
    for w in files {
        staged.record(w.finish()?);
    }
    Ok(staged)
}

/// `parquet/` being written: one `<table>.parquet` per data table, rows in the order of the
/// other formats. The transactions file encodes its own column chunks
/// ([`transactions::TransactionsFile`]); the other tables go through record batches.
pub struct TablesWriter {
    staged: Staged,
    /// The tables other than transactions, in [`Table::ALL`] order.
    tables: Vec<Table>,
    files: Vec<TableWriter>,
    transactions: transactions::TransactionsFile,
}

impl TablesWriter {
    pub fn open(dir: &Path, overwrite: bool) -> Result<TablesWriter> {
        let tables: Vec<Table> = Table::ALL
            .into_iter()
            .filter(|t| *t != Table::Transactions)
            .collect();
        let specs: Vec<FileSpec> = tables
            .iter()
            .map(|t| FileSpec {
                name: t.name(),
                cols: t.columns(),
                plain: plain_columns(*t),
                keys: key_columns(*t),
                row_group_rows: ROW_GROUP_ROWS,
            })
            .collect();
        let (staged, files) = open_folder(dir, overwrite, &specs, table_file)?;
        let name = format!("{}.parquet", Table::Transactions.name());
        let transactions =
            transactions::TransactionsFile::create(&staged.path().join(&name), &dir.join(&name))?;
        Ok(TablesWriter {
            staged,
            tables,
            files,
            transactions,
        })
    }
}

impl Writer for TablesWriter {
    fn write(&mut self, users: &[UserData], _: Option<&Detection>) -> Result<()> {
        // The transactions' columns are encoded in parallel with the other tables, whose rows
        // become record batches in parallel before each file encodes its columns in parallel.
        let (tx, rest) = rayon::join(
            || self.transactions.write(users),
            || -> Result<()> {
                let schemas: Vec<SchemaRef> = self.files.iter().map(|w| w.schema.clone()).collect();
                let batches: Vec<_> = self
                    .tables
                    .par_iter()
                    .zip(&schemas)
                    .map(|(table, schema)| table_batches(*table, schema, users))
                    .collect();
                for (w, b) in self.files.iter_mut().zip(batches) {
                    let b = b.map_err(|e| Error::output(&w.shown, e))?;
                    w.write_batches(&b)?;
                }
                Ok(())
            },
        );
        tx.and(rest)
    }

    fn finish(self: Box<Self>) -> Result<Staged> {
        let mut staged = finish_folder(self.staged, self.files)?;
        staged.record(self.transactions.finish()?);
        Ok(staged)
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
        let tables = FeatureTable::ALL.map(|t| FileSpec {
            name: t.name(),
            cols: t.columns(),
            plain: t.free_text(),
            keys: FEATURE_KEYS.to_vec(),
            row_group_rows: FEATURE_ROW_GROUP_ROWS,
        });
        let (staged, files) = open_folder(dir, overwrite, &tables, feature_file)?;
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

/// A data table of `users` as Arrow record batches (of [`BLOCK_USERS`] users each), the schema
/// the Parquet files have: for handing to Python through the Arrow C stream interface.
pub fn record_batches(table: Table, users: &[UserData]) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let schema = schema(table.columns());
    let mut batches = table_batches(table, &schema, users)
        .map_err(|e| Error::invalid("table", e, "rows that fit the schema"))?;
    if batches.is_empty() {
        batches.push(RecordBatch::new_empty(schema.clone()));
    }
    Ok((schema, batches))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// The column-by-column transactions batch equals the one the generic row reader builds.
    #[test]
    fn transactions_batch_matches_the_row_reader() {
        let config = Config::from_value(&serde_json::json!({"n_users": 60, "seed": 7})).unwrap();
        let ds = crate::generate(&config, Some(1), &mut |_, _| Ok(())).unwrap();
        let cols = Table::Transactions.columns();
        let schema = schema(cols);
        let mut builders: Vec<Builder> = cols.iter().map(|c| Builder::new(c.ty)).collect();
        for u in &ds.users {
            crate::tables::for_each_row(Table::Transactions, u, &mut |row| {
                push_row(&mut builders, cols, row).unwrap();
            });
        }
        let generic = finish_batch(&schema, &mut builders).unwrap();
        let fast = transactions_batch(&schema, &ds.users).unwrap();
        assert!(generic.num_rows() > 10_000);
        assert_eq!(generic, fast);
        // And a data table's batches cover every row once, in order.
        let batches = table_batches(Table::Transactions, &schema, &ds.users).unwrap();
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0], fast);
    }
}
