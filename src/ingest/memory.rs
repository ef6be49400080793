//! A check before data is read back. `validate`, `load` and the detector reading a path hold
//! what they read (about 70-140 bytes per transaction, measured in `benchmarks/README.md`,
//! "Reading data back"), so data larger than the memory this process may use would be killed by
//! the kernel part way, with no message. [`check`] estimates the memory from the size of the
//! transactions table (its row count in SQLite and Parquet, its bytes in CSV and JSON) and
//! refuses at the start instead, with [`Error::TooLarge`] saying what to do.
//!
//! The limit is the memory available to the process (`MemAvailable` in `/proc/meminfo`, or what
//! is left under a cgroup v2 `memory.max`, whichever is smaller), or the environment variable
//! `SPENDSENSE_GEN_MEMORY_LIMIT`: a size (`512M`, `16G`, `16GiB`, bytes; K/M/G/T are powers of
//! 1024) or `off`. Where neither is known (not Linux), nothing is checked.

use super::source::Kind;
use crate::error::{Error, Result};
use std::path::Path;

/// The environment variable that sets the limit.
pub const LIMIT_VAR: &str = "SPENDSENSE_GEN_MEMORY_LIMIT";

/// What reads the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Validate,
    Load,
    Detect,
}

impl Reader {
    fn verb(self) -> &'static str {
        match self {
            Reader::Validate => "validating",
            Reader::Load => "loading",
            Reader::Detect => "detecting personas in",
        }
    }

    /// Bytes held per transaction, rounded down from what was measured at 10,000 users, so that
    /// the check refuses only data that clearly would not fit: the detector 132-138 bytes;
    /// `validate` and `load` 71-84 bytes when transaction ids arrive in increasing order (as
    /// the generator writes them), about 50 more when they do not (the id table).
    pub fn bytes_per_transaction(self) -> u64 {
        match self {
            Reader::Detect => 115,
            Reader::Validate | Reader::Load => 65,
        }
    }
}

/// Average bytes of one transaction in the generator's CSV (a `transactions.csv` line) and
/// JSON (`users.json`, per transaction, with its share of users and accounts), used to
/// estimate the rows of a text file from its size.
const CSV_BYTES_PER_TRANSACTION: u64 = 212;
const JSON_BYTES_PER_TRANSACTION: u64 = 519;

/// Transactions in the data at `path`, estimated: the row count of a SQLite table or Parquet
/// file, the size of a CSV or JSON file divided by the generator's bytes per transaction.
/// `None` when it cannot be told cheaply (the reader then reports what is wrong).
pub fn transactions(kind: Kind, path: &Path) -> Option<u64> {
    let size = |p: &Path| std::fs::metadata(p).ok().map(|m| m.len());
    match kind {
        Kind::Csv => Some(size(&path.join("transactions.csv"))? / CSV_BYTES_PER_TRANSACTION),
        Kind::Json => Some(size(path)? / JSON_BYTES_PER_TRANSACTION),
        Kind::Parquet => {
            let file = std::fs::File::open(path.join("transactions.parquet")).ok()?;
            let builder =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .ok()?;
            u64::try_from(builder.metadata().file_metadata().num_rows()).ok()
        }
        Kind::Sqlite => {
            let conn = rusqlite::Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .ok()?;
            // The largest rowid, read from the end of the table's B-tree: the row count of a
            // table written in one go. Rowids can also be set freely; when the largest is more
            // than the file could hold (a row takes at least 20 bytes), the rows are counted.
            let max: Option<i64> = conn
                .query_row("SELECT max(rowid) FROM transactions", [], |r| r.get(0))
                .ok()?;
            let max = max.unwrap_or(0).max(0) as u64;
            if max <= size(path)? / 20 {
                return Some(max);
            }
            let n: i64 = conn
                .query_row("SELECT count(*) FROM transactions", [], |r| r.get(0))
                .ok()?;
            Some(n.max(0) as u64)
        }
    }
}

/// Parses a limit: `off` (no check), or a size in bytes with an optional K, M, G or T
/// (powers of 1024, optionally followed by `iB` or `B`, any case).
pub fn parse_limit(text: &str) -> Result<Option<u64>> {
    let t = text.trim();
    let bad = || {
        Error::invalid(
            LIMIT_VAR,
            format!("'{text}' is not a size"),
            "off, or a size such as 512M, 16G or 16GiB (K, M, G, T are powers of 1024), or bytes",
        )
    };
    if t.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let lower = t.to_ascii_lowercase();
    let unit_start = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(unit_start);
    let scale: u64 = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return Err(bad()),
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    if !value.is_finite() || value <= 0.0 {
        return Err(bad());
    }
    Ok(Some((value * scale as f64) as u64))
}

/// The memory this process may use, in bytes, where it can be told: the smaller of
/// `MemAvailable` and what is left under the cgroup's `memory.max`.
pub fn available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let mem = meminfo.as_deref().and_then(|m| {
        m.lines()
            .find_map(|l| l.strip_prefix("MemAvailable:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kib| kib * 1024)
    });
    let read_u64 =
        |p: &str| -> Option<u64> { std::fs::read_to_string(p).ok()?.trim().parse().ok() };
    let cgroup = read_u64("/sys/fs/cgroup/memory.max")
        .map(|max| max.saturating_sub(read_u64("/sys/fs/cgroup/memory.current").unwrap_or(0)));
    match (mem, cgroup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The limit and where it comes from: the environment variable when set, else [`available`].
pub fn limit() -> Result<Option<(u64, &'static str)>> {
    match std::env::var(LIMIT_VAR) {
        Ok(text) => {
            Ok(parse_limit(&text)?.map(|l| (l, "the limit set by SPENDSENSE_GEN_MEMORY_LIMIT")))
        }
        Err(_) => Ok(available().map(|a| (a, "the memory available"))),
    }
}

/// Bytes in the largest binary unit that keeps a whole number in front: `1.5 GiB`, `64.0 KiB`.
fn size(bytes: u64) -> String {
    let units = [
        (1u64 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ];
    for (scale, unit) in units {
        if bytes >= scale {
            return format!("{:.1} {unit}", bytes as f64 / scale as f64);
        }
    }
    format!("{bytes} bytes")
}

/// Refuses data of `rows` estimated transactions ([`transactions`]) whose memory is over
/// `limit` (see [`limit`]).
pub fn check_against(
    reader: Reader,
    rows: Option<u64>,
    path: &Path,
    limit: Option<(u64, &'static str)>,
) -> Result<()> {
    let (Some((limit, from)), Some(rows)) = (limit, rows) else {
        return Ok(());
    };
    let per = reader.bytes_per_transaction();
    let needed = rows.saturating_mul(per);
    if needed <= limit {
        return Ok(());
    }
    let advice = match reader {
        Reader::Detect => {
            "The run's own detection outputs (features/, validation_report.json) were written \
             while it was generated, in flat memory; or generate and detect it shard by shard \
             (generate --shard K/N)."
        }
        Reader::Validate => {
            "Validate a large run shard by shard: generate --shard K/N (or \
             spendsense_gen.dask.write_parquet) writes each shard as a complete dataset."
        }
        Reader::Load => {
            "Load a large run shard by shard, each shard's folder in turn into the same \
             database: generate --shard K/N writes each shard as a complete dataset."
        }
    };
    Err(Error::TooLarge {
        path: path.to_path_buf(),
        needed,
        limit,
        message: format!(
            "{} it would hold at least {} ({} transactions at {per} bytes or more each), more than \
             {from} ({}). {advice} To try anyway, set {LIMIT_VAR}=off.",
            reader.verb(),
            size(needed),
            thousands(rows),
            size(limit),
        ),
    })
}

/// Refuses data that would not fit in memory, before it is read; returns the room the reader
/// should reserve for its transactions (`capacity`).
pub fn check(reader: Reader, kind: Kind, path: &Path) -> Result<usize> {
    let limit = limit()?;
    let rows = transactions(kind, path);
    check_against(reader, rows, path, limit)?;
    // Never more room than the memory could fill (a file's row count can be wrong).
    let most = limit
        .map(|(l, _)| l)
        .or_else(available)
        .map(|bytes| bytes / reader.bytes_per_transaction());
    Ok(capacity(kind, rows.map(|n| most.map_or(n, |m| n.min(m)))))
}

/// Room to reserve for the transactions a reader will hold, from the estimate: the count itself
/// for SQLite and Parquet, 15 % more for CSV and JSON (their estimate comes from the file's
/// size). Reserving once saves the copy a growing vector or hash table makes when it doubles,
/// when the old and the new one are both in memory: `validate` of 4.3 M transactions peaked at
/// 819 MiB with 502 MiB in use after reading, and at 525 MiB with the room reserved.
fn capacity(kind: Kind, estimate: Option<u64>) -> usize {
    let n = estimate.unwrap_or(0);
    let n = match kind {
        Kind::Sqlite | Kind::Parquet => n,
        Kind::Csv | Kind::Json => n + n * 15 / 100,
    };
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_with_binary_units() {
        assert_eq!(parse_limit("off").unwrap(), None);
        assert_eq!(parse_limit(" OFF ").unwrap(), None);
        assert_eq!(parse_limit("1000").unwrap(), Some(1000));
        assert_eq!(parse_limit("512M").unwrap(), Some(512 << 20));
        assert_eq!(parse_limit("16GiB").unwrap(), Some(16 << 30));
        assert_eq!(parse_limit("16 gb").unwrap(), Some(16 << 30));
        assert_eq!(parse_limit("1.5k").unwrap(), Some(1536));
        assert_eq!(parse_limit("2T").unwrap(), Some(2 << 40));
        for bad in ["", "lots", "-1G", "0", "12X", "G", "1e9"] {
            let e = parse_limit(bad).unwrap_err().to_string();
            assert!(e.contains(LIMIT_VAR) && e.contains("512M"), "{bad}: {e}");
        }
    }

    #[test]
    fn this_machine_reports_its_memory() {
        if cfg!(target_os = "linux") {
            let a = available().expect("Linux has /proc/meminfo");
            assert!(a > 0);
        }
    }

    /// Row counts are exact for SQLite and Parquet and within 10 % for the generator's CSV and
    /// JSON; a limit below the estimate refuses, naming the sizes and the way out; no limit, or
    /// one above, lets the data through.
    #[test]
    fn estimates_follow_the_data_and_refuse_above_the_limit() {
        use crate::config::{Config, Format};
        let config = Config::from_value(&serde_json::json!({"n_users": 40, "seed": 5})).unwrap();
        let ds = crate::generate(&config, Some(1), &mut |_, _| Ok(())).unwrap();
        let n: u64 = ds.users.iter().map(|u| u.transactions.len() as u64).sum();
        let dir = std::env::temp_dir().join(format!("ssg-memory-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let formats = [Format::Sqlite, Format::Csv, Format::Json, Format::Parquet];
        crate::sink::write_all(&ds, &dir, &formats, false, &mut |_, _| Ok(())).unwrap();
        let sources = [
            (Kind::Sqlite, dir.join("spendsense.db")),
            (Kind::Parquet, dir.join("parquet")),
            (Kind::Csv, dir.join("csv")),
            (Kind::Json, dir.join("users.json")),
        ];
        for (kind, path) in &sources {
            let est = transactions(*kind, path).unwrap();
            match kind {
                Kind::Sqlite | Kind::Parquet => assert_eq!(est, n, "{kind:?}"),
                _ => assert!(est.abs_diff(n) * 10 <= n, "{kind:?}: {est} for {n}"),
            }
            let per = Reader::Validate.bytes_per_transaction();
            let fits = Some((est * per, "the test's limit"));
            assert!(check_against(Reader::Validate, Some(est), path, fits).is_ok());
            assert!(check_against(Reader::Validate, Some(est), path, None).is_ok());
            let small = Some((est * per - 1, "the test's limit"));
            match check_against(Reader::Validate, Some(est), path, small) {
                Err(Error::TooLarge {
                    needed,
                    limit,
                    message,
                    ..
                }) => {
                    assert_eq!((needed, limit), (est * per, est * per - 1));
                    assert!(message.contains(&thousands(est)), "{message}");
                    assert!(message.contains("the test's limit"), "{message}");
                    assert!(message.contains("--shard"), "{message}");
                    assert!(
                        message.contains("SPENDSENSE_GEN_MEMORY_LIMIT=off"),
                        "{message}"
                    );
                }
                other => panic!("{kind:?}: {other:?}"),
            }
        }
        // Rowids set far apart do not inflate the estimate: the rows are counted instead.
        let db = dir.join("spendsense.db");
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute(
            "UPDATE transactions SET rowid = 9000000000000000000 WHERE rowid = (SELECT max(rowid) FROM transactions)",
            [],
        )
        .unwrap();
        drop(conn);
        assert_eq!(transactions(Kind::Sqlite, &db), Some(n));
        // A path the estimate cannot read is left to the reader to report.
        assert_eq!(transactions(Kind::Csv, &dir.join("nowhere")), None);
        assert!(
            check_against(Reader::Validate, None, &dir.join("nowhere"), Some((1, "x"))).is_ok()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sizes_are_written_in_binary_units() {
        assert_eq!(size(512), "512 bytes");
        assert_eq!(size(64 << 10), "64.0 KiB");
        assert_eq!(size(3 << 19), "1.5 MiB");
        assert_eq!(size(94 << 30), "94.0 GiB");
        assert_eq!(size(2 << 40), "2.0 TiB");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(428_123_456), "428,123,456");
    }
}
