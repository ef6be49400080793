//! How fast does spendsense-gen's SQLite sink write, next to the fastest plain rusqlite loop for
//! the same rows?
//!
//!     cargo run --release --example bare_sqlite -- [--users N] [--seed S] [--reps R]
//!                                                  [--threads T] [--dir DIR] [--json]
//!                                                  [--cache-mib M] [--page-size B]
//!
//! Generates one dataset with the library (`spendsense_gen::generate`), then, in this process and
//! on the same rows, times:
//!
//! - `bare`: the ceiling. Every row is first turned into SQLite values (not timed); the timed part
//!   is one transaction, one prepared statement per table, `raw_bind_parameter` + `raw_execute`
//!   per row, `journal_mode=OFF`, `synchronous=OFF`, `foreign_keys=OFF`, tables with the same
//!   columns and declared types but no primary key, no indexes, no foreign-key check.
//! - `bare+pk`: the same loop into the sink's own `CREATE TABLE` statements (text primary keys).
//! - `bare+pk+idx+fk`: as `bare+pk`, plus the sink's secondary indexes built after the load and
//!   `PRAGMA foreign_key_check`: the same SQL work as the sink, without its row conversion.
//! - `bare+keys-after`: the same guarantees built differently. The tables are created without
//!   `PRIMARY KEY`, and after the load each primary key becomes a `UNIQUE` index, followed by the
//!   secondary indexes and the foreign-key check. This shows what the keys cost when their
//!   indexes are built in one pass instead of row by row.
//! - `ours`: `spendsense_gen::sink::sqlite::write`, whole (rows read from the records, values
//!   converted, the same SQL, the temporary file renamed into place).
//!
//! Rates are rows of all five tables per second; the ratio is ours / bare (target >= 0.5).
//! `--cache-mib M` gives the bare loads an M MiB page cache (`PRAGMA cache_size`) instead of
//! SQLite's default, to see how much of the keyed loads' cost is page-cache misses.
//! `--page-size B` gives the bare loads B-byte pages (`PRAGMA page_size`) instead of SQLite's
//! 4096; the sink itself uses 16384.
//! Prints a table; with `--json` also one JSON line at the end (read by bench_generate.py).
//! Nothing is asserted.

use rusqlite::Connection;
use spendsense_gen::sink::sqlite::{create_sql, index_sql};
use spendsense_gen::tables::Table;
use spendsense_gen::{generate, Config, Dataset};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod cells;
use cells::{cells, insert_sql, plain_create_sql};

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Bare,
    Keys,
    SameSql,
    KeysAfter,
}

impl Variant {
    const ALL: [Variant; 4] = [
        Variant::Bare,
        Variant::Keys,
        Variant::SameSql,
        Variant::KeysAfter,
    ];

    fn label(self) -> &'static str {
        match self {
            Variant::Bare => "bare",
            Variant::Keys => "bare+pk",
            Variant::SameSql => "bare+pk+idx+fk",
            Variant::KeysAfter => "bare+keys-after",
        }
    }

    fn create_sql(self, table: Table) -> String {
        match self {
            Variant::Bare => plain_create_sql(table),
            Variant::Keys | Variant::SameSql => create_sql(table),
            Variant::KeysAfter => create_sql(table).replace(" PRIMARY KEY", ""),
        }
    }

    /// Statements run after the load, before the commit.
    fn after_load_sql(self, table: Table) -> Vec<String> {
        let mut sql = Vec::new();
        if self == Variant::KeysAfter {
            sql.push(format!(
                "CREATE UNIQUE INDEX pk_{t} ON {t}({})",
                table.primary_key(),
                t = table.name()
            ));
        }
        if matches!(self, Variant::SameSql | Variant::KeysAfter) {
            sql.extend(index_sql(table));
        }
        sql
    }
}

/// One load of the whole dataset; returns the timed part (row conversion excluded).
fn bare_load(
    ds: &Dataset,
    path: &Path,
    variant: Variant,
    cache_mib: Option<u64>,
    page_size: Option<u64>,
) -> rusqlite::Result<Duration> {
    let _ = std::fs::remove_file(path);
    let mut conn = Connection::open(path)?;
    // As the sink does. The bundled SQLite turns foreign keys on by default, and enforcing them
    // row by row is not part of the load being measured (the check runs once, at the end).
    if let Some(b) = page_size {
        conn.execute_batch(&format!("PRAGMA page_size = {b}"))?;
    }
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF;",
    )?;
    if let Some(mib) = cache_mib {
        conn.execute_batch(&format!("PRAGMA cache_size = -{}", mib * 1024))?;
    }
    let mut timed = Duration::ZERO;
    let t = Instant::now();
    let tx = conn.transaction()?;
    timed += t.elapsed();
    for table in Table::ALL {
        let data = cells(&ds.users, table);
        let n = table.columns().len();
        let t = Instant::now();
        tx.execute_batch(&variant.create_sql(table))?;
        let sql = insert_sql(table);
        let mut stmt = tx.prepare(&sql)?;
        for row in data.chunks_exact(n) {
            for (i, cell) in row.iter().enumerate() {
                stmt.raw_bind_parameter(i + 1, cell)?;
            }
            stmt.raw_execute()?;
        }
        drop(stmt);
        timed += t.elapsed();
    }
    let t = Instant::now();
    for table in Table::ALL {
        for sql in variant.after_load_sql(table) {
            tx.execute_batch(&sql)?;
        }
    }
    tx.commit()?;
    if matches!(variant, Variant::SameSql | Variant::KeysAfter) {
        let violations: i64 =
            conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })?;
        assert_eq!(violations, 0, "foreign key violations");
    }
    timed += t.elapsed();
    for table in Table::ALL {
        let want: usize = ds.users.iter().map(|u| table.row_count(u)).sum();
        let got: i64 =
            conn.query_row(&format!("SELECT count(*) FROM {}", table.name()), [], |r| {
                r.get(0)
            })?;
        assert_eq!(got as usize, want, "{} rows", table.name());
    }
    conn.close().map_err(|(_, e)| e)?;
    Ok(timed)
}

fn ours_load(ds: &Dataset, path: &Path) -> spendsense_gen::Result<Duration> {
    let _ = std::fs::remove_file(path);
    let t = Instant::now();
    spendsense_gen::sink::sqlite::write(ds, path, true, &mut |_, _| Ok(()))?;
    Ok(t.elapsed())
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

struct Args {
    users: u64,
    seed: u64,
    reps: usize,
    threads: Option<usize>,
    dir: PathBuf,
    json: bool,
    cache_mib: Option<u64>,
    page_size: Option<u64>,
}

fn parse_args() -> Args {
    let mut a = Args {
        users: 10_000,
        seed: 42,
        reps: 3,
        threads: None,
        dir: std::env::temp_dir(),
        json: false,
        cache_mib: None,
        page_size: None,
    };
    let mut it = std::env::args().skip(1);
    let usage = "usage: bare_sqlite [--users N] [--seed S] [--reps R] [--threads T] [--dir DIR] [--json] [--cache-mib M] [--page-size B]";
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| panic!("{flag} needs a value\n{usage}"))
        };
        match flag.as_str() {
            "--users" => a.users = value().parse().expect("--users N"),
            "--seed" => a.seed = value().parse().expect("--seed S"),
            "--reps" => a.reps = value().parse::<usize>().expect("--reps R").max(1),
            "--threads" => a.threads = Some(value().parse().expect("--threads T")),
            "--dir" => a.dir = PathBuf::from(value()),
            "--json" => a.json = true,
            "--cache-mib" => a.cache_mib = Some(value().parse().expect("--cache-mib M")),
            "--page-size" => a.page_size = Some(value().parse().expect("--page-size B")),
            _ => panic!("unknown argument {flag}\n{usage}"),
        }
    }
    a
}

fn main() {
    let args = parse_args();
    let config = Config::from_value(&serde_json::json!({"n_users": args.users, "seed": args.seed}))
        .expect("a valid configuration");
    let t = Instant::now();
    let ds = generate(&config, args.threads, &mut |_, _| Ok(())).expect("generation");
    let gen_s = t.elapsed().as_secs_f64();
    let rows: Vec<(Table, usize)> = Table::ALL
        .iter()
        .map(|t| (*t, ds.users.iter().map(|u| t.row_count(u)).sum()))
        .collect();
    let total: usize = rows.iter().map(|r| r.1).sum();
    let t = Instant::now();
    for table in Table::ALL {
        drop(cells(&ds.users, table));
    }
    let convert_s = t.elapsed().as_secs_f64();

    println!(
        "bare_sqlite: {} users (seed {}), generated in {gen_s:.2} s; {total} rows ({})",
        args.users,
        args.seed,
        rows.iter()
            .map(|(t, n)| format!("{} {n}", t.name()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "rows -> SQLite values (untimed in the bare loops): {convert_s:.2} s; {} repetition(s), median shown",
        args.reps
    );
    std::fs::create_dir_all(&args.dir).expect("benchmark folder");
    let pid = std::process::id();
    let bare_path = args.dir.join(format!("bare_sqlite-{pid}.db"));
    let ours_path = args.dir.join(format!("ours_sqlite-{pid}.db"));

    // (label, median seconds, file size in MB)
    let size_mb = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    let mut results: Vec<(&str, f64, f64)> = Vec::new();
    for v in Variant::ALL {
        let times: Vec<f64> = (0..args.reps)
            .map(|_| {
                bare_load(&ds, &bare_path, v, args.cache_mib, args.page_size)
                    .expect("bare load")
                    .as_secs_f64()
            })
            .collect();
        results.push((v.label(), median(times), size_mb(&bare_path)));
    }
    let _ = std::fs::remove_file(&bare_path);
    let times: Vec<f64> = (0..args.reps)
        .map(|_| {
            ours_load(&ds, &ours_path)
                .expect("sink write")
                .as_secs_f64()
        })
        .collect();
    results.push(("ours", median(times), size_mb(&ours_path)));
    let _ = std::fs::remove_file(&ours_path);

    let bare_s = results[0].1;
    let ours_s = results[results.len() - 1].1;
    println!();
    println!(
        "{:<16} {:>10} {:>14} {:>10} {:>10}",
        "load", "seconds", "rows/s", "vs bare", "file MB"
    );
    for (label, s, mb) in &results {
        println!(
            "{label:<16} {s:>10.3} {:>14.0} {:>9.2}x {mb:>10.1}",
            total as f64 / s,
            bare_s / s
        );
    }
    let ratio = bare_s / ours_s;
    println!();
    println!(
        "ours / bare = {ratio:.3} (target >= 0.5: {})",
        if ratio >= 0.5 { "met" } else { "missed" },
    );
    if args.json {
        let loads: serde_json::Map<String, serde_json::Value> = results
            .iter()
            .map(|(l, s, _)| (l.to_string(), serde_json::json!(s)))
            .collect();
        let order: Vec<&str> = results.iter().map(|r| r.0).collect();
        println!(
            "{}",
            serde_json::json!({
                "users": args.users,
                "seed": args.seed,
                "reps": args.reps,
                "rows": total,
                "generate_s": gen_s,
                "convert_s": convert_s,
                "loads": order,
                "seconds": loads,
                "ratio_ours_over_bare": ratio,
            })
        );
    }
}
