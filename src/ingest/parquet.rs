//! One table's Parquet file (as `--format parquet` writes it: `parquet/<table>.parquet`) read
//! back as text cells, the form every reader of this module checks: `validate` and `load`
//! through [`super::source`], the detector through `detect::input::ParquetSource`. Any Arrow
//! type is read: values are written as Arrow displays them (dates `YYYY-MM-DD`, floats in their
//! shortest form, booleans `true`/`false`), so a column of the wrong type is found by the same
//! checks as a wrong CSV cell.

use arrow_array::{Array, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use std::fmt::Write;
use std::path::Path;

/// Rows decoded at a time.
const BATCH_ROWS: usize = 8 * 1024;

/// Part of a file that could not be decoded: what went wrong, and the first row not read.
#[derive(Debug)]
pub struct Undecodable {
    pub message: String,
    pub row: u64,
}

/// An open Parquet file: its column names, then its rows.
pub struct ParquetTable {
    /// Column names in the file's order.
    pub columns: Vec<String>,
    /// For each file column, its index in the decoded batches (`None`: not decoded).
    decoded: Vec<Option<usize>>,
    reader: ParquetRecordBatchReader,
}

impl ParquetTable {
    /// Opens `path`; `Err` is a message (not a Parquet file, unreadable footer, ...).
    pub fn open(path: &Path) -> std::result::Result<ParquetTable, String> {
        ParquetTable::open_columns(path, |_| true)
    }

    /// [`ParquetTable::open`] decoding only the columns whose name `keep` accepts (the others
    /// read as null); `columns` still lists them all.
    pub fn open_columns(
        path: &Path,
        keep: impl Fn(&str) -> bool,
    ) -> std::result::Result<ParquetTable, String> {
        let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|e| format!("not a Parquet file: {e}"))?;
        let columns: Vec<String> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let kept: Vec<usize> = (0..columns.len()).filter(|&i| keep(&columns[i])).collect();
        let mut decoded = vec![None; columns.len()];
        for (batch_index, &i) in kept.iter().enumerate() {
            decoded[i] = Some(batch_index);
        }
        let mask = ProjectionMask::roots(builder.parquet_schema(), kept);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| format!("not a Parquet file: {e}"))?;
        Ok(ParquetTable {
            columns,
            decoded,
            reader,
        })
    }

    /// Calls `f(row, cells)` for every row, `row` counting from 1 and `cells[k]` the text of
    /// file column `pos[k]` (`None` for a null, or where `pos[k]` is `None`). Stops at the first
    /// `Err` of `f`; a file that cannot be decoded gives `Ok(Err(Undecodable))`.
    pub fn for_each_row<E, F>(
        self,
        pos: &[Option<usize>],
        mut f: F,
    ) -> std::result::Result<std::result::Result<(), Undecodable>, E>
    where
        F: FnMut(u64, &[Option<&str>]) -> std::result::Result<(), E>,
    {
        let mut row = 0u64;
        let mut text: Vec<String> = vec![String::new(); pos.len()];
        let mut valid: Vec<bool> = vec![false; pos.len()];
        let options = FormatOptions::default();
        for batch in self.reader {
            let batch: RecordBatch = match batch {
                Ok(b) => b,
                Err(e) => {
                    return Ok(Err(Undecodable {
                        message: format!("cannot decode: {e}"),
                        row: row + 1,
                    }))
                }
            };
            let columns: Vec<Option<(&dyn Array, ArrayFormatter)>> = match pos
                .iter()
                .map(|p| {
                    p.and_then(|i| self.decoded[i])
                        .map(|i| {
                            let a = batch.column(i).as_ref();
                            ArrayFormatter::try_new(a, &options).map(|fmt| (a, fmt))
                        })
                        .transpose()
                })
                .collect::<std::result::Result<_, _>>()
            {
                Ok(c) => c,
                Err(e) => {
                    return Ok(Err(Undecodable {
                        message: format!("cannot read a column: {e}"),
                        row: row + 1,
                    }))
                }
            };
            for r in 0..batch.num_rows() {
                row += 1;
                for (k, col) in columns.iter().enumerate() {
                    text[k].clear();
                    valid[k] = false;
                    if let Some((a, fmt)) = col {
                        if a.is_valid(r) {
                            // Writing to a String cannot fail; a value Arrow cannot display is
                            // left empty (and then found missing).
                            valid[k] = write!(text[k], "{}", fmt.value(r)).is_ok();
                        }
                    }
                }
                let cells: Vec<Option<&str>> = text
                    .iter()
                    .zip(&valid)
                    .map(|(t, ok)| ok.then_some(t.as_str()))
                    .collect();
                f(row, &cells)?;
            }
        }
        Ok(Ok(()))
    }
}
