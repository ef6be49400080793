//! One streamed run (`sink::write_stream`, what `spendsense-gen generate` does) in a bare Rust
//! process, without Python: for profiling the generator, detector and writers.
//!
//!     cargo run --release --example stream -- [--users N] [--seed S] [--threads T]
//!         [--format parquet,csv] [--detect] [--dir DIR]
//!
//! `--format ''` writes no format: with `--detect`, only the detector's outputs.
//!
//! Prints wall time, users/s and rows/s. Nothing is asserted.

use spendsense_gen::config::Format;
use spendsense_gen::Config;
use std::path::PathBuf;
use std::time::Instant;

mod args;
use args::arg;

fn main() {
    let users: u64 = arg("--users").map_or(20_000, |s| s.parse().expect("--users N"));
    let seed: u64 = arg("--seed").map_or(42, |s| s.parse().expect("--seed S"));
    let threads: Option<usize> = arg("--threads").map(|s| s.parse().expect("--threads T"));
    let formats: Vec<Format> = arg("--format")
        .unwrap_or_else(|| "parquet".into())
        .split(',')
        .filter(|f| !f.is_empty())
        .map(|f| Format::parse(f).expect("a format"))
        .collect();
    let detect = std::env::args().any(|a| a == "--detect");
    let dir = arg("--dir").map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = dir.join(format!("stream-{}", std::process::id()));
    let config = Config::from_value(&serde_json::json!({"n_users": users, "seed": seed}))
        .expect("a valid configuration");
    let t = Instant::now();
    let w = spendsense_gen::sink::write_stream(
        &config,
        None,
        threads,
        &dir,
        &formats,
        detect,
        true,
        &mut |_, _| Ok(()),
    )
    .expect("the run");
    let s = t.elapsed().as_secs_f64();
    let rows = w.tally.total_rows();
    println!(
        "stream: {users} users, {rows} rows, threads {threads:?}, detect {detect}: {s:.2} s, \
         {:.0} users/s, {:.2} M rows/s",
        users as f64 / s,
        rows as f64 / s / 1e6
    );
    let _ = std::fs::remove_dir_all(&dir);
}
