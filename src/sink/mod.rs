//! Output formats, one file each, and what they share: atomic writing (a temporary name renamed
//! into place, so a failure or Ctrl-C never leaves a partial file where one was asked for), the
//! overwrite check, and the run that writes several formats plus `manifest.json`.

pub mod csv;
pub mod detection;
pub mod json;
pub mod manifest;
pub mod parquet;
pub mod plaid;
pub mod plaid_sandbox;
pub mod sqlite;

use crate::config::Format;
use crate::error::{Error, Result};
use crate::generate::Dataset;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

/// Called every so often while writing, with (rows done, rows total); returning an error (e.g.
/// [`Error::Interrupted`]) abandons the output.
pub type Check<'a> = &'a mut dyn FnMut(u64, u64) -> Result<()>;

/// Rows written between two checks.
pub const CHECK_EVERY: u64 = 50_000;

/// A file or folder being written under a temporary name next to its target. Dropping it without
/// [`Staged::commit`] removes the temporary.
pub struct Staged {
    target: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

impl Staged {
    /// Checks the target (overwrite rule, parent folder) and picks a temporary path beside it.
    pub fn new(target: &Path, overwrite: bool) -> Result<Staged> {
        if target.exists() && !overwrite {
            return Err(Error::OutputExists {
                path: target.to_path_buf(),
            });
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            std::fs::create_dir_all(&parent).map_err(|e| Error::output(&parent, e))?;
        }
        let name = target
            .file_name()
            .ok_or_else(|| Error::output(target, "not a file name"))?
            .to_string_lossy();
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        remove_path(&tmp);
        Ok(Staged {
            target: target.to_path_buf(),
            tmp,
            committed: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.tmp
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the finished temporary into place (replacing an existing target).
    pub fn commit(mut self) -> Result<()> {
        if self.tmp.is_dir() && self.target.exists() {
            // A folder cannot be renamed over a non-empty folder: move the old one aside first.
            let old = self.tmp.with_extension("old");
            remove_path(&old);
            std::fs::rename(&self.target, &old).map_err(|e| Error::output(&self.target, e))?;
            std::fs::rename(&self.tmp, &self.target).map_err(|e| Error::output(&self.target, e))?;
            remove_path(&old);
        } else {
            if self.target.is_dir() {
                remove_path(&self.target);
            }
            std::fs::rename(&self.tmp, &self.target).map_err(|e| Error::output(&self.target, e))?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            remove_path(&self.tmp);
        }
    }
}

fn remove_path(p: &Path) {
    if p.is_dir() {
        let _ = std::fs::remove_dir_all(p);
    } else {
        let _ = std::fs::remove_file(p);
    }
}

/// What [`write_all`] wrote: the manifest and the detector's report.
#[derive(Debug, Clone)]
pub struct Written {
    pub manifest: manifest::Manifest,
    pub report: serde_json::Value,
}

/// One output of [`write_all`]: a format, or the detector's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    Format(Format),
    /// `features/*.parquet` and `validation_report.json`.
    Detection,
}

/// Writes `formats` of `ds` into `out_dir` (default names: `spendsense.db`, `csv/`, `users.json`),
/// the detector's outputs (it runs on the dataset's tables, beside the writers:
/// `features/*.parquet`, `validation_report.json`, and the `persona_assignments` table inside
/// `spendsense.db`, which the SQLite writer adds once the detector is done), and
/// then `manifest.json` with a SHA-256 per file. Existing outputs are an error unless
/// `overwrite`; every target is checked before anything is written. The outputs are written at
/// the same time, one thread each (each to its own file, so the bytes do not depend on it); the
/// calling thread runs the first and then keeps calling `check` until the others finish. When
/// `check` or any writer fails, the others stop at their next check and leave nothing behind
/// (the detector's files are moved into place only once every writer has succeeded). Progress
/// counts the formats' rows.
pub fn write_all(
    ds: &Dataset,
    out_dir: &Path,
    formats: &[Format],
    overwrite: bool,
    check: Check,
) -> Result<Written> {
    let features_dir = out_dir.join(detection::FEATURES_DIR);
    let report_path = out_dir.join(detection::REPORT_FILE);
    let jobs: Vec<(Job, PathBuf)> = formats
        .iter()
        .map(|f| (Job::Format(*f), out_dir.join(f.default_name())))
        .chain([(Job::Detection, features_dir.clone())])
        .collect();
    let manifest_path = out_dir.join("manifest.json");
    if !overwrite {
        for p in jobs
            .iter()
            .map(|t| &t.1)
            .chain([&report_path, &manifest_path])
        {
            if p.exists() {
                return Err(Error::OutputExists { path: p.clone() });
            }
        }
    }
    std::fs::create_dir_all(out_dir).map_err(|e| Error::output(out_dir, e))?;
    // Progress counts the formats' rows (the detector's few rows are not counted).
    let total = total_rows(ds) * formats.len() as u64;
    // The detection job runs the detector and then writes its files; the SQLite writer waits for
    // it (once its own five tables are in) to add `persona_assignments`.
    let detected: OnceLock<detection::Detected> = OnceLock::new();
    let ready = (Mutex::new(false), Condvar::new());
    let wait_detection = || -> Result<&crate::detect::Detection> {
        let mut finished = ready.0.lock().unwrap_or_else(|e| e.into_inner());
        while !*finished {
            finished = ready.1.wait(finished).unwrap_or_else(|e| e.into_inner());
        }
        // When the detector failed, its job reports why.
        detected
            .get()
            .map(|d| &d.detection)
            .ok_or(Error::Interrupted)
    };
    // Every output under its temporary name, committed only once every writer has succeeded: a
    // failure or an interrupt anywhere leaves no new file at all.
    let staged_outputs: Mutex<Vec<Staged>> = Mutex::new(Vec::new());
    let done = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    // A writer's check: add its progress to the shared count; stop when asked.
    let worker_check = |last: &mut u64, rows: u64| -> Result<()> {
        done.fetch_add(rows.saturating_sub(*last), Ordering::Relaxed);
        *last = rows;
        if stop.load(Ordering::Relaxed) {
            Err(Error::Interrupted)
        } else {
            Ok(())
        }
    };
    let write_one = |job: Job, path: &Path, c: Check| -> Result<()> {
        let keep = |s: Staged| {
            let mut staged = staged_outputs.lock().unwrap_or_else(|e| e.into_inner());
            staged.push(s);
        };
        match job {
            Job::Format(Format::Sqlite) => {
                keep(sqlite::stage_with(
                    ds,
                    Some(&wait_detection),
                    path,
                    overwrite,
                    c,
                )?);
                Ok(())
            }
            Job::Format(Format::Csv) => csv::stage(ds, path, overwrite, c).map(keep),
            Job::Format(Format::Json) => json::stage(ds, path, overwrite, c).map(keep),
            Job::Format(Format::Plaid) => plaid::stage(ds, path, overwrite, c).map(keep),
            Job::Format(Format::PlaidSandbox) => {
                plaid_sandbox::stage(ds, path, overwrite, c).map(keep)
            }
            Job::Detection => {
                let r = {
                    // Wakes the SQLite writer however this ends (a panic included).
                    let _notify = Notify(&ready);
                    detection::detect_dataset(ds, None).map(|d| {
                        let _ = detected.set(d);
                    })
                };
                r?;
                let d = detected.get().expect("set above");
                // Checks here only ask whether to stop: these rows are not in `total`.
                let mut poll = |_: u64, _: u64| c(0, 0);
                poll(0, 0)?;
                let features = parquet::stage_features(&d.detection, path, overwrite, &mut poll)?;
                let report = detection::stage_report(&d.report, &report_path, overwrite)?;
                let mut staged = staged_outputs.lock().unwrap_or_else(|e| e.into_inner());
                staged.extend([features, report]);
                Ok(())
            }
        }
    };
    let mut outer: Option<Error> = None;
    let mut results: Vec<Result<()>> = Vec::new();
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .iter()
            .skip(1)
            .map(|(job, path)| {
                let (write_one, worker_check, stop) = (&write_one, &worker_check, &stop);
                scope.spawn(move || {
                    let mut last = 0;
                    let r = write_one(*job, path, &mut |rows, _| worker_check(&mut last, rows));
                    if r.is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    r
                })
            })
            .collect();
        if let Some((job, path)) = jobs.first() {
            let mut last = 0;
            let r = write_one(*job, path, &mut |rows, _| {
                worker_check(&mut last, rows)?;
                check(done.load(Ordering::Relaxed), total).inspect_err(|_| {
                    stop.store(true, Ordering::Relaxed);
                })
            });
            if r.is_err() {
                stop.store(true, Ordering::Relaxed);
            }
            results.push(r);
        }
        while !handles.iter().all(|h| h.is_finished()) {
            std::thread::sleep(std::time::Duration::from_millis(20));
            if outer.is_none() && !stop.load(Ordering::Relaxed) {
                if let Err(e) = check(done.load(Ordering::Relaxed), total) {
                    stop.store(true, Ordering::Relaxed);
                    outer = Some(e);
                }
            }
        }
        for h in handles {
            results.push(h.join().unwrap_or(Err(Error::Interrupted)));
        }
    });
    // Report the cause, not the writers that stopped because of it.
    if let Some(e) = outer {
        return Err(e);
    }
    let mut errors: Vec<Error> = results.into_iter().filter_map(|r| r.err()).collect();
    if let Some(i) = errors.iter().position(|e| !matches!(e, Error::Interrupted)) {
        return Err(errors.swap_remove(i));
    }
    if let Some(e) = errors.pop() {
        return Err(e);
    }
    for s in staged_outputs
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
    {
        s.commit()?;
    }
    let paths: Vec<PathBuf> = jobs
        .iter()
        .map(|j| j.1.clone())
        .chain([report_path])
        .collect();
    let m = manifest::Manifest::build(ds, formats, out_dir, &paths)?;
    m.write(&manifest_path)?;
    let report = detected
        .into_inner()
        .map(|d| d.report)
        .ok_or(Error::Interrupted)?;
    Ok(Written {
        manifest: m,
        report,
    })
}

/// Sets a flag and wakes its waiters when dropped.
struct Notify<'a>(&'a (Mutex<bool>, Condvar));

impl Drop for Notify<'_> {
    fn drop(&mut self) {
        *self.0 .0.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.0 .1.notify_all();
    }
}

/// Total rows of all tables, for progress.
pub fn total_rows(ds: &Dataset) -> u64 {
    crate::tables::Table::ALL
        .iter()
        .map(|t| ds.users.iter().map(|u| t.row_count(u) as u64).sum::<u64>())
        .sum()
}
