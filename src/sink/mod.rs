//! Output formats, one file each, and what they share: atomic writing (a temporary name renamed
//! into place, so a failure or Ctrl-C never leaves a partial file where one was asked for), the
//! overwrite check, and the run that writes several formats plus `manifest.json`.
//!
//! Every format is a [`Writer`]: it is opened, handed the users in chunks of [`CHUNK`] (in user
//! order, with the detector's results for the same users), and finished under its temporary
//! name. [`drive`] feeds chunks to every writer, each on its own thread, so the same code writes
//! an in-memory [`Dataset`] ([`write_all`]) and a run streamed from the generator
//! ([`write_stream`]) that never holds more than a few chunks: the bytes are the same either way.

pub mod csv;
pub mod detection;
pub mod json;
pub mod manifest;
pub mod out_file;
pub mod parquet;
pub mod plaid;
pub mod plaid_sandbox;
pub mod sqlite;

use crate::config::{Config, Format};
use crate::detect::input::Input;
use crate::detect::{report, Detection, UserSignals};
use crate::error::{Error, Result};
use crate::generate::{Dataset, Shard, CHUNK};
use crate::model::UserData;
use crate::tables::Table;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

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
    /// Files of this output hashed while they were written (by their final paths).
    hashes: Vec<manifest::FileHash>,
}

/// What a [`Staged`] output is, which decides what `overwrite` may replace.
#[derive(Clone, Copy)]
pub enum Output {
    /// A file (a database, a JSON document): an existing folder of that name is never replaced.
    File,
    /// A folder of files this program writes, whose names `ours` accepts: an existing folder is
    /// replaced only when everything in it is such a file, so a mistyped path (the working
    /// folder, a project) is refused instead of deleted.
    Folder { ours: fn(&str) -> bool },
}

/// The first few entries of `dir` that `ours` does not accept, sorted.
fn foreign_entries(dir: &Path, ours: fn(&str) -> bool) -> Vec<String> {
    let mut foreign: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !ours(n))
            .collect(),
        Err(e) => vec![format!("(unreadable: {e})")],
    };
    foreign.sort();
    foreign
}

impl Staged {
    /// A file output: checks the target (overwrite rule, parent folder) and picks a temporary path
    /// beside it.
    pub fn new(target: &Path, overwrite: bool) -> Result<Staged> {
        Staged::output(target, overwrite, Output::File)
    }

    /// A folder output whose files' names `ours` accepts (see [`Output::Folder`]).
    pub fn folder(target: &Path, overwrite: bool, ours: fn(&str) -> bool) -> Result<Staged> {
        Staged::output(target, overwrite, Output::Folder { ours })
    }

    fn output(target: &Path, overwrite: bool, kind: Output) -> Result<Staged> {
        if target.exists() && !overwrite {
            return Err(Error::OutputExists {
                path: target.to_path_buf(),
            });
        }
        if target.exists() {
            match kind {
                Output::File if target.is_dir() => {
                    return Err(Error::output(
                        target,
                        "is a folder, not replaced: give the path of a file",
                    ));
                }
                Output::Folder { .. } if !target.is_dir() => {
                    return Err(Error::output(
                        target,
                        "is a file, not replaced: give the path of a folder",
                    ));
                }
                Output::Folder { ours } => {
                    let foreign = foreign_entries(target, ours);
                    if !foreign.is_empty() {
                        let shown: Vec<&str> = foreign.iter().take(3).map(|s| s.as_str()).collect();
                        let more = if foreign.len() > 3 {
                            format!(" and {} more", foreign.len() - 3)
                        } else {
                            String::new()
                        };
                        return Err(Error::output(
                            target,
                            format!(
                                "holds files this output does not write ({}{more}), so it is not \
                                 replaced: give another folder, or remove them",
                                shown.join(", ")
                            ),
                        ));
                    }
                }
                Output::File => {}
            }
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
            hashes: Vec::new(),
        })
    }

    /// Records the hash of a file of this output, computed while it was written.
    pub fn record(&mut self, hash: manifest::FileHash) {
        self.hashes.push(hash);
    }

    /// The hashes recorded with [`Staged::record`].
    pub fn hashes(&self) -> &[manifest::FileHash] {
        &self.hashes
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

/// What a run is, as the writers record it: the configuration and, for a shard, which one.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub config: &'a Config,
    pub shard: Option<Shard>,
}

impl<'a> Run<'a> {
    pub fn of(ds: &'a Dataset) -> Run<'a> {
        Run {
            config: &ds.config,
            shard: ds.shard,
        }
    }

    /// The user indexes of the run (or of its shard).
    pub fn user_range(&self) -> std::ops::Range<u64> {
        match self.shard {
            Some(s) => s.range(self.config.n_users),
            None => 0..self.config.n_users,
        }
    }
}

/// One output being written chunk by chunk.
pub trait Writer: Send {
    /// Writes the next users (in user order) and, when the run has one, their detection (its
    /// users are exactly `users`).
    fn write(&mut self, users: &[UserData], det: Option<&Detection>) -> Result<()>;
    /// Completes the output under its temporary name; commit the result to move it into place.
    fn finish(self: Box<Self>) -> Result<Staged>;
    /// Whether [`Writer::write`] needs the detection.
    fn needs_detection(&self) -> bool {
        false
    }
}

/// Opens the writer of `format` at `path`; `detect`: whether the run has the detector's results
/// (the SQLite database then holds `persona_assignments`); `manifest`: whether a manifest will
/// hash the output (a writer that cannot hash while it writes then hashes when it finishes, if
/// that is cheaper than reading the file back afterwards).
pub fn open(
    format: Format,
    run: Run,
    path: &Path,
    overwrite: bool,
    detect: bool,
    manifest: bool,
) -> Result<Box<dyn Writer>> {
    Ok(match format {
        Format::Sqlite => {
            let w = sqlite::SqliteWriter::open(run, path, overwrite, detect)?;
            Box::new(if manifest { w.hashed() } else { w })
        }
        Format::Csv => Box::new(csv::CsvWriter::open(path, overwrite)?),
        Format::Json => Box::new(json::JsonWriter::open(run, path, overwrite)?),
        Format::Parquet => Box::new(parquet::TablesWriter::open(path, overwrite)?),
        Format::Plaid => Box::new(plaid::PlaidWriter::open(path, overwrite)?),
        Format::PlaidSandbox => Box::new(plaid_sandbox::SandboxWriter::open(path, overwrite)?),
    })
}

/// What a run wrote, counted while it was written.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub users: u64,
    /// Rows per table, in [`Table::ALL`] order.
    pub rows: [u64; 5],
    pub consent: u64,
    /// Users per archetype, by name.
    pub archetypes: std::collections::BTreeMap<&'static str, u64>,
}

impl Tally {
    fn add(&mut self, users: &[UserData]) {
        self.users += users.len() as u64;
        for (k, t) in Table::ALL.iter().enumerate() {
            self.rows[k] += users.iter().map(|u| t.row_count(u) as u64).sum::<u64>();
        }
        for u in users {
            self.consent += u.user.consent_status as u64;
            *self
                .archetypes
                .entry(u.label.archetype.as_str())
                .or_default() += 1;
        }
    }

    pub fn total_rows(&self) -> u64 {
        self.rows.iter().sum()
    }

    pub fn to_value(&self) -> serde_json::Value {
        let rows: serde_json::Map<String, serde_json::Value> = Table::ALL
            .iter()
            .zip(self.rows)
            .map(|(t, n)| (t.name().to_string(), n.into()))
            .collect();
        serde_json::json!({
            "users": self.users,
            "rows": rows,
            "consent_true": self.consent,
            "consent_false": self.users - self.consent,
            "archetypes": self.archetypes,
        })
    }
}

/// Runs the detector on one chunk of users (its windows end on the run's end date), reusing
/// their signals when the generator computed them.
pub fn detect_chunk(
    config: &Config,
    users: &[UserData],
    signals: Option<Vec<UserSignals>>,
) -> Result<Detection> {
    Ok(crate::detect::run_with(
        Input::from_users(users, config.end_date),
        signals,
    ))
}

/// A chunk of users: borrowed from an in-memory dataset, or owned fresh from the generator, with
/// the signals the generator computed when it held them to their labels
/// ([`crate::generate::drawn`]).
pub struct Chunk<'a> {
    pub users: Cow<'a, [UserData]>,
    pub signals: Option<Vec<UserSignals>>,
}

/// Where chunks come from: calls its argument with each chunk, in user order.
pub type Source<'a, 's> =
    &'a mut (dyn FnMut(&mut dyn FnMut(Chunk<'s>) -> Result<()>) -> Result<()> + Send);

/// Feeds the chunks `source` produces to every writer and returns them finished (staged, not
/// committed), with the tally and, when `report` is asked for or a writer needs it, the
/// detector's report. Each chunk goes to the writers in parallel, one thread each; `source`
/// runs on a thread of its own, one chunk ahead. `check(users done)` runs after every chunk;
/// an error from it, from the source or from a writer stops everything (the staged outputs are
/// then dropped, which deletes them).
///
/// The detector and the writers do their parallel work in `pool` (the global rayon pool for
/// `None`), the pool a streamed run also generates in, so a run never uses more workers than
/// asked for.
pub fn drive<'s>(
    config: &Config,
    writers: Vec<Box<dyn Writer + 's>>,
    want_report: bool,
    source: Source<'_, 's>,
    check: Check,
    pool: Option<&rayon::ThreadPool>,
) -> Result<(Vec<Staged>, Tally, Option<serde_json::Value>)> {
    let detect = want_report || writers.iter().any(|w| w.needs_detection());
    let mut writers = writers;
    let mut tally = Tally::default();
    let mut acc = detect.then(|| report::Acc::new(config.end_date));
    // A pipeline of three threads: the producer generates (or borrows) chunk k+2 while the
    // detector reads chunk k+1 back and the writers write chunk k. Each stage does its parallel
    // work in `pool`; the detector's reading of a chunk is sequential, so overlapping it with
    // the other stages keeps both workers busy.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk<'s>>(1);
    let (tx_det, rx_det) = std::sync::mpsc::sync_channel::<(Chunk<'s>, Option<Detection>)>(1);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let produced = std::thread::scope(|scope| -> Result<()> {
        let stop = &stop;
        let producer = scope.spawn(move || {
            source(&mut |chunk| {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    return Err(Error::Interrupted);
                }
                tx.send(chunk).map_err(|_| Error::Interrupted)
            })
        });
        let detector = scope.spawn(move || -> Result<()> {
            for mut chunk in rx {
                let det = if detect {
                    let signals = chunk.signals.take();
                    Some(in_pool(pool, || {
                        detect_chunk(config, &chunk.users, signals)
                    })?)
                } else {
                    None
                };
                tx_det.send((chunk, det)).map_err(|_| Error::Interrupted)?;
            }
            Ok(())
        });
        let consumed = (|| -> Result<()> {
            for (chunk, det) in rx_det.iter() {
                if let (Some(acc), Some(det)) = (acc.as_mut(), det.as_ref()) {
                    acc.add(det);
                }
                let results: Vec<Result<()>> = std::thread::scope(|s| {
                    let (chunk, det) = (&chunk.users, det.as_ref());
                    let handles: Vec<_> = writers
                        .iter_mut()
                        .map(|w| s.spawn(move || in_pool(pool, || w.write(chunk, det))))
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| h.join().unwrap_or(Err(Error::Interrupted)))
                        .collect()
                });
                results.into_iter().collect::<Result<Vec<()>>>()?;
                tally.add(&chunk.users);
                check(tally.users, 0)?;
            }
            Ok(())
        })();
        if consumed.is_err() {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            drop(rx_det);
        }
        let from_detector = detector.join().unwrap_or(Err(Error::Interrupted));
        let from_source = producer.join().unwrap_or(Err(Error::Interrupted));
        // Report the cause: a writer's or check's error first, then the detector's, else the
        // source's (the stages after a failed one stop with `Interrupted`).
        match (consumed, from_detector, from_source) {
            (Err(e), _, _) if !matches!(e, Error::Interrupted) => Err(e),
            (_, Err(e), _) if !matches!(e, Error::Interrupted) => Err(e),
            (c, d, p) => c.and(d).and(p),
        }
    });
    produced?;
    let staged = writers
        .into_iter()
        .map(|w| w.finish())
        .collect::<Result<Vec<_>>>()?;
    Ok((staged, tally, acc.map(report::Acc::finish)))
}

/// Runs `f` in `pool` (so its parallel iterators use the pool's workers), or here for `None`.
fn in_pool<R: Send>(pool: Option<&rayon::ThreadPool>, f: impl FnOnce() -> R + Send) -> R {
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}

/// The chunks of an in-memory dataset, as [`drive`] takes them: [`CHUNK`] users each, borrowed.
fn dataset_chunks<'s>(
    ds: &'s Dataset,
) -> impl FnMut(&mut dyn FnMut(Chunk<'s>) -> Result<()>) -> Result<()> + Send + 's {
    move |f| {
        for c in ds.users.chunks(CHUNK) {
            f(Chunk {
                users: Cow::Borrowed(c),
                signals: None,
            })?;
        }
        Ok(())
    }
}

/// What [`write_all`] and [`write_stream`] wrote: the manifest, the detector's report, and the
/// tally of users and rows.
#[derive(Debug, Clone)]
pub struct Written {
    pub manifest: manifest::Manifest,
    pub report: serde_json::Value,
    pub tally: Tally,
}

/// Turns the driver's "users done" into `check(rows done, rows in all)` for a dataset.
fn row_progress<'a>(ds: &'a Dataset, check: Check<'a>) -> impl FnMut(u64, u64) -> Result<()> + 'a {
    let total = total_rows(ds);
    let (mut rows, mut done_users) = (0u64, 0usize);
    move |users: u64, _: u64| {
        for u in &ds.users[done_users..users as usize] {
            rows += Table::ALL
                .iter()
                .map(|t| t.row_count(u) as u64)
                .sum::<u64>();
        }
        done_users = users as usize;
        check(rows, total)
    }
}

/// Writes one format of an in-memory dataset to `path` (a SQLite database includes the
/// detector's `persona_assignments` table). `check(rows done, rows in all)` runs between chunks.
pub fn write_format(
    ds: &Dataset,
    format: Format,
    path: &Path,
    overwrite: bool,
    check: Check,
) -> Result<()> {
    let w = open(format, Run::of(ds), path, overwrite, true, false)?;
    let mut progress = row_progress(ds, check);
    let (staged, _, _) = drive(
        &ds.config,
        vec![w],
        false,
        &mut dataset_chunks(ds),
        &mut progress,
        None,
    )?;
    for s in staged {
        s.commit()?;
    }
    Ok(())
}

/// Writes `formats` of `ds` into `out_dir` (default names: `spendsense.db`, `csv/`, `users.json`,
/// `parquet/`, `plaid/`, `plaid_sandbox/`), the detector's outputs (it runs on the dataset's
/// tables, chunk by chunk: `features/*.parquet`, `validation_report.json`, and the
/// `persona_assignments` table inside `spendsense.db`), then `manifest.json` with a SHA-256 per
/// file. Existing outputs are an error unless `overwrite`; every target is checked before
/// anything is written, and nothing is moved into place until every output has succeeded.
/// `check(rows done, rows in all)` runs between chunks.
pub fn write_all(
    ds: &Dataset,
    out_dir: &Path,
    formats: &[Format],
    overwrite: bool,
    check: Check,
) -> Result<Written> {
    let mut progress = row_progress(ds, check);
    write_run(
        Run::of(ds),
        out_dir,
        formats,
        true,
        overwrite,
        &mut dataset_chunks(ds),
        &mut progress,
        None,
    )
}

/// [`write_all`] for a run that is generated while it is written: users are simulated in chunks
/// (in parallel on `threads`, all cores for `None`) and each chunk is written and dropped, so
/// memory does not grow with the number of users. The files are the same bytes as generating
/// the dataset and calling [`write_all`]. Without `detect`, the detector does not run and its
/// outputs (`features/`, `validation_report.json`, the `persona_assignments` table) are not
/// written. `check(users done, users in all)` runs between chunks.
#[allow(clippy::too_many_arguments)]
pub fn write_stream(
    config: &Config,
    shard: Option<Shard>,
    threads: Option<usize>,
    out_dir: &Path,
    formats: &[Format],
    detect: bool,
    overwrite: bool,
    check: Check,
) -> Result<Written> {
    let run = Run { config, shard };
    let total = run.user_range().end - run.user_range().start;
    let pool = crate::generate::pool(threads)?;
    let mut source = |f: &mut dyn FnMut(Chunk<'static>) -> Result<()>| {
        crate::generate::for_each_drawn_chunk_in(
            config,
            &pool,
            shard,
            &mut |users, signals, _, _| {
                f(Chunk {
                    users: Cow::Owned(users),
                    signals: Some(signals),
                })
            },
        )
    };
    let mut progress = |users: u64, _: u64| check(users, total);
    write_run(
        run,
        out_dir,
        formats,
        detect,
        overwrite,
        &mut source,
        &mut progress,
        Some(&pool),
    )
}

#[allow(clippy::too_many_arguments)]
fn write_run<'s>(
    run: Run,
    out_dir: &Path,
    formats: &[Format],
    detect: bool,
    overwrite: bool,
    source: Source<'_, 's>,
    check: Check,
    pool: Option<&rayon::ThreadPool>,
) -> Result<Written> {
    let features_dir = out_dir.join(detection::FEATURES_DIR);
    let report_path = out_dir.join(detection::REPORT_FILE);
    let manifest_path = out_dir.join("manifest.json");
    let targets: Vec<PathBuf> = formats
        .iter()
        .map(|f| out_dir.join(f.default_name()))
        .collect();
    if !overwrite {
        for p in targets
            .iter()
            .chain([&features_dir, &report_path, &manifest_path])
        {
            if p.exists() {
                return Err(Error::OutputExists { path: p.clone() });
            }
        }
    }
    std::fs::create_dir_all(out_dir).map_err(|e| Error::output(out_dir, e))?;
    let mut writers: Vec<Box<dyn Writer>> = Vec::new();
    for (f, p) in formats.iter().zip(&targets) {
        writers.push(open(*f, run, p, overwrite, detect, true)?);
    }
    if detect {
        writers.push(Box::new(parquet::FeaturesWriter::open(
            &features_dir,
            overwrite,
        )?));
    }
    let (mut staged, tally, report) = drive(run.config, writers, detect, source, check, pool)?;
    let report = report.unwrap_or(serde_json::Value::Null);
    if detect {
        staged.push(detection::stage_report(&report, &report_path, overwrite)?);
    }
    let known: Vec<manifest::FileHash> = staged.iter().flat_map(|s| s.hashes().to_vec()).collect();
    for s in staged {
        s.commit()?;
    }
    let detector_outputs = if detect {
        vec![features_dir, report_path]
    } else {
        Vec::new()
    };
    let paths: Vec<PathBuf> = targets.into_iter().chain(detector_outputs).collect();
    let m = manifest::Manifest::build(run, &tally, formats, out_dir, &paths, &known)?;
    m.write(&manifest_path)?;
    Ok(Written {
        manifest: m,
        report,
        tally,
    })
}

/// Total rows of all tables, for progress.
pub fn total_rows(ds: &Dataset) -> u64 {
    crate::tables::Table::ALL
        .iter()
        .map(|t| ds.users.iter().map(|u| t.row_count(u) as u64).sum::<u64>())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ssg-staged-{name}-{}", std::process::id()));
        remove_path(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn csv_file(n: &str) -> bool {
        n.ends_with(".csv")
    }

    /// Writes `a.csv` into a staged folder and commits it.
    fn write_folder(target: &Path) -> Result<()> {
        let staged = Staged::folder(target, true, csv_file)?;
        std::fs::create_dir_all(staged.path()).unwrap();
        std::fs::write(staged.path().join("a.csv"), "new").unwrap();
        staged.commit()
    }

    #[test]
    fn overwrite_replaces_a_folder_of_our_files_only() {
        let d = tmp("folder");
        let out = d.join("csv");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("a.csv"), "old").unwrap();
        std::fs::write(out.join("b.csv"), "old").unwrap();
        write_folder(&out).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "new");
        assert!(!out.join("b.csv").exists());

        // A folder with anything else in it is refused, and left as it was.
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        std::fs::create_dir_all(out.join("code")).unwrap();
        let e = write_folder(&out).unwrap_err().to_string();
        assert!(
            e.contains("holds files this output does not write (code, notes.txt)"),
            "{e}"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("notes.txt")).unwrap(),
            "mine"
        );
        assert!(out.join("code").is_dir());
        assert_eq!(
            std::fs::read_dir(&d).unwrap().count(),
            1,
            "no temporary left"
        );

        // A file where a folder goes is refused too.
        let file = d.join("file.csv");
        std::fs::write(&file, "x").unwrap();
        let e = write_folder(&file).unwrap_err().to_string();
        assert!(e.contains("is a file, not replaced"), "{e}");
        remove_path(&d);
    }

    #[test]
    fn overwrite_never_replaces_a_folder_with_a_file() {
        let d = tmp("file");
        let target = d.join("spendsense.db");
        std::fs::create_dir_all(target.join("inside")).unwrap();
        let e = Staged::new(&target, true).err().unwrap().to_string();
        assert!(e.contains("is a folder, not replaced"), "{e}");
        assert!(target.join("inside").is_dir());
        // Without overwrite, any existing target is refused as before.
        let e = Staged::new(&target, false).err().unwrap();
        assert!(matches!(e, Error::OutputExists { .. }), "{e}");
        remove_path(&d);
    }
}
