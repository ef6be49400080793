//! The only pyo3 code (cargo feature `python`): a thin wrapper that converts arguments, releases
//! the GIL while Rust works, checks for Ctrl-C between chunks, hands numeric columns to NumPy
//! without copying, and maps [`Error`] variants to the exception classes in
//! `python/spendsense_gen/errors.py`.

use crate::config::{Config, Format};
use crate::detect::features::{self, FeatureTable};
use crate::detect::WINDOWS;
use crate::error::Error;
use crate::generate::Dataset;
use crate::sink::detection::{self, Detected};
use crate::tables::{for_each_row, ColType, Column, Table, Value};
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;
use std::sync::Mutex;

fn py_err(py: Python<'_>, e: Error) -> PyErr {
    let msg = e.to_string();
    let module = match py.import("spendsense_gen.errors") {
        Ok(m) => m,
        Err(err) => return err,
    };
    let made = match &e {
        Error::InvalidParameter {
            parameter, allowed, ..
        } => module
            .getattr("InvalidParameterError")
            .and_then(|c| c.call1((msg, parameter.as_str(), allowed.as_str()))),
        Error::UnknownKey { key, known } => module
            .getattr("UnknownKeyError")
            .and_then(|c| c.call1((msg, key.as_str(), known.as_str()))),
        Error::ConfigFile { path, .. } => module
            .getattr("ConfigFileError")
            .and_then(|c| c.call1((msg, path.to_string_lossy().to_string()))),
        Error::OutputExists { path } | Error::TableExists { path, .. } => module
            .getattr("OutputExistsError")
            .and_then(|c| c.call1((msg, path.to_string_lossy().to_string()))),
        Error::Output { path, .. } => module
            .getattr("OutputError")
            .and_then(|c| c.call1((msg, path.to_string_lossy().to_string()))),
        Error::InvalidData {
            path,
            report,
            summary,
            ..
        } => module.getattr("InvalidDataError").and_then(|c| {
            c.call1((
                msg,
                path.to_string_lossy().to_string(),
                report.to_string(),
                summary.as_str(),
            ))
        }),
        Error::TooLarge {
            path,
            needed,
            limit,
            ..
        } => module
            .getattr("DataTooLargeError")
            .and_then(|c| c.call1((msg, path.to_string_lossy().to_string(), *needed, *limit))),
        Error::Interrupted => return pyo3::exceptions::PyKeyboardInterrupt::new_err(msg),
    };
    match made {
        Ok(obj) => PyErr::from_value(obj),
        Err(err) => err,
    }
}

/// Runs `work` without the GIL. `work` gets a progress function that, with the GIL, checks for
/// signals and calls the optional Python callback; a Python exception there stops the work and is
/// re-raised as it was.
fn run_detached<T: Send>(
    py: Python<'_>,
    callback: Option<Py<PyAny>>,
    work: impl FnOnce(&mut dyn FnMut(u64, u64) -> crate::Result<()>) -> crate::Result<T> + Send,
) -> PyResult<T> {
    let raised: Mutex<Option<PyErr>> = Mutex::new(None);
    let result = py.detach(|| {
        let mut progress = |done: u64, total: u64| -> crate::Result<()> {
            Python::attach(|py| {
                let r = py.check_signals().and_then(|_| match &callback {
                    Some(cb) => cb.call1(py, (done, total)).map(|_| ()),
                    None => Ok(()),
                });
                r.map_err(|e| {
                    *raised.lock().unwrap() = Some(e);
                    Error::Interrupted
                })
            })
        };
        work(&mut progress)
    });
    if let Some(e) = raised.into_inner().unwrap() {
        return Err(e);
    }
    result.map_err(|e| py_err(py, e))
}

/// A generated dataset held in Rust memory.
#[pyclass(frozen, module = "spendsense_gen._core")]
struct CoreDataset {
    inner: Dataset,
}

fn parse_config(py: Python<'_>, config_json: &str) -> PyResult<Config> {
    Config::from_json(config_json).map_err(|e| py_err(py, e))
}

#[pyfunction]
fn resolve_config(py: Python<'_>, config_json: &str) -> PyResult<String> {
    Ok(parse_config(py, config_json)?.to_value().to_string())
}

#[pyfunction]
fn read_config_file(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    Config::read_file(&path)
        .map(|v| v.to_string())
        .map_err(|e| py_err(py, e))
}

#[pyfunction]
#[pyo3(signature = (config_json, threads=None, progress=None, shard=None))]
fn generate(
    py: Python<'_>,
    config_json: &str,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
    shard: Option<(u64, u64)>,
) -> PyResult<CoreDataset> {
    let config = parse_config(py, config_json)?;
    let shard = shard
        .map(|(k, n)| crate::generate::Shard::new(k, n, config.n_users))
        .transpose()
        .map_err(|e| py_err(py, e))?;
    let inner = run_detached(py, progress, |p| {
        crate::generate::generate_shard(&config, threads, shard, p)
    })?;
    Ok(CoreDataset { inner })
}

fn formats(py: Python<'_>, names: Vec<String>) -> PyResult<Vec<Format>> {
    names
        .iter()
        .map(|n| {
            Format::parse(n).ok_or_else(|| {
                py_err(
                    py,
                    Error::invalid(
                        "formats",
                        format!("unknown format '{n}'"),
                        "sqlite, csv, json, parquet, plaid, plaid-sandbox",
                    ),
                )
            })
        })
        .collect()
}

#[pymethods]
impl CoreDataset {
    #[getter]
    fn n_users(&self) -> usize {
        self.inner.users.len()
    }

    /// `(k, n)` for shard k of n, else None.
    #[getter]
    fn shard(&self) -> Option<(u64, u64)> {
        self.inner.shard.map(|s| (s.index, s.count))
    }

    /// The first and one-past-the-last user index held.
    #[getter]
    fn user_range(&self) -> (u64, u64) {
        let r = self.inner.user_range();
        (r.start, r.end)
    }

    #[getter]
    fn config_json(&self) -> String {
        self.inner.config.to_value().to_string()
    }

    #[getter]
    fn start_date(&self) -> String {
        self.inner.config.start_date().to_string()
    }

    #[getter]
    fn end_date(&self) -> String {
        self.inner.config.end_date.to_string()
    }

    fn table_names(&self) -> Vec<&'static str> {
        Table::ALL.iter().map(|t| t.name()).collect()
    }

    /// (name, type, nullable) per column; type is text, int, money, float, bool or date.
    fn columns(
        &self,
        py: Python<'_>,
        table: &str,
    ) -> PyResult<Vec<(&'static str, &'static str, bool)>> {
        let t = table_of(py, table)?;
        Ok(t.columns()
            .iter()
            .map(|c| (c.name, type_name(c.ty), c.nullable))
            .collect())
    }

    /// Columns of one table: NumPy arrays for numbers (float64 dollars, int64, bool, and dates as
    /// int64 days since 1970-01-01 with i64::MIN for null), `object` arrays of str/None for text.
    fn table<'py>(&self, py: Python<'py>, table: &str) -> PyResult<Bound<'py, PyDict>> {
        let t = table_of(py, table)?;
        let n: usize = self.inner.users.iter().map(|u| t.row_count(u)).sum();
        let cols = t.columns().iter().map(|c| (c.name.to_string(), *c));
        let mut out = Columns::new(cols, n);
        py.detach(|| {
            for u in &self.inner.users {
                for_each_row(t, u, &mut |row| out.push(row));
            }
        });
        out.into_dict(py)
    }

    /// Writes the formats into `out_dir`, the detector's outputs, and manifest.json; returns the
    /// manifest and the detector's report as JSON text.
    #[pyo3(signature = (out_dir, formats, overwrite=false, progress=None))]
    fn write(
        &self,
        py: Python<'_>,
        out_dir: PathBuf,
        formats: Vec<String>,
        overwrite: bool,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<(String, String)> {
        let fs = self::formats(py, formats)?;
        let ds = &self.inner;
        let w = run_detached(py, progress, |p| {
            crate::sink::write_all(ds, &out_dir, &fs, overwrite, p)
        })?;
        Ok((
            serde_json::to_string_pretty(&w.manifest.value).unwrap(),
            w.report.to_string(),
        ))
    }

    /// Writes the database: the five tables and the detector's `persona_assignments`.
    #[pyo3(signature = (path, overwrite=false))]
    fn write_sqlite(&self, py: Python<'_>, path: PathBuf, overwrite: bool) -> PyResult<()> {
        let ds = &self.inner;
        run_detached(py, None, |p| {
            crate::sink::write_format(ds, Format::Sqlite, &path, overwrite, p)
        })
    }

    #[pyo3(signature = (path, overwrite=false))]
    fn write_csv(&self, py: Python<'_>, path: PathBuf, overwrite: bool) -> PyResult<()> {
        let ds = &self.inner;
        run_detached(py, None, |p| {
            crate::sink::csv::write(ds, &path, overwrite, p)
        })
    }

    #[pyo3(signature = (path, overwrite=false))]
    fn write_json(&self, py: Python<'_>, path: PathBuf, overwrite: bool) -> PyResult<()> {
        let ds = &self.inner;
        run_detached(py, None, |p| {
            crate::sink::json::write(ds, &path, overwrite, p)
        })
    }

    /// One table as Arrow record batches, exported through the Arrow PyCapsule interface
    /// (`__arrow_c_stream__`): `pyarrow.table(...)`, `polars.DataFrame(...)` and DuckDB import
    /// it without a copy.
    fn arrow_table(&self, py: Python<'_>, name: &str) -> PyResult<pyo3_arrow::PyTable> {
        let table = table_of(py, name)?;
        let users = &self.inner.users;
        let (schema, batches) = py
            .detach(|| crate::sink::parquet::record_batches(table, users))
            .map_err(|e| py_err(py, e))?;
        pyo3_arrow::PyTable::try_new(batches, schema)
    }

    /// Row counts per table and user counts per archetype and consent.
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let rows = PyDict::new(py);
        for t in Table::ALL {
            let n: usize = self.inner.users.iter().map(|u| t.row_count(u)).sum();
            rows.set_item(t.name(), n)?;
        }
        d.set_item("rows", rows)?;
        // Counted from the users (a shard holds part of each archetype).
        let mut counts = std::collections::BTreeMap::<&str, usize>::new();
        for u in &self.inner.users {
            *counts.entry(u.label.archetype.as_str()).or_default() += 1;
        }
        let arch = PyDict::new(py);
        for a in self.inner.config.counts.keys() {
            if let Some(n) = counts.get(a.as_str()) {
                arch.set_item(a.as_str(), n)?;
            }
        }
        d.set_item("archetypes", arch)?;
        let consent = self
            .inner
            .users
            .iter()
            .filter(|u| u.user.consent_status)
            .count();
        d.set_item("consent_true", consent)?;
        d.set_item("consent_false", self.inner.users.len() - consent)?;
        d.set_item("start_date", self.start_date())?;
        d.set_item("end_date", self.end_date())?;
        Ok(d)
    }
}

fn table_of(py: Python<'_>, name: &str) -> PyResult<Table> {
    Table::parse(name).ok_or_else(|| {
        py_err(
            py,
            Error::invalid(
                "table",
                format!("unknown table '{name}'"),
                "users, accounts, transactions, liabilities, user_labels",
            ),
        )
    })
}

fn type_name(ty: ColType) -> &'static str {
    match ty {
        ColType::Text => "text",
        ColType::Int => "int",
        ColType::Money => "money",
        ColType::Float => "float",
        ColType::Bool => "bool",
        ColType::Date => "date",
    }
}

/// A text column being collected: each distinct value is stored once and every row holds its
/// code. Most text columns repeat a few values (currency, channel, category, merchant, account,
/// user), so NumPy then gets one Python `str` per distinct value, shared by all its rows.
/// A column whose values turn out mostly distinct (`transaction_id`) stops looking them up and
/// stores each row's value. See "Tables in Python" in benchmarks/README.md.
struct TextCol {
    /// One code per row: an index into the values, or [`TextCol::NULL`].
    codes: Vec<u32>,
    /// The values, concatenated: value `i` is `text[starts[i]..starts[i + 1]]`.
    text: String,
    starts: Vec<usize>,
    /// Value -> code while the column is worth deduplicating.
    index: Option<crate::ids::FastMap<Box<str>, u32>>,
}

impl TextCol {
    const NULL: u32 = u32::MAX;
    /// After this many rows, a column with more than half of them distinct is stored plainly.
    const PROBE: usize = 4096;

    fn new(rows: usize) -> TextCol {
        TextCol {
            codes: Vec::with_capacity(rows),
            text: String::new(),
            starts: vec![0],
            index: Some(Default::default()),
        }
    }

    fn value(&self, code: u32) -> &str {
        &self.text[self.starts[code as usize]..self.starts[code as usize + 1]]
    }

    fn add(&mut self, s: &str) -> u32 {
        self.text.push_str(s);
        self.starts.push(self.text.len());
        (self.starts.len() - 2) as u32
    }

    fn push(&mut self, s: Option<&str>) {
        let Some(s) = s else {
            self.codes.push(Self::NULL);
            return;
        };
        // Runs (a user's or an account's rows) repeat the last value.
        if let Some(&last) = self.codes.last() {
            if last != Self::NULL && self.value(last) == s {
                self.codes.push(last);
                return;
            }
        }
        let code = match self.index.as_mut() {
            Some(index) => match index.get(s) {
                Some(&c) => c,
                None => {
                    let c = (self.starts.len() - 1) as u32;
                    index.insert(s.into(), c);
                    self.add(s)
                }
            },
            None => self.add(s),
        };
        self.codes.push(code);
        if self.codes.len() == Self::PROBE && self.starts.len() - 1 > Self::PROBE / 2 {
            self.index = None;
        }
    }

    /// An `object` array of `str` (one object per stored value) and `None`.
    fn into_pyarray(self, py: Python<'_>) -> Bound<'_, numpy::PyArray1<Py<PyAny>>> {
        let values: Vec<Py<PyAny>> = (0..self.starts.len() - 1)
            .map(|i| {
                pyo3::types::PyString::new(py, self.value(i as u32))
                    .into_any()
                    .unbind()
            })
            .collect();
        let none = py.None();
        let cells: Vec<Py<PyAny>> = self
            .codes
            .iter()
            .map(|&c| match c {
                Self::NULL => none.clone_ref(py),
                c => values[c as usize].clone_ref(py),
            })
            .collect();
        cells.into_pyarray(py)
    }
}

/// Columns being collected from rows, for NumPy.
enum Col {
    Text(TextCol),
    I64(Vec<i64>),
    F64(Vec<f64>),
    Bool(Vec<bool>),
}

struct Columns {
    names: Vec<String>,
    cols: Vec<Col>,
}

impl Columns {
    fn new(columns: impl IntoIterator<Item = (String, Column)>, rows: usize) -> Columns {
        let (names, cols) = columns
            .into_iter()
            .map(|(name, c)| {
                let col = match c.ty {
                    ColType::Text => Col::Text(TextCol::new(rows)),
                    ColType::Int | ColType::Date => Col::I64(Vec::with_capacity(rows)),
                    ColType::Money | ColType::Float => Col::F64(Vec::with_capacity(rows)),
                    ColType::Bool => Col::Bool(Vec::with_capacity(rows)),
                };
                (name, col)
            })
            .unzip();
        Columns { names, cols }
    }

    /// Appends a row: money as float64 dollars, null as NaN / i64::MIN / false / None, dates as
    /// days since 1970-01-01.
    fn push(&mut self, row: &[Value]) {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        for (v, col) in row.iter().zip(self.cols.iter_mut()) {
            match (col, v) {
                (Col::Text(c), Value::Text(s)) => c.push(Some(s)),
                (Col::Text(c), _) => c.push(None),
                (Col::I64(c), Value::Int(i)) => c.push(*i),
                (Col::I64(c), Value::Date(d)) => c.push((*d - epoch).num_days()),
                (Col::I64(c), _) => c.push(i64::MIN),
                (Col::F64(c), Value::Money(m)) => c.push(*m as f64 / 100.0),
                (Col::F64(c), Value::Float(f)) => c.push(*f),
                (Col::F64(c), _) => c.push(f64::NAN),
                (Col::Bool(c), Value::Bool(b)) => c.push(*b),
                (Col::Bool(c), _) => c.push(false),
            }
        }
    }

    /// `{name: array}`: NumPy arrays (numbers handed over without a copy; text as `object`
    /// arrays).
    fn into_dict(self, py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
        let d = PyDict::new(py);
        for (name, col) in self.names.into_iter().zip(self.cols) {
            match col {
                Col::Text(v) => d.set_item(name, v.into_pyarray(py))?,
                Col::I64(v) => d.set_item(name, v.into_pyarray(py))?,
                Col::F64(v) => d.set_item(name, v.into_pyarray(py))?,
                Col::Bool(v) => d.set_item(name, v.into_pyarray(py))?,
            }
        }
        Ok(d)
    }
}

fn end_date(py: Python<'_>, end_date: Option<&str>) -> PyResult<Option<chrono::NaiveDate>> {
    end_date
        .map(detection::parse_end_date)
        .transpose()
        .map_err(|e| py_err(py, e))
}

/// The detector's result on one dataset: signals per user and window, persona assignments, and
/// the fidelity report.
#[pyclass(frozen, module = "spendsense_gen._core")]
struct CoreDetection {
    inner: Detected,
}

fn feature_table(py: Python<'_>, name: &str) -> PyResult<FeatureTable> {
    FeatureTable::parse(name).ok_or_else(|| {
        let names: Vec<&str> = FeatureTable::ALL.iter().map(|t| t.name()).collect();
        py_err(
            py,
            Error::invalid("table", format!("unknown table '{name}'"), names.join(", ")),
        )
    })
}

fn window_index(py: Python<'_>, window: i64) -> PyResult<usize> {
    WINDOWS
        .iter()
        .position(|w| *w as i64 == window)
        .ok_or_else(|| {
            py_err(
                py,
                Error::invalid(
                    "window",
                    format!("{window} days is not a detector window"),
                    "30 or 180",
                ),
            )
        })
}

#[pymethods]
impl CoreDetection {
    #[getter]
    fn n_users(&self) -> usize {
        self.inner.detection.input.users.len()
    }

    /// The last day of the windows (ISO date).
    #[getter]
    fn end_date(&self) -> String {
        self.inner.detection.input.end.to_string()
    }

    /// The fidelity report as JSON text.
    fn report_json(&self) -> String {
        self.inner.report.to_string()
    }

    /// A readable summary of the report.
    fn summary(&self) -> String {
        crate::detect::report::summary(&self.inner.report)
    }

    fn table_names(&self) -> Vec<&'static str> {
        FeatureTable::ALL.iter().map(|t| t.name()).collect()
    }

    /// (name, type, nullable) per column; type is text, int, money, float or bool.
    fn columns(
        &self,
        py: Python<'_>,
        table: &str,
    ) -> PyResult<Vec<(&'static str, &'static str, bool)>> {
        let t = feature_table(py, table)?;
        Ok(t.columns()
            .iter()
            .map(|c| (c.name, type_name(c.ty), c.nullable))
            .collect())
    }

    /// (name, type, nullable) per column of the one-row-per-user signal view.
    fn signal_columns(&self) -> Vec<(String, &'static str, bool)> {
        features::signal_columns()
            .into_iter()
            .map(|(name, c)| (name, type_name(c.ty), c.nullable))
            .collect()
    }

    /// One detector table, both windows (rows by user, then window), as columns.
    fn table<'py>(&self, py: Python<'py>, table: &str) -> PyResult<Bound<'py, PyDict>> {
        let t = feature_table(py, table)?;
        let det = &self.inner.detection;
        let cols = t.columns().iter().map(|c| (c.name.to_string(), *c));
        let mut out = Columns::new(cols, t.row_count(det));
        py.detach(|| features::for_each_row(t, det, &mut |row| out.push(row)));
        out.into_dict(py)
    }

    /// Every family's signals for one window (30 or 180), one row per user, as columns.
    fn signals<'py>(&self, py: Python<'py>, window: i64) -> PyResult<Bound<'py, PyDict>> {
        let wi = window_index(py, window)?;
        let det = &self.inner.detection;
        let mut out = Columns::new(features::signal_columns(), det.input.users.len());
        py.detach(|| features::for_each_signal_row(det, wi, &mut |row| out.push(row)));
        out.into_dict(py)
    }

    /// Writes `features/*.parquet` and `validation_report.json` into `out_dir` and, with
    /// `database`, adds the `persona_assignments` table to that SQLite file. Returns the paths.
    #[pyo3(signature = (out_dir, overwrite=false, database=None))]
    fn write(
        &self,
        py: Python<'_>,
        out_dir: PathBuf,
        overwrite: bool,
        database: Option<PathBuf>,
    ) -> PyResult<Vec<String>> {
        let d = &self.inner;
        let paths = run_detached(py, None, |p| {
            detection::write(d, &out_dir, database.as_deref(), overwrite, p)
        })?;
        Ok(paths
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect())
    }
}

/// Generates a run (or one shard of it) straight into `out_dir`, chunk by chunk, never holding
/// more than a few chunks of users: (manifest, report, tally) as JSON text.
#[pyfunction]
#[pyo3(signature = (config_json, out_dir, formats, overwrite=false, threads=None, shard=None, progress=None, detect=true))]
#[allow(clippy::too_many_arguments)]
fn write_stream(
    py: Python<'_>,
    config_json: &str,
    out_dir: PathBuf,
    formats: Vec<String>,
    overwrite: bool,
    threads: Option<usize>,
    shard: Option<(u64, u64)>,
    progress: Option<Py<PyAny>>,
    detect: bool,
) -> PyResult<(String, String, String)> {
    let config = parse_config(py, config_json)?;
    let fs = self::formats(py, formats)?;
    let shard = shard
        .map(|(k, n)| crate::generate::Shard::new(k, n, config.n_users))
        .transpose()
        .map_err(|e| py_err(py, e))?;
    let w = run_detached(py, progress, |p| {
        crate::sink::write_stream(&config, shard, threads, &out_dir, &fs, detect, overwrite, p)
    })?;
    Ok((
        serde_json::to_string_pretty(&w.manifest.value).unwrap(),
        w.report.to_string(),
        w.tally.to_value().to_string(),
    ))
}

/// Runs the detector on a generated dataset (through its tables only).
#[pyfunction]
#[pyo3(signature = (dataset, end_date=None))]
fn detect_dataset(
    py: Python<'_>,
    dataset: &Bound<'_, CoreDataset>,
    end_date: Option<&str>,
) -> PyResult<CoreDetection> {
    let end = self::end_date(py, end_date)?;
    let ds = &dataset.get().inner;
    let inner = run_detached(py, None, |_| detection::detect_dataset(ds, end))?;
    Ok(CoreDetection { inner })
}

/// Runs the detector on a SQLite database or a CSV folder.
#[pyfunction]
#[pyo3(signature = (path, end_date=None))]
fn detect_path(py: Python<'_>, path: PathBuf, end_date: Option<&str>) -> PyResult<CoreDetection> {
    let end = self::end_date(py, end_date)?;
    let inner = run_detached(py, None, |_| detection::detect_path(&path, end))?;
    Ok(CoreDetection { inner })
}

/// The readable summary of a report (JSON text), as the CLI prints it.
#[pyfunction]
fn report_summary(py: Python<'_>, report_json: &str) -> PyResult<String> {
    let v: serde_json::Value = serde_json::from_str(report_json).map_err(|e| {
        py_err(
            py,
            Error::invalid("report", e.to_string(), "a report as JSON text"),
        )
    })?;
    Ok(crate::detect::report::summary(&v))
}

/// Validates a SQLite database, a CSV folder or a users.json: (report as JSON text, summary).
#[pyfunction]
#[pyo3(signature = (path, examples=5))]
fn validate_path(py: Python<'_>, path: PathBuf, examples: usize) -> PyResult<(String, String)> {
    let report = run_detached(py, None, |_| crate::ingest::validate(&path))?;
    Ok((report.to_json().to_string(), report.summary(examples)))
}

/// Loads a CSV folder or users.json into a SQLite database; the rows inserted per table and
/// whether the file was created, as JSON text.
#[pyfunction]
#[pyo3(signature = (source, db, progress=None))]
fn load_path(
    py: Python<'_>,
    source: PathBuf,
    db: PathBuf,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let loaded = run_detached(py, progress, |check| {
        crate::ingest::load(&source, &db, check)
    })?;
    Ok(serde_json::json!({"rows": loaded.rows, "created": loaded.created}).to_string())
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", crate::VERSION)?;
    m.add(
        "PINNED_CRATES",
        crate::sink::manifest::PINNED
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect::<Vec<_>>(),
    )?;
    m.add_class::<CoreDataset>()?;
    m.add_class::<CoreDetection>()?;
    m.add("WINDOWS", WINDOWS.to_vec())?;
    m.add("MAX_THREADS", crate::generate::MAX_THREADS)?;
    m.add(
        "FEATURE_TABLES",
        FeatureTable::ALL
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>(),
    )?;
    m.add_function(wrap_pyfunction!(detect_dataset, m)?)?;
    m.add_function(wrap_pyfunction!(detect_path, m)?)?;
    m.add_function(wrap_pyfunction!(report_summary, m)?)?;
    m.add_function(wrap_pyfunction!(generate, m)?)?;
    m.add_function(wrap_pyfunction!(write_stream, m)?)?;
    m.add_function(wrap_pyfunction!(validate_path, m)?)?;
    m.add_function(wrap_pyfunction!(load_path, m)?)?;
    m.add_function(wrap_pyfunction!(resolve_config, m)?)?;
    m.add_function(wrap_pyfunction!(read_config_file, m)?)?;
    Ok(())
}
