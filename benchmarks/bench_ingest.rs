//! How fast do `validate` and `load` read the three kinds of source?
//!
//!     cargo run --release --example bench_ingest -- [--users N] [--seed S] [--dir DIR]
//!
//! Generates one dataset (default 10,000 users) and writes it as SQLite, CSV and users.json into
//! `--dir` (default: the system's temporary folder), then times, once each, in this process:
//! `validate` on each source (all 16 rules) and `load` of the CSV folder and of users.json into a
//! new database (the integrity rules, the inserts, the indexes, the foreign-key check). Prints
//! seconds, rows per second (rows of all five tables) and input size. Nothing is asserted.
//! Peak memory: run it under `/usr/bin/time -v` (it is the largest of the phases, generation
//! included).

use spendsense_gen::sink::{csv, json, sqlite};
use spendsense_gen::tables::Table;
use spendsense_gen::{generate, load, validate, Config};
use std::path::{Path, PathBuf};
use std::time::Instant;

mod args;
use args::arg;

fn size_mb(p: &Path) -> f64 {
    fn walk(p: &Path) -> u64 {
        if p.is_dir() {
            std::fs::read_dir(p)
                .map(|d| d.filter_map(|e| e.ok()).map(|e| walk(&e.path())).sum())
                .unwrap_or(0)
        } else {
            std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
        }
    }
    walk(p) as f64 / 1e6
}

fn main() {
    let users: u64 = arg("--users").map_or(10_000, |s| s.parse().expect("--users N"));
    let seed: u64 = arg("--seed").map_or(42, |s| s.parse().expect("--seed S"));
    let dir = arg("--dir").map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = dir.join(format!("bench_ingest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("benchmark folder");
    let config = Config::from_value(&serde_json::json!({"n_users": users, "seed": seed}))
        .expect("a valid configuration");
    let t = Instant::now();
    let ds = generate(&config, None, &mut |_, _| Ok(())).expect("generation");
    let rows: u64 = Table::ALL
        .iter()
        .map(|t| ds.users.iter().map(|u| t.row_count(u) as u64).sum::<u64>())
        .sum();
    println!(
        "bench_ingest: {users} users (seed {seed}), {rows} rows, generated in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let (db, csv_dir, json_path) = (
        dir.join("spendsense.db"),
        dir.join("csv"),
        dir.join("users.json"),
    );
    let mut ok = |_: u64, _: u64| Ok(());
    sqlite::write(&ds, &db, true, &mut ok).expect("sqlite");
    csv::write(&ds, &csv_dir, true, &mut ok).expect("csv");
    json::write(&ds, &json_path, true, &mut ok).expect("json");
    drop(ds);

    println!(
        "{:<28} {:>9} {:>12} {:>10}",
        "step", "seconds", "rows/s", "input MB"
    );
    let show = |label: &str, secs: f64, input: &Path| {
        println!(
            "{label:<28} {secs:>9.2} {:>12.0} {:>10.1}",
            rows as f64 / secs,
            size_mb(input)
        );
    };
    for (label, path) in [
        ("validate sqlite", &db),
        ("validate csv", &csv_dir),
        ("validate users.json", &json_path),
    ] {
        let t = Instant::now();
        let report = validate(path).expect("validate");
        let secs = t.elapsed().as_secs_f64();
        assert!(report.ok(), "{}", report.summary(3));
        show(label, secs, path);
    }
    for (label, path) in [
        ("load csv -> new db", &csv_dir),
        ("load users.json -> new db", &json_path),
    ] {
        let target = dir.join("loaded.db");
        let _ = std::fs::remove_file(&target);
        let t = Instant::now();
        load(path, &target, &mut |_, _| Ok(())).expect("load");
        show(label, t.elapsed().as_secs_f64(), path);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
