//! The bare writer limit at scale: the rows of N users written by a minimal Parquet or rusqlite
//! loop, with nothing else timed. `bench_scale.py` divides its runs' rates by this one.
//!
//!     cargo run --release --example bare_stream -- --format parquet|sqlite [--users N]
//!         [--seed S] [--threads T] [--keys] [--dir DIR] [--json]
//!
//! The users are generated chunk by chunk (`generate::for_each_chunk`, as `spendsense-gen
//! generate` does), so memory stays flat at any N. Per chunk, untimed: the simulation, and turning
//! the rows into the writer's input (Arrow record batches; SQLite values). Timed: only the writes.
//!
//! - `parquet`: one `ArrowWriter` per table for the whole run, with the sink's own writer
//!   properties (`sink::parquet::properties`: snappy, dictionaries, row groups), single-threaded;
//!   the timed part is `write` of each batch and `close`.
//! - `sqlite`: the `bare` loop of `bare_sqlite.rs`: one transaction, one prepared statement per
//!   table, `raw_bind_parameter` + `raw_execute` per row, `journal_mode`, `synchronous` and
//!   `foreign_keys` off, tables with the sink's columns and declared types but no keys. Pages and
//!   page cache are the sink's (16 KiB, 128 MiB). With `--keys`, the sink's own `CREATE TABLE`
//!   statements (text primary keys), its indexes built after the load, and
//!   `PRAGMA foreign_key_check`: the same SQL work as the sink without its row conversion.
//!
//! Rates are rows of all five tables per second of the timed part. Prints one line; with
//! `--json` also one JSON line at the end. Nothing is asserted.

use parquet::arrow::ArrowWriter;
use rusqlite::Connection;
use spendsense_gen::generate::for_each_chunk;
use spendsense_gen::model::UserData;
use spendsense_gen::sink::parquet::{key_columns, properties, record_batches, ROW_GROUP_ROWS};
use spendsense_gen::sink::sqlite::{create_sql, index_sql};
use spendsense_gen::tables::Table;
use spendsense_gen::Config;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod args;
mod cells;
use args::arg;
use cells::{cells, insert_sql, plain_create_sql};

/// Rows of each table (in `Table::ALL` order) and the timed seconds.
struct Timed {
    rows: [u64; Table::ALL.len()],
    timed: Duration,
}

impl Timed {
    fn count(&mut self, users: &[UserData]) {
        for (i, t) in Table::ALL.iter().enumerate() {
            self.rows[i] += users.iter().map(|u| t.row_count(u) as u64).sum::<u64>();
        }
    }
    fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = f();
        self.timed += t.elapsed();
        out
    }
}

fn parquet(config: &Config, threads: Option<usize>, dir: &Path) -> Timed {
    let mut m = Timed {
        rows: [0; Table::ALL.len()],
        timed: Duration::ZERO,
    };
    let mut writers: Vec<Option<ArrowWriter<std::fs::File>>> =
        Table::ALL.iter().map(|_| None).collect();
    for_each_chunk(config, threads, None, &mut |users, _, _| {
        m.count(&users);
        for (i, table) in Table::ALL.iter().enumerate() {
            let (schema, batches) = record_batches(*table, &users).expect("record batches");
            let w = writers[i].get_or_insert_with(|| {
                let f = std::fs::File::create(dir.join(format!("{}.parquet", table.name())))
                    .expect("a Parquet file");
                let props = properties(table.columns(), &[], &key_columns(*table), ROW_GROUP_ROWS);
                ArrowWriter::try_new(f, schema, Some(props)).expect("a writer")
            });
            m.time(|| {
                for b in &batches {
                    w.write(b).expect("write");
                }
            });
        }
        Ok(())
    })
    .expect("generation");
    for w in writers.into_iter().flatten() {
        m.time(|| w.close().expect("close"));
    }
    m
}

fn sqlite(config: &Config, threads: Option<usize>, path: &Path, keys: bool) -> Timed {
    let mut m = Timed {
        rows: [0; Table::ALL.len()],
        timed: Duration::ZERO,
    };
    let _ = std::fs::remove_file(path);
    let conn = m.time(|| {
        let conn = Connection::open(path).expect("a database");
        conn.execute_batch(
            "PRAGMA page_size = 16384; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; \
             PRAGMA foreign_keys = OFF; PRAGMA cache_size = -131072; BEGIN",
        )
        .expect("pragmas");
        for table in Table::ALL {
            let sql = if keys {
                create_sql(table)
            } else {
                plain_create_sql(table)
            };
            conn.execute_batch(&sql).expect("CREATE TABLE");
        }
        conn
    });
    for_each_chunk(config, threads, None, &mut |users, _, _| {
        m.count(&users);
        for table in Table::ALL {
            let data = cells(&users, table);
            let n = table.columns().len();
            let sql = insert_sql(table);
            m.time(|| {
                let mut stmt = conn.prepare_cached(&sql).expect("INSERT");
                for row in data.chunks_exact(n) {
                    for (i, cell) in row.iter().enumerate() {
                        stmt.raw_bind_parameter(i + 1, cell).expect("bind");
                    }
                    stmt.raw_execute().expect("insert");
                }
            });
        }
        Ok(())
    })
    .expect("generation");
    m.time(|| {
        if keys {
            for table in Table::ALL {
                for sql in index_sql(table) {
                    conn.execute_batch(&sql).expect("CREATE INDEX");
                }
            }
        }
        conn.execute_batch("COMMIT").expect("COMMIT");
        if keys {
            let violations: i64 = conn
                .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                    r.get(0)
                })
                .expect("foreign_key_check");
            assert_eq!(violations, 0, "foreign key violations");
        }
        conn.close().map_err(|(_, e)| e).expect("close");
    });
    m
}

fn main() {
    let users: u64 = arg("--users").map_or(100_000, |s| s.parse().expect("--users N"));
    let seed: u64 = arg("--seed").map_or(42, |s| s.parse().expect("--seed S"));
    let threads: Option<usize> = arg("--threads").map(|s| s.parse().expect("--threads T"));
    let format = arg("--format").expect("--format parquet|sqlite");
    let keys = std::env::args().any(|a| a == "--keys");
    let json = std::env::args().any(|a| a == "--json");
    let dir = arg("--dir").map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = dir.join(format!("bare_stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("benchmark folder");
    let config = Config::from_value(&serde_json::json!({"n_users": users, "seed": seed}))
        .expect("a valid configuration");
    let t = Instant::now();
    let m = match format.as_str() {
        "parquet" => parquet(&config, threads, &dir),
        "sqlite" => sqlite(&config, threads, &dir.join("bare.db"), keys),
        f => panic!("--format parquet|sqlite, not {f}"),
    };
    let wall = t.elapsed().as_secs_f64();
    let bytes: u64 = std::fs::read_dir(&dir)
        .expect("benchmark folder")
        .map(|e| e.expect("an entry").metadata().expect("metadata").len())
        .sum();
    let _ = std::fs::remove_dir_all(&dir);
    let rows: u64 = m.rows.iter().sum();
    let txns = m.rows[Table::ALL
        .iter()
        .position(|t| *t == Table::Transactions)
        .expect("transactions")];
    let s = m.timed.as_secs_f64();
    let label = match (format.as_str(), keys) {
        ("sqlite", true) => "sqlite+keys",
        (f, _) => f,
    };
    println!(
        "bare_stream {label}: {users} users, {rows} rows ({txns} transactions, {:.2} GB): \
         writes {s:.2} s = {:.0} rows/s; whole run {wall:.2} s",
        bytes as f64 / 1e9,
        rows as f64 / s
    );
    if json {
        println!(
            "{}",
            serde_json::json!({
                "format": label,
                "users": users,
                "seed": seed,
                "rows": rows,
                "transactions": txns,
                "bytes": bytes,
                "write_s": s,
                "rows_per_s": rows as f64 / s,
                "wall_s": wall,
            })
        );
    }
}
