//! One error enum for the whole core. `python.rs` maps each variant to a Python exception class
//! (see `python/spendsense_gen/errors.py`); the CLI prints `Display` as a one-line message.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration value is outside what is allowed. Maps to `InvalidParameterError(ValueError)`.
    #[error("invalid {parameter}: {message} (allowed: {allowed})")]
    InvalidParameter {
        parameter: String,
        message: String,
        allowed: String,
    },
    /// A configuration key that the generator does not know. Maps to `UnknownKeyError(ValueError)`.
    #[error("unknown configuration key '{key}' (known keys: {known})")]
    UnknownKey { key: String, known: String },
    /// The configuration file could not be read or parsed. Maps to `ConfigFileError(ValueError)`.
    #[error("cannot read configuration file {path}: {message}")]
    ConfigFile { path: PathBuf, message: String },
    /// An output would replace an existing file and `overwrite` was not given.
    #[error("{path} already exists (pass overwrite=True or --overwrite to replace it)")]
    OutputExists { path: PathBuf },
    /// A table would be replaced in an existing database and `overwrite` was not given. Maps to
    /// `OutputExistsError` (its `path` is the database).
    #[error(
        "{path} already has a table '{table}' (pass overwrite=True or --overwrite to replace it)"
    )]
    TableExists { path: PathBuf, table: String },
    /// Writing an output failed (permissions, missing folder, full disk...).
    #[error("cannot write {path}: {message}")]
    Output { path: PathBuf, message: String },
    /// Data given to `load` broke the rules; nothing was loaded. Maps to
    /// `InvalidDataError(ValueError)` with the report's findings.
    #[error("{path}: {failures} problem(s) in the data, nothing was loaded; first: {first}")]
    InvalidData {
        path: PathBuf,
        failures: u64,
        first: String,
        /// The validation report as JSON (every rule, the first findings of each).
        report: Box<serde_json::Value>,
        /// The readable summary of the report.
        summary: String,
    },
    /// Reading the data back would need more memory than this process may use
    /// (`ingest::memory`). Maps to `DataTooLargeError(MemoryError)`.
    #[error("{path}: {message}")]
    TooLarge {
        path: PathBuf,
        /// Estimated bytes.
        needed: u64,
        /// The limit, in bytes.
        limit: u64,
        message: String,
    },
    /// The run was interrupted (Ctrl-C) before it finished; nothing was left at the target path.
    #[error("interrupted: no output was written")]
    Interrupted,
}

impl Error {
    pub fn invalid(
        parameter: impl Into<String>,
        message: impl Into<String>,
        allowed: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            parameter: parameter.into(),
            message: message.into(),
            allowed: allowed.into(),
        }
    }

    pub fn output(path: impl Into<PathBuf>, err: impl std::fmt::Display) -> Self {
        Error::Output {
            path: path.into(),
            message: err.to_string(),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
