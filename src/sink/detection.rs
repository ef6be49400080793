//! The detector's outputs: `features/*.parquet` (see [`super::parquet`]), `validation_report.json`
//! (the fidelity report, pretty-printed with sorted keys) and the `persona_assignments` table in
//! a SQLite database. Also where the detector's input comes from when it is a path: a SQLite
//! database or a CSV folder as spendsense-gen writes them (or someone's own data in that schema).

use super::{parquet, sqlite, Check, Staged};
use crate::detect::features::FeatureTable;
use crate::detect::input::{CsvSource, Input, ParquetSource, SqliteSource};
use crate::detect::{report, Detection};
use crate::error::{Error, Result};
use crate::generate::Dataset;
use crate::ingest::memory;
use crate::ingest::source::{source_hint, table_folder, Kind};
use chrono::NaiveDate;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The folder of Parquet feature tables, inside the output folder.
pub const FEATURES_DIR: &str = "features";
/// The fidelity report, inside the output folder.
pub const REPORT_FILE: &str = "validation_report.json";

const SOURCES: &str =
    "a SQLite database, a CSV folder or a Parquet folder as spendsense-gen writes them";

/// A detection and its report.
#[derive(Debug, Clone)]
pub struct Detected {
    pub detection: Detection,
    pub report: Value,
}

impl Detected {
    pub fn new(detection: Detection) -> Detected {
        let report = report::build(&detection);
        Detected { detection, report }
    }
}

/// Runs the detector on a generated dataset, on the values of its tables only
/// ([`Input::from_users`]). The windows end on the configured end date unless `end` says
/// otherwise.
pub fn detect_dataset(ds: &Dataset, end: Option<NaiveDate>) -> Result<Detected> {
    let input = Input::from_users(&ds.users, end.unwrap_or(ds.config.end_date));
    Ok(Detected::new(crate::detect::run(input)))
}

/// Reads a SQLite database (a file), a CSV folder or a Parquet folder.
pub fn read_path(path: &Path, end: Option<NaiveDate>) -> Result<Input> {
    if !path.exists() {
        return Err(Error::invalid(
            "path",
            format!("{} does not exist", path.display()),
            SOURCES,
        ));
    }
    if path.is_dir() {
        return match table_folder(path) {
            Some(Kind::Parquet) => {
                let room = memory::check(memory::Reader::Detect, Kind::Parquet, path)?;
                Input::read_expecting(&mut ParquetSource(path), end, room)
                    .map_err(|e| naming(path, e))
            }
            Some(_) => {
                let room = memory::check(memory::Reader::Detect, Kind::Csv, path)?;
                Input::read_expecting(&mut CsvSource(path), end, room).map_err(|e| naming(path, e))
            }
            None => {
                let hint = source_hint(path, false, true)
                    .map(|h| format!("; {h}"))
                    .unwrap_or_default();
                Err(Error::invalid(
                    "path",
                    format!(
                        "{} is a folder without users.csv or users.parquet, not a table \
                         folder{hint}",
                        path.display()
                    ),
                    SOURCES,
                ))
            }
        };
    }
    let mut magic = [0u8; 16];
    let is_sqlite = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok_and(|_| &magic == b"SQLite format 3\0");
    if !is_sqlite {
        return Err(Error::invalid(
            "path",
            format!("{} is not a SQLite database", path.display()),
            SOURCES,
        ));
    }
    let room = memory::check(memory::Reader::Detect, Kind::Sqlite, path)?;
    Input::read_expecting(&mut SqliteSource::open(path)?, end, room).map_err(|e| naming(path, e))
}

/// Names the source in a data error that does not already (CSV errors name their file).
fn naming(path: &Path, e: Error) -> Error {
    match e {
        Error::InvalidParameter {
            parameter,
            message,
            allowed,
        } if parameter == "data" && !message.contains(&path.display().to_string()) => {
            Error::InvalidParameter {
                parameter,
                message: format!("{}: {message}", path.display()),
                allowed,
            }
        }
        e => e,
    }
}

/// Runs the detector on a SQLite database or a CSV folder.
pub fn detect_path(path: &Path, end: Option<NaiveDate>) -> Result<Detected> {
    Ok(Detected::new(crate::detect::run(read_path(path, end)?)))
}

/// Parses an `end_date` argument.
pub fn parse_end_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        Error::invalid(
            "end_date",
            format!("'{s}' is not a YYYY-MM-DD date"),
            "a date YYYY-MM-DD",
        )
    })
}

/// The report as written: pretty JSON with sorted keys and a final newline.
pub fn report_text(report: &Value) -> String {
    serde_json::to_string_pretty(report).expect("a JSON value serializes") + "\n"
}

/// Writes the report into a staged file; commit it to move it into place.
pub fn stage_report(report: &Value, path: &Path, overwrite: bool) -> Result<Staged> {
    let staged = Staged::new(path, overwrite)?;
    std::fs::write(staged.path(), report_text(report)).map_err(|e| Error::output(path, e))?;
    Ok(staged)
}

/// Writes `features/` and `validation_report.json` into `out_dir` and, when `database` is given,
/// adds the `persona_assignments` table to it. Every target is checked before anything is
/// written (an existing one is an error unless `overwrite`); the files are staged, the table is
/// added in one transaction, and only then are the files moved into place. Returns the paths
/// written.
pub fn write(
    d: &Detected,
    out_dir: &Path,
    database: Option<&Path>,
    overwrite: bool,
    check: Check,
) -> Result<Vec<PathBuf>> {
    let features = out_dir.join(FEATURES_DIR);
    let report_path = out_dir.join(REPORT_FILE);
    let table = FeatureTable::PersonaAssignments;
    if let Some(db) = database {
        if !overwrite && sqlite::has_table(db, table.name())? {
            return Err(Error::TableExists {
                path: db.to_path_buf(),
                table: table.name().to_string(),
            });
        }
    }
    if !overwrite {
        for p in [&features, &report_path] {
            if p.exists() {
                return Err(Error::OutputExists { path: p.clone() });
            }
        }
    }
    let created = !out_dir.exists();
    std::fs::create_dir_all(out_dir).map_err(|e| Error::output(out_dir, e))?;
    let result = (|| {
        let staged_features = parquet::stage_features(&d.detection, &features, overwrite, check)?;
        let staged_report = stage_report(&d.report, &report_path, overwrite)?;
        if let Some(db) = database {
            sqlite::add_feature_table(db, &d.detection, table, overwrite)?;
        }
        staged_features.commit()?;
        staged_report.commit()
    })();
    if result.is_err() && created {
        // Leave no empty folder behind either (remove_dir only removes an empty one).
        let _ = std::fs::remove_dir(out_dir);
    }
    result.map(|_| vec![features, report_path])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::features::FeatureTable;
    use ::parquet::file::reader::{FileReader, SerializedFileReader};

    fn dataset(n: u32, seed: u64) -> Dataset {
        let c =
            crate::Config::from_value(&serde_json::json!({"n_users": n, "seed": seed})).unwrap();
        crate::generate(&c, Some(1), &mut |_, _| Ok(())).unwrap()
    }

    fn tmp(name: &str) -> PathBuf {
        let p =
            std::env::temp_dir().join(format!("spendsense-detect-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        p
    }

    fn no_check() -> impl FnMut(u64, u64) -> Result<()> {
        |_, _| Ok(())
    }

    #[test]
    fn parquet_files_are_byte_identical_and_typed() {
        let ds = dataset(30, 5);
        let d = detect_dataset(&ds, None).unwrap();
        let again = detect_dataset(&ds, None).unwrap();
        let (a, b) = (tmp("pq-a"), tmp("pq-b"));
        write(&d, &a, None, false, &mut no_check()).unwrap();
        write(&again, &b, None, false, &mut no_check()).unwrap();
        for t in FeatureTable::ALL {
            let name = format!("{FEATURES_DIR}/{}.parquet", t.name());
            let (x, y) = (
                std::fs::read(a.join(&name)).unwrap(),
                std::fs::read(b.join(&name)).unwrap(),
            );
            assert_eq!(x, y, "{name} differs between two writes");
            let reader =
                SerializedFileReader::new(std::fs::File::open(a.join(&name)).unwrap()).unwrap();
            let meta = reader.metadata().file_metadata();
            assert_eq!(meta.num_rows(), 60, "{name}: 2 rows per user");
            assert_eq!(meta.created_by(), Some(parquet::created_by().as_str()));
            let cols: Vec<&str> = meta
                .schema_descr()
                .columns()
                .iter()
                .map(|c| c.name())
                .collect();
            let want: Vec<&str> = t.columns().iter().map(|c| c.name).collect();
            assert_eq!(cols, want);
        }
        assert_eq!(
            std::fs::read(a.join(REPORT_FILE)).unwrap(),
            std::fs::read(b.join(REPORT_FILE)).unwrap()
        );
        let _ = std::fs::remove_dir_all(&a);
        let _ = std::fs::remove_dir_all(&b);
    }

    #[test]
    fn persona_table_is_added_once_unless_overwrite() {
        let ds = dataset(20, 8);
        let dir = tmp("db");
        let db = dir.join("spendsense.db");
        std::fs::create_dir_all(&dir).unwrap();
        super::super::sqlite::write(&ds, &db, false, &mut no_check()).unwrap();
        // A database as someone else's tool would have it: without the detector's table.
        rusqlite::Connection::open(&db)
            .unwrap()
            .execute_batch("DROP TABLE persona_assignments")
            .unwrap();
        let d = detect_path(&db, None).unwrap();
        let out = dir.join("out");
        write(&d, &out, Some(&db), false, &mut no_check()).unwrap();
        let conn = rusqlite::Connection::open(&db).unwrap();
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM persona_assignments", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 40);
        drop(conn);
        // Again without overwrite: the table is named in the error, nothing is written.
        let elsewhere = dir.join("elsewhere");
        let e = write(&d, &elsewhere, Some(&db), false, &mut no_check()).unwrap_err();
        assert!(matches!(e, Error::TableExists { .. }), "{e}");
        assert!(e.to_string().contains("persona_assignments"), "{e}");
        assert!(!elsewhere.exists());
        write(&d, &out, Some(&db), true, &mut no_check()).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn detection_reads_the_same_from_every_source() {
        let ds = dataset(25, 11);
        let dir = tmp("sources");
        std::fs::create_dir_all(&dir).unwrap();
        super::super::sqlite::write(&ds, &dir.join("x.db"), false, &mut no_check()).unwrap();
        super::super::csv::write(&ds, &dir.join("csv"), false, &mut no_check()).unwrap();
        let mem = detect_dataset(&ds, None).unwrap();
        for d in [
            detect_path(&dir.join("x.db"), None).unwrap(),
            detect_path(&dir.join("csv"), None).unwrap(),
        ] {
            assert_eq!(d.report, mem.report);
            for t in FeatureTable::ALL {
                let rows = |d: &Detected| {
                    let mut v = Vec::new();
                    crate::detect::features::for_each_row(t, &d.detection, &mut |r| {
                        v.push(format!("{r:?}"))
                    });
                    v
                };
                assert_eq!(rows(&d), rows(&mem), "{}", t.name());
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_paths_are_clear_errors() {
        let dir = tmp("bad");
        std::fs::create_dir_all(&dir).unwrap();
        let e = detect_path(&dir.join("missing.db"), None).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
        let e = detect_path(&dir, None).unwrap_err();
        assert!(e.to_string().contains("without users.csv"), "{e}");
        // A folder of shard folders names the first one's source.
        for k in [1, 0, 2] {
            let shard = dir.join(format!("shard-{k}")).join("parquet");
            std::fs::create_dir_all(&shard).unwrap();
            std::fs::write(shard.join("users.parquet"), b"").unwrap();
        }
        let e = detect_path(&dir, None).unwrap_err().to_string();
        let first = dir.join("shard-0").join("parquet");
        assert!(
            e.contains(&format!(
                "it holds 3 data folders (shard-0, shard-1, shard-2): give one at a time, e.g. {}",
                first.display()
            )),
            "{e}"
        );
        assert!(parse_end_date("2025-02-30").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
